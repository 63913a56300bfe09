"""Many small report sites on loopback, for bench/bench_sources.py.

Source ``i`` (1-based, key ``s0001`` …) is a small government portal under its own path prefix
``/s0001/`` on one of ``ADDRESSES`` (127.0.0.2 … 127.0.0.41, each its own host to Scrapy):

* ``/s0001/``: the 政府工作报告 column, a listing page (portal chrome, one linked report, a
  共1页 pager) — the source's start URL;
* ``/s0001/YYYYMM/tYYYYMMDD_NNNNNNN.html``: the report, ~13–18 KB of HTML: a TRS-like article
  page (top bar, menu, breadcrumb, 发布时间/来源/字号 line, div.TRS_Editor body, 分享到,
  打印本页/关闭窗口, related links, sidebar, footer with ICP/公安备案) around a report of
  bench/corpus.py (its skeleton, phrase banks, set text and local content) cut to 3,500–5,000
  characters, for a real 市 or 县 of the division table and one year: the jurisdiction and year
  differ from source to source, and the title, the 在…人民代表大会 line and the text name them.

Everything else answers 404 (robots.txt too). The pages are made once, when the server process
starts (:func:`serve`), so the timed crawl only costs the server a dict lookup and a write per
request: one process, asyncio, HTTP/1.1 keep-alive. ``/__bench__/stats`` (on any address) answers
the served counts as JSON (listing and report pages, robots.txt, other requests, bytes) and
``/__bench__/reset`` zeroes them.
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ADDRESSES = tuple(f"127.0.0.{k}" for k in range(2, 42))  # Linux routes all of 127/8 to lo
SEED = 1
NAV = [
    "首页",
    "政务公开",
    "政务服务",
    "互动交流",
    "走进{short}",
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
NEWS = [
    "召开常务会议研究部署重点工作",
    "举行重大项目集中开工仪式",
    "召开全体会议",
    "开展安全生产大检查",
    "召开优化营商环境工作推进会",
    "举行新闻发布会",
    "调研乡村振兴工作",
    "召开防汛工作会议",
]


def key(i: int) -> str:
    return f"s{i:04d}"


def address(i: int) -> str:
    return ADDRESSES[(i - 1) % len(ADDRESSES)]


@lru_cache(maxsize=1)
def divisions() -> tuple[tuple[str, str], ...]:
    """(code, name) of the current prefectures and counties named …市 or …县, in a fixed shuffled order."""
    path = REPO / "pipelines" / "cleaning" / "data" / "admin_divisions.csv"
    with open(path, encoding="utf-8") as f:
        rows = sorted(
            (r["code"], r["name"])
            for r in csv.DictReader(f)
            if r.get("current", "1") == "1"
            and r["level"] in ("prefecture", "county")
            and r["name"].endswith(("市", "县"))
            and len(r["name"]) >= 2
        )
    random.Random(f"{SEED}:divisions").shuffle(rows)
    return tuple(rows)


def meta(i: int) -> dict:
    """Source ``i``'s jurisdiction, year, date and report path."""
    divs = divisions()
    code, name = divs[(i - 1) % len(divs)]
    rnd = random.Random(f"{SEED}:meta:{i}")
    year = 2008 + ((i - 1) * 7 + (i - 1) // len(divs)) % 18  # a division seen twice gets another year
    month, day = 1 + rnd.randrange(2), 3 + rnd.randrange(25)
    stamp = f"{year}{month:02d}"
    return {
        "i": i,
        "key": key(i),
        "host": address(i),
        "code": code,
        "name": name,
        "year": year,
        "month": month,
        "day": day,
        "title": f"{year}年{name}政府工作报告",
        "path": f"/{key(i)}/{stamp}/t{stamp}{day:02d}_{4000000 + i}.html",
    }


def _juris(m: dict):
    import corpus

    name = m["name"]
    short = name[:-1] if len(name) > 2 else name  # 沛县 → 沛县 (one-character names keep the suffix)
    pcode = m["code"][:2]
    province = next((k for k, (_, c) in enumerate(corpus.PROVINCES) if c == pcode), 0)
    rng = random.Random(f"{SEED}:juris:{m['i']}")
    return corpus.Juris(
        m["i"],
        name,
        short,
        name[-1],
        province,
        m["code"],
        scale=rng.choice((0.3, 0.5, 1.0, 1.5)),
        **corpus._juris_words(rng, short),
    )


def report_lines(m: dict) -> list[str]:
    """The report's lines: bench/corpus.py's original for this jurisdiction and year, cut to 3,500–5,000 characters."""
    import corpus

    orig = corpus.make_original(_juris(m), m["year"], SEED)
    want = random.Random(f"{SEED}:len:{m['i']}").randint(3500, 5000)
    lines, size = [], 0
    for line in orig.lines[:-2]:
        if size >= want:
            break
        lines.append(line)
        size += len(line)
    return lines + orig.lines[-2:]  # …and the closing paragraphs


def _site_name(m: dict) -> str:
    return f"{m['name']}人民政府门户网站"


def _top(m: dict, title: str, crumbs: str) -> str:
    p, site, short = f"/{m['key']}", _site_name(m), m["name"][:-1] or m["name"]
    nav = "".join(f'<li><a href="{p}/lm{k:02d}/">{n.format(short=short)}</a></li>' for k, n in enumerate(NAV))
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<title>{title}_{site}</title><meta name="keywords" content="政府工作报告,{m["name"]}">'
        f'<link rel="stylesheet" href="{p}/css/main.css"><script src="{p}/js/jquery.min.js"></script></head><body>'
        f'<div class="topbar"><span>欢迎访问{site}</span> <a href="{p}/wza/">无障碍</a> <a href="{p}/en/">English</a> '
        f'<a href="{p}/m/">手机版</a> <a href="{p}/login/">登录</a></div>'
        f'<div class="header"><a class="logo" href="{p}/home.html">{site}</a><form action="{p}/search/">'
        '<input name="q"><button>搜索</button></form></div>'
        f'<div class="nav"><ul>{nav}</ul></div>'
        f'<div class="crumbs">当前位置：<a href="{p}/home.html">首页</a> &gt; <a href="{p}/zwgk/">政务公开</a> &gt; '
        f"{crumbs}</div>"
    )


