"""archive clean / import / reprocess: saved pages through the crawl's own pipelines."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import REPO, q, run_archive

pytestmark = pytest.mark.slow  # imports and reprocesses through the archive command, one process per call

SEEDS = REPO / "tests" / "fixtures" / "seeds"


def test_clean_prints_the_interface_keys(tmp_path):
    seed = SEEDS / "000_dbcc9ea6e1c44f24.txt"
    r = run_archive("clean", seed, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc)[:12] == [
        "url",
        "title",
        "text",
        "publish_date",
        "source_name",
        "doc_type",
        "province",
        "city",
        "admin_code",
        "admin_level",
        "year",
        "removed",
    ]
    assert doc["url"] == seed.resolve().as_uri()
    assert (doc["city"], doc["province"], doc["year"], doc["admin_level"]) == (
        "通化市",
        "吉林省",
        2018,
        "prefecture",
    )
    assert doc["source_name"] == "通化日报" and doc["publish_date"] == "2018-01-11"
    assert all(set(r) == {"line", "rule"} and r["rule"] for r in doc["removed"])
    assert "编辑: 姜春起" not in doc["text"]
    r = run_archive("clean", seed, "--url", "http://example.gov.cn/a.html", "--json")
    assert json.loads(r.stdout)["url"] == "http://example.gov.cn/a.html"
    r = run_archive("clean", seed)  # readable view
    assert r.returncode == 0 and "通化市" in r.stdout and "--- removed ---" in r.stdout
    assert run_archive("clean", tmp_path / "missing.html").returncode == 2


def test_clean_matches_what_a_crawl_stored(crawled):
    from archive.db import decompress

    con = sqlite3.connect(crawled["db"])
    url, text, title, city, body, compression, ctype = con.execute(
        "SELECT d.url, d.text, d.title, d.city, c.body, c.compression, c.content_type FROM documents d"
        " JOIN captures c ON c.id = d.capture_id WHERE d.pages = 1 AND d.source = 'demo-news' LIMIT 1"
    ).fetchone()
    saved = crawled["db"].parent / "saved.html"
    saved.write_bytes(decompress(body, compression))
    r = run_archive(
        "clean",
        saved,
        "--url",
        url,
        "--json",
        "--sources",
        crawled["sources"],
        "--source",
        "demo-news",
        "--db",
        crawled["db"],
    )
    doc = json.loads(r.stdout)
    assert (doc["text"], doc["title"], doc["city"]) == (text, title, city)


def test_import_files_and_folders_idempotently(tmp_path):
    db = tmp_path / "imp.db"
    r = run_archive("import", SEEDS, "--db", db)
    assert r.returncode == 0, r.stderr
    assert "imported 3 files: 3 new" in r.stdout
    rows = q(db, "SELECT url, source, city, year FROM documents ORDER BY url")
    assert [u for u, *_ in rows] == sorted(p.resolve().as_uri() for p in SEEDS.glob("*.txt"))
    assert {s for _, s, *_ in rows} == {"import"}
    assert {(c, y) for _, _, c, y in rows} == {("通化市", 2018), ("吉林市", 2018), ("通化市", 2023)}
    before = {
        t: q(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("captures", "documents", "document_captures")
    }
    r = run_archive("import", SEEDS / "000_dbcc9ea6e1c44f24.txt", SEEDS, "--db", db)
    assert "0 new, 0 updated" in r.stdout
    assert {t: q(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in before} == before
    # --url only with a single file
    assert run_archive("import", SEEDS, "--url", "http://x.cn/a.html", "--db", db).returncode == 2
    r = run_archive("import", SEEDS / "001_94c300e1a2ca0804.txt", "--url", "http://x.cn/a.html", "--db", db)
    assert (
        r.returncode == 0
        and q(db, "SELECT COUNT(*) FROM documents WHERE url = 'http://x.cn/a.html'")[0][0] == 1
    )
    # the same text under another URL is an exact duplicate of the first copy
    [(canonical, kind)] = q(
        db, "SELECT canonical_id, duplicate_kind FROM documents WHERE url = 'http://x.cn/a.html'"
    )
    assert kind == "exact" and q(db, "SELECT url FROM documents WHERE id = ?", canonical)[0][0].endswith(
        "001_94c300e1a2ca0804.txt"
    )


def test_reprocess_rebuilds_documents_in_place_from_captures(crawled, tmp_path):
    db = tmp_path / "re.db"
    shutil.copy(crawled["db"], db)
    before = q(db, "SELECT id, url, text, city, year, canonical_id FROM documents ORDER BY id")
    con = sqlite3.connect(db)
    con.execute("UPDATE documents SET text = 'damaged', city = NULL")  # e.g. an older cleaner's output
    con.commit()
    con.close()
    r = run_archive("reprocess", "--db", db, "--sources", crawled["sources"])
    assert r.returncode == 0, r.stderr
    assert f"reprocessed {len(before)} documents: {len(before)} updated" in r.stdout
    assert q(db, "SELECT id, url, text, city, year, canonical_id FROM documents ORDER BY id") == before
    r = run_archive("reprocess", "--db", db, "--sources", crawled["sources"])
    assert f"0 updated, {len(before)} unchanged" in r.stdout


def test_reprocess_uses_the_present_version_after_a_page_reverts(tmp_path):
    """v1 → v2 → v1 at one URL: the document is v1 again, and reprocess keeps v1 (not the newest capture)."""
    db = tmp_path / "v.db"
    page = tmp_path / "page.txt"
    seed = (SEEDS / "000_dbcc9ea6e1c44f24.txt").read_text(encoding="utf-8")
    url = "http://www.example.gov.cn/report.html"
    for text in (seed, seed + "\n附：新增一段补充说明文字，用于区分版本。", seed):
        page.write_text(text, encoding="utf-8")
        assert run_archive("import", page, "--url", url, "--db", db).returncode == 0
    [(text_before, cap)] = q(db, "SELECT text, capture_id FROM documents")
    assert "新增一段补充说明" not in text_before
    assert [r[0] for r in q(db, "SELECT current FROM document_captures ORDER BY capture_id")] == [1, 0]
    r = run_archive("reprocess", "--db", db)
    assert r.returncode == 0, r.stderr
    assert q(db, "SELECT text, capture_id FROM documents") == [(text_before, cap)]


def test_bad_sources_file_is_a_usage_error_for_every_writer(tmp_path):
    db = tmp_path / "s.db"
    assert run_archive("import", SEEDS, "--db", db).returncode == 0
    for args in (["import", SEEDS], ["reprocess"], ["dedupe"]):
        r = run_archive(*args, "--db", db, "--sources", tmp_path / "missing.toml")
        assert r.returncode == 2 and "sources file not found" in r.stderr, (args, r.stderr[-300:])


def test_archive_paths_with_url_characters(tmp_path):
    odd = tmp_path / "a#b?c%d"
    odd.mkdir()
    db = odd / "x.db"
    assert run_archive("import", SEEDS, "--db", db).returncode == 0
    r = run_archive("status", "--db", db, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["documents"] == 3


def test_reprocess_keeps_what_it_replaces_as_a_version(crawled, tmp_path):
    """A cited id and version lead to what was cited: the state a reprocess replaces is kept."""
    db = tmp_path / "cite.db"
    shutil.copy(crawled["db"], db)
    [(doc_id, version, text, title)] = q(
        db, "SELECT id, version, text, title FROM documents ORDER BY id LIMIT 1"
    )
    con = sqlite3.connect(db)
    con.execute(
        "UPDATE documents SET text = '旧的正文', title = '旧标题', city = '旧市' WHERE id = ?", [doc_id]
    )
    con.commit()
    con.close()
    r = run_archive("reprocess", "--db", db, "--sources", crawled["sources"])
    assert r.returncode == 0, r.stderr
    assert "1 updated" in r.stdout
    assert q(db, "SELECT version, text, title FROM documents WHERE id = ?", doc_id) == [
        (version + 1, text, title)
    ]
    [(kept, kept_text, kept_title, reason, meta)] = q(
        db,
        "SELECT version, text, title, reason, metadata FROM document_versions WHERE document_id = ?",
        doc_id,
    )
    assert (kept, kept_text, kept_title, reason) == (version, "旧的正文", "旧标题", "reprocess")
    assert json.loads(meta)["city"] == "旧市" and json.loads(meta)["source"]
    # (the crawl's own learning may have kept versions, reason 'relearned boilerplate': not this one's)
    assert q(
        db, "SELECT COUNT(*) FROM document_versions WHERE document_id != ? AND reason = 'reprocess'", doc_id
    ) == [(0,)]
