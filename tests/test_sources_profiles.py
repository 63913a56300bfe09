"""Sources that scale: a source on a known CMS is key, name, start URL and profile (the profile's
URL shapes anchored at the start URL), a sources path may be a folder of TOML files, and the
patterns are compiled once. The crawl test runs a real TRS-shaped site on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO, LoopbackSite, q

from crawler.links import classify_links
from crawler.sources import SourceError, load_sources, parse_source
from pipelines.cleaning.profiles import PROFILES


def only(profile: str, *start_urls: str, **extra):
    return parse_source("s", {"name": "某市", "start_urls": list(start_urls), "profile": profile, **extra})


# --- TRS ----------------------------------------------------------------------------------------
def test_trs_source_with_only_a_start_url_classifies_its_column():
    src = only("trs", "http://www.x.gov.cn/zwgk/zfgzbg/")
    assert src.allowed_domains == ("www.x.gov.cn",)
    col = "http://www.x.gov.cn/zwgk/zfgzbg/"
    assert src.classify(col + "202301/t20230115_1234567.html") == "report"
    assert src.classify(col + "t20230115_1234567.html") == "report"  # straight in the column
    assert src.classify("https://www.x.gov.cn/zwgk/zfgzbg/202401/t20240120_7.html") == "report"  # https too
    assert src.classify(col) == "listing"
    assert src.classify(col + "index.html") == "listing"
    assert src.classify(col + "index_1.html") == "listing"
    assert src.classify(col + "index_12.html") == "listing"
    # what the column's page also links: the rest of the portal, never followed nor archived
    for url in [
        "http://www.x.gov.cn/",
        "http://www.x.gov.cn/index.html",
        "http://www.x.gov.cn/zwgk/tzgg/202301/t20230110_99.html",  # another column
        "http://www.x.gov.cn/zwgk/index_2.html",  # the parent's pages
        "http://www.x.gov.cn/zwgk/zfgzbg/202301/t20230115_1234567_1.html",  # a continuation page
        "http://www.x.gov.cn/zwgk/zfgzbg/202301/W020230115123456.pdf",
        "http://www.x.gov.cn/zwgk/zfgzbg/202301/xt20230115_1.html",
        "http://www.y.gov.cn/zwgk/zfgzbg/202301/t20230115_1.html",  # another host
        "http://www.x.gov.cn.evil.com/zwgk/zfgzbg/202301/t20230115_1.html",
    ]:
        assert src.classify(url) is None, url


def test_trs_scope_is_the_start_urls_folder_and_each_start_url_has_its_own():
    a = only("trs", "http://www.x.gov.cn/zwgk/zfgzbg/index.html")
    assert a.reports == only("trs", "http://www.x.gov.cn/zwgk/zfgzbg/").reports
    assert a.reports == (r"^https?://www\.x\.gov\.cn/zwgk/zfgzbg/(?:[^?#]*/)?t\d{8}_\d+\.html$",)
    two = only("trs", "http://www.x.gov.cn/zwgk/zfgzbg/", "http://szf.x.gov.cn:8080/gzbg/index.html")
    assert two.allowed_domains == ("www.x.gov.cn", "szf.x.gov.cn")
    assert two.classify("http://szf.x.gov.cn:8080/gzbg/202301/t20230101_1.html") == "report"
    assert two.classify("http://szf.x.gov.cn:8080/zwgk/zfgzbg/202301/t20230101_1.html") is None
    assert two.classify("http://www.x.gov.cn/gzbg/202301/t20230101_1.html") is None


def test_links_of_a_trs_column_page_are_sorted_right():
    src = only("trs", "http://www.x.gov.cn/zwgk/zfgzbg/")
    html = """<html><body><div class="nav"><a href="/">首页</a><a href="../tzgg/">通知公告</a>
      <a href="../tzgg/202401/t20240102_31.html">关于春节放假的通知</a></div>
      <ul><li><a href="./202401/t20240125_8801.html">2024年政府工作报告</a></li>
          <li><a href="./202301/t20230116_7702.html">2023年政府工作报告</a></li></ul>
      <a href="index_1.html">下一页</a><a href="http://www.y.gov.cn/zwgk/zfgzbg/202401/t20240101_1.html">外站</a>
      </body></html>"""
    links = classify_links(src, html, "http://www.x.gov.cn/zwgk/zfgzbg/index.html")
    assert links["report"] == [
        "http://www.x.gov.cn/zwgk/zfgzbg/202401/t20240125_8801.html",
        "http://www.x.gov.cn/zwgk/zfgzbg/202301/t20230116_7702.html",
    ]
    assert links["listing"] == ["http://www.x.gov.cn/zwgk/zfgzbg/index_1.html"]
    assert len(links["ignored"]) == 4


# --- Hanweb 大汉 ----------------------------------------------------------------------------------
HANWEB_COLUMN = """<html><body><a href="/">首页</a><a href="/col/col1229019365/index.html">政策文件</a>
<a href="/art/2024/1/2/art_1229019365_2001.html">其他栏目的文章</a>
<div id="4189340"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3179&columnid=1229019364&unitid=4189340"></a>]]></nextgroup>
<recordset><record><![CDATA[
<li><a href="/art/2024/1/24/art_1229019364_60211.html" target="_blank" title="2024年政府工作报告">2024年政府工作报告</a><span>2024-01-24</span></li>
]]></record><record><![CDATA[
<li><a href='/art/2023/1/16/art_1229019364_59001.html' target="_blank">2023年政府工作报告</a></li>
]]></record></recordset></datastore></script></div>
<a href="/col/col1229019364/index.html?uid=4189340&pageNum=2">下一页</a>
</body></html>"""


def test_hanweb_source_with_only_a_start_url_classifies_its_column():
    src = only("hanweb", "https://www.zj.gov.cn/col/col1229019364/index.html")
    assert src.allowed_domains == ("www.zj.gov.cn",)
    assert src.classify("https://www.zj.gov.cn/art/2024/1/24/art_1229019364_60211.html") == "report"
    assert src.classify("http://www.zj.gov.cn/art/2023/12/5/art_1229019364_5.html") == "report"
    assert src.classify("https://www.zj.gov.cn/col/col1229019364/index.html") == "listing"
    assert (
        src.classify("https://www.zj.gov.cn/col/col1229019364/index.html?uid=4189340&pageNum=2") == "listing"
    )
    assert src.classify("https://www.zj.gov.cn/col/col1229019364/") == "listing"
    for url in [
        "https://www.zj.gov.cn/col/col1229019365/index.html",  # another column
        "https://www.zj.gov.cn/col/col12290193640/index.html",
        "https://www.zj.gov.cn/module/web/jpage/dataproxy.jsp?page=1&columnid=1229019364",
        "https://www.zj.gov.cn/art/2024/1/24/art_1229019364_60211.html?print=1",
        "https://www.hangzhou.gov.cn/art/2024/1/24/art_1229019364_60211.html",  # another host
        "https://www.zj.gov.cn/",
    ]:
        assert src.classify(url) is None, url


def test_hanweb_records_in_the_xml_data_island_are_found():
    src = only("hanweb", "https://www.zj.gov.cn/col/col1229019364/index.html")
    links = classify_links(src, HANWEB_COLUMN, "https://www.zj.gov.cn/col/col1229019364/index.html")
    assert links["report"] == [
        "https://www.zj.gov.cn/art/2024/1/2/art_1229019365_2001.html",
        "https://www.zj.gov.cn/art/2024/1/24/art_1229019364_60211.html",
        "https://www.zj.gov.cn/art/2023/1/16/art_1229019364_59001.html",
    ]
    assert links["listing"] == ["https://www.zj.gov.cn/col/col1229019364/index.html?uid=4189340&pageNum=2"]


def test_hanweb_site_under_a_folder_keeps_its_folder():
    src = only("hanweb", "http://www.x.gov.cn/sxzf/col/col77/index.html")
    assert src.classify("http://www.x.gov.cn/sxzf/art/2022/3/1/art_77_1.html") == "report"
    assert src.classify("http://www.x.gov.cn/art/2022/3/1/art_77_1.html") is None


# --- Guangdong gkmlpt ---------------------------------------------------------------------------
def test_gkmlpt_source_with_only_a_start_url():
    src = only("gkmlpt", "http://www.huizhou.gov.cn/gkmlpt/index")
    assert src.allowed_domains == ("www.huizhou.gov.cn",)
    assert src.classify("http://www.huizhou.gov.cn/gkmlpt/content/4/4823/post_4823176.html") == "report"
    assert src.classify("https://www.huizhou.gov.cn/gkmlpt/content/5/5001/post_5001002.html") == "report"
    assert src.classify("http://www.huizhou.gov.cn/gkmlpt/index") == "listing"
    assert src.classify("http://www.huizhou.gov.cn/gkmlpt/mindex") == "listing"
    for url in [
        "http://www.huizhou.gov.cn/gkmlpt/api/all/2400?page=2",
        "http://www.huizhou.gov.cn/zwgk/content/post_4823176.html",
        "http://www.gd.gov.cn/gkmlpt/content/4/4823/post_4823176.html",
    ]:
        assert src.classify(url) is None, url
    # a department's platform below a folder of the portal
    dept = only("gkmlpt", "http://www.gd.gov.cn/gdswsjkw/gkmlpt/index")
    assert dept.classify("http://www.gd.gov.cn/gdswsjkw/gkmlpt/content/1/1/post_3.html") == "report"
    assert dept.classify("http://www.gd.gov.cn/gkmlpt/content/1/1/post_3.html") is None


# --- what the entry says wins -------------------------------------------------------------------
def test_what_the_entry_writes_wins():
    start = "http://www.x.gov.cn/zwgk/zfgzbg/"
    # its own listing, the profile's reports
    mine = only("trs", start, listing=[r"/zfgzbg/list_\d+\.htm$"])
    assert mine.listing == (r"/zfgzbg/list_\d+\.htm$",)
    assert mine.classify(start + "list_2.htm") == "listing"
    assert mine.classify(start + "index_2.html") is None
    assert mine.classify(start + "202301/t20230101_1.html") == "report"
    assert mine.allowed_domains == ("www.x.gov.cn",)
    no_listing = only("trs", start, listing=[])
    assert no_listing.listing == () and no_listing.classify(start + "index_2.html") is None
    assert only("trs", start, allowed_domains=["x.gov.cn"]).allowed_domains == ("x.gov.cn",)
    # its own reports: the entry is read as before profiles had URL shapes (no listing, no domains)
    written = only("trs", start, reports=[r"/zfgzbg/\d{6}/t\d+_\d+\.htm$"])
    assert (written.reports, written.listing, written.allowed_domains) == (
        (r"/zfgzbg/\d{6}/t\d+_\d+\.htm$",),
        (),
        (),
    )
    assert only("hanweb", "http://www.x.gov.cn/zwgk/", reports=["/art/"]).reports == ("/art/",)
    # no profile: as before, no allowed_domains by default
    plain = parse_source("p", {"start_urls": [start], "reports": ["/r/"]})
    assert plain.allowed_domains == () and plain.listing == ()


def test_errors_say_what_is_wrong():
    with pytest.raises(SourceError, match=r"unknown profile 'wordpress' \(known: .*gkmlpt.*hanweb.*trs"):
        only("wordpress", "http://www.x.gov.cn/")
    with pytest.raises(SourceError, match="reports .* is required.*trs"):
        only("article", "http://www.x.gov.cn/news/")  # a profile without URL shapes
    with pytest.raises(SourceError, match="not where profile 'hanweb' expects"):
        only("hanweb", "http://www.x.gov.cn/zwgk/index.html")
    with pytest.raises(SourceError, match="bad pattern"):
        only("trs", "http://www.x.gov.cn/zwgk/", reports=["/ok/", "(unclosed"])
    assert set(PROFILES) >= {"trs", "hanweb", "gkmlpt", "gov", "article"}


def test_patterns_that_do_not_combine_still_match():
    src = parse_source(
        "s",
        {
            "start_urls": ["http://a.cn/"],
            "reports": [r"/(\d+)/\1\.html$", r"/p/\d+\.html$"],  # a back-reference
            "listing": [r"(?i)/LIST\.html$", r"/list_\d+\.html$"],
        },
    )  # global flags
    assert src.classify("http://a.cn/12/12.html") == "report"
    assert src.classify("http://a.cn/12/13.html") is None
    assert src.classify("http://a.cn/p/3.html") == "report"
    assert src.classify("http://a.cn/list.html") == "listing"
    assert src.classify("http://a.cn/list_2.html") == "listing"


# --- a folder of sources files ------------------------------------------------------------------
def entry(key: str, url: str) -> str:
    return f'[{key}]\nname = "{key}"\nstart_urls = ["{url}"]\nprofile = "trs"\n'


def test_a_folder_of_files_is_read_sorted_with_subfolders(tmp_path):
    (tmp_path / "jilin").mkdir()
    (tmp_path / ".old").mkdir()
    (tmp_path / "jilin" / "changchun.toml").write_text(
        entry("changchun", "http://www.cc.gov.cn/zw/zfgzbg/"), encoding="utf-8"
    )
    (tmp_path / "guangdong.toml").write_text(
        entry("gd-huizhou", "http://www.huizhou.gov.cn/zwgk/zfgzbg/")
        + entry("gd-sz", "http://www.sz.gov.cn/gzbg/"),
        encoding="utf-8",
    )
    (tmp_path / ".old" / "stale.toml").write_text(entry("stale", "http://www.x.gov.cn/a/"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a sources file", encoding="utf-8")
    found = load_sources(tmp_path)
    assert list(found) == ["gd-huizhou", "gd-sz", "changchun"]
    assert found["gd-sz"].origin == str(tmp_path / "guangdong.toml")
    assert found["changchun"].origin == str(tmp_path / "jilin" / "changchun.toml")
    assert found["changchun"].classify("http://www.cc.gov.cn/zw/zfgzbg/202301/t20230101_1.html") == "report"
    assert load_sources(tmp_path / "jilin" / "changchun.toml")["changchun"].origin.endswith("changchun.toml")
    # $ARCHIVE_SOURCES may name the folder too
    env = {**os.environ, "ARCHIVE_SOURCES": str(tmp_path)}
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr[-500:]
    assert listed.stdout.split() == ["changchun", "gd-huizhou", "gd-sz"]


def test_a_key_in_two_files_names_both(tmp_path):
    (tmp_path / "a.toml").write_text(entry("dup", "http://www.a.gov.cn/z/"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(entry("dup", "http://www.b.gov.cn/z/"), encoding="utf-8")
    with pytest.raises(SourceError) as err:
        load_sources(tmp_path)
    assert str(tmp_path / "a.toml") in str(err.value) and str(tmp_path / "b.toml") in str(err.value)


def test_a_bad_entry_names_its_file(tmp_path):
    (tmp_path / "a.toml").write_text(entry("fine", "http://www.a.gov.cn/z/"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        '[bad]\nstart_urls = ["http://www.b.gov.cn/"]\nprofile = "nope"\n', encoding="utf-8"
    )
    with pytest.raises(SourceError, match=r"b\.toml: source 'bad': unknown profile"):
        load_sources(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert load_sources(empty) == {}


# --- a crawl of a TRS-shaped site, sources from a folder ----------------------------------------
DEMO = REPO / "archive" / "demo" / "site" / "gov" / "zfgzbg"


class TrsSite(LoopbackSite):
    """A portal on a TRS-like CMS: the 政府工作报告 column with two pages, and another column
    its pages link to. It records every path asked for."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []
        self.pages = {
            "/zwgk/zfgzbg/201901/t20190119_3238.html": (DEMO / "201901" / "t20190119_3238.html").read_bytes(),
            "/zwgk/zfgzbg/202201/t20220117_6115.html": (DEMO / "202201" / "t20220117_6115.html").read_bytes(),
            "/zwgk/tzgg/202201/t20220110_11.html": (DEMO / "202112" / "t20211201_5191.html").read_bytes(),
        }
        nav = '<a href="/">首页</a><a href="../tzgg/">通知公告</a><a href="../tzgg/202201/t20220110_11.html">通知</a>'
        self.listings = {
            "/zwgk/zfgzbg/": nav + '<a href="./202201/t20220117_6115.html">2022年政府工作报告</a>'
            '<a href="index_1.html">下一页</a>',
            "/zwgk/zfgzbg/index_1.html": nav
            + '<a href="./201901/t20190119_3238.html">2019年政府工作报告</a>',
            "/zwgk/tzgg/": '<a href="index_1.html">下一页</a>',
            "/": '<a href="/zwgk/tzgg/">通知公告</a>',
        }

    def handle(self, h) -> None:
        path = h.path.split("?")[0]
        self.asked.append(path)
        if path in self.pages:
            return self.send(h, 200, self.pages[path], ctype="text/html")
        if path in self.listings:
            body = f"<html><head><meta charset='utf-8'></head><body>{self.listings[path]}</body></html>"
            return self.send(h, 200, body.encode())
        self.send(h, 404, b"<html><body>404</body></html>")


