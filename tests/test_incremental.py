"""Incremental crawling against real servers on 127.0.0.1: conditional GETs, the revisit policy,
document versions, gone pages, per-source counts and checks in crawl_run_sources.

The server counts the response-body bytes it sends, so "a re-run transfers ≤ 10 % of the first
run's bytes" is measured where the bytes leave, for servers that send ETag only, Last-Modified
only, and neither.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from conftest import FAST, REPO, LoopbackSite, q, run_archive

pytestmark = pytest.mark.slow  # repeated real crawls of loopback sites

SITE = REPO / "archive" / "demo" / "site"
# real-looking report pages of the demo site (UTF-8, whole reports of different places and years)
REPORT_PAGES = [
    "news/2020/0109/2584179.html",
    "news/2021/0117/2599787.html",
    "news/2021/0224/2606367.html",
    "news/2022/0106/2613369.html",
    "news/2023/0107/2623543.html",
    "news/2024/0109/2631854.html",
    "blog/archives/165.html",
    "blog/archives/190.html",
]
MODIFIED = email.utils.format_datetime(datetime(2024, 3, 1, 8, 0, tzinfo=UTC), usegmt=True)
CHANGED = email.utils.format_datetime(datetime(2024, 3, 9, 8, 0, tzinfo=UTC), usegmt=True)


class Site(LoopbackSite):
    """A report site on a free port: a listing page and report pages; ``mode`` says which
    validators it sends (etag, lm, both, none). It counts the body bytes it sends."""

    def __init__(self, mode: str):
        super().__init__()
        self.mode = mode
        self.pages = {f"/r/{i}.html": (SITE / p).read_bytes() for i, p in enumerate(REPORT_PAGES)}
        self.gone: set[str] = set()
        self.redirects: dict[str, str] = {}
        self.etag_salt = ""
        self.body_bytes = 0
        self.statuses: list[int] = []
        self.lock = threading.Lock()

    def listing(self) -> bytes:
        links = "".join(f'<li><a href="{p}">政府工作报告 {p}</a></li>' for p in self.pages)
        return f"<html><head><meta charset='utf-8'><title>政府工作报告</title></head><body><ul>{links}</ul></body></html>".encode()

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]
        if path == "/robots.txt":
            return self.send(h, 404, b"")
        if path == "/list.html":
            return self.send(h, 200, self.listing())
        if path in self.redirects:
            return self.send(h, 301, b"", {"Location": self.base + self.redirects[path]})
        if path in self.gone or path not in self.pages:
            return self.send(h, 404, b"<html><body>404 Not Found</body></html>")
        body = self.pages[path]
        headers = {}
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + self.etag_salt + '"'
        if self.mode in ("etag", "both"):
            headers["ETag"] = etag
            if h.headers.get("If-None-Match") == etag:
                return self.send(h, 304, b"", headers)
        if self.mode in ("lm", "both"):
            headers["Last-Modified"] = (
                MODIFIED if path not in self.pages_original or body == self.original(path) else CHANGED
            )
            if h.headers.get("If-Modified-Since") == headers["Last-Modified"] and "ETag" not in headers:
                return self.send(h, 304, b"", headers)
        self.send(h, 200, body, headers)

    pages_original = {f"/r/{i}.html" for i in range(len(REPORT_PAGES))}

    def original(self, path: str) -> bytes:
        return (SITE / REPORT_PAGES[int(Path(path).stem)]).read_bytes()

    def send(self, h, status: int, body: bytes, headers: dict | None = None, **kw) -> None:
        super().send(h, status, body, headers, **kw)
        with self.lock:
            self.body_bytes += len(body) if status != 304 else 0
            self.statuses.append(status)

    def take_bytes(self) -> int:
        with self.lock:
            n, self.body_bytes = self.body_bytes, 0
            self.statuses.clear()
            return n


def sources_file(tmp_path: Path, site: Site, extra: str = "") -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[site]\nname = "测试站"\nstart_urls = ["{site.base}/list.html"]\nallowed_domains = ["127.0.0.1"]\n'
        f"listing = ['/list\\.html$']\nreports = ['/r/\\d+\\.html$']\nallow_private = true\n{extra}",
        encoding="utf-8",
    )
    return path


def crawl(db, sources):
    return run_archive("crawl", "--db", db, "--sources", sources, *FAST)


def integrity(db) -> None:
    assert q(db, "PRAGMA integrity_check") == [("ok",)]
    assert q(db, "SELECT url, COUNT(*) FROM documents GROUP BY url HAVING COUNT(*) > 1") == []
    assert q(db, "SELECT url, sha256, COUNT(*) FROM captures GROUP BY 1, 2 HAVING COUNT(*) > 1") == []


@pytest.mark.parametrize("mode", ["etag", "lm", "none"])
def test_unchanged_rerun_transfers_little_and_adds_nothing(tmp_path, mode):
    with Site(mode) as site:
        db, sources = tmp_path / "a.db", sources_file(tmp_path, site)
        first = crawl(db, sources)
        assert first.returncode == 0, first.stderr + first.stdout
        first_bytes = site.take_bytes()
        docs = q(db, "SELECT id, text_hash FROM documents ORDER BY id")
        captures = q(db, "SELECT COUNT(*) FROM captures")[0][0]
        assert len(docs) == len(REPORT_PAGES)
        again = crawl(db, sources)
        assert again.returncode == 0, again.stderr + again.stdout
        second_bytes = site.take_bytes()
        print(
            f"{mode}: first run {first_bytes:,} body bytes, re-run {second_bytes:,} "
            f"({second_bytes / first_bytes:.1%})"
        )
        assert second_bytes <= 0.10 * first_bytes
        assert q(db, "SELECT id, text_hash FROM documents ORDER BY id") == docs
        assert q(db, "SELECT COUNT(*) FROM captures")[0][0] == captures
        assert "0 new, 0 changed, 8 unchanged, 0 gone" in again.stdout
        row = q(
            db,
            "SELECT new, changed, unchanged, not_modified, gone, status FROM crawl_run_sources"
            " WHERE run_id = 2",
        )
        assert row == [(0, 0, 8, 0 if mode == "none" else 8, 0, "ok")]
        integrity(db)


def test_changed_page_gets_a_new_version_and_the_old_one_is_kept(tmp_path):
    with Site("both") as site:
        db, sources = tmp_path / "a.db", sources_file(tmp_path, site)
        assert crawl(db, sources).returncode == 0
        ((doc_id, old_text, old_hash),) = q(
            db, "SELECT id, text, text_hash FROM documents WHERE url LIKE '%/r/0.html'"
        )
        html = site.pages["/r/0.html"].decode("utf-8")
        marker = "（本报告已根据代表意见修改）"
        site.pages["/r/0.html"] = html.replace(
            "</body>", f"<p>{marker}各位代表，新增一段修改后的文字。</p></body>", 1
        ).encode("utf-8")
        result = crawl(db, sources)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0 new, 1 changed, 7 unchanged, 0 gone" in result.stdout
        ((new_id, version, text),) = q(
            db, "SELECT id, version, text FROM documents WHERE url LIKE '%/r/0.html'"
        )
        assert new_id == doc_id and version == 2  # same id, next version
        assert marker in text
        kept = q(
            db,
            "SELECT version, text_hash, text, capture_ids FROM document_versions WHERE document_id = ?",
            doc_id,
        )
        assert [(v, h, t) for v, h, t, _ in kept] == [(1, old_hash, old_text)]
        # both captures stay; the old one is no longer the document's current page
        assert q(db, "SELECT COUNT(*) FROM captures WHERE url LIKE '%/r/0.html'")[0][0] == 2
        assert q(
            db, "SELECT capture_id FROM document_captures WHERE document_id = ? AND current = 0", doc_id
        ) == [(json.loads(kept[0][3])[0],)]
        integrity(db)


def test_a_page_that_disappears_is_marked_gone_not_deleted(tmp_path):
    with Site("etag") as site:
        db, sources = tmp_path / "a.db", sources_file(tmp_path, site)
        assert crawl(db, sources).returncode == 0
        site.gone.add("/r/3.html")
        result = crawl(db, sources)
        assert "1 gone" in result.stdout, result.stdout
        ((doc_id, gone_at, text),) = q(
            db, "SELECT id, gone_at, text FROM documents WHERE url LIKE '%/r/3.html'"
        )
        assert gone_at and text  # marked with the date, text still there
        assert q(db, "SELECT COUNT(*) FROM documents")[0][0] == len(REPORT_PAGES)
        assert q(db, "SELECT gone FROM crawl_run_sources WHERE run_id = 2") == [(1,)]
        # gone stays gone (counted once), and a page that comes back is present again
        result = crawl(db, sources)
        assert "0 gone" in result.stdout
        site.gone.clear()
        crawl(db, sources)
        assert q(db, "SELECT gone_at FROM documents WHERE id = ?", doc_id) == [(None,)]
        integrity(db)


def test_revisit_policy_refetches_pages_without_validators_when_due(tmp_path):
    with Site("none") as site:
        db, sources = tmp_path / "a.db", sources_file(tmp_path, site, "revisit_days = 0\n")
        assert crawl(db, sources).returncode == 0
        first = site.take_bytes()
        docs = q(db, "SELECT id, text_hash, version FROM documents ORDER BY id")
        result = crawl(db, sources)
        assert site.take_bytes() >= 0.9 * first  # revisit_days = 0: every page fetched again
        assert "0 new, 0 changed, 8 unchanged" in result.stdout
        assert q(db, "SELECT id, text_hash, version FROM documents ORDER BY id") == docs
        integrity(db)


def test_monitoring_checks_and_log_file(tmp_path):
    with Site("etag") as site:
        db, sources = tmp_path / "a.db", sources_file(tmp_path, site)
        assert crawl(db, sources).returncode == 0
        for i in range(1, 8):  # the listing loses most of its links: a broken source, says the check
            site.pages.pop(f"/r/{i}.html")
        result = crawl(db, sources)
        assert result.returncode == 1, result.stdout
        assert "1 report pages, 8 in the previous run" in result.stdout
        status, checks = q(db, "SELECT status, checks FROM crawl_run_sources WHERE run_id = 2")[0]
        assert status == "failed"
        assert {c["check"]: c["status"] for c in json.loads(checks)}["report_count"] == "fail"
        health = q(db, "SELECT source, run_id, status FROM crawl_health")
        assert health == [("site", 2, "failed")]
        out = run_archive("status", "--db", db)
        assert "fail: report_count: 1 report pages, 8 in the previous run" in out.stdout
        logs = q(db, "SELECT log_file FROM crawl_runs ORDER BY id")
        assert len({p for (p,) in logs}) == 2
        for (p,) in logs:
            assert "Spider closed (finished)" in Path(p).read_text(encoding="utf-8")


def test_a_304_after_a_redirect_is_not_taken_for_the_archived_page(tmp_path):
    """The conditional headers are for the archived URL: when it now redirects to another page, that
    page's 304 (it may well be older) must not hide it — it is fetched and archived."""
    with Site("lm") as site:
        db, sources = tmp_path / "a.db", sources_file(tmp_path, site)
        assert crawl(db, sources).returncode == 0
        site.pages["/moved/1.html"] = (SITE / "blog/archives/228.html").read_bytes()  # another report
        site.redirects["/r/1.html"] = "/moved/1.html"
        result = crawl(db, sources)
        assert result.returncode == 0, result.stdout
        rows = q(db, "SELECT url, text FROM documents WHERE url LIKE '%/moved/1.html'")
        assert len(rows) == 1 and "东丰" in rows[0][1]
        integrity(db)


