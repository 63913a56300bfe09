"""Hostile pages: peak memory of the whole ``archive crawl`` process tree, and a breadth trap's end.

    python bench/bench_hostile.py [--cases links,report,trap] [--before]

Each case serves its pages from a threaded HTTP server on 127.0.0.1 in this process and runs a
real ``archive crawl`` (AutoThrottle off, no delay, 8 requests at a time per site; every other
setting the project's defaults) into a fresh archive:

- ``links``: a 27 MB listing page of 1,000,000 report links (small report pages behind them);
  ARCHIVE_MAX_LINKS_PER_PAGE (1000) links are taken, read as the page is parsed;
- ``report``: a 27 MB report page (and a normal one), under DOWNLOAD_MAXSIZE (32 MB) but over
  ARCHIVE_MAX_HTML_BYTES (8 MB): stored raw, not parsed nor cleaned;
- ``trap``: a breadth trap (every listing page links ten new listing pages and one report page):
  it must end by itself at the source's default budget (300 listing pages, 2000 requests).

``--before`` adds ``report-parsed``: the same 27 MB report page with ARCHIVE_MAX_HTML_BYTES raised
to 64 MB, parsed and cleaned as every page was before the limit.

Peak memory is that of the process tree (the crawl and its cleaning workers): /proc is sampled
every 50 ms for the sum of the tree's VmRSS, and at the end the sum of each process's own peak
(VmHWM, read just before it exits, else the last sample) bounds it from above. Target (issue 13):
under 600 MB for ``links`` and ``report``; the trap ends within its budget.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAST = [
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
]
MB = 1024 * 1024


def report_page(n: int, padding: int = 0) -> bytes:
    text = (
        f"<p>——{2000 + n % 25}年1月15日在某市第{n % 9 + 1}届人民代表大会第三次会议上</p>"
        f"<p>各位代表：现在，我代表市人民政府，向大会报告工作（编号 {n}），请予审议。</p>"
        f"<p>过去一年，全市地区生产总值增长百分之{n % 9 + 1}，一般公共预算收入增长百分之{n % 7 + 2}。</p>"
    )
    if padding:
        chunk = "<p>各项工作扎实推进，人民生活持续改善，社会大局和谐稳定。</p>\n"
        text += chunk * (padding // len(chunk.encode()))
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{n}号 政府工作报告</title></head>'
        f'<body><div class="article"><h1>政府工作报告 {n}</h1><div class="content">{text}</div></div></body></html>'
    ).encode()


def million_links(n: int = 1_000_000) -> bytes:
    items = "".join(f"<a href=r/{i}.html>.</a>\n" for i in range(n))  # 27 MB for a million
    return f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul></body></html>'.encode()


class Site:
    def __init__(self):
        self.big_listing: bytes | None = None
        self.big_report: bytes | None = None
        self.served = 0
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                status, body, ctype = site.answer(self.path.split("?")[0])
                with site.lock:
                    site.served += 1
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, bytes, str]:
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, b"User-agent: *\nDisallow:\n", "text/plain"
        if path == "/links/list.html":
            if self.big_listing is None:
                self.big_listing = million_links()
            return 200, self.big_listing, html
        if path == "/report/list.html":
            return (
                200,
                b'<html><body><a href="r/big.html">big</a><a href="r/1.html">1</a></body></html>',
                html,
            )
        if path == "/report/r/big.html":
            if self.big_report is None:
                self.big_report = report_page(0, padding=27 * MB)
            return 200, self.big_report, html
        m = re.fullmatch(r"/trap/l/([\d-]+)\.html", path)
        if m:
            node = m.group(1)
            links = "".join(f'<a href="{node}-{k}.html">{k}</a>' for k in range(10))
            links += f'<a href="/trap/r/{node}.html">报告</a>'
            return 200, f"<html><body>{links}</body></html>".encode(), html
        m = re.fullmatch(r"/\w+/r/([\d-]+)\.html", path)
        if m:
            return 200, report_page(int(m.group(1).replace("-", "")[:12] or 0)), html
        return 404, b"not found", "text/plain"


SOURCES = """
[links]
start_urls = ["{base}/links/list.html"]
allow_private = true
listing = ['/links/list\\.html$']
reports = ['/links/r/\\d+\\.html$']

[report]
start_urls = ["{base}/report/list.html"]
allow_private = true
listing = ['/report/list\\.html$']
reports = ['/report/r/\\w+\\.html$']

[trap]
start_urls = ["{base}/trap/l/0.html"]
allow_private = true
listing = ['/trap/l/']
reports = ['/trap/r/']
"""


# --- the process tree's memory ----------------------------------------------------------------
def _status(pid: int) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "PPid"):
                    out[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            ppid = _status(int(name)).get("PPid")
            if ppid is not None:
                children.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def measure(cmd: list[str]) -> dict:
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_sum = 0
    hwm: dict[int, int] = {}  # the last VmHWM seen of each process of the tree
    stop = threading.Event()

    def sample():
        nonlocal peak_sum
        while not stop.is_set():
            total = 0
            for pid in _tree(proc.pid):
                st = _status(pid)
                total += st.get("VmRSS", 0)
                if "VmHWM" in st:
                    hwm[pid] = max(hwm.get(pid, 0), st["VmHWM"])
            peak_sum = max(peak_sum, total)
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    return {
        "seconds": time.monotonic() - t0,
        "rc": proc.returncode,
        "summary": out.strip().splitlines()[-1] if out.strip() else err.strip()[-300:],
        "tree_peak_mb": peak_sum / 1024,
        "hwm_sum_mb": sum(hwm.values()) / 1024,
        "processes": len(hwm),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="links,report,trap")
    ap.add_argument("--before", action="store_true", help="also the 27 MB report page parsed (limit raised)")
    args = ap.parse_args()
    site = Site()
    cases = [(c, c, []) for c in args.cases.split(",")]
    if args.before:
        cases.append(("report-parsed", "report", ["-s", f"ARCHIVE_MAX_HTML_BYTES={64 * MB}"]))
    print(
        f"{'case':<14} {'rc':>3} {'seconds':>8} {'tree peak MB':>13} {'Σ VmHWM MB':>11} {'procs':>5}  summary"
    )
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(SOURCES.format(base=site.base), encoding="utf-8")
        for label, key, extra in cases:
            db = Path(tmp) / f"{label}.db"
            cmd = [
                sys.executable,
                "-m",
                "archive.cli",
                "crawl",
                key,
                "--db",
                str(db),
                "--sources",
                str(sources),
            ]
            r = measure([*cmd, *FAST, *extra])
            print(
                f"{label:<14} {r['rc']:>3} {r['seconds']:>8.1f} {r['tree_peak_mb']:>13.0f} "
                f"{r['hwm_sum_mb']:>11.0f} {r['processes']:>5}  {r['summary']}",
                flush=True,
            )
    site.server.shutdown()


if __name__ == "__main__":
    main()
