"""Search benchmark: our Chinese bigram index vs FTS5's trigram tokenizer vs a LIKE scan.

    python bench/bench_search.py [--n 50000] [--queries 200] [--workdir DIR] [--reuse]

Builds an archive of N report-sized documents (bench/corpus.py: ~6,800 characters of Chinese
each) with ``archive.db.open_db``, indexes it with ``archive.search.rebuild`` (the index
``archive index`` builds and the crawl keeps up to date) and, for comparison, an FTS5 table with
the ``trigram`` tokenizer over the same text (external content, so no second copy of the text).

Queries: ``发展`` (the commonest word) and Q random substrings of the documents' text, 1 to 6
characters long (uniform), without whitespace. The truth for a query is the set of documents
whose text contains it (full/half width and case folded, as the search promises).

Printed side by side for the three engines:

* precision and recall over all queries (micro-averaged, and the number of queries with P < 1 or
  R < 1), each engine's full result set taken from SQL: ours ``documents_fts MATCH fts_query(q)``
  (exactly what Datasette runs for ``?_search=``), trigram ``documents_trigram MATCH '"q"'``,
  LIKE ``text LIKE '%q%'``;
* latency p50 / p95 / max of the HTTP request ``documents.json?_search=Q&_size=20`` — ours on
  ``archive serve`` (the project's metadata, facets and plugin), trigram the same request with
  ``&_fts_table=documents_trigram&_fts_pk=id`` and LIKE ``documents.json?text__contains=Q&_size=20``,
  both on a plain ``datasette`` over the same file (no project plugin) — with errors counted;
* index build time and size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def build(path: Path, n: int, seed: int) -> dict:
    from archive import search
    from archive.db import open_db
    from bench.corpus import documents
    from pipelines.cleaning import text_hash

    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    db = open_db(path)
    t0 = time.perf_counter()
    cols, batch = None, []
    for d in documents(n, seed):
        row = dict(d.row, id=d.id, canonical_id=d.id, text_hash=text_hash(d.row["text"]))
        cols = cols or list(row)
        batch.append([row[c] for c in cols])
        if len(batch) >= 500:
            db.conn.executemany(
                f"INSERT INTO documents ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", batch
            )
            db.conn.commit()
            batch.clear()
    if batch:
        db.conn.executemany(
            f"INSERT INTO documents ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", batch
        )
    db.conn.commit()
    t_docs = time.perf_counter() - t0
    size0 = file_mb(path)
    t0 = time.perf_counter()
    with db.atomic():
        search.rebuild(db)
    t_ours = time.perf_counter() - t0
    checkpoint(db)
    size1 = file_mb(path)
    t0 = time.perf_counter()
    with db.atomic():
        db.execute("DROP TABLE IF EXISTS documents_trigram")
        db.execute(
            "CREATE VIRTUAL TABLE documents_trigram USING fts5(text, content='documents', content_rowid='id',"
            " tokenize='trigram')"
        )
        db.execute("INSERT INTO documents_trigram (documents_trigram) VALUES ('rebuild')")
    t_tri = time.perf_counter() - t0
    checkpoint(db)
    size2 = file_mb(path)
    db.close()
    return {
        "docs_s": t_docs,
        "ours_s": t_ours,
        "tri_s": t_tri,
        "mb_docs": size0,
        "mb_ours": size1 - size0,
        "mb_tri": size2 - size1,
    }


def file_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists()) / 2**20


def checkpoint(db) -> None:
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def pick_queries(path: Path, k: int, seed: int) -> list[str]:
    import sqlite3

    rng = random.Random(seed)
    con = sqlite3.connect(path)
    n = con.execute("SELECT MAX(id) FROM documents").fetchone()[0]
    out = ["发展"]
    while len(out) < k + 1:
        text = con.execute("SELECT text FROM documents WHERE id = ?", [rng.randint(1, n)]).fetchone()[0] or ""
        length = rng.randint(1, 6)
        if len(text) <= length:
            continue
        i = rng.randrange(0, len(text) - length)
        q = text[i : i + length]
        if re.search(r"\s", q) or q in out:
            continue
        out.append(q)
    con.close()
    return out


def truth(path: Path, queries: list[str]) -> list[set[int]]:
    import sqlite3

    from archive.search import normalize, words

    wanted = [words(q) for q in queries]
    out: list[set[int]] = [set() for _ in queries]
    con = sqlite3.connect(path)
    for doc_id, text in con.execute("SELECT id, text FROM documents"):
        norm = normalize(text or "")
        for i, ws in enumerate(wanted):
            if all(w in norm for w in ws):
                out[i].add(doc_id)
    con.close()
    return out


def results(path: Path, queries: list[str], like_k: int) -> dict[str, list[set[int]]]:
    import sqlite3

    from archive.search import fts_query

    con = sqlite3.connect(path)
    got: dict[str, list[set[int]]] = {"ours": [], "trigram": [], "like": []}
    for q in queries:
        got["ours"].append(
            {
                r[0]
                for r in con.execute(
                    "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", [fts_query(q)]
                )
            }
        )
        got["trigram"].append(
            {
                r[0]
                for r in con.execute(
                    "SELECT rowid FROM documents_trigram WHERE documents_trigram MATCH ?",
                    ['"' + q.replace('"', '""') + '"'],
                )
            }
        )
        if len(got["like"]) < like_k:  # a full scan of ~1 GB of text per query: the first K only
            like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            got["like"].append(
                {
                    r[0]
                    for r in con.execute(
                        "SELECT id FROM documents WHERE text LIKE ? ESCAPE '\\'", [f"%{like}%"]
                    )
                }
            )
    con.close()
    return got


def pr(found: list[set[int]], true: list[set[int]]) -> dict:
    true = true[: len(found)]
    tp = sum(len(f & t) for f, t in zip(found, true, strict=True))
    fp = sum(len(f - t) for f, t in zip(found, true, strict=True))
    fn = sum(len(t - f) for f, t in zip(found, true, strict=True))
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "queries_p_lt_1": sum(1 for f, t in zip(found, true, strict=True) if f - t),
        "queries_r_lt_1": sum(1 for f, t in zip(found, true, strict=True) if t - f),
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], base: str) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=5).read()
            return proc
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"server did not start: {' '.join(cmd)}") from None
            time.sleep(0.3)


def timed_get(url: str) -> tuple[float, bool]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            json.loads(r.read())
            ok = r.status == 200
    except (urllib.error.URLError, ValueError, TimeoutError):
        ok = False
    return (time.perf_counter() - t0) * 1000, ok


def latency(urls: list[str]) -> dict:
    for u in urls[:3]:  # warm the page cache and Datasette's introspection
        timed_get(u)
    times, errors = [], 0
    for u in urls:
        ms, ok = timed_get(u)
        times.append(ms)
        errors += not ok
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "max": times[-1],
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir")
    ap.add_argument(
        "--reuse", action="store_true", help="reuse an archive built by an earlier run in --workdir"
    )
    ap.add_argument(
        "--like-queries",
        type=int,
        default=20,
        help="the LIKE scan (~1 GB of text per query) runs the first K queries only (default %(default)s)",
    )
    args = ap.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench_search_"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"search_{args.n}_{args.seed}.db"
    print(
        f"bench_search: N = {args.n:,} documents, {args.queries} random substrings + 发展, seed {args.seed}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, workdir {workdir}",
        flush=True,
    )
    built_file = workdir / f"search_{args.n}_{args.seed}.json"
    if args.reuse and path.exists() and built_file.exists():
        built = json.loads(built_file.read_text())
        from archive.db import open_db

        open_db(path).close()  # the current schema: indexes added since the archive was built
    else:
        built = build(path, args.n, args.seed)
        built_file.write_text(json.dumps(built))
    print(
        f"archive: {built['mb_docs']:,.0f} MB of documents (built in {built['docs_s']:.0f}s, not counted)",
        flush=True,
    )
    queries = pick_queries(path, args.queries, args.seed)
    scores_file = workdir / f"search_{args.n}_{args.seed}_scores.json"
    cached = json.loads(scores_file.read_text()) if args.reuse and scores_file.exists() else None
    if (
        cached and cached["queries"] == queries and cached.get("like_queries") == args.like_queries
    ):  # the same archive and queries: the same truth
        scores, true_sizes = cached["scores"], cached["true_sizes"]
    else:
        true = truth(path, queries)
        got = results(path, queries, args.like_queries)
        scores = {k: pr(v, true) for k, v in got.items()}
        true_sizes = [len(t) for t in true]
        scores_file.write_text(
            json.dumps(
                {
                    "queries": queries,
                    "scores": scores,
                    "true_sizes": true_sizes,
                    "like_queries": args.like_queries,
                }
            )
        )

    port_ours, port_plain = free_port(), free_port()
    ours_base, plain_base = f"http://127.0.0.1:{port_ours}", f"http://127.0.0.1:{port_plain}"
    servers = [
        start(
            [sys.executable, "-m", "archive.cli", "serve", "--db", str(path), "--port", str(port_ours)],
            ours_base,
        ),
        start(
            [
                sys.executable,
                "-m",
                "datasette",
                "serve",
                str(path),
                "--port",
                str(port_plain),
                "--setting",
                "sql_time_limit_ms",
                "60000",
                "--setting",
                "facet_time_limit_ms",
                "1000",
            ],
            plain_base,
        ),
    ]
    db_plain = path.stem
    try:
        qs = [urllib.parse.quote(q) for q in queries]
        lat = {
            "ours": latency([f"{ours_base}/archive/documents.json?_search={q}&_size=20" for q in qs]),
            "trigram": latency(
                [
                    f"{plain_base}/{db_plain}/documents.json?_search={q}&_size=20"
                    f"&_fts_table=documents_trigram&_fts_pk=id"
                    for q in qs
                ]
            ),
            "like": latency(
                [
                    f"{plain_base}/{db_plain}/documents.json?text__contains={q}&_size=20"
                    for q in qs[: args.like_queries]
                ]
            ),
        }
    finally:
        for s in servers:
            s.terminate()
            s.wait(10)

    rows = [
        ("precision (all matches, micro)", *(f"{scores[k]['precision']:.4f}" for k in lat)),
        ("recall (all matches, micro)", *(f"{scores[k]['recall']:.4f}" for k in lat)),
        ("queries with precision < 1", *(str(scores[k]["queries_p_lt_1"]) for k in lat)),
        ("queries with recall < 1", *(str(scores[k]["queries_r_lt_1"]) for k in lat)),
        ("latency p50 (ms)", *(f"{lat[k]['p50']:.0f}" for k in lat)),
        ("latency p95 (ms)", *(f"{lat[k]['p95']:.0f}" for k in lat)),
        ("latency max (ms)", *(f"{lat[k]['max']:.0f}" for k in lat)),
        ("HTTP errors", *(str(lat[k]["errors"]) for k in lat)),
        ("index build (s)", f"{built['ours_s']:.0f}", f"{built['tri_s']:.0f}", "-"),
        ("index size (MB)", f"{built['mb_ours']:,.0f}", f"{built['mb_tri']:,.0f}", "-"),
    ]
    header = (
        "",
        "ours (bigram FTS5)",
        "FTS5 trigram",
        f"LIKE (first {min(args.like_queries, len(queries))})",
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    print()
    for r in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
    lengths = {}
    for q, t in zip(queries, true_sizes, strict=True):
        lengths.setdefault(len(q), []).append(t)
    print(
        "\nqueries by length: "
        + ", ".join(
            f"{k} chars: {len(v)} (median {statistics.median(v):,.0f} matches)"
            for k, v in sorted(lengths.items())
        )
    )
    print(f"发展: {true_sizes[0]:,} of {args.n:,} documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
