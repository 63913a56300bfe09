"""Crawl memory: `archive crawl` (whole pipeline) vs a bare Scrapy crawl of the same local site.

    python bench/bench_crawl_memory.py [--pages 10000] [--concurrency 16]

A generated site of N report pages is served on 127.0.0.1 by a threaded stdlib HTTP server in
this process (deterministic, made on the fly: nothing is written to disk): a TRS-like portal with
listing pages of 50 links each (index.html, index_1.html, … with a 首页/上一页/1 2 3/下一页/尾页
pager) and report pages of ~20 KB of report-like Chinese text (one jurisdiction and year each,
figures that differ from page to page) inside the usual chrome: top bar, menu, breadcrumb,
发布时间/来源/字号 line, sidebar, related links, 分享到, 打印本页/关闭窗口, footer with ICP/公安备案.

Then, each in its own process, one after the other:

(a) ``archive crawl`` of the site into a fresh archive: the whole pipeline (extract, store, dedupe
    into SQLite, then the end-of-crawl boilerplate learning and re-cleaning), AutoThrottle off,
    no delay, ``CONCURRENT_REQUESTS`` and ``CONCURRENT_REQUESTS_PER_DOMAIN`` = ``--concurrency``;
(b) a bare Scrapy crawl (the minimal spider below, no item pipelines, same Scrapy settings as ours
    where they matter: robots.txt, retries, timeouts, concurrency, reactor) following the same
    links: listing pages and their pagination, every report page once.

Peak memory is the child's peak resident set size as the kernel keeps it (``ru_maxrss`` from
wait4(2): the VmHWM of that process at its exit). /proc/PID/status is also sampled while it runs
to tell the peak during the crawl (until the server has served the last report page) from the
peak after it (ours: boilerplate learning and re-cleaning). Targets (issue): ours < 500 MB and
≤ 1.5 × the bare crawl.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PER_LISTING = 50
SITE = "江北省人民政府门户网站（基准）"
REPORT_RE = re.compile(r"^/zfgzbg/(\d{6})/t(\d{8})_(\d+)\.html$")
LISTING_RE = re.compile(r"^/zfgzbg/(?:index(?:_(\d+))?\.html)?$")

# --- the generated site -----------------------------------------------------------------------------
OPENERS = [
    "过去一年，",
    "一年来，",
    "我们坚持",
    "全市上下",
    "面对复杂严峻的外部环境，",
    "在市委的坚强领导下，",
    "今年，",
    "我们将",
    "同时，",
    "与此同时，",
    "五年来，",
    "",
    "",
    "",
]
SECTORS = [
    "工业经济",
    "现代农业",
    "城乡建设",
    "生态环境保护",
    "社会事业",
    "营商环境",
    "科技创新",
    "对外开放",
    "民生保障",
    "乡村振兴",
    "数字经济",
    "文化旅游",
    "交通基础设施",
    "教育事业",
    "医疗卫生",
    "安全生产",
    "财政金融",
    "招商引资",
    "县域经济",
    "服务业",
    "民营经济",
    "国资国企改革",
    "城市更新",
    "社会治理",
    "养老服务",
    "就业创业",
    "污染防治",
    "水利设施",
    "粮食生产",
    "住房保障",
]
VERBS = [
    "稳步推进",
    "持续深化",
    "加快构建",
    "全面提升",
    "扎实推进",
    "着力优化",
    "统筹推进",
    "大力发展",
    "不断完善",
    "深入实施",
    "切实加强",
    "积极培育",
    "有序推进",
    "巩固拓展",
    "全力抓好",
]
DETAILS = [
    "完成固定资产投资{a}亿元，同比增长{p}%",
    "新建续建重点项目{n}个，完成投资{a}亿元",
    "新增城镇就业{w}万人，城镇登记失业率控制在{p}%以内",
    "建成高标准农田{w}万亩，粮食总产量达到{a}万吨",
    "改造城镇老旧小区{n}个，惠及居民{w}万户",
    "规模以上工业增加值增长{p}%，高新技术企业达到{n}户",
    "地方一般公共预算收入完成{a}亿元，增长{p}%",
    "社会消费品零售总额实现{a}亿元，增长{p}%",
    "引进亿元以上项目{n}个，实际利用外资{a}亿美元",
    "空气质量优良天数比例达到{q}%，PM2.5平均浓度下降{p}%",
    "新建改扩建中小学和幼儿园{n}所，新增学位{w}万个",
    "城乡居民人均可支配收入分别增长{p}%和{p2}%",
    "新改建农村公路{n}公里，实现具备条件的建制村通客车",
    "新增养老床位{n}张，建成社区养老服务中心{m}个",
    "研发经费投入强度达到{r}%，技术合同成交额{a}亿元",
    "接待游客{w}万人次，实现旅游收入{a}亿元",
    "办理民生实事{m}件，民生支出占一般公共预算支出的{q}%",
    "治理水土流失面积{n}平方公里，森林覆盖率达到{q}%",
    "政务服务事项网上可办率达到{q}%，企业开办时间压缩至{m}个工作日",
    "新增市场主体{w}万户，民营经济增加值增长{p}%",
]
TAILS = [
    "",
    "，为全市经济社会发展提供有力支撑",
    "，群众获得感幸福感安全感持续增强",
    "，取得明显成效",
    "，圆满完成年度目标任务",
    "，发展基础更加牢固",
    "，得到省政府通报表扬",
]
HEADINGS = [
    "一、{y0}年工作回顾",
    "二、今后五年的主要目标任务",
    "三、{y}年经济社会发展的总体要求和主要目标",
    "四、{y}年重点工作",
    "五、全面加强政府自身建设",
]
NAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "志强", "国华", "晓东", "海涛", "明辉", "立新", "振宇", "红梅", "永刚", "卫东", "文杰"]
NAV = [
    "首页",
    "政务公开",
    "政务服务",
    "互动交流",
    "走进江北",
    "政策文件",
    "新闻中心",
    "数据发布",
    "专题专栏",
    "办事指南",
    "领导信息",
    "机构职能",
]
SIDEBAR = [
    "优化营商环境专栏",
    "重点项目建设",
    "乡村振兴进行时",
    "民生实事办理",
    "政府信息公开年报",
    "政策解读",
    "统计公报",
    "财政预决算",
]


def _cities() -> list[tuple[str, str]]:
    """(code, name) of the prefecture-level divisions in the project's division table."""
    path = REPO / "pipelines" / "cleaning" / "data" / "admin_divisions.csv"
    with open(path, encoding="utf-8") as f:
        rows = [
            (r["code"], r["name"])
            for r in csv.DictReader(f)
            if r["level"] == "prefecture" and r.get("current", "1") == "1" and r["name"].endswith("市")
        ]
    return rows or [("220200", "吉林市")]


