"""A public server under expensive requests: does one visitor stall everyone else?

    python bench/bench_public_search.py [--n 3000] [--huge-chars 7000000] [--workdir DIR] [--reuse]
                                        [--seconds 10]

Builds an archive of N documents of 10–40 K characters each (2–6 report-sized texts of
bench/corpus.py joined: real-looking Chinese) plus one document of ``--huge-chars`` characters,
stored with the project's own ``archive.db.save_document`` and indexed with
``archive.search.index_documents`` (the writer's two steps), then runs ``archive serve --public``
on a free 127.0.0.1 port and prints:

* the time of one ``/-/search`` with 100 one-character words (and of ``?_search=`` on ``reports``
  with the same words), its status and message;
* the time of the worst query still allowed (10 common one-character words) and of 1–10-word
  queries, each of whose counts is checked against the substring truth (``exact``);
* the median and p95 latency of cheap pages (``/`` and ``/-/search`` without a query) alone, then
  while 3 clients send the 100-word query, the worst allowed query (on ``/-/search`` and as
  ``?_search=``), 7-facet table pages, and while 2 and 20 clients stream the whole documents table
  as CSV, in a loop, for ``--seconds`` each;
* the status of a request with 20 ``_facet=`` parameters.

Every loop is bounded in time and sends requests only to the server it started on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FACETS = ["province", "city", "admin_level", "year", "source", "doc_type", "duplicate_kind"]


def build(path: Path, n: int, huge_chars: int, seed: int) -> dict:
    """``n`` documents of 10–40 K characters and one of ``huge_chars``, stored and indexed the way
    the crawl's writer does it (``save_document``, then ``index_documents`` per batch)."""
    from archive.db import open_db, save_document
    from archive.search import index_documents
    from bench.corpus import documents
    from pipelines.cleaning import text_hash

    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    db = open_db(path)
    rng = random.Random(seed)
    base = documents(n * 5 + huge_chars // 6000 + 10, seed)
    t0 = time.perf_counter()
    chars, batch = 0, []

    def store(i: int, row: dict, text: str) -> None:
        nonlocal chars
        cleaned = {k: v for k, v in row.items() if k not in ("url", "source", "text", "chars")}
        cleaned.update(text=text, removed=[])
        doc_id, _ = save_document(
            db,
            url=f"https://bench.example/{i}.html",
            source=row["source"],
            cleaned=cleaned,
            text_hash=text_hash(text),
            capture_ids=[1],
        )
        batch.append(doc_id)
        chars += len(text)
        if len(batch) >= 200:
            index_documents(db, batch)
            db.conn.commit()
            batch.clear()

    for i in range(1, n + 1):
        parts = [next(base) for _ in range(rng.randint(2, 6))]
        text = "\n".join(d.row["text"] for d in parts)
        store(i, parts[0].row, text)
    if huge_chars:
        first, pieces, size = None, [], 0
        while size < huge_chars:
            d = next(base)
            first = first or d.row
            pieces.append(d.row["text"])
            size += len(d.row["text"]) + 1
        store(n + 1, first, "\n".join(pieces)[:huge_chars])
    index_documents(db, batch)
    db.conn.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return {"docs": n + bool(huge_chars), "chars": chars, "build_s": time.perf_counter() - t0}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db: Path, port: int, log: Path) -> subprocess.Popen:
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "archive.cli", "serve", "--db", str(db), "--public", "--host", "127.0.0.1"]
    with open(log, "wb") as err:
        proc = subprocess.Popen([*cmd, "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/-/search", timeout=5).read()
            return proc
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the server did not start") from None
            time.sleep(0.3)


def get(url: str, timeout: float = 120, read_for: float | None = None) -> tuple[float, int, str]:
    """(seconds, status, body) — HTTP errors included; ``read_for``: read a stream that long, then
    hang up (a whole-table CSV is hundreds of MB)."""
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            if read_for is None:
                body = r.read().decode("utf-8", "replace")
            else:
                while time.perf_counter() - t0 < read_for and r.read(1 << 16):
                    pass
                body = ""
            status = r.status
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode("utf-8", "replace")
    except OSError as exc:
        status, body = 0, str(exc)
    return time.perf_counter() - t0, status, body


def search_url(base: str, words: list[str]) -> str:
    return f"{base}/-/search?" + urllib.parse.urlencode({"q": " ".join(words)})


def total_of(body: str) -> int | None:
    m = re.search(r'data-total="(\d+)"', body)
    return int(m.group(1)) if m else None


def message_of(body: str) -> str:
    m = re.search(r'class="archive-search-error"[^>]*>(.*?)</', body, re.S) or re.search(
        r'"error":\s*"([^"]*)"', body
    )
    if m:
        return re.sub(r"\s+", " ", m.group(1)).strip()[:140]
    return "(an HTML page)" if body.lstrip().startswith("<") else body.strip()[:140]


def cheap_latency(base: str, seconds: float) -> dict:
    times = []
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        for path in ("/", "/-/search"):
            t, status, _ = get(base + path, timeout=120)
            times.append(t if status == 200 else float("inf"))
    times.sort()
    return {"n": len(times), "p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))]}


def under_load(base: str, urls: list[str], clients: int, seconds: float, read_for=None) -> dict:
    """Cheap pages' latency while ``clients`` threads fetch ``urls`` in a loop."""
    stop = threading.Event()
    done: list[tuple[float, int]] = []

    def client(k: int) -> None:
        i = k
        while not stop.is_set():
            t, status, _ = get(urls[i % len(urls)], read_for=read_for)
            done.append((t, status))
            i += clients

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    cheap = cheap_latency(base, seconds)
    stop.set()
    for t in threads:
        t.join(180)
    statuses = sorted({s for _, s in done})
    heavy = sorted(t for t, _ in done) or [0.0]
    return {**cheap, "heavy_n": len(done), "heavy_p50": statistics.median(heavy), "statuses": statuses}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--huge-chars", type=int, default=7_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workdir")
    ap.add_argument("--reuse", action="store_true", help="reuse the archive of an earlier run in --workdir")
    args = ap.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench_public_"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / f"public_{args.n}_{args.huge_chars}_{args.seed}.db"
    if not (args.reuse and db.exists()):
        built = build(db, args.n, args.huge_chars, args.seed)
        print(
            f"built {built['docs']:,} documents, {built['chars'] / 1e6:,.0f} M characters, in {built['build_s']:.0f} s",
            flush=True,
        )
    rng = random.Random(args.seed)
    import sqlite3
    from collections import Counter

    from archive.search import normalize

    con = sqlite3.connect(db)
    texts = [normalize(t or "") for (t,) in con.execute("SELECT text FROM documents ORDER BY id")]
    con.close()
    # the 100 commonest characters of the archive: the costliest 100 one-character words
    counts = Counter()
    for t in texts[:200]:
        counts.update(c for c in t if "\u4e00" <= c <= "\u9fff")
    hundred = [c for c, _ in counts.most_common(100)]
    common = hundred[:20]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(db, port, workdir / "serve.log")
    print(f"archive serve --public on {base}, {db}", flush=True)
    try:
        get(search_url(base, ["发展"]))  # warm the page cache
        t, status, body = get(search_url(base, hundred))
        print(f"/-/search, 100 one-character words: {t:.2f} s, status {status}: {message_of(body)}")
        t, status, body = get(
            f"{base}/archive/reports.json?" + urllib.parse.urlencode({"_search": " ".join(hundred)})
        )
        print(f"reports.json?_search=, 100 words: {t:.2f} s, status {status}: {message_of(body)}")
        t, status, body = get(search_url(base, common[:10]))
        print(
            f"/-/search, the 10 commonest characters as words: {t:.2f} s, status {status}, total {total_of(body)}"
        )

        # 1–10-word queries: their counts against the substring truth
        queries = []
        while len(queries) < 12:
            words = []
            for _ in range(rng.randint(1, 10)):
                t = texts[rng.randrange(len(texts) - 1)]
                k = rng.randint(1, 4)
                i = rng.randrange(len(t) - k)
                if not re.search(r"\s", t[i : i + k]):
                    words.append(t[i : i + k])
            if words:
                queries.append(words)
        times, exact, interrupted = [], 0, 0
        for words in queries:
            t, status, body = get(search_url(base, words))
            times.append(t)
            truth = sum(1 for text in texts if all(w in text for w in words))
            got = total_of(body)
            exact += got == truth
            interrupted += got is None
        print(
            f"{len(queries)} queries of 1–10 words: {exact} exact, {interrupted} over the time limit,"
            f" p50 {statistics.median(times):.2f} s, max {max(times):.2f} s"
        )
        t, status, _ = get(f"{base}/archive/documents.json?" + "&".join(f"_facet={f}" for f in FACETS * 3))
        print(f"documents.json with 21 _facet= parameters: {t:.2f} s, status {status}")

        def show(label: str, r: dict) -> None:
            print(
                f"{label}: cheap pages p50 {r['p50']:.3f} s, p95 {r['p95']:.3f} s ({r['n']} requests)"
                + (
                    f"; heavy requests: {r['heavy_n']}, p50 {r['heavy_p50']:.2f} s, statuses {r['statuses']}"
                    if "heavy_n" in r
                    else ""
                )
            )

        show("idle", cheap_latency(base, min(args.seconds, 5)))
        show("3 × 100-word searches", under_load(base, [search_url(base, hundred)], 3, args.seconds))
        worst_urls = [search_url(base, rng.sample(common, 10)) for _ in range(6)]
        show("3 × 10-common-word searches", under_load(base, worst_urls, 3, args.seconds))
        reports_search = [
            f"{base}/archive/reports.json?"
            + urllib.parse.urlencode({"_search": " ".join(rng.sample(common, 10))})
            for _ in range(6)
        ]
        show("3 × reports?_search= of 10 common words", under_load(base, reports_search, 3, args.seconds))
        facet_url = f"{base}/archive/documents?" + "&".join(f"_facet={f}" for f in FACETS)
        show("3 × 7-facet documents pages", under_load(base, [facet_url], 3, args.seconds))
        csv_url = f"{base}/archive/documents.csv?_stream=on&_size=max"
        show(
            "2 × whole-table CSV streams", under_load(base, [csv_url], 2, args.seconds, read_for=args.seconds)
        )
        show(
            "20 × whole-table CSV streams",
            under_load(base, [csv_url], 20, args.seconds, read_for=args.seconds),
        )
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