def test_new_validators_for_the_same_bytes_are_kept(tmp_path):
    """A server that re-publishes unchanged pages with new ETags: the next run revalidates with the
    new ones (304), instead of downloading every page again."""
    with Site("etag") as site:
        db, sources = tmp_path / "a.db", sources_file(tmp_path, site)
        assert crawl(db, sources).returncode == 0
        first = site.take_bytes()
        site.etag_salt = "-v2"
        assert crawl(db, sources).returncode == 0  # new ETags: full bodies once
        site.take_bytes()
        result = crawl(db, sources)
        assert result.returncode == 0
        assert site.take_bytes() <= 0.10 * first
        assert q(db, "SELECT COUNT(*) FROM crawl_run_sources WHERE run_id = 3 AND not_modified = 8") == [(1,)]
        integrity(db)


def test_a_gone_alias_does_not_mark_the_document_gone(tmp_path):
    """The listing linked X, which redirected to Y (the document's address); X now answers 404 while
    Y is still there: Y is not marked gone."""
    with Site("etag") as site:
        site.pages["/real/9.html"] = (SITE / "blog/archives/228.html").read_bytes()
        site.redirects["/r/9.html"] = "/real/9.html"
        site.pages["/r/9.html"] = b""  # listed (the listing links every key of pages)
        db, sources = tmp_path / "a.db", sources_file(tmp_path, site)
        assert crawl(db, sources).returncode == 0
        assert q(db, "SELECT COUNT(*) FROM documents WHERE url LIKE '%/real/9.html'") == [(1,)]
        del site.redirects["/r/9.html"]
        site.gone.add("/r/9.html")
        crawl(db, sources)
        assert q(db, "SELECT gone_at FROM documents WHERE url LIKE '%/real/9.html'") == [(None,)]
        integrity(db)


