"""The Chinese search index on real SQLite files: exact substring semantics, kept up to date as
documents are stored, rebuilt when it cannot be trusted."""

from __future__ import annotations

import random
import shutil

import pytest
from conftest import q

from archive import search
from archive.db import open_db, save_document
from pipelines.cleaning import text_hash


def found(db, query) -> set[int]:
    return {
        r[0]
        for r in db.execute(
            f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH ?",
            [search.fts_query(query)],
        )
    }


def truth(db, query) -> set[int]:
    ws = search.words(query)
    return {
        i
        for i, t in db.execute("SELECT id, text FROM documents")
        if all(w in search.normalize(t or "") for w in ws)
    }


@pytest.fixture
def archive(crawled, tmp_path):
    path = tmp_path / "a.db"
    shutil.copy(crawled["db"], path)
    return open_db(path)


def test_random_substrings_find_exactly_the_documents_that_contain_them(archive):
    rng = random.Random(7)
    texts = [t for (t,) in archive.execute("SELECT text FROM documents")]
    queries = ["人参", "扶贫", "棚改", "发展", "GDP", "ＧＤＰ", "6%", "冰雪 旅游", "吉林市 2020"]
    while len(queries) < 150:
        t = rng.choice(texts)
        n = rng.randint(1, 6)
        i = rng.randrange(0, len(t) - n)
        if not any(c.isspace() for c in t[i : i + n]):
            queries.append(t[i : i + n])
    for query in queries:
        assert found(archive, query) == truth(archive, query), query
    assert found(archive, "人参") and found(archive, "ＧＤＰ") == found(archive, "gdp")


def _store(db, url, text):
    cleaned = {"text": text, "title": "测试", "removed": []}
    saved = save_document(
        db, url=url, source="test", cleaned=cleaned, text_hash=text_hash(text), capture_ids=[1]
    )
    search.index_documents(db, [saved[0]])  # the index is the writer's step after the store
    return saved


def test_the_index_follows_stored_documents(archive):
    doc, state = _store(archive, "http://t.cn/1", "棚户区改造稳步推进\n新建保障房三千套零一户")
    assert state == "new" and found(archive, "三千套零一户") == {doc}
    assert doc in found(archive, "棚户区") and found(archive, "棚户区") == truth(archive, "棚户区")
    _, state = _store(archive, "http://t.cn/1", "冰雪旅游蓬勃发展\n接待游客八百万零七人次")
    assert state in ("updated", "changed")
    assert found(archive, "八百万零七人次") == {doc} and not found(archive, "三千套零一户")
    assert found(archive, "冰雪旅游") == truth(archive, "冰雪旅游")


def test_a_digest_that_does_not_match_rebuilds_with_the_new_text(archive):
    doc, _ = _store(archive, "http://t.cn/2", "老城区供热管网改造第九十九期")
    archive.execute("UPDATE search_indexed SET digest = 'tampered' WHERE doc_id = ?", [doc])
    _store(archive, "http://t.cn/2", "新城区污水处理厂第八十八期投入运行")
    assert found(archive, "污水处理厂第八十八期") == {doc} and not found(archive, "供热管网改造第九十九期")
    assert (
        archive.execute("SELECT COUNT(*) FROM search_indexed").fetchone()[0]
        == archive.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    )


def test_an_index_of_another_tokenizer_or_unicode_version_is_rebuilt(archive, tmp_path):
    path = archive.execute("PRAGMA database_list").fetchone()[2]
    archive.execute("UPDATE search_meta SET value = '0/unicode-1.0' WHERE key = 'tokenizer_version'")
    archive.execute(f"DROP TABLE {search.FTS_TABLE}")
    archive.execute(f"CREATE VIRTUAL TABLE {search.FTS_TABLE} USING fts5(text, content='')")
    archive.conn.commit()
    archive.close()
    db = open_db(path)
    assert search.index_version(db) == search.TOKENIZER_VERSION
    assert found(db, "发展") == truth(db, "发展") != set()
    assert q(path, "PRAGMA integrity_check") == [("ok",)]


