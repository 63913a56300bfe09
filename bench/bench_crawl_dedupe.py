"""Demo crawl pages/s with the dedupe pipeline on and off (AutoThrottle off), side by side.

    python bench/bench_crawl_dedupe.py [--runs 5]

Each run is a fresh `archive crawl` of the bundled demo site (served on a free loopback port)
into a new archive, in a subprocess, alternating on/off so machine noise hits both alike. The
figure compared is the one the crawl itself reports (pages / crawl seconds), and the median over
the runs. Target (issue 4): with dedupe on, within 10% of off.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FAST = [
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s",
    "CONCURRENT_REQUESTS=16",
]


def crawl_once(sources: str, dedupe: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "archive.cli",
                "crawl",
                "--db",
                f"{tmp}/a.db",
                "--sources",
                sources,
                *FAST,
                "-s",
                f"DEDUP_ENABLED={dedupe}",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    m = re.search(r"([\d.]+)s \(([\d.]+) pages/s\)", r.stdout)
    return float(m.group(1)), float(m.group(2))


def main() -> None:
    from archive.cli import demo_sources_file
    from archive.demo.server import DemoServer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    server = DemoServer(port=0).start()
    results: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    try:
        with demo_sources_file(server.port) as sources:
            crawl_once(sources, True)  # warm-up (page cache, .pyc)
            for _ in range(args.runs):
                for dedupe in (False, True):
                    results[dedupe].append(crawl_once(sources, dedupe))
    finally:
        server.stop()
    print(f"demo crawl, AutoThrottle off, {args.runs} runs each (median)")
    print(f"{'dedupe':<8}{'seconds':>10}{'pages/s':>10}")
    med = {}
    for dedupe in (False, True):
        secs = statistics.median(s for s, _ in results[dedupe])
        rate = statistics.median(r for _, r in results[dedupe])
        med[dedupe] = rate
        print(f"{'on' if dedupe else 'off':<8}{secs:>10.2f}{rate:>10.1f}")
    print(f"on/off pages/s: {med[True] / med[False]:.3f} (target ≥ 0.90)")


if __name__ == "__main__":
    main()