def _bottom(m: dict) -> str:
    p = f"/{m['key']}"
    side = "".join(f'<li><a href="{p}/zt/{k}/">{n}</a></li>' for k, n in enumerate(SIDEBAR))
    rnd = random.Random(f"{SEED}:footer:{m['i']}")
    return (
        f'<div class="sidebar"><h4>热点专题</h4><ul>{side}</ul></div>'
        f'<div class="footer"><p><a href="{p}/about/">关于我们</a> | <a href="{p}/map/">网站地图</a> | '
        f'<a href="{p}/contact/">联系我们</a> | <a href="{p}/help/">使用帮助</a></p>'
        f"<p>主办单位：{m['name']}人民政府办公室　承办单位：{m['name']}政务服务和数据管理局</p>"
        f"<p>网站标识码：{m['code']}{rnd.randrange(1000):04d}　ICP备{rnd.randrange(10**7, 10**8)}号　"
        f"公网安备 {m['code']}{rnd.randrange(10**7, 10**8)}号</p>"
        "<p>建议使用1920×1080分辨率、IE10以上版本浏览器浏览本网站</p></div></body></html>"
    )


def report_page(i: int) -> bytes:
    m = meta(i)
    rnd = random.Random(f"{SEED}:page:{i}")
    p = f"/{m['key']}"
    body = "".join(f"<p>{line}</p>" for line in report_lines(m))
    related = "".join(
        f'<li><a href="{p}/xwzx/{m["year"]}{k:02d}/t{rnd.randrange(10**6, 10**7)}.html">'
        f"{m['name']}{rnd.choice(NEWS)}</a></li>"
        for k in range(1, 6)
    )
    html = (
        _top(m, m["title"], f'<a href="{p}/">政府工作报告</a>')
        + f'<div class="article"><h1 class="title">{m["title"]}</h1>'
        f'<div class="property">发布时间：{m["year"]}-{m["month"]:02d}-{m["day"]:02d} '
        f"{rnd.randrange(8, 18):02d}:{rnd.randrange(60):02d}　来源：{m['name']}人民政府办公室　"
        f'浏览次数：<span id="hits">{rnd.randrange(100, 90000)}</span>　字号：[<a href="#">大</a> '
        '<a href="#">中</a> <a href="#">小</a>]</div>'
        f'<div id="zoom"><div class="TRS_Editor">{body}</div></div>'
        '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>'
        '<div class="tools">【<a href="javascript:window.print()">打印本页</a>】'
        '【<a href="javascript:window.close()">关闭窗口</a>】</div>'
        f'<div class="related"><h4>相关链接</h4><ul>{related}</ul></div></div>' + _bottom(m)
    )
    return html.encode("utf-8")


