"""The bundled demo site and its server: a real server on 127.0.0.1, real HTTP requests."""

from __future__ import annotations

import email.utils
import json
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from archive.demo.server import DEFAULT_PORT, SITE_DIR, DemoServer
from crawler.sources import DEMO_SOURCES, load_sources

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((SITE_DIR / "_manifest.json").read_text(encoding="utf-8"))
ROUTES = tomllib.loads((SITE_DIR / "_routes.toml").read_text(encoding="utf-8"))
NO_TEXT = {"dead", "loop"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict | None = None, follow: bool = True, method: str = "GET"):
    """(status, headers, body) without raising on HTTP errors."""
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        resp = (urllib.request.urlopen if follow else _opener.open)(req, timeout=10)
        with resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read()


@pytest.fixture(scope="module")
def server():
    with DemoServer(port=0) as srv:
        yield srv


def site_paths() -> list[str]:
    out = []
    for f in sorted(SITE_DIR.rglob("*")):
        rel = f.relative_to(SITE_DIR).as_posix()
        if f.is_file() and not any(p.startswith("_") for p in rel.split("/")) and rel != "README.md":
            out.append("/" + rel)
    return out


def listing_urls() -> dict[str, list[str]]:
    """Listing pages of each demo source, found by its own patterns among the site's files."""
    sources = load_sources(DEMO_SOURCES)
    found: dict[str, list[str]] = {key: [] for key in sources}
    for path in site_paths():
        url = "http://127.0.0.1:8950" + path
        if path.endswith("/index.html"):
            url_dir = url[: -len("index.html")]
            for key, src in sources.items():
                if src.classify(url_dir) == "listing":
                    found[key].append(url_dir)
        for key, src in sources.items():
            if src.classify(url) == "listing":
                found[key].append(url)
    return found


# -- the server --------------------------------------------------------------------------------
def test_defaults():
    srv = DemoServer()
    assert DEFAULT_PORT == 8950
    assert srv.base_url == "http://127.0.0.1:8950"
    assert SITE_DIR.is_dir()


def test_port_zero_reports_real_port(server):
    assert server.port != 0
    assert server.base_url == f"http://127.0.0.1:{server.port}"


def test_port_taken_is_a_clear_error(server):
    with pytest.raises(OSError, match=f"port {server.port}"):
        DemoServer(port=server.port).start()


def test_listing_pages_answer_200(server):
    listings = listing_urls()
    for key, urls in listings.items():
        assert len(urls) >= 2, f"{key}: expected paginated listings, found {urls}"
        for url in urls:
            status, headers, body = fetch(url.replace("http://127.0.0.1:8950", server.base_url))
            assert status == 200, url
            assert headers["Content-Type"] == "text/html"
            assert b"<html" in body


def test_start_urls_are_listings(server):
    for key, src in load_sources(DEMO_SOURCES).items():
        for url in src.start_urls:
            assert url.startswith("http://127.0.0.1:8950/")
            assert src.classify(url) == "listing", key
            assert fetch(url.replace("http://127.0.0.1:8950", server.base_url))[0] == 200


def test_gbk_page_is_gbk(server):
    entry = next(e for e in MANIFEST if e["site"] == "gov" and e["variant"] == "full")
    status, headers, body = fetch(server.base_url + entry["path"])
    assert status == 200
    assert headers["Content-Type"] == "text/html"  # no charset: the page's meta decides
    text = body.decode("gb18030")
    assert "charset=gb2312" in text and "TRS_Editor" in text
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_lying_utf8_header(server):
    lies = [e for e in MANIFEST if e["encoding"] == "gbk" and "utf-8" in (e["content_type"] or "")]
    assert len(lies) == 1
    path = lies[0]["path"]
    assert ROUTES["headers"][path]["Content-Type"] == "text/html; charset=utf-8"
    status, headers, body = fetch(server.base_url + path)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "政府工作报告" in body.decode("gbk")


def test_redirect_301_with_location(server):
    entry = next(e for e in MANIFEST if e["variant"] == "redirect")
    status, headers, _ = fetch(server.base_url + entry["path"], follow=False)
    assert status == 301
    assert headers["Location"] == entry["redirect_to"]
    status, _, body = fetch(server.base_url + entry["path"])
    assert status == 200
    assert entry["first_line"] in body.decode("utf-8")


