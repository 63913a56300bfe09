"""A national crawl's cost as the number of sources grows: `archive crawl` of N one-report sources.

    python bench/bench_sources.py [--sizes 300,1000,3000] [--baseline-commit 33fcb02 --baseline-sizes 300]
                                  [--timeout 900] [--concurrency 64] [--per-domain 4] [--keep DIR]

    # what was run for the lead: this checkout at 100 and 300 sources, the old design at 300
    python bench/bench_sources.py --sizes 100,300 --baseline-commit 33fcb02 --baseline-sizes 300

Sources ``s0001`` … ``sNNNN`` (bench/sources_site.py) are small government portals, each under its
own path prefix on one of 40 loopback addresses (127.0.0.2 … 127.0.0.41: 40 hosts, so 40 download
slots for a crawl that shares one downloader): a listing page linking one report page of ~13–18 KB
of HTML (portal chrome around a bench/corpus.py report of a real 市/县 and year, different for every
source). The sites are served by a separate process (asyncio, HTTP/1.1 keep-alive, pages made before
the crawl starts; robots.txt is 404).

Each run writes a sources file of the first N sources and runs, in its own process and a fresh
archive::

    archive crawl --db <tmp>/bench.db --sources <tmp>/sources.toml -s AUTOTHROTTLE_ENABLED=False
        -s DOWNLOAD_DELAY=0 -s CONCURRENT_REQUESTS=64 -s CONCURRENT_REQUESTS_PER_DOMAIN=4

(as ``python -m archive.cli crawl`` with ``PYTHONPATH`` set to the code under test), timing the
whole process (start-up, crawl, the end-of-crawl boilerplate learning, exit). Peak RSS is the
larger of the process tree's summed VmRSS, sampled from /proc every 0.2 s, and ``ru_maxrss`` of
wait4(2) (the largest single process of the tree). The archive is then checked: every source must
have exactly one document (``SELECT source, COUNT(*) FROM documents GROUP BY source``). The robots.txt requests the sites
answered tell which design ran: one per source (a crawler per source) or one per host (one crawler).

``--baseline-commit C`` also runs the same sources with the code of commit C (today's design,
before the single-crawler rewrite: 33fcb02), from a git worktree at /tmp/bench-baseline-C (made
if missing, reused otherwise); the bench prints where ``archive``, ``crawler`` and ``pipelines``
are imported from under each design's environment, so a baseline that would silently run this
checkout's code is caught (and refused).

Targets (for this checkout's design): 3,000 sources in ≤ 300 s; time(3,000) ≤ 3.6 × time(1,000);
peak RSS ≤ 1.5 GB; every report archived. The machine is shared: the 1-minute load average is
printed before/after each run beside its figures.

Exit status: 0 all runs finished and archived everything and no measured target was missed;
1 a run failed, timed out or missed documents; 2 every run passed but a target was missed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sources_site  # noqa: E402

TARGET_SECONDS_3000 = 300.0
TARGET_RATIO = 3.6
TARGET_RSS_MB = 1536.0


@dataclass
class Run:
    design: str
    sources: int
    rc: int | None = None
    status: str = "ok"  # ok / failed / timeout
    seconds: float = 0.0
    peak_mb: float = 0.0
    documents: int = 0
    archived_all: bool = False
    problems: list[str] = field(default_factory=list)
    served: dict = field(default_factory=dict)
    summary: str = ""
    load: tuple[float, float] = (0.0, 0.0)
    meta_found: tuple[int, int] = (0, 0)  # documents with a jurisdiction, with a year

    @property
    def pages(self) -> int:
        return self.served.get("listing", 0) + self.served.get("report", 0)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


# --- code under test ------------------------------------------------------------------------------
def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def baseline_worktree(commit: str) -> Path:
    full = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    path = Path(f"/tmp/bench-baseline-{commit}")
    if path.exists():
        head = git("rev-parse", "HEAD", cwd=path)
        if head != full:
            sys.exit(
                f"{path} exists but is at {head[:12]}, not {commit}: remove it (git worktree remove {path})"
            )
    else:
        git("worktree", "add", "--detach", str(path), full)
    return path


def env_for(code: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    for k in ("ARCHIVE_DB", "ARCHIVE_SOURCES"):
        env.pop(k, None)
    return env


def where_imported(code: Path) -> dict[str, str]:
    """archive / crawler / pipelines as imported by the interpreter and env a run of ``code`` uses."""
    probe = (
        "import json, archive, archive.crawl, crawler, pipelines;"
        "print(json.dumps({m.__name__: m.__file__ for m in (archive, archive.crawl, crawler, pipelines)}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=code, env=env_for(code), check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


# --- the sites --------------------------------------------------------------------------------------
def start_sites(count: int):
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=sources_site.serve, args=(count, child), daemon=True)
    proc.start()
    child.close()
    if not parent.poll(300):
        proc.kill()
        sys.exit("the site server did not start within 300 s")
    return proc, parent.recv()


def site_call(ports: dict[str, int], what: str) -> dict:
    host = sources_site.ADDRESSES[0]
    with urllib.request.urlopen(f"http://{host}:{ports[host]}/__bench__/{what}", timeout=30) as r:
        return json.loads(r.read())


# --- measuring the crawl process tree ---------------------------------------------------------------
def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def measure(
    cmd: list[str], cwd: Path, env: dict, timeout: float, log: Path
) -> tuple[int | None, float, float, str]:
    """(exit code or None on timeout, seconds, peak RSS MB of the tree, stdout)."""
    with open(log, "w") as err, open(log.with_suffix(".out"), "w+") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True)
        peak_kb, rc, maxrss_kb = 0, None, 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                rc, maxrss_kb = os.waitstatus_to_exitcode(status), usage.ru_maxrss
                proc.returncode = rc
                break
            peak_kb = max(peak_kb, sum(_rss_kb(p) for p in _tree(proc.pid)))
            if time.monotonic() - t0 > timeout:
                os.killpg(proc.pid, signal.SIGKILL)  # the crawl's own session: it and its children only
                _, status, usage = os.wait4(proc.pid, 0)
                maxrss_kb = usage.ru_maxrss
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            time.sleep(0.2)
        seconds = time.monotonic() - t0
        out.seek(0)
        stdout = out.read()
    return rc, seconds, max(peak_kb, maxrss_kb) / 1024, stdout


def check_archive(db: Path, count: int) -> tuple[int, bool, list[str], tuple[int, int]]:
    want = {sources_site.key(i) for i in range(1, count + 1)}
    if not db.exists():
        return 0, False, ["no archive written"], (0, 0)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        counts = dict(conn.execute("SELECT source, COUNT(*) FROM documents GROUP BY source").fetchall())
        found = conn.execute(
            "SELECT COALESCE(SUM(admin_code IS NOT NULL), 0), COALESCE(SUM(year IS NOT NULL), 0)"
            " FROM documents"
        ).fetchone()
    finally:
        conn.close()
    problems = []
    missing = sorted(want - counts.keys())
    extra = sorted(counts.keys() - want)
    several = sorted(k for k, n in counts.items() if n != 1)
    if missing:
        problems.append(
            f"{len(missing)} sources without a document ({', '.join(missing[:8])}"
            f"{' …' if len(missing) > 8 else ''})"
        )
    if several:
        problems.append(f"{len(several)} sources with more than one document ({', '.join(several[:8])})")
    if extra:
        problems.append(f"documents of unknown sources: {', '.join(extra[:8])}")
    return sum(counts.values()), not problems, problems, tuple(found)


def run_one(design: str, code: Path, count: int, ports: dict, work: Path, args) -> Run:
    run = Run(design, count)
    folder = work / f"{design.split()[0]}-{count}"
    folder.mkdir(parents=True, exist_ok=True)
    for p in folder.glob("bench.db*"):
        p.unlink()
    sources = folder / "sources.toml"
    sources.write_text(sources_site.sources_toml(count, ports), encoding="utf-8")
    db = folder / "bench.db"
    cmd = [
        sys.executable,
        "-m",
        "archive.cli",
        "crawl",
        "--db",
        str(db),
        "--sources",
        str(sources),
        "--log-dir",
        str(folder / "logs"),
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        f"CONCURRENT_REQUESTS={args.concurrency}",
        "-s",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={args.per_domain}",
    ]
    site_call(ports, "reset")
    load0 = os.getloadavg()[0]
    rc, run.seconds, run.peak_mb, stdout = measure(
        cmd, code, env_for(code), args.timeout, folder / "crawl.stderr"
    )
    run.load = (load0, os.getloadavg()[0])
    run.served = site_call(ports, "stats")
    run.rc = rc
    run.summary = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    run.documents, run.archived_all, run.problems, run.meta_found = check_archive(db, count)
    if rc is None:
        run.status = "timeout"
        run.problems.insert(0, f"timed out after {args.timeout:.0f} s (killed)")
    elif rc != 0:
        run.status = "failed"
        tail = (folder / "crawl.stderr").read_text(errors="replace").strip().splitlines()[-3:]
        run.problems.insert(0, f"exit {rc}" + (f": {' | '.join(tail)}" if tail else ""))
    elif not run.archived_all:
        run.status = "failed"
    return run


# --- output -----------------------------------------------------------------------------------------
HEADER = (
    "| design | crawlers | sources | seconds | pages/s | peak RSS MB | documents | archived all | load 1-min before→after |\n"
    "|---|---|---:|---:|---:|---:|---:|---|---|"
)


def row(r: Run) -> str:
    status = "" if r.status == "ok" else f" **{r.status.upper()}**"
    return (
        f"| {r.design}{status} | {crawlers(r)} | {r.sources:,} | {r.seconds:.1f} | {r.pages_per_s:.1f} | {r.peak_mb:,.0f} | "
        f"{r.documents:,} | {'yes' if r.archived_all else 'NO'} | {r.load[0]:.2f}→{r.load[1]:.2f} |"
    )


def verdicts(runs: list[Run], design: str) -> tuple[list[str], bool]:
    """Lines for the targets of ``design``'s runs, and whether a measured target was missed."""
    mine = {r.sources: r for r in runs if r.design == design}
    lines, missed = [], False

    def line(label: str, ok: bool | None, detail: str) -> None:
        nonlocal missed
        missed |= ok is False
        lines.append(f"  {'PASS' if ok else 'n/a ' if ok is None else 'FAIL'}  {label}: {detail}")

    r3, r1 = mine.get(3000), mine.get(1000)
    if r3 and r3.status == "ok":
        line("3,000 sources in ≤ 300 s", r3.seconds <= TARGET_SECONDS_3000, f"{r3.seconds:.1f} s")
    else:
        line("3,000 sources in ≤ 300 s", False if r3 else None, r3.status if r3 else "not run")
    if r3 and r1 and r3.status == r1.status == "ok":
        ratio = r3.seconds / r1.seconds
        line(
            "time(3000)/time(1000) ≤ 3.6",
            ratio <= TARGET_RATIO,
            f"{r3.seconds:.1f} / {r1.seconds:.1f} = {ratio:.2f}",
        )
    else:
        line(
            "time(3000)/time(1000) ≤ 3.6",
            False if r3 and r1 else None,
            "needs finished runs at 1,000 and 3,000",
        )
    worst = max(mine.values(), key=lambda r: r.peak_mb, default=None)
    if worst:
        line(
            "peak RSS ≤ 1.5 GB",
            worst.peak_mb <= TARGET_RSS_MB,
            f"largest {worst.peak_mb:,.0f} MB (at {worst.sources:,} sources)",
        )
        line(
            "every report archived",
            all(r.archived_all for r in mine.values()),
            ", ".join(f"{r.sources:,}: {r.documents:,}/{r.sources:,}" for r in mine.values()),
        )
    return lines, missed