# every re-clean keeps the state it replaces (archive.db.save_document) ----------------------------
def _cleaned(text: str, **meta) -> dict:
    return {
        "title": "长春市政府工作报告",
        "text": text,
        "city": "长春市",
        "year": 2024,
        "removed": [],
        **meta,
    }


def _save(db, cleaned, captures, **kw):
    from archive import db as archive_db
    from pipelines.cleaning import text_hash

    return archive_db.save_document(
        db,
        url="http://x.gov.cn/r.html",
        source="site",
        cleaned=cleaned,
        text_hash=text_hash(cleaned["text"]),
        capture_ids=captures,
        **kw,
    )


def test_every_change_of_text_or_metadata_keeps_the_earlier_state(tmp_path):
    from archive import db as archive_db

    db = archive_db.open_db(tmp_path / "v.db")
    with db.atomic():
        doc_id, state = _save(db, _cleaned("第一稿正文。"), [1])
        assert state == "new"
        assert _save(db, _cleaned("第一稿正文。"), [1]) == (doc_id, "unchanged")
        # the same page cleaned differently, read back from the archive: 'reprocess'
        assert _save(db, _cleaned("第一稿正文，清洗更好。"), [1], fetched=False) == (doc_id, "updated")
        # metadata only (the text is the same): still a version
        assert _save(
            db, _cleaned("第一稿正文，清洗更好。", city="吉林市"), [1], reason="relearned boilerplate"
        ) == (doc_id, "updated")
        # fetched again, same bytes, new rules: 'rules upgrade'
        assert _save(db, _cleaned("第一稿正文，清洗更好。", city="吉林市", title="新标题"), [1]) == (
            doc_id,
            "updated",
        )
        # the page changed
        assert _save(db, _cleaned("第二稿正文。", city="吉林市", title="新标题"), [2]) == (doc_id, "changed")
        # another capture, same text: nothing a citation quotes changed, no new version
        assert _save(db, _cleaned("第二稿正文。", city="吉林市", title="新标题"), [3]) == (doc_id, "updated")
    rows = db.execute(
        "SELECT version, text, title, reason, metadata, capture_ids FROM document_versions"
        " WHERE document_id = ? ORDER BY version",
        [doc_id],
    ).fetchall()
    assert [(v, t, r) for v, t, _, r, _, _ in rows] == [
        (1, "第一稿正文。", "reprocess"),
        (2, "第一稿正文，清洗更好。", "relearned boilerplate"),
        (3, "第一稿正文，清洗更好。", "rules upgrade"),
        (4, "第一稿正文，清洗更好。", "page changed"),
    ]
    assert [json.loads(m)["city"] for *_, m, _ in rows] == ["长春市", "长春市", "吉林市", "吉林市"]
    assert [json.loads(m)["title"] for *_, m, _ in rows] == ["长春市政府工作报告"] * 3 + ["新标题"]
    assert {json.loads(c)[0] for *_, c in rows} == {1}
    assert db.execute("SELECT version, text, city FROM documents WHERE id = ?", [doc_id]).fetchone() == (
        5,
        "第二稿正文。",
        "吉林市",
    )
    # every version a citation may name is there: the kept ones and the present one
    cited = {v: t for v, t, *_ in rows} | {5: "第二稿正文。"}
    assert sorted(cited) == [1, 2, 3, 4, 5]
    db.close()


def test_a_kept_version_is_never_overwritten(tmp_path):
    """An archive whose version numbers went astray (a kept row with the present number): the
    present state is kept under the next free number, the old row stays."""
    from archive import db as archive_db

    db = archive_db.open_db(tmp_path / "v.db")
    with db.atomic():
        doc_id, _ = _save(db, _cleaned("正文一。"), [1])
        db.execute(
            "INSERT INTO document_versions (document_id, version, text, reason) VALUES (?, 1, '旧', 'x')",
            [doc_id],
        )
        _save(db, _cleaned("正文二。"), [1], fetched=False)
    assert db.execute("SELECT version, text FROM document_versions ORDER BY version").fetchall() == [
        (1, "旧"),
        (2, "正文一。"),
    ]
    assert db.execute("SELECT version FROM documents").fetchone() == (3,)
    db.close()