def test_crawl_of_a_trs_site_from_a_folder_of_sources(tmp_path):
    with TrsSite() as site:
        folder = tmp_path / "sources"
        (folder / "jilin").mkdir(parents=True)
        (folder / "jilin" / "portal.toml").write_text(
            f'[trs-portal]\nname = "某省人民政府"\nstart_urls = ["{site.base}/zwgk/zfgzbg/"]\n'
            'profile = "trs"\nallow_private = true\n',
            encoding="utf-8",
        )
        (folder / "other.toml").write_text(
            '[elsewhere]\nstart_urls = ["http://www.example.gov.cn/zwgk/zfgzbg/"]\nprofile = "trs"\n'
            "enabled = false\n",
            encoding="utf-8",
        )
        db = tmp_path / "tmp.db"
        # archive.crawl.run_crawl, in a process of its own (Twisted's reactor runs once per process)
        script = textwrap.dedent(f"""
            import sys
            from archive.crawl import run_crawl
            r = run_crawl({str(db)!r}, sources_file={str(folder)!r}, log_dir={str(tmp_path / "logs")!r},
                          overrides={{"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0}})
            print(r.summary)
            sys.exit(r.exit_code)
        """)
        run = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert run.returncode == 0, run.stdout + run.stderr[-2000:]
        urls = {u for (u,) in q(db, "SELECT url FROM documents")}
        assert urls == {
            f"{site.base}/zwgk/zfgzbg/202201/t20220117_6115.html",
            f"{site.base}/zwgk/zfgzbg/201901/t20190119_3238.html",
        }
        assert q(db, "SELECT DISTINCT source FROM documents") == [("trs-portal",)]
        titles = {t for (t,) in q(db, "SELECT title FROM documents")}
        assert any("2022年吉林市政府工作报告" in t for t in titles), titles
        # the other column and the home page were never asked for
        assert not [p for p in site.asked if p.startswith("/zwgk/tzgg/") or p == "/"], site.asked