def crawlers(r: Run) -> str:
    """What the robots.txt requests say of the design that ran: one per crawler and host."""
    robots = r.served.get("robots", 0)
    hosts = len({sources_site.address(i) for i in range(1, r.sources + 1)})
    if r.sources <= hosts:
        return f"? (robots.txt tells only above {len(sources_site.ADDRESSES)} sources)"
    if robots == r.sources:
        return "a crawler per source"
    if robots <= hosts:
        return "one crawler for all"
    return "?"


def sizes(text: str) -> list[int]:
    return [int(s) for s in text.replace("_", "").split(",") if s.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:6]),
    )
    ap.add_argument(
        "--sizes",
        type=sizes,
        default=[300, 1000, 3000],
        help="source counts for the code of this checkout (default 300,1000,3000; empty: none)",
    )
    ap.add_argument(
        "--baseline-commit", metavar="COMMIT", help="also run the code of this commit (e.g. 33fcb02)"
    )
    ap.add_argument(
        "--baseline-sizes", type=sizes, default=[300], help="source counts for the baseline (default 300)"
    )
    ap.add_argument(
        "--timeout", type=float, default=900.0, help="seconds per run before it is killed (default 900)"
    )
    ap.add_argument("--concurrency", type=int, default=64, help="CONCURRENT_REQUESTS (default 64)")
    ap.add_argument("--per-domain", type=int, default=4, help="CONCURRENT_REQUESTS_PER_DOMAIN (default 4)")
    ap.add_argument("--keep", metavar="DIR", help="keep the archives, sources files and logs in DIR")
    args = ap.parse_args()

    designs: list[tuple[str, Path, list[int]]] = []
    if args.sizes:
        dirty = git("status", "--porcelain", "--", "archive", "crawler", "pipelines")
        designs.append(
            (
                f"checkout {git('rev-parse', '--short', 'HEAD')}{' + uncommitted' if dirty else ''}",
                REPO,
                args.sizes,
            )
        )
    if args.baseline_commit:
        tree = baseline_worktree(args.baseline_commit)
        designs.append((f"baseline {args.baseline_commit}", tree, args.baseline_sizes))
    if not designs:
        sys.exit("nothing to run: --sizes is empty and no --baseline-commit")

    print(
        f"bench_sources: one-report sources on {len(sources_site.ADDRESSES)} loopback addresses "
        f"({sources_site.ADDRESSES[0]} … {sources_site.ADDRESSES[-1]}), CONCURRENT_REQUESTS={args.concurrency}, "
        f"CONCURRENT_REQUESTS_PER_DOMAIN={args.per_domain}, AutoThrottle off, no delay; "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, timeout {args.timeout:.0f} s per run"
    )
    for name, code, _counts in designs:
        where = where_imported(code)
        print(f"{name}: {git('log', '-1', '--oneline', cwd=code)}")
        print(f"  code {code}; imports: " + ", ".join(f"{k} {v}" for k, v in where.items()))
        stray = [v for v in where.values() if not Path(v).resolve().is_relative_to(code.resolve())]
        if stray:
            sys.exit(f"{name}: modules imported from outside {code}: {', '.join(stray)}")
        dirty = git("status", "--porcelain", "--", "archive", "crawler", "pipelines", cwd=code)
        if dirty:
            print(f"  NOTE: uncommitted changes in the code under test: {' '.join(dirty.split())[:300]}")

    count_max = max(n for _, _, counts in designs for n in counts)
    t0 = time.monotonic()
    server, ports = start_sites(count_max)
    sample = sources_site.report_page(1)
    print(
        f"sites of {count_max:,} sources served by pid {server.pid} (pages made in {time.monotonic() - t0:.1f} s; "
        f"a report page ~{len(sample) / 1024:.0f} KB of HTML)",
        flush=True,
    )
    runs: list[Run] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sources-") as tmp:
            work = Path(args.keep or tmp)
            work.mkdir(parents=True, exist_ok=True)
            for name, code, counts in designs:
                for n in counts:
                    r = run_one(name, code, n, ports, work, args)
                    runs.append(r)
                    print(
                        f"  {name}, {n:,} sources: {r.status}, {r.seconds:.1f} s, peak {r.peak_mb:,.0f} MB, "
                        f"{r.documents:,} documents, {r.pages:,} pages served, {r.served.get('robots', 0):,} robots.txt "
                        f"requests ({crawlers(r)}), {r.served.get('other', 0):,} other, jurisdiction/year found in {r.meta_found[0]:,}/{r.meta_found[1]:,}, load "
                        f"{r.load[0]:.2f}→{r.load[1]:.2f}",
                        flush=True,
                    )
                    print(f"    archive crawl: {r.summary[:400] or '(no summary)'}", flush=True)
                    for p in r.problems:
                        print(f"    PROBLEM: {p}", flush=True)
    finally:
        server.kill()
        server.join()

    print()
    print(HEADER)
    for r in runs:
        print(row(r))
    missed = False
    for name, _, _ in designs:
        if name.startswith("checkout"):
            lines, missed_here = verdicts(runs, name)
            missed |= missed_here
            print(f"\ntargets ({name}):")
            print("\n".join(lines))
    by = {(r.design, r.sources): r for r in runs}
    for n in sorted({r.sources for r in runs}):
        pair = [by.get((name, n)) for name, _, _ in designs]
        if len(designs) == 2 and all(p and p.status == "ok" for p in pair):
            print(
                f"at {n:,} sources: checkout / baseline time {pair[0].seconds / pair[1].seconds:.2f}, "
                f"peak RSS {pair[0].peak_mb / pair[1].peak_mb:.2f}"
            )
    failed = [r for r in runs if r.status != "ok"]
    if failed:
        print("FAILED runs: " + "; ".join(f"{r.design} at {r.sources:,}: {r.status}" for r in failed))
        sys.exit(1)
    if missed:
        sys.exit(2)


if __name__ == "__main__":
    main()
