"""Crawl safety: private addresses refused, traps and limits, binary bodies served as text/html.

Every test runs the real ``archive crawl`` against a real HTTP server on 127.0.0.1 (a small
hostile site, below) into a copy of an archive that already holds two reports, then checks the
exit code and the log line, the counted stat (``crawl_runs.stats``), that nothing archived was
lost or duplicated, and ``PRAGMA integrity_check``.

What a crawl reports when a source's own start page is refused (a host resolving to loopback
without ``allow_private``): the WARNING line ``refused URL: HOST resolves to ADDR, a loopback
address …``, ``archive/errors/private_address`` and ``archive/errors/listing`` in the stats, and
exit code 1 (every request of the source failed, ``N errors in N requests`` in the summary).
"""

from __future__ import annotations

import gzip
import http.server
import io
import json
import re
import shutil
import sqlite3
import threading
import zipfile
import zlib
from urllib.parse import urlsplit

import pytest
from conftest import FAST, free_port, q, run_archive

pytestmark = pytest.mark.slow  # real crawls of hostile pages (50 MB bodies, gzip bombs)

MB = 1024 * 1024
HUGE = 50 * MB  # DOWNLOAD_MAXSIZE is 32 MB
CITIES = [
    "松原市",
    "白城市",
    "四平市",
    "辽源市",
    "通化市",
    "白山市",
    "延吉市",
    "珲春市",
    "梅河口市",
    "公主岭市",
    "敦化市",
    "图们市",
]
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", "<w:document><w:body><w:p>政府工作报告</w:p></w:body></w:document>")
    return buf.getvalue()


DOCX = docx_bytes()


def report_html(path: str) -> bytes:
    n = sum(path.encode())  # a different city and year for each path: distinct texts
    city, year = CITIES[n % len(CITIES)], 2015 + n % 10
    body = "".join(
        f"<p>{line}</p>"
        for line in [
            f"——{year}年1月15日在{city}第九届人民代表大会第三次会议上",
            "各位代表：现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员提出意见。",
            f"过去一年，全市地区生产总值增长百分之{n % 9 + 1}点{n % 7}，一般公共预算收入增长百分之{n % 11 + 2}。",
            f"{year}年经济社会发展的主要预期目标是：地区生产总值增长百分之六左右，城镇新增就业{n % 5 + 1}万人以上。",
            f"我们将坚持稳中求进工作总基调，推动{city}高质量发展取得新成效（{path}）。",
        ]
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{year}年{city}政府工作报告</title></head>'
        f'<body><div class="nav">首页 | 政务公开</div><div class="article"><h1>{year}年{city}政府工作报告</h1>'
        f'<div class="info">发布时间：{year}-01-20</div><div class="content">{body}</div></div>'
        f'<div class="footer">版权所有</div></body></html>'
    ).encode()


def listing_html(links: list[str]) -> bytes:
    items = "".join(f'<li><a href="{href}">政府工作报告 {i}</a></li>' for i, href in enumerate(links))
    return f'<html><head><meta charset="utf-8"><title>列表</title></head><body><ul>{items}</ul></body></html>'.encode()


def gzip_bomb(inflated: int) -> bytes:
    """A small gzip stream (about 1/1000 of it) inflating to ``inflated`` bytes of '<p>' padding."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    chunk = b"<p>" * (MB // 3)
    out, left = [], inflated
    while left > 0:
        out.append(comp.compress(chunk[:left]))
        left -= len(chunk)
    out.append(comp.flush())
    return b"".join(out)


class Site:
    """The hostile site's state: which host was asked for which path, and how much was streamed."""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []  # (Host header, path)
        self.streamed = 0
        self.lock = threading.Lock()
        self.bomb = gzip_bomb(64 * MB)