CITIES = _cities()


def report_meta(i: int) -> dict:
    rnd = random.Random(i * 7919 + 17)
    code, city = CITIES[rnd.randrange(len(CITIES))]
    year = 2005 + rnd.randrange(21)
    month = 1 + rnd.randrange(2)
    day = 3 + rnd.randrange(25)
    return {
        "i": i,
        "city": city,
        "code": code,
        "year": year,
        "month": month,
        "day": day,
        "path": f"/zfgzbg/{year}{month:02d}/t{year}{month:02d}{day:02d}_{100000 + i}.html",
        "title": f"{year}年{city}政府工作报告",
    }


def _sentence(rnd: random.Random) -> str:
    nums = {
        "a": f"{rnd.uniform(5, 2000):.1f}",
        "p": f"{rnd.uniform(0.5, 15):.1f}",
        "p2": f"{rnd.uniform(0.5, 15):.1f}",
        "n": rnd.randrange(3, 900),
        "m": rnd.randrange(2, 60),
        "w": f"{rnd.uniform(0.2, 80):.2f}",
        "q": f"{rnd.uniform(60, 99.5):.1f}",
        "r": f"{rnd.uniform(1, 4):.2f}",
    }
    return (
        rnd.choice(OPENERS)
        + rnd.choice(SECTORS)
        + rnd.choice(VERBS)
        + "，"
        + rnd.choice(DETAILS).format(**nums)
        + rnd.choice(TAILS)
        + "。"
    )


