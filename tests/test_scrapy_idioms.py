"""The project as a Scrapy project: feed exports of real crawls, and ``scrapy list`` / ``scrapy
crawl`` saying how to point at sources when there are none.

Every case runs the real ``scrapy`` command from the repository root (where scrapy.cfg is), in a
subprocess, against a loopback site, into a real SQLite file.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, LoopbackSite, q

SITE_DIR = REPO / "archive" / "demo" / "site"
REPORTS = ["/blog/archives/145.html", "/blog/archives/165.html", "/blog/archives/190.html"]
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]


class Site(LoopbackSite):
    def handle(self, h) -> None:
        path = h.path.split("?")[0]
        if path == "/list.html":
            links = "".join(f'<li><a href="{p}">政府工作报告</a></li>' for p in REPORTS)
            return self.send(h, 200, f"<html><body><ul>{links}</ul></body></html>".encode())
        if path in REPORTS:
            return self.send(h, 200, (SITE_DIR / path.lstrip("/")).read_bytes())
        return self.send(h, 404, b"<html><body>404</body></html>")


@pytest.fixture(scope="module")
def site():
    with Site() as s:
        yield s


def sources_file(folder: Path, site: Site) -> Path:
    path = folder / "sources.toml"
    path.write_text(
        f'[blog]\nname = "博客"\nstart_urls = ["{site.base}/list.html"]\nallowed_domains = ["127.0.0.1"]\n'
        "listing = ['/list\\.html$']\nreports = ['/blog/archives/\\d+\\.html$']\nallow_private = true\n"
        "revisit_days = 0\n",  # every page fetched again on every run
        encoding="utf-8",
    )
    return path


def scrapy(*args, sources: Path | None = None, db: Path | None = None) -> subprocess.CompletedProcess:
    """The real ``scrapy`` command, run from the repository root; ``$ARCHIVE_SOURCES`` unset unless given."""
    env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_SOURCES", "ARCHIVE_DB")}
    if sources is not None:
        env["ARCHIVE_SOURCES"] = str(sources)
    if db is not None:
        env["ARCHIVE_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_feed_exports_hold_one_record_per_report_and_no_bytes(tmp_path, site):
    db = tmp_path / "archive.db"
    jsonl, table = tmp_path / "items.jsonl", tmp_path / "items.csv"
    result = scrapy(
        "crawl", "blog", "-O", jsonl, "-O", table, *FAST, sources=sources_file(tmp_path, site), db=db
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "not JSON serializable" not in result.stderr and "Traceback" not in result.stderr
    expected = {site.base + p for p in REPORTS}
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(REPORTS) and {r["url"] for r in records} == expected
    archived = dict(q(db, "SELECT url, id FROM documents"))
    sha = dict(q(db, "SELECT url, sha256 FROM captures"))
    for r in records:
        assert r["title"] and "政府工作报告" in r["title"]
        assert r["text"] and len(r["text"]) > 1000
        assert r["source"] == "blog" and r["document_id"] == archived[r["url"]]
        (page,) = r["pages"]
        assert page["status"] == 200 and page["sha256"] == sha[r["url"]]  # the stored capture
        assert page["bytes"] == len((SITE_DIR / page["url"].split(site.base)[1].lstrip("/")).read_bytes())
        assert "body" not in page
    # the same records as CSV, a cell per key, the lists as JSON
    rows = list(csv.DictReader(table.open(encoding="utf-8", newline="")))
    assert {row["url"] for row in rows} == expected
    assert all(row["text"] and json.loads(row["pages"])[0]["sha256"] == sha[row["url"]] for row in rows)

    # again: the pages are archived and unchanged, each record says so and names its document
    again = tmp_path / "again.jsonl"
    result = scrapy("crawl", "blog", "-O", again, *FAST, sources=sources_file(tmp_path, site), db=db)
    assert result.returncode == 0, result.stderr[-3000:]
    records = [json.loads(line) for line in again.read_text(encoding="utf-8").splitlines()]
    assert {r["url"]: r["document_id"] for r in records} == archived
    assert all(r["skip_reason"] for r in records)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_scrapy_list_without_sources_says_how_to_point_at_them():
    result = scrapy("list")  # the shipped, empty crawler/config/sources.toml; no $ARCHIVE_SOURCES
    assert result.returncode == 0 and result.stdout == ""
    line = one_line(result.stderr)
    assert "crawler/config/sources.toml" in line
    assert "ARCHIVE_SOURCES=" in line and "archive crawl --sources" in line


def test_scrapy_crawl_without_sources_says_how_and_exits_2():
    result = scrapy("crawl", "demo-blog")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "no sources configured" in line and "ARCHIVE_SOURCES=" in line


def test_scrapy_crawl_of_an_unknown_source_names_the_known_ones(tmp_path, site):
    result = scrapy("crawl", "demo-blog", sources=sources_file(tmp_path, site))
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "'demo-blog'" in line and "sources: blog" in line and "ARCHIVE_SOURCES=" in line


def test_a_bad_sources_file_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[blog\n", encoding="utf-8")
    for args in (["list"], ["crawl", "blog"]):
        result = scrapy(*args, sources=bad)
        assert result.returncode == 2, args
        assert str(bad) in one_line(result.stderr)
