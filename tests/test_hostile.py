"""Hostile sites and bad configuration (issue 13, points 6, 7, 13, 14).

Every crawl is the real ``archive crawl`` in a subprocess against a real HTTP server on 127.0.0.1,
into a real SQLite file; the limits are set small with ``-s`` (or in the sources' entries) so each
crawl takes seconds:

- the dry run (``archive sources check``) refuses a private address as the crawl does, and says so;
  a crawl whose every request was refused names the reason on its summary line;
- a bad ``-s NAME=VALUE`` is a usage error (exit 2, one line) and records no run;
- a breadth trap (every listing page links ten new ones) ends at its source's budget (listing
  pages, requests, seconds), with a warning, while the other sources go on;
- a listing page of 20,000 links schedules only ARCHIVE_MAX_LINKS_PER_PAGE of them;
- a report page over ARCHIVE_MAX_HTML_BYTES is stored raw and skipped as too large.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from urllib.parse import urlsplit

import pytest
from conftest import FAST, LoopbackSite, q, run_archive

CITIES = ["松原市", "白城市", "四平市", "辽源市", "通化市", "白山市", "延吉市", "珲春市"]


def report_html(path: str, padding: int = 0) -> bytes:
    n = int(hashlib.sha256(path.encode()).hexdigest()[:8], 16)
    city, year = CITIES[n % len(CITIES)], 2010 + n % 15
    lines = [
        f"——{year}年1月15日在{city}第九届人民代表大会第三次会议上",
        "各位代表：现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员提出意见。",
        f"过去一年，全市地区生产总值增长百分之{n % 9 + 1}点{n % 7}，一般公共预算收入增长百分之{n % 11 + 2}。",
        f"我们将坚持稳中求进工作总基调，推动{city}高质量发展取得新成效（{path}，编号{n}）。",
    ]
    body = "".join(f"<p>{line}</p>" for line in lines) + "<p>" + "各项工作扎实推进。" * padding + "</p>"
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{year}年{city}政府工作报告</title></head>'
        f'<body><div class="article"><h1>{year}年{city}政府工作报告</h1>'
        f'<div class="content">{body}</div></div></body></html>'
    ).encode()


def listing_html(links) -> bytes:
    items = "".join(f'<li><a href="{href}">政府工作报告 {i}</a></li>' for i, href in enumerate(links))
    return (
        f'<html><head><meta charset="utf-8"></head><body><ul class="list">{items}</ul></body></html>'.encode()
    )


class HostileSite(LoopbackSite):
    """Breadth traps under /wide/, /many/ and /slow/ (each listing page links ten new listing pages
    and some reports), a listing of 20,000 links, an oversized report page, a large listing for a
    source with restrict_css, a redirect to another loopback address, and a plain /ok/ source."""

    BIG_REPORT = 300_000  # bytes, over the ARCHIVE_MAX_HTML_BYTES the tests set (100,000)

    def __init__(self):
        super().__init__()
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def served(self, prefix: str) -> list[str]:
        with self.lock:
            return [p for p in self.paths if p.startswith(prefix)]

    def handle(self, h) -> None:  # noqa: C901 - one route table
        path = urlsplit(h.path).path
        with self.lock:
            self.paths.append(path)
        if path == "/robots.txt":
            return self.send(h, 200, b"User-agent: *\nDisallow:\n", ctype="text/plain")
        m = re.fullmatch(r"/(wide|many|slow)/l/([\d-]+)\.html", path)
        if m:
            trap, node = m.groups()
            if trap == "slow":
                time.sleep(0.25)
            reports = {"wide": 1, "many": 5, "slow": 1}[trap]
            links = [f"{node}-{k}.html" for k in range(10)]
            links += [f"/{trap}/r/{node}-{k}.html" for k in range(reports)]
            return self.send(h, 200, listing_html(links))
        if path == "/cap/list.html":
            return self.send(h, 200, listing_html([f"r/{i}.html" for i in range(20_000)]))
        if path == "/big/list.html":
            return self.send(h, 200, listing_html(["r/huge.html", "r/1.html"]))
        if path == "/big/r/huge.html":
            page = report_html(path, padding=self.BIG_REPORT // 27)
            return self.send(h, 200, page)
        if path == "/css/list.html":  # a listing over ARCHIVE_MAX_HTML_BYTES, read with restrict_css
            return self.send(h, 200, listing_html([f"r/{i}.html" for i in range(5000)]))
        if path == "/redir/list.html":
            return self.send(h, 302, b"", headers={"Location": f"http://127.0.0.2:{self.port}/ok/list.html"})
        if path == "/ok/list.html":
            return self.send(h, 200, listing_html(["r/1.html", "r/2.html"]))
        if re.fullmatch(r"/[a-z]+/r/[\w-]+\.html", path):
            return self.send(h, 200, report_html(path))
        return self.send(h, 404, b"not found", ctype="text/plain")


SOURCES = """
[ok]
start_urls = ["{base}/ok/list.html"]
allow_private = ["127.0.0.1"]
listing = ['/ok/list\\.html$']
reports = ['/ok/r/\\d+\\.html$']