def report_text(meta: dict, target_bytes: int = 20_000) -> list[tuple[str, str]]:
    """[(tag, text)]: headings and paragraphs of ~target_bytes of UTF-8 text, the same for the same page."""
    rnd = random.Random(meta["i"] * 104729 + 3)
    y, city = meta["year"], meta["city"]
    mayor = rnd.choice(NAMES) + rnd.choice(GIVEN)
    out = [
        (
            "p",
            f"——{y}年{meta['month']}月{meta['day']}日在{city}第{rnd.randrange(12, 18)}届人民代表大会"
            f"第{rnd.randrange(1, 6)}次会议上",
        ),
        ("p", f"{city}市长　{mayor}"),
        ("p", "各位代表："),
        (
            "p",
            f"现在，我代表{city}人民政府，向大会报告政府工作，请予审议，并请市政协委员和其他列席人员提出意见。",
        ),
    ]
    size = sum(len(t.encode()) for _, t in out)
    heading = 0
    per_section = target_bytes // len(HEADINGS)
    while size < target_bytes:
        if heading < len(HEADINGS) and size >= heading * per_section:
            h = HEADINGS[heading].format(y=y, y0=y - 1)
            out.append(("h3", h))
            size += len(h.encode())
            heading += 1
        para = "".join(_sentence(rnd) for _ in range(rnd.randrange(3, 7)))
        out.append(("p", "　　" + para))
        size += len(para.encode())
    return out


def _chrome_top(title: str, crumbs: str) -> str:
    nav = "".join(f'<li><a href="/{k}/index.html">{n}</a></li>' for k, n in enumerate(NAV))
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<title>{title}_{SITE}</title><meta name="keywords" content="政府工作报告,{SITE}">'
        '<link rel="stylesheet" href="/css/main.css"><script src="/js/jquery.min.js"></script></head><body>'
        f'<div class="topbar"><span>欢迎访问{SITE}</span> <a href="/wza/">无障碍</a> <a href="/en/">English</a> '
        '<a href="/m/">手机版</a> <a href="/login/">登录</a></div>'
        f'<div class="header"><a class="logo" href="/">{SITE}</a><form action="/search/"><input name="q">'
        "<button>搜索</button></form></div>"
        f'<div class="nav"><ul>{nav}</ul></div>'
        f'<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; {crumbs}</div>'
    )


def _chrome_bottom() -> str:
    side = "".join(f'<li><a href="/zt/{k}/">{n}</a></li>' for k, n in enumerate(SIDEBAR))
    return (
        f'<div class="sidebar"><h4>热点专题</h4><ul>{side}</ul></div>'
        '<div class="footer"><p><a href="/about/">关于我们</a> | <a href="/map/">网站地图</a> | '
        '<a href="/contact/">联系我们</a> | <a href="/help/">使用帮助</a></p>'
        f"<p>主办单位：江北省人民政府办公厅　承办单位：江北省政务服务和数字化建设管理局</p>"
        "<p>网站标识码：2200000001　江ICP备05002000号　江公网安备 22010202000123号</p>"
        "<p>建议使用1920×1080分辨率、IE10以上版本浏览器浏览本网站</p></div></body></html>"
    )


def report_page(i: int, total: int) -> bytes:
    meta = report_meta(i)
    rnd = random.Random(i)
    body = "".join(f"<{tag}>{text}</{tag}>" for tag, text in report_text(meta))
    related = "".join(
        f'<li><a href="{report_meta(j)["path"]}">{report_meta(j)["title"]}</a></li>'
        for j in sorted({rnd.randrange(total) for _ in range(5)})
    )
    html = (
        _chrome_top(meta["title"], '<a href="/zfgzbg/">政府工作报告</a>')
        + f'<div class="article"><h1 class="title">{meta["title"]}</h1>'
        f'<div class="property">发布时间：{meta["year"]}-{meta["month"]:02d}-{meta["day"]:02d} '
        f"{rnd.randrange(8, 18):02d}:{rnd.randrange(60):02d}　来源：{meta['city']}人民政府办公室　"
        '浏览次数：<span id="hits">' + str(rnd.randrange(100, 90000)) + '</span>　字号：[<a href="#">大</a> '
        '<a href="#">中</a> <a href="#">小</a>]</div>'
        f'<div id="zoom"><div class="TRS_Editor">{body}</div></div>'
        '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>'
        '<div class="tools">【<a href="javascript:window.print()">打印本页</a>】'
        '【<a href="javascript:window.close()">关闭窗口</a>】</div>'
        f'<div class="related"><h4>相关链接</h4><ul>{related}</ul></div></div>' + _chrome_bottom()
    )
    return html.encode("utf-8")