def make_handler(site: Site):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send(self, body: bytes, ctype="text/html; charset=utf-8", status=200, headers=()):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def stream(self, total: int, length_header: bool):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if length_header:
                self.send_header("Content-Length", str(total))
            self.end_headers()
            chunk = b"<p>" + "很长的页面".encode() * 4000 + b"</p>\n"
            sent = 0
            try:
                while sent < total:
                    part = chunk[: total - sent]
                    self.wfile.write(part)
                    sent += len(part)
                    with site.lock:
                        site.streamed += len(part)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up: what we want

        def do_GET(self):  # noqa: C901 - one route table
            path = urlsplit(self.path).path
            host = self.headers.get("Host", "")
            with site.lock:
                site.requests.append((host, path))
            port = self.server.server_address[1]
            if path == "/robots.txt":
                return self.send(b"User-agent: *\nDisallow:\n", "text/plain")
            if path == "/meta/list.html":
                return self.send(
                    listing_html(
                        [
                            "http://169.254.169.254/latest/meta-data/",
                            f"http://[::1]:{port}/meta/r/99.html",
                            "r/1.html",
                            "r/2.html",
                        ]
                    )
                )
            if path == "/redir/list.html":
                return self.send(listing_html(["r/away.html", "r/1.html", "r/2.html"]))
            if path == "/redir/r/away.html":
                return self.send(
                    b"", status=302, headers=[("Location", f"http://127.0.0.2:{port}/secret/r/1.html")]
                )
            if path == "/big/list.html":
                return self.send(listing_html(["r/huge.html", "r/stream.html", "r/1.html", "r/2.html"]))
            if path == "/big/r/huge.html":
                return self.stream(HUGE, length_header=True)
            if path == "/big/r/stream.html":
                return self.stream(HUGE, length_header=False)
            if path == "/bomb/list.html":
                return self.send(listing_html(["r/bomb.html", "r/1.html", "r/2.html"]))
            if path == "/bomb/r/bomb.html":
                return self.send(site.bomb, headers=[("Content-Encoding", "gzip")])
            if path == "/bin/list.html":
                return self.send(listing_html(["r/report.html", "r/scan.html", "r/minutes.html", "r/1.html"]))
            if path == "/bin/r/report.html":
                return self.send(PDF)  # a PDF, served as text/html
            if path == "/bin/r/scan.html":
                return self.send(PNG, "text/html")
            if path == "/bin/r/minutes.html":
                return self.send(DOCX, "application/octet-stream")
            if path == "/long/list.html":
                return self.send(listing_html(["r/" + "x" * 1100 + ".html", "r/1.html"]))
            if path.startswith("/trap/"):  # relative links against the wrong base: /trap/x/x/x/…
                return self.send(listing_html(["x/", "/ok/r/7.html"]))
            if path.startswith("/cycle/"):  # /cycle/a/b/a/b/a/b/…
                return self.send(listing_html(["a/b/"]))
            m = re.fullmatch(r"/deep/(\d+)\.html", path)
            if m:  # a chain of listing pages; page 2 lists a report of three pages
                n = int(m.group(1))
                return self.send(listing_html([f"{n + 1}.html"] + (["r/long.html"] if n == 2 else [])))
            if path == "/deep/r/long.html":
                return self.send(
                    report_html(path).replace(
                        b"</body>",
                        b'<a href="long_1.html">2</a>'
                        b'<a href="long_1.html">\xe4\xb8\x8b\xe4\xb8\x80\xe9\xa1\xb5</a></body>',
                    )
                )
            if path == "/deep/r/long_1.html":
                return self.send(report_html(path).replace(b"</body>", b'<a href="long_2.html">3</a></body>'))
            if path == "/deep/r/long_2.html":
                return self.send(report_html(path))
            if path == "/ok/list.html":
                return self.send(listing_html(["r/1.html", "r/2.html"]))
            if re.fullmatch(r"/[a-z]+/r/\d+\.html", path):
                return self.send(report_html(path))
            return self.send(b"not found", "text/plain", status=404)

    return Handler


def serve(host: str, port: int, site: Site):
    server = http.server.ThreadingHTTPServer((host, port), make_handler(site))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


