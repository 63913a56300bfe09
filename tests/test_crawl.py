"""A real crawl of the demo site, served on loopback, into a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from conftest import FAST, REPO, q, run_archive

pytestmark = pytest.mark.slow  # real crawls of the demo site

CHROME = [
    "责任编辑",
    "编辑:",
    "编辑：",
    "分享到",
    "阅读：",
    "较旧一篇",
    "较新一篇",
    "当前位置",
    "当前的位置",
    "网站内容来源于网络",
    "文章来源于",
    "打印本页",
    "关闭窗口",
    "ICP备",
    "暂无评论",
]


def report_entries(manifest, *variants_excluded):
    return [m for m in manifest if m["variant"] not in variants_excluded]


def test_crawl_exits_ok_with_one_line_summary(crawled):
    r = crawled["result"]
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crawl run 1 ok:"), r.stdout


def test_every_reachable_report_is_one_document(crawled, manifest):
    fetchable = [m for m in manifest if m["variant"] not in ("dead", "loop")]
    urls = {row[0] for row in q(crawled["db"], "SELECT url FROM documents")}
    base = crawled["base_url"]
    # a redirecting URL is stored under the URL it redirects to
    expected = {base + (m.get("target") or m["path"]) for m in fetchable}
    assert len(urls) == len(fetchable)
    assert urls == expected


def test_failed_pages_are_kept_as_captures_not_documents(crawled, manifest):
    dead = [m for m in manifest if m["variant"] == "dead"]
    assert dead
    for m in dead:
        rows = q(
            crawled["db"], "SELECT status, error FROM captures WHERE url = ?", crawled["base_url"] + m["path"]
        )
        assert rows and rows[0][0] == 404 and rows[0][1] == "http_404"
    assert (
        q(crawled["db"], "SELECT COUNT(*) FROM documents WHERE url LIKE '%' || ?", dead[0]["path"])[0][0] == 0
    )
    stats = json.loads(q(crawled["db"], "SELECT stats FROM crawl_runs WHERE id = 1")[0][0])
    errors = sum(s.get("archive/errors/report", 0) for s in stats["sources"].values())
    assert errors == len(dead) + len([m for m in manifest if m["variant"] == "loop"])


def test_redirect_keeps_both_urls(crawled, manifest):
    for m in [m for m in manifest if m["variant"] == "redirect"]:
        rows = q(
            crawled["db"],
            "SELECT url, status FROM captures WHERE requested_url = ?",
            crawled["base_url"] + m["path"],
        )
        assert rows == [(crawled["base_url"] + m["target"], 200)]


def test_chrome_is_gone(crawled):
    for url, text in q(crawled["db"], "SELECT url, text FROM documents"):
        for marker in CHROME:
            assert marker not in text, f"{marker!r} left in {url}"


def test_gbk_pages_are_decoded(crawled, manifest):
    gbk = [m for m in manifest if m["encoding"].lower() in ("gbk", "gb2312", "gb18030")]
    assert gbk
    for m in gbk:
        [(text, encoding, title)] = q(
            crawled["db"],
            "SELECT text, encoding, title FROM documents WHERE url = ?",
            crawled["base_url"] + (m.get("target") or m["path"]),
        )
        assert encoding == "gb18030"
        assert "\ufffd" not in text and "政府" in text or "工作" in text
        assert sum("\u4e00" <= c <= "\u9fff" for c in text) > 0.5 * len(text.replace("\n", ""))


def test_exact_duplicates_are_linked_not_dropped(crawled, manifest):
    by_report = {}
    for m in manifest:
        if m["variant"] in ("full", "duplicate"):
            by_report.setdefault(m["report_id"], []).append(m)
    groups = [ms for ms in by_report.values() if len(ms) > 1]
    assert groups, "the demo has a report on two sites"
    for ms in groups:
        urls = [crawled["base_url"] + m["path"] for m in ms]
        rows = q(
            crawled["db"],
            f"SELECT id, canonical_id, duplicate_kind, source FROM documents WHERE url IN "
            f"({','.join('?' * len(urls))}) ORDER BY id",
            *urls,
        )
        assert len(rows) == len(urls)
        # the government portal (official = true in demo_sources.toml) holds the canonical copy,
        # whichever copy the concurrent spiders stored first
        [canonical] = [r[0] for r in rows if r[3] == "demo-gov"]
        for doc_id, canon, kind, _source in rows:
            assert (canon, kind) == ((canonical, None) if doc_id == canonical else (canonical, "exact"))


def test_split_report_is_one_document_of_two_pages(crawled, manifest):
    [split] = [m for m in manifest if m["variant"] == "split-part"]
    parts = split["pages"]
    assert len(parts) == 2
    [(doc_id, pages, text)] = q(
        crawled["db"], "SELECT id, pages, text FROM documents WHERE url = ?", crawled["base_url"] + parts[0]
    )
    assert pages == 2
    caps = q(
        crawled["db"],
        "SELECT c.url FROM document_captures dc JOIN captures c ON c.id = dc.capture_id"
        " WHERE dc.document_id = ? ORDER BY dc.page",
        doc_id,
    )
    assert [c[0] for c in caps] == [crawled["base_url"] + p for p in parts]
    # both pages' text is in the one document, in order, without the pager
    assert split["first_line"] in text and split["last_line"] in text
    assert text.index(split["first_line"]) < text.index(split["last_line"])
    assert "下一页" not in text and "上一页" not in text


def test_raw_captures_are_stored_compressed_and_intact(crawled):
    from archive.db import decompress
    from archive.demo.server import SITE_DIR

    rows = q(crawled["db"], "SELECT url, body, compression, sha256, size FROM captures WHERE status = 200")
    assert rows
    import hashlib
    from urllib.parse import urlsplit

    for url, body, compression, sha, size in rows:
        raw = decompress(body, compression)
        assert compression == "zlib" and len(body) < size
        assert hashlib.sha256(raw).hexdigest() == sha and len(raw) == size
        path = SITE_DIR / urlsplit(url).path.lstrip("/")
        if path.is_file():
            assert raw == path.read_bytes()


def test_crawl_run_is_recorded(crawled):
    [(status, exit_code, summary, stats)] = q(
        crawled["db"], "SELECT status, exit_code, summary, stats FROM crawl_runs"
    )
    assert (status, exit_code) == ("ok", 0)
    assert summary == crawled["result"].stdout.strip()
    assert set(json.loads(stats)["sources"]) == {"demo-gov", "demo-news", "demo-agg", "demo-blog"}


def test_rerun_is_idempotent(crawled, tmp_path):
    import shutil

    db = tmp_path / "again.db"
    shutil.copy(crawled["db"], db)
    tables = ("captures", "documents", "document_captures")
    before = {t: q(db, f"SELECT * FROM {t} ORDER BY 1, 2") for t in ("document_captures",)}
    counts = {t: q(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}
    ids = q(db, "SELECT id, url, canonical_id, text_hash FROM documents ORDER BY id")
    r = run_archive("crawl", "--db", db, "--sources", crawled["sources"], *FAST)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "0 new, 0 changed, 45 unchanged, 0 gone" in r.stdout
    assert {t: q(db, f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables} == counts
    assert q(db, "SELECT id, url, canonical_id, text_hash FROM documents ORDER BY id") == ids
    assert q(db, "SELECT * FROM document_captures ORDER BY 1, 2") == before["document_captures"]
    assert q(db, "SELECT COUNT(*) FROM crawl_runs")[0][0] == 2


def test_second_concurrent_crawl_exits_75(demo_site, tmp_path):
    db = tmp_path / "locked.db"
    # the first crawl runs with the polite defaults (1 s between requests): slow enough to overlap
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive.cli",
            "crawl",
            "--db",
            str(db),
            "--sources",
            demo_site["sources"],
            "demo-gov",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if (
                db.exists()
                and q(db, "SELECT name FROM sqlite_master WHERE name = 'crawl_runs'")
                and q(db, "SELECT COUNT(*) FROM crawl_runs WHERE status = 'running'")[0][0]
            ):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("first crawl never started")
        second = run_archive("crawl", "--db", db, "--sources", demo_site["sources"], "demo-blog", *FAST)
        assert second.returncode == 75, (second.stdout, second.stderr)
        assert "lock" in second.stderr
    finally:
        first.terminate()
        first.wait(30)
    # the killed run is marked as such by the next writer, and nothing it stored is lost
    kept = q(db, "SELECT COUNT(*) FROM captures")[0][0]
    r = run_archive("crawl", "--db", db, "--sources", demo_site["sources"], "demo-blog", *FAST)
    assert r.returncode == 0, r.stderr[-2000:]
    assert q(db, "SELECT status FROM crawl_runs ORDER BY id") == [("killed",), ("ok",)]
    assert q(db, "SELECT COUNT(*) FROM captures")[0][0] >= kept


def test_bad_usage_exits_2(demo_site, tmp_path):
    r = run_archive("crawl", "--db", tmp_path / "x.db", "--sources", demo_site["sources"], "no-such-source")
    assert r.returncode == 2 and "no-such-source" in r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[x]\nstart_urls = ["http://127.0.0.1:1/"]\n', encoding="utf-8")
    r = run_archive("crawl", "--db", tmp_path / "x.db", "--sources", bad)
    assert r.returncode == 2 and "reports" in r.stderr
    r = run_archive("crawl", "--db", tmp_path / "x.db", "--sources", tmp_path / "missing.toml")
    assert r.returncode == 2


def test_source_that_had_reports_and_yields_none_fails(crawled, tmp_path):
    import shutil

    db = tmp_path / "gone.db"
    shutil.copy(crawled["db"], db)
    moved = tmp_path / "moved.toml"
    text = open(crawled["sources"], encoding="utf-8").read()
    # the site "moved": its start page now answers 404
    moved.write_text(text.replace("/blog/", "/blog-moved/"), encoding="utf-8")
    r = run_archive("crawl", "--db", db, "--sources", moved, "demo-blog", *FAST)
    assert r.returncode == 1, r.stdout
    assert "demo-blog: had reports before, yielded none" in r.stdout
    assert q(db, "SELECT status, exit_code FROM crawl_runs ORDER BY id DESC LIMIT 1") == [("failed", 1)]


def test_metadata_matches_the_demo_manifest(crawled, manifest):
    """doc_type and the delivering jurisdiction of every demo page, excerpts and GBK pages included."""
    keys = ("doc_type", "province", "city", "admin_code", "admin_level", "year")
    wrong = []
    for m in manifest:
        if m["variant"] in ("dead", "loop"):
            continue
        url = crawled["base_url"] + (m.get("target") or m["path"])
        [row] = q(crawled["db"], f"SELECT {', '.join(keys)} FROM documents WHERE url = ?", url)
        expected = tuple(m[k] for k in keys)
        if row != expected:
            wrong.append((m["path"], row, expected))
    assert not wrong