def listing_page(k: int, total: int) -> bytes:
    pages = math.ceil(total / PER_LISTING)

    def href(n: int) -> str:
        return "/zfgzbg/index.html" if n == 0 else f"/zfgzbg/index_{n}.html"

    items = []
    for i in range(k * PER_LISTING, min(total, (k + 1) * PER_LISTING)):
        m = report_meta(i)
        items.append(
            f'<li><a href="{m["path"]}" target="_blank">{m["title"]}</a>'
            f'<span class="date">{m["year"]}-{m["month"]:02d}-{m["day"]:02d}</span></li>'
        )
    pager = [f'<a href="{href(0)}">首页</a>']
    if k > 0:
        pager.append(f'<a href="{href(k - 1)}">上一页</a>')
    for n in range(max(0, k - 3), min(pages, k + 4)):
        pager.append(f"<span>{n + 1}</span>" if n == k else f'<a href="{href(n)}">{n + 1}</a>')
    if k + 1 < pages:
        pager.append(f'<a href="{href(k + 1)}">下一页</a>')
    pager.append(f'<a href="{href(pages - 1)}">尾页</a> 共{pages}页')
    html = (
        _chrome_top("政府工作报告", "政府工作报告")
        + f'<div class="list"><h2>政府工作报告</h2><ul>{"".join(items)}</ul>'
        f'<div class="pages">{" ".join(pager)}</div></div>' + _chrome_bottom()
    )
    return html.encode("utf-8")


class Site:
    """The generated site on a free loopback port; counts what it serves."""

    def __init__(self, pages: int):
        self.pages = pages
        self.lock = threading.Lock()
        self.served = {"report": 0, "listing": 0, "other": 0}
        self.last_report_at = 0.0
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                status, body, kind = site.answer(self.path.split("?")[0])
                self.send_response(status)
                self.send_header(
                    "Content-Type",
                    "text/plain; charset=utf-8" if kind == "robots" else "text/html; charset=utf-8",
                )
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str) -> tuple[int, bytes, str]:
        kind, status, body = "other", 404, "<html><body><h1>404 页面不存在</h1></body></html>".encode()
        if path == "/robots.txt":
            kind, status, body = "robots", 200, b"User-agent: *\nDisallow: /search/\n"
        elif m := LISTING_RE.match(path):
            k = int(m.group(1) or 0)
            if k < math.ceil(self.pages / PER_LISTING):
                kind, status, body = "listing", 200, listing_page(k, self.pages)
        elif m := REPORT_RE.match(path):
            i = int(m.group(3)) - 100000
            if 0 <= i < self.pages and report_meta(i)["path"] == path:
                kind, status, body = "report", 200, report_page(i, self.pages)
        with self.lock:
            if kind in self.served:
                self.served[kind] += 1
            if kind == "report":
                self.last_report_at = time.monotonic()
        return status, body, kind

    def reset(self):
        with self.lock:
            self.served = {k: 0 for k in self.served}
            self.last_report_at = 0.0

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def sources_toml(base_url: str) -> str:
    return f"""[bench-site]
name = "{SITE} · 政府工作报告"
start_urls = ["{base_url}/zfgzbg/index.html"]
allowed_domains = ["127.0.0.1"]
allow_private = true  # the site is on 127.0.0.1
listing = ['/zfgzbg/(index(_\\d+)?\\.html)?$']
reports = ['/zfgzbg/\\d{{6}}/t\\d{{8}}_\\d+\\.html$']
profile = "trs"
official = true
[bench-site.selectors]
content = "div.TRS_Editor"
title = "h1.title"
date = "div.property"
"""


