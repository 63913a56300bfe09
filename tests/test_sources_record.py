"""The archive remembers its sources (``sources``, ``source_versions``), and the commands that
re-read it (reprocess, dedupe, sources list/check) use that record: a source's documents are
never re-cleaned without the configuration they were cleaned with."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import q, run_archive

from archive import db as archive_db
from archive.sourcestore import (
    archived_sources,
    configured_keys,
    record_sources,
    resolve_sources,
    unconfigured_sources,
)
from crawler.sources import load_sources

pytestmark = pytest.mark.slow  # real crawls recording their sources

ENTRY = """[site-a]
name = "甲市人民政府"
start_urls = ["http://a.example.gov.cn/zfgzbg/"]
reports = ['/zfgzbg/\\d+\\.html$']
official = true
[site-a.selectors]
content = "div.TRS_Editor"

[site-b]
name = "乙网"
start_urls = ["http://b.example.cn/list.html"]
reports = ['/b/\\d+\\.html$']
"""


def sources_file(path, text=ENTRY):
    path.write_text(text, encoding="utf-8")
    return str(path)


def add_documents(db, source: str, n: int = 1) -> None:
    for i in range(n):
        db.execute(
            "INSERT INTO documents (url, source, text) VALUES (?, ?, '正文')",
            [f"http://{source}/{i}", source],
        )


def test_record_sources_keeps_the_first_run_and_every_earlier_entry(tmp_path):
    db = archive_db.open_db(tmp_path / "a.db")
    first = load_sources(sources_file(tmp_path / "s.toml"))
    record_sources(db, first, 1)
    record_sources(db, first, 2)  # the same entries: only the last run moves
    rows = db.execute(
        "SELECT key, first_run, last_run, since_run, file, digest FROM sources ORDER BY key"
    ).fetchall()
    assert [r[:4] for r in rows] == [("site-a", 1, 2, 1), ("site-b", 1, 2, 1)]
    assert {r[4] for r in rows} == {str(tmp_path / "s.toml")}
    assert q(tmp_path / "a.db", "SELECT COUNT(*) FROM source_versions") == [(0,)]
    # the record parses back into the same sources, with the file each came from
    back = archived_sources(db)
    assert back == first and back["site-a"].selectors == {"content": "div.TRS_Editor"}
    assert back["site-a"].origin == str(tmp_path / "s.toml") and back["site-a"].table == first["site-a"].table
    # site-a's selectors change: its earlier entry is kept, with the runs it was used in
    changed = load_sources(sources_file(tmp_path / "t.toml", ENTRY.replace("div.TRS_Editor", "div#zoom")))
    record_sources(db, {"site-a": changed["site-a"]}, 3)
    record_sources(db, {"site-a": changed["site-a"]}, None)  # reprocess / import: no run
    ((key, digest, toml, file, from_run, until_run),) = db.execute(
        "SELECT key, digest, toml, file, from_run, until_run FROM source_versions"
    ).fetchall()
    assert (key, digest, file, from_run, until_run) == ("site-a", rows[0][5], str(tmp_path / "s.toml"), 1, 2)
    assert 'content = "div.TRS_Editor"' in toml and toml.startswith("[site-a]\n")
    ((first_run, last_run, since_run, file, new_toml),) = db.execute(
        "SELECT first_run, last_run, since_run, file, toml FROM sources WHERE key = 'site-a'"
    ).fetchall()
    assert (first_run, last_run, since_run, file) == (1, 3, 3, str(tmp_path / "t.toml"))
    assert 'content = "div#zoom"' in new_toml
    assert archived_sources(db)["site-a"].selectors == {"content": "div#zoom"}
    db.close()


def test_resolve_without_a_file_uses_the_record_then_the_default_file(tmp_path, monkeypatch):
    db = archive_db.open_db(tmp_path / "a.db")
    record_sources(db, {"site-a": load_sources(sources_file(tmp_path / "s.toml"))["site-a"]}, 1)
    for key in ("site-a", "site-b", "site-c", "import"):
        add_documents(db, key, 2)
    db.execute(
        "INSERT INTO crawl_runs (started_at, status, sources) VALUES ('x', 'ok', ?)",
        [json.dumps(["site-a", "site-c"])],
    )
    # the default sources file ($ARCHIVE_SOURCES) has site-b, and another site-a
    default = sources_file(tmp_path / "default.toml", ENTRY.replace("甲市人民政府", "甲市政府（新）"))
    monkeypatch.setenv("ARCHIVE_SOURCES", default)
    resolved, warnings = resolve_sources(db, None)
    assert resolved["site-a"].name == "甲市人民政府"  # the archive's record wins
    assert resolved["site-b"].origin == default  # no record: the default file's entry
    assert "site-c" not in resolved and "import" not in resolved
    assert configured_keys(db) == {"site-a", "site-c"}
    assert unconfigured_sources(db, resolved) == {"site-c": 2}  # 'import' is cleaned without configuration
    assert sorted(w.split(":")[0] for w in warnings) == ["source site-a", "source site-b", "source site-c"]
    assert any("site-c" in w and "left alone" in w for w in warnings)
    db.close()


def test_resolve_with_a_file_lacking_a_known_source(tmp_path):
    db = archive_db.open_db(tmp_path / "a.db")
    record_sources(db, load_sources(sources_file(tmp_path / "s.toml")), 1)
    add_documents(db, "site-a", 3)
    add_documents(db, "site-b", 1)
    only_b = sources_file(tmp_path / "b.toml", ENTRY[ENTRY.index("[site-b]") :])
    resolved, warnings = resolve_sources(db, only_b)
    assert set(resolved) == {"site-b"}
    assert warnings == [f"source site-a: not in {only_b}: its 3 documents are left alone"]
    assert unconfigured_sources(db, resolved) == {"site-a": 3}
    db.close()


@pytest.fixture
def demo_copy(crawled, tmp_path):
    db = tmp_path / "demo.db"
    shutil.copy(crawled["db"], db)
    return db


def documents(db) -> list[tuple]:
    return q(db, "SELECT id, title, source_name, text, city, year, version FROM documents ORDER BY id")


def test_the_demo_reprocessed_without_sources_changes_nothing(demo_copy, crawled):
    """The reproduced bug: after the demo's crawl, ``archive reprocess --db`` (no --sources) re-cleaned
    the documents without their selectors. The crawl recorded them; reprocess uses that record."""
    assert q(demo_copy, "SELECT key, first_run, last_run, file FROM sources ORDER BY key") == [
        (k, 1, 1, crawled["sources"]) for k in ("demo-agg", "demo-blog", "demo-gov", "demo-news")
    ]
    before, versions = documents(demo_copy), q(demo_copy, "SELECT * FROM document_versions")
    r = run_archive("reprocess", "--db", demo_copy)
    assert r.returncode == 0, r.stderr
    assert f"reprocessed {len(before)} documents: 0 updated, {len(before)} unchanged" in r.stdout
    assert r.stderr == ""
    assert documents(demo_copy) == before
    assert q(demo_copy, "SELECT * FROM document_versions") == versions


def test_an_archive_without_a_record_leaves_the_crawled_documents_alone(demo_copy):
    """An archive older than the record (the demo's sources are in no default file): nothing is
    re-cleaned without its configuration; one warning per source; --source of one is an error."""
    con = sqlite3.connect(demo_copy)
    con.execute("DELETE FROM sources")
    con.commit()
    con.close()
    before = documents(demo_copy)
    boilerplate = q(demo_copy, "SELECT * FROM boilerplate ORDER BY source, text, kind")
    r = run_archive("reprocess", "--db", demo_copy)
    assert r.returncode == 0, r.stderr
    assert f"reprocessed 0 documents: 0 updated, 0 unchanged; {len(before)} left alone" in r.stdout
    lines = r.stderr.splitlines()
    assert len(lines) == 4 and all(
        line.startswith("archive: source demo-") and "left alone" in line for line in lines
    )
    assert documents(demo_copy) == before
    assert (
        q(demo_copy, "SELECT * FROM boilerplate ORDER BY source, text, kind") == boilerplate
    )  # not relearned
    r = run_archive("reprocess", "--db", demo_copy, "--source", "demo-agg")
    assert r.returncode == 2
    assert [line for line in r.stderr.splitlines() if "demo-agg" in line and "no configuration" in line]
    assert documents(demo_copy) == before


def test_a_file_lacking_a_source_leaves_its_documents_alone(demo_copy, crawled, tmp_path):
    text = open(crawled["sources"], encoding="utf-8").read()
    without_agg = tmp_path / "no-agg.toml"
    without_agg.write_text(
        text[: text.index("[demo-agg]")] + text[text.index("[demo-blog]") :], encoding="utf-8"
    )
    before = documents(demo_copy)
    r = run_archive("reprocess", "--db", demo_copy, "--sources", without_agg)
    assert r.returncode == 0, r.stderr
    n_agg = q(demo_copy, "SELECT COUNT(*) FROM documents WHERE source = 'demo-agg'")[0][0]
    assert f"0 updated, {len(before) - n_agg} unchanged; {n_agg} left alone" in r.stdout
    assert r.stderr.splitlines() == [
        f"archive: source demo-agg: not in {without_agg}: its {n_agg} documents are left alone"
    ]
    assert documents(demo_copy) == before


def test_reprocess_with_another_entry_records_it(demo_copy, crawled, tmp_path):
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(
        open(crawled["sources"], encoding="utf-8")
        .read()
        .replace('name = "松江夜读（演示博客）"', 'name = "松江夜读"'),
        encoding="utf-8",
    )
    r = run_archive("reprocess", "--db", demo_copy, "--sources", renamed)
    assert r.returncode == 0, r.stderr
    assert "0 updated" in r.stdout
    assert "demo-blog" in r.stderr and "another entry" in r.stderr
    assert q(demo_copy, "SELECT name, file, first_run, last_run FROM sources WHERE key = 'demo-blog'") == [
        ("松江夜读", str(renamed), 1, 1)
    ]
    assert q(demo_copy, "SELECT key, file, from_run, until_run FROM source_versions") == [
        ("demo-blog", crawled["sources"], 1, 1)
    ]
    r = run_archive("reprocess", "--db", demo_copy)  # the record is the renamed entry now
    assert r.returncode == 0 and r.stderr == "" and "0 updated" in r.stdout


def test_sources_list_check_and_dedupe_read_the_record(demo_copy, crawled):
    r = run_archive("sources", "list", "--db", demo_copy)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"# {demo_copy} (recorded)"
    assert [line.split("\t")[0] for line in lines[1:]] == ["demo-agg", "demo-blog", "demo-gov", "demo-news"]
    r = run_archive(
        "sources", "check", "demo-gov", "--db", demo_copy
    )  # the recorded start URL, on the demo site
    assert r.returncode == 0, r.stderr
    assert f"# {crawled['base_url']}/gov/zfgzbg/index.html  (200)" in r.stdout and "archive (" in r.stdout
    assert run_archive("sources", "check", "nope", "--db", demo_copy).returncode == 2
    # dedupe: the recorded official sources, the same groups as with the sources file
    assert run_archive("dedupe", "--db", demo_copy, "--sources", crawled["sources"]).returncode == 0
    groups = q(demo_copy, "SELECT id, canonical_id, duplicate_kind FROM documents ORDER BY id")
    r = run_archive("dedupe", "--db", demo_copy)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert q(demo_copy, "SELECT id, canonical_id, duplicate_kind FROM documents ORDER BY id") == groups
