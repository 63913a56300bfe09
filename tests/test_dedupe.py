"""The dedupe engine on real SQLite files: kinds, the best copy wins, guards, incremental = rebuild."""

from __future__ import annotations

import random

import pytest
from conftest import REPO

from archive.db import open_db
from archive.dedupe import Deduper
from pipelines.cleaning import text_hash
from pipelines.similarity import sample, shingle_hashes, similarity

SEEDS = REPO / "tests" / "fixtures" / "seeds"
FULL = (SEEDS / "001_94c300e1a2ca0804.txt").read_text(encoding="utf-8")  # 2018 吉林市, whole report
BODY = "\n".join(FULL.splitlines()[7:])  # without the blog's header lines


def star(text: str, words=("习近平", "改革", "发展", "市场")) -> str:
    for w in words:
        text = text.replace(w, "*" * len(w), 3)
    return text


def add(db, url, text, **meta):
    row = {
        "url": url,
        "source": meta.pop("source", "test"),
        "text": text,
        "text_hash": text_hash(text),
        "chars": len(text),
        "pages": 1,
        "masked_chars": text.count("*"),
        "truncated": 0,
        "mojibake": 0,
        "city": "吉林市",
        "province": "吉林省",
        "year": 2018,
        "admin_code": "220200",
        **meta,
    }
    return db["documents"].insert(row).last_pk


def groups(db):
    return db.execute("SELECT id, canonical_id, duplicate_kind FROM documents ORDER BY id").fetchall()


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "d.db")