# --- (b) the bare Scrapy crawl, run in its own process ---------------------------------------------
def bare_settings(concurrency: int) -> dict:
    from crawler import settings as ours

    return {
        "USER_AGENT": ours.USER_AGENT,
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "RETRY_TIMES": ours.RETRY_TIMES,
        "REDIRECT_MAX_TIMES": ours.REDIRECT_MAX_TIMES,
        "DOWNLOAD_TIMEOUT": ours.DOWNLOAD_TIMEOUT,
        "DOWNLOAD_MAXSIZE": ours.DOWNLOAD_MAXSIZE,
        "DOWNLOAD_WARNSIZE": ours.DOWNLOAD_WARNSIZE,
        "TWISTED_REACTOR": ours.TWISTED_REACTOR,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "LOG_LEVEL": "ERROR",
    }


def run_bare(start_url: str, concurrency: int) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    listing_re = re.compile(r"/zfgzbg/(index(_\d+)?\.html)?$")
    report_re = re.compile(r"/zfgzbg/\d{6}/t\d{8}_\d+\.html$")

    class BareSpider(scrapy.Spider):
        name = "bare"
        reports = 0
        report_bytes = 0

        async def start(self):
            # through the dupefilter, as ours: the pager's 首页 link is not fetched a second time
            yield scrapy.Request(start_url, callback=self.parse)

        def parse(self, response):
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if listing_re.search(url):
                    yield scrapy.Request(url, callback=self.parse)
                elif report_re.search(url):
                    yield scrapy.Request(url, callback=self.parse_report)

        def parse_report(self, response):
            self.reports += 1
            self.report_bytes += len(response.body)

    process = CrawlerProcess(bare_settings(concurrency))
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(
        json.dumps(
            {
                "reports": crawler.spider.reports,
                "responses": stats.get("response_received_count", 0),
                "finish_reason": stats.get("finish_reason"),
            }
        )
    )