[private]   # the same site, without allow_private: the crawl and the dry run refuse it
start_urls = ["{base}/ok/list.html"]
listing = ['/ok/list\\.html$']
reports = ['/ok/r/\\d+\\.html$']

[redir]     # allowed 127.0.0.1, redirected to 127.0.0.2
start_urls = ["{base}/redir/list.html"]
allow_private = ["127.0.0.1"]
listing = ['/list\\.html$']
reports = ['/ok/r/\\d+\\.html$']

[wide]      # the budget of listing pages (ARCHIVE_SOURCE_MAX_LISTINGS, set by the test)
start_urls = ["{base}/wide/l/0.html"]
allow_private = true
listing = ['/wide/l/']
reports = ['/wide/r/']

[many]      # its own budget of requests
start_urls = ["{base}/many/l/0.html"]
allow_private = true
listing = ['/many/l/']
reports = ['/many/r/']
max_requests = 25
max_listings = 100

[slow]      # its own budget of time: 0.25 s a listing page, one second in all
start_urls = ["{base}/slow/l/0.html"]
allow_private = true
listing = ['/slow/l/']
reports = ['/slow/r/']
max_seconds = 1
max_listings = 0
max_requests = 0

[cap]
start_urls = ["{base}/cap/list.html"]
allow_private = true
listing = ['/cap/list\\.html$']
reports = ['/cap/r/\\d+\\.html$']

[big]
start_urls = ["{base}/big/list.html"]
allow_private = true
listing = ['/big/list\\.html$']
reports = ['/big/r/\\w+\\.html$']

[css]
start_urls = ["{base}/css/list.html"]
allow_private = true
listing = ['/css/list\\.html$']
reports = ['/css/r/\\d+\\.html$']
restrict_css = "ul.list"
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with HostileSite() as s:
        folder = tmp_path_factory.mktemp("hostile")
        sources = folder / "sources.toml"
        sources.write_text(SOURCES.format(base=s.base), encoding="utf-8")
        yield {"site": s, "sources": sources, "folder": folder}


def crawl(site, db, *args):
    r = run_archive("crawl", "--db", db, "--sources", site["sources"], *FAST, *args)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    return r


def last_run(db) -> dict:
    status, stats, log_file = q(
        db, "SELECT status, stats, log_file FROM crawl_runs ORDER BY id DESC LIMIT 1"
    )[0]
    return {"status": status, "stats": json.loads(stats), "log": open(log_file, encoding="utf-8").read()}


def checks(db, source: str) -> dict:
    (raw,) = q(
        db, "SELECT checks FROM crawl_run_sources WHERE source = ? ORDER BY run_id DESC LIMIT 1", source
    )[0]
    return {c["check"]: c for c in json.loads(raw)}