def listing_page(i: int) -> bytes:
    m = meta(i)
    item = (
        f'<li><a href="{m["path"]}" target="_blank">{m["title"]}</a>'
        f'<span class="date">{m["year"]}-{m["month"]:02d}-{m["day"]:02d}</span></li>'
    )
    html = (
        _top(m, "政府工作报告", "政府工作报告") + f'<div class="list"><h2>政府工作报告</h2><ul>{item}</ul>'
        '<div class="pages"><a href="./">首页</a> <span>1</span> <a href="./">尾页</a> 共1页</div></div>'
        + _bottom(m)
    )
    return html.encode("utf-8")


def sources_toml(count: int, ports: dict[str, int]) -> str:
    """The sources file of sources 1 … count (``ports``: address → port)."""
    out = ["# bench/bench_sources.py: generated one-report sources on loopback\n"]
    for i in range(1, count + 1):
        m = meta(i)
        k, host = m["key"], m["host"]
        out.append(f"""[{k}]
name = "{_site_name(m)} · 政府工作报告"
start_urls = ["http://{host}:{ports[host]}/{k}/"]
allowed_domains = ["{host}"]
allow_private = true  # loopback
listing = ['/{k}/(index\\.html)?$']
reports = ['/{k}/\\d{{6}}/t\\d{{8}}_\\d+\\.html$']
profile = "trs"
official = true
[{k}.selectors]
content = "div.TRS_Editor"
title = "h1.title"
date = "div.property"
""")
    return "\n".join(out)


# --- the server process ----------------------------------------------------------------------
NOT_FOUND = "<html><body><h1>404 页面不存在</h1></body></html>".encode()


def build_routes(count: int) -> dict[tuple[str, str], tuple[str, bytes]]:
    routes = {}
    for i in range(1, count + 1):
        m = meta(i)
        listing = listing_page(i)
        routes[(m["host"], f"/{m['key']}/")] = ("listing", listing)
        routes[(m["host"], f"/{m['key']}/index.html")] = ("listing", listing)
        routes[(m["host"], m["path"])] = ("report", report_page(i))
    return routes


def serve(count: int, conn) -> None:
    """Run the sites of sources 1 … count until killed; sends {address: port} on ``conn`` once listening."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))  # corpus
    routes = build_routes(count)
    served = {"listing": 0, "report": 0, "robots": 0, "other": 0, "bytes": 0}

    def answer(host: str, path: str) -> tuple[int, str, bytes]:
        if path == "/__bench__/stats":
            return 200, "application/json", json.dumps(served).encode()
        if path == "/__bench__/reset":
            for k in served:
                served[k] = 0
            return 200, "application/json", b"{}"
        kind, body = routes.get((host, path), ("robots" if path == "/robots.txt" else "other", None))
        served[kind] += 1
        if body is None:
            return 404, "text/html; charset=utf-8", NOT_FOUND
        served["bytes"] += len(body)
        return 200, "text/html; charset=utf-8", body

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
                parts = request_line.split(" ")
                path = parts[1].split("?", 1)[0] if len(parts) >= 2 else "/"
                status, ctype, body = answer(host, path)
                close = b"connection: close" in head.lower()
                reason = "OK" if status == 200 else "Not Found"
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: {'close' if close else 'keep-alive'}\r\n"
                    "\r\n".encode("latin-1")
                    + (b"" if parts[0] == "HEAD" else body)
                )
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, host, 0, backlog=1024) for host in ADDRESSES]
        conn.send({s.sockets[0].getsockname()[0]: s.sockets[0].getsockname()[1] for s in servers})
        conn.close()
        await asyncio.Event().wait()

    asyncio.run(main())