# --- measuring a child process ----------------------------------------------------------------------
def _status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def measure(cmd: list[str], site: Site, env: dict | None = None) -> dict:
    """Run ``cmd``; its wall time, stdout, peak RSS (wait4) and the peak while pages were still served."""
    site.reset()
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    samples: list[tuple[float, int]] = []
    out_chunks: dict[str, str] = {}

    def drain(name, stream):
        out_chunks[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for r in readers:
        r.start()
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            hwm = _status_kb(proc.pid, "VmHWM")
            if hwm is not None:
                samples.append((time.monotonic(), hwm))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - t0
    stop.set()
    sampler.join()
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    crawl_end = site.last_report_at
    during = max((kb for t, kb in samples if t <= crawl_end + 0.5), default=0)
    return {
        "seconds": seconds,
        "peak_kb": usage.ru_maxrss,
        "peak_during_crawl_kb": during,
        "crawl_seconds": (crawl_end - t0) if crawl_end else None,
        "served": dict(site.served),
        "stdout": out_chunks.get("out", ""),
        "stderr": out_chunks.get("err", ""),
        "rc": proc.returncode,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=10_000, help="report pages of the generated site")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument(
        "--depth-limit",
        type=int,
        default=0,
        help="DEPTH_LIMIT for ours (default 0: none, as the bare crawl; the project's is 10)",
    )
    ap.add_argument("--keep", metavar="DIR", help="build the archive in DIR and keep it")
    ap.add_argument("--bare-child", metavar="URL", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare_child:
        run_bare(args.bare_child, args.concurrency)
        return

    site = Site(args.pages).start()
    sample_size = len(report_page(0, args.pages))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(args.keep or tmp)
            work.mkdir(parents=True, exist_ok=True)
            sources = work / "bench_sources.toml"
            sources.write_text(sources_toml(site.base_url), encoding="utf-8")
            db = work / "bench.db"
            for p in work.glob("bench.db*"):
                p.unlink()
            c = str(args.concurrency)
            ours = measure(
                [
                    sys.executable,
                    "-m",
                    "archive.cli",
                    "crawl",
                    "--db",
                    str(db),
                    "--sources",
                    str(sources),
                    "-s",
                    "AUTOTHROTTLE_ENABLED=False",
                    "-s",
                    "DOWNLOAD_DELAY=0",
                    "-s",
                    f"CONCURRENT_REQUESTS={c}",
                    "-s",
                    f"CONCURRENT_REQUESTS_PER_DOMAIN={c}",
                    # DEPTH_LIMIT (10 in crawler/settings.py) counts listing pagination too: with
                    # this site's pager (±3 pages) it stops after ~58 of 200 listing pages
                    "-s",
                    f"DEPTH_LIMIT={args.depth_limit}",
                    # the source's budget (2,000 requests, 300 listing pages) would stop the site
                    # at 2,000 pages: off, as the bare crawl has none
                    *("-s", "ARCHIVE_SOURCE_MAX_REQUESTS=0", "-s", "ARCHIVE_SOURCE_MAX_LISTINGS=0"),
                    *("-s", "ARCHIVE_SOURCE_MAX_SECONDS=0"),
                ],
                site,
            )
            if ours["rc"] not in (0, 1):
                sys.exit(
                    f"archive crawl failed (exit {ours['rc']}):\n{ours['stdout']}{ours['stderr'][-3000:]}"
                )
            db_mb = sum(p.stat().st_size for p in work.glob("bench.db*")) / 1e6
            bare = measure(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--bare-child",
                    f"{site.base_url}/zfgzbg/index.html",
                    "--concurrency",
                    c,
                ],
                site,
            )
            if bare["rc"] != 0:
                sys.exit(f"bare crawl failed (exit {bare['rc']}):\n{bare['stderr'][-3000:]}")
    finally:
        site.stop()

    bare_info = json.loads(bare["stdout"].strip().splitlines()[-1])
    m = re.search(r"(\d+) report(?: page)?s\b", ours["stdout"])
    ours_reports = int(m.group(1)) if m else ours["served"]["report"]
    listings = math.ceil(args.pages / PER_LISTING)
    print(
        f"bench_crawl_memory: {args.pages:,} report pages (~{sample_size / 1024:.0f} KB each) + {listings} listing "
        f"pages on 127.0.0.1, concurrency {args.concurrency} (per domain too), AutoThrottle off, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(f"ours: {ours['stdout'].strip()}")
    print(f"archive {db_mb:,.0f} MB")
    rows = [
        (
            "report pages fetched (site's count)",
            f"{ours['served']['report']:,}",
            f"{bare['served']['report']:,}",
        ),
        ("report pages (crawler's count)", f"{ours_reports:,}", f"{bare_info['reports']:,}"),
        ("listing pages fetched", f"{ours['served']['listing']:,}", f"{bare['served']['listing']:,}"),
        ("seconds, whole process", f"{ours['seconds']:.1f}", f"{bare['seconds']:.1f}"),
        (
            "seconds to the last page served",
            f"{ours['crawl_seconds'] or 0:.1f}",
            f"{bare['crawl_seconds'] or 0:.1f}",
        ),
        (
            "pages/s (whole process)",
            f"{ours['served']['report'] / ours['seconds']:.1f}",
            f"{bare['served']['report'] / bare['seconds']:.1f}",
        ),
        ("peak memory (VmHWM, MB)", f"{ours['peak_kb'] / 1024:.0f}", f"{bare['peak_kb'] / 1024:.0f}"),
        (
            "peak memory while crawling (MB)",
            f"{ours['peak_during_crawl_kb'] / 1024:.0f}",
            f"{bare['peak_during_crawl_kb'] / 1024:.0f}",
        ),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'':<{w}}  {'archive crawl':>14}  {'bare Scrapy':>12}")
    print(f"{'-' * w}  {'-' * 14}  {'-' * 12}")
    for label, a, b in rows:
        print(f"{label:<{w}}  {a:>14}  {b:>12}")
    if ours["served"]["report"] < args.pages:
        print(f"NOTE: ours fetched {ours['served']['report']:,} of the site's {args.pages:,} report pages")
    ratio = ours["peak_kb"] / bare["peak_kb"]
    ok = ours["peak_kb"] / 1024 < 500 and ratio <= 1.5
    print(
        f"peak memory ours / bare: {ratio:.2f} (targets: ours < 500 MB, ratio ≤ 1.5) — "
        f"{'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