# 6. the dry run applies the crawl's guard --------------------------------------------------------
def test_dry_run_refuses_a_private_address_like_the_crawl(site, tmp_path):
    s = site["site"]
    before = len(s.served("/ok/list.html"))
    r = run_archive("sources", "check", "private", "--sources", site["sources"])
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"refused {s.base}/ok/list.html: private address: 127.0.0.1 (loopback)" in r.stdout, r.stdout
    assert "as the crawl refuses it" in r.stdout and "allow_private = true" in r.stdout
    assert "archive (" not in r.stdout  # no links listed: nothing was fetched
    assert len(s.served("/ok/list.html")) == before
    # the same page for a source that may reach 127.0.0.1: fetched and its links listed
    r = run_archive("sources", "check", "ok", "--sources", site["sources"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"archive (2)\n    {s.base}/ok/r/1.html" in r.stdout
    # a redirect hop is judged too: 127.0.0.2 is not in the redir source's allow_private
    r = run_archive("sources", "check", "redir", "--sources", site["sources"])
    assert r.returncode == 1, r.stdout + r.stderr
    assert (
        f"refused http://127.0.0.2:{s.port}/ok/list.html: private address: 127.0.0.2 (loopback)" in r.stdout
    )

    # the crawl refuses it, and its summary line says why (not only the log file)
    db = tmp_path / "archive.db"
    r = crawl(site, db, "private")
    assert r.returncode == 1, r.stdout + r.stderr[-2000:]
    assert (
        "private: 1 errors in 1 requests (100%, limit 25%), all 1 requests refused: "
        "private address: 127.0.0.1 (loopback) (set allow_private = true for this source" in r.stdout
    ), r.stdout


# 7. bad settings are usage errors -------------------------------------------------------------
def test_a_bad_setting_is_a_usage_error_and_records_no_run(site, tmp_path):
    db = tmp_path / "archive.db"
    r = crawl(site, db, "ok")
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    runs = q(db, "SELECT id, status FROM crawl_runs")
    for setting, message in [
        ("DOWNLOAD_DELAY=abc", "archive: setting DOWNLOAD_DELAY wants a number, not 'abc'"),
        ("DEPTH_LIMT=5", "archive: unknown setting DEPTH_LIMT (did you mean DEPTH_LIMIT?)"),
    ]:
        r = crawl(site, db, "ok", "-s", setting)
        assert r.returncode == 2, (setting, r.stdout, r.stderr)
        assert r.stdout == "" and r.stderr.startswith(message), (setting, r.stderr)
        assert r.stderr.count("\n") == 1, r.stderr
    assert q(db, "SELECT id, status FROM crawl_runs") == runs  # no run recorded, no baseline spoilt


def test_settings_are_checked_against_their_defaults_types():
    from crawler.overrides import SettingError, parse_overrides

    assert parse_overrides(
        [
            "DOWNLOAD_DELAY=0",
            "DOWNLOAD_TIMEOUT=7.5",  # an int default Scrapy reads as a float
            "DEPTH_LIMIT=3",
            "ROBOTSTXT_OBEY=false",
            'DOWNLOADER_MIDDLEWARES={"crawler.middlewares.PrivateAddressGuard": 150}',
            "SPIDER_MODULES=a,b",
            "LOG_LEVEL=DEBUG",
            "JOBDIR=/tmp/job",  # default None: any text
            "ARCHIVE_SOURCE_MAX_SECONDS=0.5",
        ]
    ) == {
        "DOWNLOAD_DELAY": 0.0,
        "DOWNLOAD_TIMEOUT": 7.5,
        "DEPTH_LIMIT": 3,
        "ROBOTSTXT_OBEY": False,
        "DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.PrivateAddressGuard": 150},
        "SPIDER_MODULES": ["a", "b"],
        "LOG_LEVEL": "DEBUG",
        "JOBDIR": "/tmp/job",
        "ARCHIVE_SOURCE_MAX_SECONDS": 0.5,
    }
    for setting, message in [
        ("DEPTH_LIMIT=2.5", "setting DEPTH_LIMIT wants a whole number, not '2.5'"),
        ("DOWNLOAD_DELAY=inf", "setting DOWNLOAD_DELAY wants a finite number, not 'inf'"),
        (
            "AUTOTHROTTLE_ENABLED=yes",
            "setting AUTOTHROTTLE_ENABLED wants a boolean (true/false, 1/0), not 'yes'",
        ),
        ("ITEM_PIPELINES=[1]", "setting ITEM_PIPELINES wants a JSON object"),
        ("ARCHIVE_DB=other.db", "setting ARCHIVE_DB cannot be set with -s: use --db"),
        ("DEPTH_LIMIT", "--set wants NAME=VALUE, not 'DEPTH_LIMIT'"),
    ]:
        with pytest.raises(SettingError) as err:
            parse_overrides([setting])
        assert str(err.value).startswith(message), str(err.value)


# 13. budgets ----------------------------------------------------------------------------------
def test_breadth_traps_end_at_their_budgets_and_the_other_sources_go_on(site, tmp_path):
    s = site["site"]
    db = tmp_path / "archive.db"
    t0 = time.monotonic()
    r = crawl(site, db, "wide", "many", "slow", "ok", "-s", "ARCHIVE_SOURCE_MAX_LISTINGS=15")
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    assert took < 60
    run = last_run(db)
    stats = run["stats"]["sources"]
    # wide: 15 listing pages (the setting), and the reports they list
    assert len(s.served("/wide/l/")) == 15
    assert stats["wide"]["archive/budget/listings"] == 15
    assert "archive/budget/requests" not in stats["wide"]
    assert len(s.served("/wide/r/")) == 15
    # many: its entry's 25 requests (listing and report pages)
    assert stats["many"]["archive/budget/requests"] == 25
    assert len(s.served("/many/")) == 25
    assert stats["many"]["archive/skipped/budget"] > 0
    # slow: its entry's second, from its first request (then its queued requests are dropped)
    assert stats["slow"]["archive/budget/seconds"] == 1
    assert len(s.served("/slow/")) < 40
    # the other source is crawled as usual
    assert q(db, "SELECT COUNT(*) FROM documents WHERE source = 'ok'")[0][0] == 2
    assert checks(db, "ok")["budget"]["status"] == "ok"
    # logged, in crawl_run_sources, and on the summary line; a warning, not a failure
    for key, detail in [
        ("wide", "stopped at its budget: 15 listing pages (max_listings)"),
        ("many", "stopped at its budget: 25 requests (max_requests)"),
        ("slow", "stopped at its budget: 1 seconds (max_seconds)"),
    ]:
        check = checks(db, key)["budget"]
        assert check["status"] == "warn" and check["detail"].startswith(detail), check
        assert f"{key}: {detail}" in r.stdout, r.stdout
    assert "warnings:" in r.stdout and run["status"] == "ok"
    assert "source wide reached its budget of 15 listing pages (ARCHIVE_SOURCE_MAX_LISTINGS" in run["log"]
    assert "source many reached its budget of 25 requests" in run["log"]
    assert q(db, "SELECT status FROM crawl_run_sources WHERE source = 'many'") == [("warn",)]


# 14. one hostile page -------------------------------------------------------------------------
def test_a_page_of_20000_links_schedules_only_the_cap(site, tmp_path):
    s = site["site"]
    db = tmp_path / "archive.db"
    r = crawl(site, db, "cap", "-s", "ARCHIVE_MAX_LINKS_PER_PAGE=40")
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    assert len(s.served("/cap/r/")) == 40
    run = last_run(db)
    assert run["stats"]["sources"]["cap"]["archive/skipped/links_cut"] == 1
    assert "links read up to 40 (ARCHIVE_MAX_LINKS_PER_PAGE)" in run["log"]
    assert checks(db, "cap")["trap_limits"]["status"] == "warn"
    assert "1 links_cut" in r.stdout
    assert q(db, "SELECT COUNT(*) FROM documents WHERE source = 'cap'")[0][0] == 40


def test_an_oversized_page_is_stored_raw_and_not_parsed(site, tmp_path):
    db = tmp_path / "archive.db"
    r = crawl(site, db, "big", "css", "-s", "ARCHIVE_MAX_HTML_BYTES=100000")
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    run = last_run(db)
    stats = run["stats"]["sources"]
    base = site["site"].base
    # the report page: its capture is stored, whole, and no document is made of it
    assert stats["big"]["archive/skipped/too_large"] == 1
    page = report_html("/big/r/huge.html", padding=HostileSite.BIG_REPORT // 27)
    assert len(page) > 100_000
    assert q(db, "SELECT size, sha256 FROM captures WHERE url = ?", f"{base}/big/r/huge.html") == [
        (len(page), hashlib.sha256(page).hexdigest())
    ]
    assert q(db, "SELECT url FROM documents WHERE source = 'big'") == [(f"{base}/big/r/1.html",)]
    assert "big/r/huge.html is" in run["log"] and "over ARCHIVE_MAX_HTML_BYTES" in run["log"]
    # a listing page too large for its restrict_css tree: its links are not read, and it says so
    assert stats["css"]["archive/skipped/too_large"] == 1
    assert "links not read" in run["log"]
    assert checks(db, "big")["trap_limits"]["status"] == "warn"


def test_budget_options_in_an_entry_are_checked():
    from crawler.sources import SourceError, parse_source

    entry = {"start_urls": ["http://www.x.gov.cn/l/"], "reports": ["/r/"]}
    src = parse_source("x", {**entry, "max_requests": 10, "max_listings": 0, "max_seconds": 2.5})
    assert (src.max_requests, src.max_listings, src.max_seconds) == (10, 0, 2.5)
    assert parse_source("x", entry).max_requests is None  # the settings' default then
    for option, value in [
        ("max_requests", -1),
        ("max_listings", 1.5),
        ("max_seconds", "1h"),
        ("max_requests", True),
    ]:
        with pytest.raises(SourceError, match=f"{option} must be a"):
            parse_source("x", {**entry, option: value})