def test_missing_page_is_404_with_html(server):
    dead = next(e for e in MANIFEST if e["variant"] == "dead")
    for path in (dead["path"], "/no/such/page.html", "/gov/zfgzbg/999999/t99999999_1.html"):
        status, headers, body = fetch(server.base_url + path)
        assert status == 404
        assert headers["Content-Type"].startswith("text/html")
        assert b"404" in body and len(body) < 1000


def test_redirect_loop(server):
    loop = next(e for e in MANIFEST if e["variant"] == "loop")
    a = loop["path"]
    status, headers, _ = fetch(server.base_url + a, follow=False)
    assert status in (301, 302)
    b = headers["Location"]
    assert b == loop["redirect_to"] != a
    status, headers, _ = fetch(server.base_url + b, follow=False)
    assert status in (301, 302) and headers["Location"] == a
    with pytest.raises(urllib.error.HTTPError, match="infinite loop"):
        urllib.request.urlopen(server.base_url + a, timeout=10)


def test_conditional_requests(server):
    path = next(e["path"] for e in MANIFEST if e["site"] == "news" and e["variant"] == "full")
    status, headers, body = fetch(server.base_url + path)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"') and last_modified
    # Last-Modified comes from _routes.toml (the publication time), never from the file's mtime
    assert (
        email.utils.parsedate_to_datetime(last_modified)
        .isoformat()
        .startswith(ROUTES["last_modified"][path][:4])
    )
    status, headers, body = fetch(server.base_url + path, {"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["ETag"] == etag
    assert fetch(server.base_url + path, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(server.base_url + path, {"If-Modified-Since": last_modified})[0] == 304
    assert fetch(server.base_url + path, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    # the same bytes always give the same validators
    again = fetch(server.base_url + path)[1]
    assert (again["ETag"], again["Last-Modified"]) == (etag, last_modified)


def test_hidden_files_not_served(server):
    for path in ("/_routes.toml", "/_manifest.json", "/README.md", "/%5Froutes.toml", "/gov/../_routes.toml"):
        assert fetch(server.base_url + path)[0] == 404, path
    assert (SITE_DIR / "_routes.toml").exists()


def test_directory_and_head(server):
    status, headers, _ = fetch(server.base_url + "/blog", follow=False)
    assert status == 301 and headers["Location"] == "/blog/"
    assert fetch(server.base_url + "/blog/")[2] == (SITE_DIR / "blog" / "index.html").read_bytes()
    status, headers, body = fetch(server.base_url + "/robots.txt", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def test_status_table(server):
    assert fetch(server.base_url + "/gov/zfgzbg/busy.html")[0] == 500
    status, _, body = fetch(server.base_url + "/blog/feed/empty.html")
    assert status == 200 and body == b""


def test_quiet_logging(server, capfd):
    fetch(server.base_url + "/")
    fetch(server.base_url + "/missing.html")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


# -- the manifest ------------------------------------------------------------------------------
def test_manifest_paths_are_served_as_intended(server):
    for e in MANIFEST:
        status, headers, body = fetch(server.base_url + e["path"], follow=False)
        assert status == e["status"], e["path"]
        if status == 200:
            text = body.decode("gb18030" if e["encoding"] == "gbk" else "utf-8")
            assert headers["Content-Type"] == e["content_type"]
            assert e["first_line"] in text, e["path"]
        if e.get("pages"):
            for page in e["pages"]:
                assert fetch(server.base_url + page)[0] == 200
            cont = fetch(server.base_url + e["pages"][1])[2].decode("gbk")
            assert e["last_line"] in cont and 'class="page"' in cont


def test_manifest_has_enough_reports_and_all_variants():
    reports = [e for e in MANIFEST if e["doc_type"] == "report" and e["variant"] not in NO_TEXT]
    assert len(reports) >= 40
    variants = {e["variant"] for e in MANIFEST}
    assert {
        "full",
        "duplicate",
        "excerpt",
        "split-part",
        "mangled",
        "dead",
        "redirect",
        "loop",
        "news",
        "interpretation",
    } <= variants
    keys = {
        "path",
        "site",
        "report_id",
        "variant",
        "encoding",
        "city",
        "province",
        "year",
        "admin_level",
        "synthetic",
        "title",
    }
    for e in MANIFEST:
        assert keys <= set(e), e["path"]
        assert e["path"].startswith(f"/{e['site']}/")
    assert len({e["path"] for e in MANIFEST}) == len(MANIFEST)
    # the same report on several sites shares its report_id
    dup = next(e for e in MANIFEST if e["variant"] == "duplicate")
    same = {e["site"] for e in MANIFEST if e["report_id"] == dup["report_id"]}
    assert same == {"gov", "news", "agg"}
    assert (
        sum(
            1
            for e in MANIFEST
            if not e["synthetic"] and e["doc_type"] == "report" and e["variant"] not in NO_TEXT
        )
        == 3
    )


def test_duplicate_bodies_are_identical(server):
    dup = next(e for e in MANIFEST if e["variant"] == "duplicate")
    full = next(e for e in MANIFEST if e["report_id"] == dup["report_id"] and e["site"] == "gov")

    def paras(body: bytes, enc: str, container: str) -> list[str]:
        text = body.decode(enc)
        start = text.index(container)
        block = text[start : text.index("</div>", start)]
        return [re.sub(r"<[^>]+>", "", p).strip("\u3000 ") for p in re.findall(r"<p[^>]*>(.*?)</p>", block)]

    a = paras(fetch(server.base_url + full["path"])[2], "gbk", 'class="TRS_Editor"')
    b = paras(fetch(server.base_url + dup["path"])[2], "utf-8", 'class="article-content"')
    assert a == b and len(a) > 20


def test_mangled_page_has_stars(server):
    e = next(e for e in MANIFEST if e["variant"] == "mangled")
    text = fetch(server.base_url + e["path"])[2].decode("utf-8")
    assert "**" in text and e["mangled_words"]
    for word in e["mangled_words"]:
        assert word not in text


# -- the demo sources ----------------------------------------------------------------------------
def test_sources_patterns_match_the_manifest():
    sources = load_sources(DEMO_SOURCES)
    assert set(sources) == {"demo-gov", "demo-news", "demo-agg", "demo-blog"}
    for e in MANIFEST:
        src = sources[e["source"]]
        url = "http://127.0.0.1:8950" + e["path"]
        assert src.classify(url) == "report", url
        for page in e.get("pages", [])[1:]:
            assert src.classify("http://127.0.0.1:8950" + page) != "report", page
        for other_key, other in sources.items():
            if other_key != e["source"]:
                assert other.classify(url) is None, (other_key, url)
    for key, urls in listing_urls().items():
        assert urls, key


# -- the generator --------------------------------------------------------------------------------
def test_generator_is_deterministic(tmp_path):
    out = tmp_path / "site"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_demo_site.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    committed = {
        p.relative_to(SITE_DIR).as_posix(): p.read_bytes() for p in SITE_DIR.rglob("*") if p.is_file()
    }
    built = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sorted(built) == sorted(committed)
    changed = [name for name in built if built[name] != committed[name]]
    assert not changed, f"regenerate with tools/build_demo_site.py: {changed[:5]}"


def test_synthetic_reports_are_distinct(server):
    def shingles(text: str, k: int = 5) -> set[str]:
        return {text[i : i + k] for i in range(len(text) - k + 1)}

    texts = {}
    for e in MANIFEST:
        if e["synthetic"] and e["variant"] == "full" and e["report_id"] not in texts:
            body = fetch(server.base_url + e["path"])[2].decode(
                "gb18030" if e["encoding"] == "gbk" else "utf-8"
            )
            body = re.sub(r"<[^>]+>", "", body[body.index(e["first_line"]) : body.index(e["last_line"])])
            texts[e["report_id"]] = shingles(body)
            assert 3000 <= len(body.encode("utf-8")) <= 12000, e["path"]
    ids = sorted(texts)
    assert len(ids) >= 30
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            jaccard = len(texts[a] & texts[b]) / len(texts[a] | texts[b])
            assert jaccard < 0.5, (a, b, jaccard)