SOURCES = """
[ok]
start_urls = ["{base}/ok/list.html"]
allow_private = ["127.0.0.1"]
listing = ['/ok/list\\.html$']
reports = ['/ok/r/\\d+\\.html$']

[meta]   # no allowed_domains: the listing's links go anywhere; loopback 127.0.0.1 only
start_urls = ["{base}/meta/list.html"]
allow_private = ["127.0.0.1"]
listing = ['/meta/list\\.html$']
reports = ['/r/\\d+\\.html$', '/latest/meta-data/$']

[redir]
start_urls = ["{base}/redir/list.html"]
allow_private = ["127.0.0.1/32"]
listing = ['/redir/list\\.html$']
reports = ['/redir/r/\\w+\\.html$']

[local]  # localhost resolves to loopback; no allow_private
start_urls = ["http://localhost:{port}/ok/list.html"]
listing = ['/ok/list\\.html$']
reports = ['/ok/r/\\d+\\.html$']

[big]
start_urls = ["{base}/big/list.html"]
allow_private = true
listing = ['/big/list\\.html$']
reports = ['/big/r/\\w+\\.html$']

[bomb]
start_urls = ["{base}/bomb/list.html"]
allow_private = true
listing = ['/bomb/list\\.html$']
reports = ['/bomb/r/\\w+\\.html$']

[bin]
start_urls = ["{base}/bin/list.html"]
allow_private = true
listing = ['/bin/list\\.html$']
reports = ['/bin/r/\\w+\\.html$']

[long]
start_urls = ["{base}/long/list.html"]
allow_private = true
listing = ['/long/list\\.html$']
reports = ['/long/r/\\w+\\.html$']

[trap]
start_urls = ["{base}/trap/", "{base}/cycle/"]
allow_private = true
listing = ['/(trap|cycle)/']
reports = ['/ok/r/\\d+\\.html$']

[deep]
start_urls = ["{base}/deep/0.html"]
allow_private = true
listing = ['/deep/\\d+\\.html$']
reports = ['/deep/r/long\\.html$']
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    state = Site()
    port = free_port()
    servers = [serve("127.0.0.1", port, state)]
    try:  # the redirect target: loopback too, but not in the redir source's allow_private
        servers.append(serve("127.0.0.2", port, state))
        second = True
    except OSError:
        second = False
    tmp = tmp_path_factory.mktemp("safety")
    sources = tmp / "sources.toml"
    base = f"http://127.0.0.1:{port}"
    sources.write_text(SOURCES.format(base=base, port=port), encoding="utf-8")
    baseline = tmp / "baseline.db"
    r = run_archive("crawl", "--db", baseline, "--sources", sources, "ok", *FAST)
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert q(baseline, "SELECT COUNT(*) FROM documents")[0][0] == 2
    try:
        yield {
            "state": state,
            "port": port,
            "base": base,
            "sources": sources,
            "baseline": baseline,
            "second_host": second,
        }
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def snapshot(db) -> dict:
    return {
        "captures": q(db, "SELECT id, url, sha256, status FROM captures ORDER BY id"),
        "documents": q(db, "SELECT id, url, text_hash, source FROM documents ORDER BY id"),
    }


def crawl(site, tmp_path, source: str, *extra):
    """Crawl one source into a copy of the baseline archive; return the process, db and stats."""
    db = tmp_path / "archive.db"
    shutil.copy(site["baseline"], db)
    before = snapshot(db)
    with site["state"].lock:
        site["state"].requests.clear()
    r = run_archive("crawl", "--db", db, "--sources", site["sources"], source, "-v", *FAST, *extra)
    after = snapshot(db)
    # nothing archived before was lost or changed
    assert set(before["captures"]) <= set(after["captures"])
    assert set(before["documents"]) <= set(after["documents"])
    # no duplicate rows
    assert q(db, "SELECT url, sha256, COUNT(*) FROM captures GROUP BY url, sha256 HAVING COUNT(*) > 1") == []
    assert q(db, "SELECT url, COUNT(*) FROM documents GROUP BY url HAVING COUNT(*) > 1") == []
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        con.close()
    status, stats = q(db, "SELECT status, stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    stats = json.loads(stats)["sources"][source]
    assert stats.get("log_count/ERROR", 0) == 0, r.stderr[-3000:]  # refused, never crashed
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    return r, db, stats, status


def documents(db, like: str) -> list[str]:
    return [u for (u,) in q(db, "SELECT url FROM documents WHERE url LIKE ? ORDER BY url", like)]


# -- private addresses ---------------------------------------------------------------------------
def test_link_to_cloud_metadata_address_is_refused(site, tmp_path):
    r, db, stats, _ = crawl(site, tmp_path, "meta", "--max-error-rate", "1", "-s", "DOWNLOAD_TIMEOUT=5")
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert (
        "refused http://169.254.169.254/latest/meta-data/: 169.254.169.254, a link-local address" in r.stderr
    )
    assert f"refused http://[::1]:{site['port']}/meta/r/99.html: ::1, a loopback address" in r.stderr
    assert stats["archive/errors/private_address"] == 2
    assert stats["archive/errors/report"] == 2
    assert "robotstxt/exception_count" not in json.dumps(stats)
    # the refusal is recorded as a failed capture (no body), never as a document
    rows = q(
        db, "SELECT status, size, error FROM captures WHERE url = 'http://169.254.169.254/latest/meta-data/'"
    )
    assert (
        len(rows) == 1 and rows[0][:2] == (0, 0) and rows[0][2].startswith("private_address: private address")
    )
    assert documents(db, "%169.254%") == [] and documents(db, "%[::1]%") == []
    # the allowed loopback address of the same source is crawled as usual
    assert documents(db, "%/meta/r/%") == [f"{site['base']}/meta/r/1.html", f"{site['base']}/meta/r/2.html"]


@pytest.mark.parametrize("guard_order", [60, 150], ids=["guard-first", "robots-first"])
def test_host_resolving_to_loopback_without_allow_private_is_refused(site, tmp_path, guard_order):
    """``localhost`` is a name, not a literal address: the guard resolves it (127.0.0.1 / ::1).
    With the guard after RobotsTxtMiddleware (150), the robots.txt request is refused first
    (counted by the guard, no crash), then the page itself."""
    mw = json.dumps({"crawler.middlewares.PrivateAddressGuard": guard_order})
    r, db, stats, status = crawl(site, tmp_path, "local", "-s", f"DOWNLOADER_MIDDLEWARES={mw}")
    url = f"http://localhost:{site['port']}/ok/list.html"
    assert r.returncode == 1, r.stdout + r.stderr[-3000:]
    assert status == "failed" and "local: 1 errors in 1 requests" in r.stdout
    assert re.search(
        rf"refused {re.escape(url)}: localhost resolves to (127\.0\.0\.1|::1), a loopback address", r.stderr
    ), r.stderr[-3000:]
    assert stats["archive/errors/listing"] == 1
    robots = guard_order > 100
    assert stats["archive/errors/private_address"] == 1 + robots
    if robots:
        assert f"refused http://localhost:{site['port']}/robots.txt" in r.stderr
    assert stats.get("robotstxt/request_count", 0) == robots
    assert stats.get("archive/listing_pages", 0) == 0
    # nothing reached the server under that name
    assert [p for h, p in site["state"].requests if h.startswith("localhost")] == []


def test_redirect_hop_to_another_private_address_is_refused(site, tmp_path):
    """The source may reach 127.0.0.1 only; a report there redirects to 127.0.0.2 (loopback too,
    and served by the same site): the hop is checked on its own and refused."""
    if not site["second_host"]:
        pytest.skip("cannot listen on 127.0.0.2 here")
    r, db, stats, _ = crawl(site, tmp_path, "redir", "--max-error-rate", "1")
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    target = f"http://127.0.0.2:{site['port']}/secret/r/1.html"
    assert f"refused {target}: 127.0.0.2, a loopback address" in r.stderr
    assert stats["archive/errors/private_address"] == 1
    assert stats["downloader/response_status_count/302"] == 1
    assert [p for h, p in site["state"].requests if h.startswith("127.0.0.2")] == []
    rows = q(db, "SELECT requested_url, status, error FROM captures WHERE url = ?", target)
    assert rows == [(f"{site['base']}/redir/r/away.html", 0, rows[0][2])] and rows[0][2].startswith(
        "private_address"
    )
    assert documents(db, "%127.0.0.2%") == []
    assert documents(db, "%/redir/r/%") == [
        f"{site['base']}/redir/r/1.html",
        f"{site['base']}/redir/r/2.html",
    ]


# -- size limits -------------------------------------------------------------------------------
def test_fifty_megabyte_pages_are_refused(site, tmp_path):
    r, db, stats, _ = crawl(site, tmp_path, "big", "--max-error-rate", "1")
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    huge, stream = f"{site['base']}/big/r/huge.html", f"{site['base']}/big/r/stream.html"
    assert f"Expected to receive {HUGE} bytes which is larger than download max size (33554432)" in r.stderr
    assert "bytes which is larger than download max size (33554432) in request <GET " + stream in r.stderr
    assert stats["archive/errors/too_large"] == 2
    for url in (huge, stream):
        [(status, size, error)] = q(db, "SELECT status, size, error FROM captures WHERE url = ?", url)
        assert (status, size) == (0, 0) and error.startswith("too_large"), error
    assert documents(db, "%/big/r/%") == [f"{site['base']}/big/r/1.html", f"{site['base']}/big/r/2.html"]
    # the download was cut off, not read to the end (at most 32 MB and the socket buffers)
    assert site["state"].streamed < 45 * MB


def test_gzip_bomb_is_refused_while_inflating(site, tmp_path):
    assert len(site["state"].bomb) < 200 * 1024  # 64 MB once inflated
    r, db, stats, _ = crawl(site, tmp_path, "bomb", "--max-error-rate", "1")
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    url = f"{site['base']}/bomb/r/bomb.html"
    assert re.search(
        r"Ignored response <200 " + re.escape(url) + r"> because its body \(\d+ B compressed, \d+ B "
        r"decompressed so far\) exceeded DOWNLOAD_MAXSIZE \(33554432 B\)",
        r.stderr,
    ), r.stderr[-3000:]
    assert stats["archive/errors/too_large"] == 1
    [(status, size, error)] = q(db, "SELECT status, size, error FROM captures WHERE url = ?", url)
    assert (status, size) == (0, 0) and error.startswith("too_large")
    assert documents(db, "%/bomb/r/%") == [f"{site['base']}/bomb/r/1.html", f"{site['base']}/bomb/r/2.html"]
    assert gzip.decompress(site["state"].bomb)[:3] == b"<p>"  # a real gzip stream, not garbage


# -- binary bodies -----------------------------------------------------------------------------
def test_pdf_and_image_served_as_html_are_kept_raw_without_document(site, tmp_path):
    r, db, stats, _ = crawl(site, tmp_path, "bin")
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    pdf, png = f"{site['base']}/bin/r/report.html", f"{site['base']}/bin/r/scan.html"
    assert (
        f"{pdf} is application/pdf (served as text/html; charset=utf-8): capture kept, no document"
        in r.stderr
    )
    assert f"{png} is image/png (served as text/html): capture kept, no document" in r.stderr
    assert stats["archive/skipped/binary"] == 3
    from archive.db import decompress

    docx = f"{site['base']}/bin/r/minutes.html"
    for url, body, mime in ((pdf, PDF, "application/pdf"), (png, PNG, "image/png"), (docx, DOCX, DOCX_TYPE)):
        [(status, sniffed, ctype, size, blob, compression)] = q(
            db,
            "SELECT status, sniffed_type, content_type, size, body, compression FROM captures WHERE url = ?",
            url,
        )
        assert (status, sniffed, size) == (200, mime, len(body)), (url, sniffed)
        assert ctype.startswith("text/html" if url != docx else "application/octet-stream")
        assert decompress(blob, compression) == body  # stored raw, byte for byte
    assert documents(db, "%/bin/r/%") == [f"{site['base']}/bin/r/1.html"]
    # an HTML page has no sniffed type
    assert q(db, "SELECT sniffed_type FROM captures WHERE url = ?", f"{site['base']}/bin/r/1.html") == [
        (None,)
    ]


# -- traps -------------------------------------------------------------------------------------
def test_repeated_path_segments_are_dropped(site, tmp_path):
    r, db, stats, _ = crawl(site, tmp_path, "trap")
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    base = site["base"]
    for trap in (f"{base}/trap/x/x/x/", f"{base}/cycle/a/b/a/b/a/b/"):
        assert f"skipped link {trap} on " in r.stderr and "repeated 3+ times (a crawler trap)" in r.stderr
    assert stats["archive/skipped/repeated_path"] == 2
    asked = sorted(p for _, p in site["state"].requests if p.startswith(("/trap/", "/cycle/")))
    assert asked == ["/cycle/", "/cycle/a/b/", "/cycle/a/b/a/b/", "/trap/", "/trap/x/", "/trap/x/x/"]
    assert stats["archive/listing_pages"] == 6
    assert documents(db, "%/ok/r/7.html") == [f"{base}/ok/r/7.html"]


def test_url_longer_than_the_limit_is_dropped(site, tmp_path):
    r, db, stats, _ = crawl(site, tmp_path, "long")
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    long_url = f"{site['base']}/long/r/" + "x" * 1100 + ".html"
    assert f"skipped link {long_url[:200]}… ({len(long_url)} characters)" in r.stderr
    assert "URL longer than 1000 characters" in r.stderr
    assert stats["archive/skipped/url_too_long"] == 1
    assert not [p for _, p in site["state"].requests if len(p) > 1000]
    assert q(db, "SELECT COUNT(*) FROM captures WHERE length(url) > 1000") == [(0,)]
    assert documents(db, "%/long/r/%") == [f"{site['base']}/long/r/1.html"]


def test_depth_limit_stops_listing_chains_but_not_continuation_pages(site, tmp_path):
    """DEPTH_LIMIT=3: listing pages 0-3 are fetched and 4.html is dropped; the report listed on
    page 2 (depth 3) still gets its two continuation pages (depth 4 and 5)."""
    r, db, stats, _ = crawl(site, tmp_path, "deep", "-s", "DEPTH_LIMIT=3")
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    base = site["base"]
    assert (
        f"skipped link {base}/deep/4.html on {base}/deep/3.html: 4 links from the start page (DEPTH_LIMIT)"
        in r.stderr
    )
    assert stats["archive/skipped/depth"] == 1 and stats["archive/listing_pages"] == 4
    assert stats["archive/continuation_pages"] == 2
    [(doc_id, pages)] = q(db, "SELECT id, pages FROM documents WHERE url = ?", f"{base}/deep/r/long.html")
    assert pages == 3
    assert q(db, "SELECT COUNT(*) FROM document_captures WHERE document_id = ?", doc_id) == [(3,)]


def test_sniff_recognises_binaries_by_their_first_bytes_only():
    from pipelines.cleaning.sniff import sniff

    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le")
    assert sniff(ole) == "application/msword"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600) == "application/x-ole-storage"
    assert sniff(DOCX) == DOCX_TYPE and sniff(DOCX[:120]) == DOCX_TYPE  # a truncated download too
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("data.csv", "a,b")
    assert sniff(plain_zip.getvalue()) == "application/zip"
    assert sniff(b"\xef\xbb\xbf\r\n%PDF-1.7\n") == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert sniff(b"GIF89a\x01\x00\x01\x00") == "image/gif"
    assert sniff(PNG) == "image/png"
    # text is never binary, even when it talks about one or starts like a magic number
    for text in (
        report_html("/x/r/1.html"),
        b"<html><p>%PDF-1.4 is the header of a PDF</p></html>",
        "BM 报告全文".encode(),
        "PK 政府工作报告".encode("gbk"),
        b"",
        b"GIF",
    ):
        assert sniff(text) is None, text[:40]


def test_bad_allow_private_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[x]\nstart_urls = ["http://127.0.0.1:1/"]\nreports = ["/r/"]\nallow_private = ["intranet"]\n',
        encoding="utf-8",
    )
    r = run_archive("crawl", "--db", tmp_path / "x.db", "--sources", bad)
    assert r.returncode == 2 and "allow_private" in r.stderr and "'intranet'" in r.stderr, r.stderr
