"""What a run leaves undone, the next run completes ("safe to kill at any moment").

A real ``archive crawl`` against a loopback site, killed with SIGKILL once its documents are
committed but before its end-of-crawl learning (the site's second listing page hangs), then run
again with nothing new to fetch: the source's chrome is learned, its documents re-cleaned, and
every document has its duplicate group (the one ``archive dedupe`` gives) and its search-index
row. The same after a run whose dedupe or index step failed (a SQLite trigger makes it fail for
one document: a real error in the real step) and after a crawl with ``DEDUP_ENABLED = False``.

The site: three reports (phase 1, a complete first crawl learns from them), then six more
pages (phase 2: three new reports and copies of the first three) that end with a line of site
chrome — learned only from all nine pages, never from the first three.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FAST, REPO, LoopbackSite, q, run_archive

from archive.search import fts_query

pytestmark = pytest.mark.slow  # three or four real crawls per case

SITE_DIR = REPO / "archive" / "demo" / "site"
BLOG = [
    e
    for e in json.loads((SITE_DIR / "_manifest.json").read_text(encoding="utf-8"))
    if e["variant"] == "full" and e["source"] == "demo-blog"
]
CHROME = "本网站由示例市人民政府办公室主办，欢迎批评指正"
PHASE1 = ["/r/a/0.html", "/r/a/1.html", "/r/a/2.html"]
# three new reports and a copy of each of the first three, all ending with the chrome line
PHASE2 = [*PHASE1, "/r/a/3.html", "/r/a/4.html", "/r/b/0.html", "/r/b/1.html", "/r/b/2.html", "/r/b/3.html"]
# each crawl commits every three items
BATCH = ["-s", "ARCHIVE_BATCH_SIZE=3"]


def paragraphs(path: str) -> list[str]:
    html = (SITE_DIR / path.lstrip("/")).read_text(encoding="utf-8")
    body = html[html.index('class="post-content"') :]
    return re.findall(r"<p>(.*?)</p>", body[: body.index("</div>")])


class Site(LoopbackSite):
    """/list.html lists the phase's pages and /more.html, a second listing page that answers only
    once ``release`` is set (with no links)."""

    def __init__(self):
        super().__init__()
        self.pages = list(PHASE1)
        self.release = threading.Event()
        self.release.set()

    def report(self, path: str) -> bytes:
        half, i = path.split("/")[2], int(Path(path).stem)
        entry = BLOG[i]
        body = "".join(f"<p>{p}</p>\n" for p in paragraphs(entry["path"]))
        if half == "b" or i >= 3:
            body += f"<p>{CHROME}</p>\n"
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{entry['title']} - 示例市政府</title></head><body>"
            "<div class='nav'><a href='/'>首页</a> <a href='/list.html'>政府工作报告</a></div>"
            f"<div class='article'><h1>{entry['title']}</h1>\n{body}</div>"
            "<div class='footer'>版权所有：示例市人民政府</div></body></html>"
        ).encode()

    def handle(self, h) -> None:
        path = h.path.split("?")[0]
        if path == "/list.html":
            links = "".join(f'<li><a href="{p}">政府工作报告</a></li>' for p in [*self.pages, "/more.html"])
            return self.send(h, 200, f"<html><body><ul>{links}</ul></body></html>".encode())
        if path == "/more.html":
            self.release.wait(60)
            return self.send(h, 200, b"<html><body><ul></ul></body></html>")
        if path in self.pages:
            return self.send(h, 200, self.report(path))
        return self.send(h, 404, b"<html><body>404</body></html>")


@pytest.fixture(scope="module")
def site():
    with Site() as s:
        yield s
        s.release.set()


@pytest.fixture(autouse=True)
def first_phase(site):
    site.pages = list(PHASE1)
    site.release.set()


def sources_file(folder: Path, site: Site) -> Path:
    path = folder / "sources.toml"
    path.write_text(
        f'[heal]\nname = "自愈站"\nstart_urls = ["{site.base}/list.html"]\nallowed_domains = ["127.0.0.1"]\n'
        "listing = ['/(list|more)\\.html$']\nreports = ['/r/[ab]/\\d+\\.html$']\nallow_private = true\n",
        encoding="utf-8",
    )
    return path


def crawl(db, sources, *args):
    result = run_archive("crawl", "--db", db, "--sources", sources, *FAST, *BATCH, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def undone(db) -> dict[str, list[str]]:
    """URLs of the documents missing their duplicate group (no sketch of their text) or their index row."""
    return {
        "dedupe": [
            u
            for (u,) in q(
                db,
                "SELECT d.url FROM documents d LEFT JOIN dedupe_sketches s ON s.doc_id = d.id"
                " WHERE s.doc_id IS NULL OR s.text_hash IS NOT d.text_hash ORDER BY d.url",
            )
        ],
        "index": [
            u
            for (u,) in q(
                db,
                "SELECT d.url FROM documents d LEFT JOIN search_indexed s ON s.doc_id = d.id"
                " WHERE s.doc_id IS NULL ORDER BY d.url",
            )
        ],
    }


def groups(db) -> dict[str, tuple]:
    """url → (its canonical's url, duplicate_kind)."""
    return {
        u: (c, k)
        for u, c, k in q(
            db,
            "SELECT d.url, c.url, d.duplicate_kind FROM documents d JOIN documents c ON c.id = d.canonical_id",
        )
    }


def rebuilt_groups(db, tmp_path: Path) -> dict[str, tuple]:
    """The groups ``archive dedupe`` gives, on a copy of the archive."""
    copy = tmp_path / f"dedupe-{time.monotonic_ns()}.db"
    a, b = sqlite3.connect(db), sqlite3.connect(copy)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    result = run_archive("dedupe", "--db", copy)
    assert result.returncode == 0, result.stdout + result.stderr
    return groups(copy)


def matches(db, phrase: str) -> list[int]:
    return [
        r for (r,) in q(db, "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", fts_query(phrase))
    ]


def assert_grouped_and_indexed(db, tmp_path: Path) -> None:
    """Every document grouped as ``archive dedupe`` groups it, and indexed once."""
    assert undone(db) == {"dedupe": [], "index": []}
    assert groups(db) == rebuilt_groups(db, tmp_path)
    (n_all,) = q(db, "SELECT COUNT(*) FROM documents")[0]
    assert len(matches(db, "各位代表")) == len(set(matches(db, "各位代表"))) == n_all


def assert_complete(db, tmp_path: Path, reference: Path) -> None:
    """``assert_grouped_and_indexed``; the chrome learned, and the texts those of an archive
    crawled without a fault (the index following them)."""
    assert_grouped_and_indexed(db, tmp_path)
    learned = "SELECT text, kind FROM boilerplate WHERE source = 'heal' ORDER BY 1, 2"
    assert (CHROME, "line") in q(db, learned)
    assert q(db, learned) == q(reference, learned)
    texts = "SELECT url, text_hash FROM documents ORDER BY url"
    assert q(db, texts) == q(reference, texts)
    assert q(db, "SELECT COUNT(*) FROM documents WHERE text LIKE ?", f"%{CHROME}%") == [(0,)]
    assert matches(db, CHROME) == []  # the index follows the re-cleaned texts
    assert q(db, "SELECT source, stale FROM learning_state") == [("heal", 0)]


@pytest.fixture(scope="module")
def reference(site, tmp_path_factory):
    """Both phases crawled without a fault."""
    folder = tmp_path_factory.mktemp("reference")
    db, sources = folder / "archive.db", sources_file(folder, site)
    site.pages = list(PHASE1)
    crawl(db, sources)
    site.pages = list(PHASE2)
    crawl(db, sources)
    site.pages = list(PHASE1)
    return db


def wait_for_documents(db, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if q(db, "SELECT COUNT(*) FROM documents")[0][0] >= n:
                return
        except sqlite3.OperationalError:  # not made yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"fewer than {n} documents after {timeout}s")


def test_a_crawl_killed_before_its_learning_is_completed_by_the_next(site, tmp_path, reference):
    db, sources = tmp_path / "archive.db", sources_file(tmp_path, site)
    crawl(db, sources)  # phase 1: three reports, learned
    site.pages = list(PHASE2)
    site.release.clear()  # /more.html hangs: the crawl stores phase 2, then waits for it
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive.cli",
            "crawl",
            "--db",
            str(db),
            "--sources",
            str(sources),
            *FAST,
            *BATCH,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_documents(db, len(PHASE2), proc)
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        site.release.set()
    assert proc.returncode == -signal.SIGKILL
    # what the killed run committed: each batch with its groups and index rows (one transaction),
    # but the chrome of the six new pages not learned, so still in their texts
    assert undone(db) == {"dedupe": [], "index": []}
    assert q(db, "SELECT COUNT(*) FROM documents WHERE text LIKE ?", f"%{CHROME}%") == [(6,)]
    assert q(db, "SELECT stale FROM learning_state WHERE source = 'heal'") == [(1,)]

    result = crawl(db, sources)  # nothing new: every page was fetched within revisit_days
    assert " 0 new, 0 changed" in result.stdout, result.stdout
    assert_complete(db, tmp_path, reference)


def poison(db, table: str) -> None:
    """Make the step that writes ``table`` fail for the copy /r/b/1.html (a real SQLite error)."""
    con = sqlite3.connect(db)
    try:
        con.execute(
            f"CREATE TRIGGER poison BEFORE INSERT ON {table} WHEN (SELECT url FROM documents"
            f" WHERE id = NEW.doc_id) LIKE '%/r/b/1.html' BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
        )
        con.commit()
    finally:
        con.close()


def unpoison(db) -> None:
    con = sqlite3.connect(db)
    try:
        con.execute("DROP TRIGGER IF EXISTS poison")
        con.commit()
    finally:
        con.close()


@pytest.mark.parametrize(
    "fault, rerun",
    [("dedupe_sketches", "crawl"), ("search_indexed", "import"), ("DEDUP_ENABLED=False", "crawl")],
)
def test_documents_stored_without_a_step_are_completed_by_the_next_run(
    site, tmp_path, reference, fault, rerun
):
    db, sources = tmp_path / "archive.db", sources_file(tmp_path, site)
    crawl(db, sources)
    site.pages = list(PHASE2)
    if "=" in fault:
        result = crawl(db, sources, "-s", fault)
    else:
        poison(db, fault)
        result = crawl(db, sources)  # the step fails for one batch: its documents are stored
        log = Path(q(db, "SELECT log_file FROM crawl_runs ORDER BY id DESC LIMIT 1")[0][0]).read_text("utf-8")
        step = "dedupe" if fault == "dedupe_sketches" else "index"
        assert f"the {step} step failed for" in log and "injected fault" in log
        unpoison(db)
    left = undone(db)
    step = "index" if fault == "search_indexed" else "dedupe"
    assert left[step], left  # the fault left documents without the step
    assert not left["index" if step == "dedupe" else "dedupe"]  # the other step ran
    assert len(q(db, "SELECT id FROM documents")) == len(PHASE2)

    if rerun == "crawl":
        crawl(db, sources)
        assert_complete(db, tmp_path, reference)
        return
    # `archive import` of one more page completes them too
    page = tmp_path / "saved.html"
    page.write_bytes(site.report("/r/a/4.html"))
    result = run_archive("import", "--db", db, page, "--url", f"{site.base}/saved/4.html")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_grouped_and_indexed(db, tmp_path)