def test_similarity_ignores_layout_width_and_masks():
    a = shingle_hashes(BODY)
    assert similarity(shingle_hashes(BODY.replace("，", ",").replace("\n", "\n\n  ")), a).jaccard == 1.0
    damaged = shingle_hashes(star(BODY))
    assert similarity(damaged, a).a_in_b == 1.0  # a masked copy adds no shingles of its own
    half = shingle_hashes(BODY[: len(BODY) // 2])
    s = sample(half)
    assert set(s.tolist()) <= set(sample(a).tolist())  # value sampling: an excerpt's sample is a subset


def test_kinds_and_the_best_copy_wins_whatever_the_order(db):
    d = Deduper(db)
    excerpt = add(
        db, "http://agg.example.com/1.html", BODY[len(BODY) // 3 : len(BODY) // 2], city=None, year=None
    )
    damaged = add(db, "http://news.example.com/2.html", star(BODY))
    full = add(db, "http://www.jlcity.gov.cn/3.html", BODY)
    copy = add(db, "http://blog.example.com/4.html", BODY)
    for i in (excerpt, damaged, full, copy):
        d.add(i)
    assert groups(db) == [
        (excerpt, full, "excerpt"),
        (damaged, full, "near"),
        (full, full, None),
        (copy, full, "exact"),
    ]
    before = groups(db)
    d.rebuild()
    assert groups(db) == before


def test_official_clean_copy_beats_an_earlier_one_with_chrome(db):
    d = Deduper(db)
    first = add(db, "http://news.example.com/a.html", "吉网新闻 有思想\n" + BODY + "\n编辑: 某某")
    d.add(first)
    gov = add(db, "http://www.jlcity.gov.cn/b.html", BODY)
    assert d.add(gov) == (gov, None)
    assert groups(db) == [(first, gov, "near"), (gov, gov, None)]


def test_metadata_guard_and_hard_negatives(db):
    d = Deduper(db)
    a = add(db, "http://a.cn/1", BODY)
    other_year = add(db, "http://a.cn/2", BODY.replace("2018", "2019"), year=2019)
    other_city = add(db, "http://a.cn/3", BODY, city="通化市", admin_code="220500")
    lines = BODY.splitlines()
    random.Random(1).shuffle(lines)
    mixed = "\n".join(lines[: len(lines) // 3])  # a third of the report's sentences, another order
    unrelated = add(
        db,
        "http://b.cn/4",
        (SEEDS / "000_dbcc9ea6e1c44f24.txt").read_text(encoding="utf-8"),
        city="通化市",
        admin_code="220500",
    )
    for i in (a, other_year, other_city, unrelated):
        d.add(i)
    assert [(r[1], r[2]) for r in groups(db)] == [
        (a, None),
        (other_year, None),
        (other_city, None),
        (unrelated, None),
    ]
    m = add(db, "http://b.cn/5", mixed, city=None, year=None, admin_code=None)
    assert d.add(m) == (a, "excerpt")  # sentences of the report, reordered, are still its excerpt


def test_text_change_regroups_and_add_is_idempotent(db):
    d = Deduper(db)
    a = add(db, "http://a.cn/1", BODY)
    b = add(db, "http://a.cn/2", BODY)
    d.add(a)
    assert d.add(b) == (a, "exact")
    assert d.add(b) == (a, "exact")  # unchanged text: nothing to do
    # the canonical's page changes into another report: the copy becomes canonical of its own
    other = (SEEDS / "000_dbcc9ea6e1c44f24.txt").read_text(encoding="utf-8")
    db.execute(
        "UPDATE documents SET text = ?, text_hash = ?, city = '通化市' WHERE id = ?",
        [other, text_hash(other), a],
    )
    assert d.add(a) == (a, None)
    assert groups(db) == [(a, a, None), (b, b, None)]
    counts = db.execute("SELECT COUNT(*) FROM dedupe_sketches").fetchone()[0]
    assert counts == 2


def test_official_source_wins_between_equal_copies(db):
    d = Deduper(db, official_sources={"portal"})
    news = add(db, "http://news.example.com/1.html", BODY, source="news")
    portal = add(db, "http://127.0.0.1:8950/gov/2.html", BODY, source="portal")
    d.add(news)
    assert d.add(portal) == (portal, None)
    assert groups(db) == [(news, portal, "exact"), (portal, portal, None)]


def test_a_metadata_change_regroups_like_a_rebuild(db):
    """Same text, city learned later (reprocess with better rules): the guard applies at once."""
    d = Deduper(db)
    a = add(db, "http://a.cn/1", BODY, city=None, admin_code=None)
    b = add(db, "http://a.cn/2", BODY, city=None, admin_code=None)
    d.add(a)
    assert d.add(b) == (a, "exact")
    db.execute("UPDATE documents SET city = '吉林市', admin_code = '220200' WHERE id = ?", [a])
    db.execute("UPDATE documents SET city = '长春市', admin_code = '220100' WHERE id = ?", [b])
    d.add(a)
    d.add(b)
    incremental = groups(db)
    assert incremental == [(a, a, None), (b, b, None)]
    d.rebuild()
    assert groups(db) == incremental


def test_index_of_the_old_schema_is_migrated(tmp_path):
    """An archive indexed with one row per (hash, document) keeps its groups: the rows are folded
    into dedupe_index (same lists, stock hashes stay stock) and matching goes on from there."""
    import sqlite3

    path = tmp_path / "old.db"
    db = open_db(path)
    d = Deduper(db)
    a = add(db, "http://a.cn/1", BODY)
    d.add(a)
    lists = dict(db.execute("SELECT hash, docs FROM dedupe_index").fetchall())
    db.conn.commit()
    db.close()
    con = sqlite3.connect(path)  # rewrite the index the way schema 1 stored it
    con.execute(
        "CREATE TABLE dedupe_postings (hash INTEGER NOT NULL, doc_id INTEGER NOT NULL,"
        " PRIMARY KEY (hash, doc_id)) WITHOUT ROWID"
    )
    con.execute("CREATE TABLE dedupe_stock (hash INTEGER PRIMARY KEY)")
    con.executemany("INSERT INTO dedupe_postings VALUES (?, ?)", [(h, a) for h in lists])
    stock = next(iter(lists))
    con.execute("INSERT INTO dedupe_stock VALUES (?)", [stock])
    con.execute("DROP TABLE dedupe_index")
    con.commit()
    con.close()
    db = open_db(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "dedupe_postings" not in tables and "dedupe_stock" not in tables
    migrated = dict(db.execute("SELECT hash, docs FROM dedupe_index").fetchall())
    assert set(migrated) == set(lists) and migrated[stock] is None
    assert all(v == lists[h] for h, v in migrated.items() if h != stock)
    b = add(db, "http://a.cn/2", star(BODY))
    assert Deduper(db).add(b) == (a, "near")


def test_rebuild_overwrites_any_earlier_grouping(db):
    """A rebuild does not reset the rows first: every row must still end up with the groups a clean
    rebuild gives, whatever it said before (here: scrambled canonical ids and kinds)."""
    texts = [
        BODY,
        star(BODY),
        BODY,
        "\n".join(BODY.splitlines()[:25]),
        (SEEDS / "000_dbcc9ea6e1c44f24.txt").read_text(encoding="utf-8"),
    ]
    ids = [add(db, f"http://r.cn/{i}", t) for i, t in enumerate(texts)]
    d = Deduper(db)
    d.rebuild(workers=0)
    clean = groups(db)
    rng = random.Random(3)
    for i in ids:
        db.execute(
            "UPDATE documents SET canonical_id = ?, duplicate_kind = ? WHERE id = ?",
            [rng.choice(ids), rng.choice([None, "exact", "near", "excerpt"]), i],
        )
    d.rebuild(workers=0)
    assert groups(db) == clean
    assert len({c for _, c, _ in clean}) == 2  # the report's copies, and the other report


def ascii_punctuation(text: str) -> str:
    """What OCR or a PDF's text layer does to a report: half-width punctuation everywhere."""
    return text.translate(str.maketrans("，。；：！？（）、“”", ',.;:!?(),""'))


def test_punctuation_and_symbols_do_not_count():
    a = shingle_hashes(BODY)
    assert similarity(shingle_hashes(ascii_punctuation(BODY)), a).jaccard == 1.0
    # a filter's other masks (×, □) are as if the word were gone; ``*`` keeps its windows dropped
    boxed = BODY.replace("改革", "□□", 5).replace("市场", "××", 5)
    gone = BODY.replace("改革", "", 5).replace("市场", "", 5)
    assert similarity(shingle_hashes(boxed), shingle_hashes(gone)).jaccard == 1.0


def test_a_copy_with_ascii_punctuation_is_a_near_copy(db):
    d = Deduper(db)
    gov = add(db, "http://www.jlcity.gov.cn/1.html", BODY)
    ocr = add(db, "http://pdf.example.com/2.html", ascii_punctuation(BODY))
    d.add(gov)
    assert d.add(ocr) == (gov, "near")


def test_a_short_excerpt_stored_first_is_found_by_the_full_text(db):
    """An excerpt whose sample is smaller than MIN_SAMPLE is held to its own sample size, also when
    the full report comes later (news of the targets often comes before the report's full text)."""
    from archive.dedupe import MIN_SAMPLE

    start = BODY.index("\n", len(BODY) // 2) + 1
    size = 0
    for k in range(50, 2000, 10):  # the longest passage from there whose sample is 1–4 hashes
        n = len(sample(shingle_hashes(BODY[start : start + k])))
        if n > MIN_SAMPLE // 2:  # 5 of 8 shared hashes made any document a candidate before
            break
        size = k if n else size
    assert size, "no excerpt with a small sample in the fixture"
    d = Deduper(db)
    short = add(db, "http://news.example.com/targets.html", BODY[start : start + size])
    assert d.add(short) == (short, None)
    full = add(db, "http://www.jlcity.gov.cn/full.html", BODY)
    assert d.add(full) == (full, None)
    assert groups(db) == [(short, full, "excerpt"), (full, full, None)]
    before = groups(db)
    d.rebuild(workers=0)
    assert groups(db) == before


def test_an_excerpt_of_two_reports_does_not_break_either_group(db):
    """The plan report of the same city and year quotes a part of the work report: an excerpt of
    that part is contained in both. It joins one group; neither group is split up or merged."""
    lines = BODY.splitlines()
    part = lines[10:22]
    plan_text = "\n".join(
        [
            "关于吉林市2018年国民经济和社会发展计划执行情况的报告",
            *part,
            *(
                f"第{i}项计划任务：全市重点项目{i * 7}个，完成投资{i * 13}亿元，推进园区建设和民生工程。"
                for i in range(1, 400)
            ),
        ]
    )
    d = Deduper(db)
    work = [add(db, f"http://w.cn/{i}", t) for i, t in enumerate([BODY, star(BODY), BODY + "\n编辑：某某"])]
    plan = [add(db, f"http://p.cn/{i}", t) for i, t in enumerate([plan_text, star(plan_text)])]
    for i in work + plan:
        d.add(i)
    assert {c for _, c, _ in groups(db)} == {work[0], plan[0]}
    excerpt = add(db, "http://agg.cn/x", "\n".join(part), city=None, year=None, admin_code=None)
    canon, kind = d.add(excerpt)
    assert kind == "excerpt" and canon in (work[0], plan[0])
    rows = {i: (c, k) for i, c, k in groups(db)}
    assert all(rows[i][0] == work[0] for i in work) and all(rows[i][0] == plan[0] for i in plan)


def test_a_group_never_holds_two_known_years_or_cities(db):
    """A canonical without a year must not let a 2018 and a 2019 copy into one group."""
    d = Deduper(db)
    bare = add(db, "http://www.jlcity.gov.cn/a.html", BODY, year=None, city=None, admin_code=None)
    y2018 = add(db, "http://n.cn/b", star(BODY))
    y2019 = add(db, "http://n.cn/c", BODY + "\n编辑：某某", year=2019)
    other_city = add(db, "http://n.cn/d", BODY + "\n来源：某报", year=None, city="通化市", admin_code=None)
    # a last copy without metadata matches both the 2018 and the 2019 group: it joins one
    bare_again = add(db, "http://m.cn/e", BODY + "\n（完）", year=None, city=None, admin_code=None)
    for i in (bare, y2018, y2019, other_city, bare_again):
        d.add(i)
    by_group: dict[int, list[int]] = {}
    for i, c, _ in groups(db):
        by_group.setdefault(c, []).append(i)
    rows = {r["id"]: r for r in db["documents"].rows}
    for members in by_group.values():
        for key in ("year", "city"):
            assert len({rows[i][key] for i in members} - {None}) <= 1, (key, members)
    assert any(y2018 in m and bare in m for m in by_group.values())


def test_sketches_of_an_older_version_are_recomputed_once(db, caplog):
    d = Deduper(db)
    a = add(db, "http://a.cn/1", BODY)
    d.add(a)
    db.execute("UPDATE dedupe_meta SET value = '1' WHERE key = 'sketch_version'")
    db.execute("UPDATE dedupe_sketches SET sample = X'00', samples = 0")  # made with other shingles
    db.execute("DELETE FROM dedupe_index")
    db.conn.commit()
    d = Deduper(db)
    assert d.stale
    b = add(db, "http://a.cn/2", ascii_punctuation(BODY))
    with caplog.at_level("WARNING"):
        assert d.add(b) == (a, "near")
    assert "older version" in caplog.text
    assert not Deduper(db).stale
    from pipelines.similarity import SKETCH_VERSION

    assert (
        db.execute("SELECT value FROM dedupe_meta WHERE key = 'sketch_version'").fetchone()[0]
        == SKETCH_VERSION
    )


def test_a_copy_whose_city_and_year_are_known_is_the_better_canonical(db):
    d = Deduper(db)
    bare = add(db, "http://agg.example.com/1.html", BODY, city=None, year=None, admin_code=None)
    known = add(db, "http://news.example.com/2.html", BODY)
    d.add(bare)
    assert d.add(known) == (known, None)
    assert groups(db) == [(bare, known, "exact"), (known, known, None)]


def test_an_excerpt_stored_before_the_copies_is_found_by_the_full_text(db):
    """The excerpt came first; the copies that came next had lost too much of its part (a filter
    deleted words) to take it; the full text, which comes last, holds all of it. The excerpt's
    hashes are then the full text's less rare ones (the copies share the rest), so few are among
    those looked up: its share is how much of its own sample the full text has."""
    lines = BODY.splitlines()
    a, b = len(lines) // 3, len(lines) // 3 + 12
    part = lines[a:b]
    rng = random.Random(5)

    def deleted(ls, n):  # a filter deleting n two-character words per line
        out = []
        for ln in ls:
            for _ in range(n):
                i = rng.randrange(max(1, len(ln) - 2))
                ln = ln[:i] + ln[i + 2 :]
            out.append(ln)
        return out

    d = Deduper(db)
    excerpt = add(
        db, "http://news.example.com/part.html", "\n".join(part), city=None, year=None, admin_code=None
    )
    copies = [
        add(db, f"http://agg{i}.example.com/c.html", "\n".join(lines[:a] + deleted(part, 12) + lines[b:]))
        for i in range(3)
    ]
    full = add(db, "http://www.jlcity.gov.cn/full.html", BODY)
    for i in (excerpt, *copies, full):
        d.add(i)
    rows = {i: (c, k) for i, c, k in groups(db)}
    assert rows[excerpt] == (full, "excerpt"), rows
    assert all(rows[c][0] == full for c in copies)
