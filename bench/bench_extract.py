"""Compare our whole cleaning path with trafilatura and GNE on the same gold pages, in-process.

    python bench/bench_extract.py [PAGES_DIR] [--repeat N] [--cli]

PAGES_DIR holds html/NAME.html and truth/NAME.txt (default: tests/fixtures/realpages).
Every tool runs in this one process on one core, over the same bytes; docs/s is measured over
the whole path of each tool (ours: decode → extract → chrome rules → metadata). --cli also
times `python -m pipelines.cleaning FILE --json` per page (process start included).
trafilatura and gne are the optional `bench` extras (`pip install -e '.[bench]'`); without
one of them the benchmark stops (exit 1) and says which, rather than print a shorter table.
Scores use the project's line-level measure, pipelines.cleaning.score (as tests/test_quality.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.cleaning.score import macro, precision_recall  # noqa: E402


def naive_decode(raw: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", "replace")


def tools() -> dict:
    from pipelines.cleaning import clean_page

    try:
        import trafilatura
        from gne import GeneralNewsExtractor
    except ImportError as exc:  # a comparison without its other columns is no comparison
        reason = " ".join(str(exc).split())
        raise SystemExit(
            f"bench_extract: cannot import a comparison library ({reason}); pip install -e '.[bench]'"
        ) from exc
    gne = GeneralNewsExtractor()
    return {
        "ours (clean_page)": lambda raw, url: clean_page(raw, url)["text"],
        "trafilatura": lambda raw, url: trafilatura.extract(raw) or "",
        "gne": lambda raw, url: gne.extract(naive_decode(raw)).get("content", "") or "",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pages", nargs="?", default=str(REPO / "tests" / "fixtures" / "realpages"))
    ap.add_argument("--repeat", type=int, default=3, help="timing passes (best is kept)")
    ap.add_argument("--cli", action="store_true", help="also time the CLI per page (process start included)")
    args = ap.parse_args()
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    except (AttributeError, OSError):
        pass
    d = Path(args.pages)
    names = sorted(p.stem for p in (d / "html").glob("*.html"))
    pages = [
        (
            (d / "html" / f"{n}.html").read_bytes(),
            (d / "truth" / f"{n}.txt").read_text(encoding="utf-8", errors="replace"),
            f"http://example.com/{n}.html",
        )
        for n in names
    ]
    rows = []
    for name, fn in tools().items():
        fn(pages[0][0], pages[0][2])  # warm-up: lazy imports, caches
        best = float("inf")
        texts: list[str] = []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            texts = [fn(raw, url) for raw, _, url in pages]
            best = min(best, time.perf_counter() - t0)
        p, r, f1 = macro(
            precision_recall(truth, got) for (_, truth, _), got in zip(pages, texts, strict=True)
        )
        rows.append((name, p, r, f1, len(pages) / best))
    if args.cli:
        t0 = time.perf_counter()
        for n in names:
            subprocess.run(
                [sys.executable, "-m", "pipelines.cleaning", str(d / "html" / f"{n}.html"), "--json"],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                check=True,
            )
        rows.append(
            (
                "ours (CLI, process per page)",
                float("nan"),
                float("nan"),
                float("nan"),
                len(names) / (time.perf_counter() - t0),
            )
        )
    print(f"{len(pages)} pages from {d}\n")
    print(f"{'tool':32} {'precision':>9} {'recall':>7} {'F1':>6} {'docs/s':>8}")
    for name, p, r, f1, dps in rows:
        print(f"{name:32} {p:9.3f} {r:7.3f} {f1:6.3f} {dps:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