# index_documents: the writer's batched step ---------------------------------------------------------
def _fresh(tmp_path):
    db = open_db(tmp_path / "b.db")
    ids = [_store(db, f"http://t.cn/b{i}", text)[0] for i, text in enumerate(BATCH)]
    search.index_documents(db, ids)  # whether or not save_document indexed them itself
    return db, ids


BATCH = [
    "棚户区改造稳步推进，新建保障房三千套",
    "冰雪旅游蓬勃发展，接待游客八百万人次",
    "高标准农田建设完成ＧＤＰ增长６％",
    "老城区供热管网改造第九十九期",
]


def _change(db, doc_id, text):
    """What the store does when a page's content changes: the text it replaces kept as a version."""
    version = db.execute("SELECT COALESCE(version, 1) FROM documents WHERE id = ?", [doc_id]).fetchone()[0]
    db.execute(
        "INSERT INTO document_versions (document_id, version, text) SELECT id, ?, text FROM documents"
        " WHERE id = ?",
        [version, doc_id],
    )
    db.execute("UPDATE documents SET text = ?, version = ? WHERE id = ?", [text, version + 1, doc_id])


def _every_pair_is_exact(db):
    texts = [t or "" for (t,) in db.execute("SELECT text FROM documents")]
    texts += [t or "" for (t,) in db.execute("SELECT text FROM document_versions")]
    pairs = {t[i : i + 2] for t in texts for i in range(len(t) - 1)} | {c for t in texts for c in t}
    assert pairs
    for query in sorted(pairs):
        if query.strip() == query:
            assert found(db, query) == truth(db, query), query


def test_index_documents_takes_out_the_old_text_and_puts_in_the_new(tmp_path):
    db, (a, b, c, d) = _fresh(tmp_path)
    _change(db, a, "城镇老旧小区改造惠及居民两万户")
    _change(db, d, "污水处理厂第八十八期投入运行")  # changed twice before the index was brought up to date:
    _change(db, d, "垃圾焚烧发电项目第七十七期并网")  # the text indexed is the older version
    new = db.execute(
        "INSERT INTO documents (url, text) VALUES ('http://t.cn/raw', '数字经济核心产业增加值')"
    ).lastrowid
    empty = db.execute("INSERT INTO documents (url, text) VALUES ('http://t.cn/none', NULL)").lastrowid
    assert search.index_documents(db, [a, b, d, new, empty, a, 99999]) == 4
    assert search.search(db, "老旧小区改造")[0] == 1 and search.search(db, "老旧小区改造")[1][0][0] == a
    assert search.search(db, "保障房三千套") == (0, [])
    assert found(db, "第七十七期") == {d} and not found(db, "第八十八期") and not found(db, "第九十九期")
    assert found(db, "数字经济") == {new} and found(db, "gdp增长6%") == {c} == found(db, "ＧＤＰ")
    _every_pair_is_exact(db)
    assert search.index_documents(db, [a, b, c, d, new, empty]) == 0  # up to date: nothing written
    assert db.execute("SELECT COUNT(*) FROM search_indexed").fetchone()[0] == 6
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.execute(f"INSERT INTO {search.FTS_TABLE} ({search.FTS_TABLE}, rank) VALUES ('integrity-check', 1)")


def test_index_documents_rebuilds_when_the_indexed_text_is_in_no_version(tmp_path):
    db, (a, b, c, d) = _fresh(tmp_path)
    _change(db, b, "冰雪旅游提质升级")
    db.execute("UPDATE documents SET text = '乡村振兴示范村一百二十个' WHERE id = ?", [a])  # no version kept
    assert search.index_documents(db, [a, b]) == 4  # every document, anew
    assert found(db, "示范村") == {a} and not found(db, "保障房") and found(db, "提质升级") == {b}
    assert not found(db, "八百万人次")
    _every_pair_is_exact(db)
    assert search.index_version(db) == search.TOKENIZER_VERSION
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
