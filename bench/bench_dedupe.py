"""Dedupe benchmark: our archive.dedupe path vs datasketch and rensa MinHash + LSH on the same documents.

    python bench/bench_dedupe.py [--sizes 10000,100000] [--datasketch-limit K] [--rensa-limit K] [--workdir DIR]

For each size N a synthetic corpus of report-like documents (bench/corpus.py: ~20 KB of Chinese
each, stock phrasing, hard negatives, ~10 % planted copies) is streamed into a fresh SQLite
archive (``archive.db.open_db``), timed on its own and not counted. Then, each in its own
subprocess (so each has its own peak memory), over all documents in id order, texts read from
SQLite:

* ours: ``Deduper(db).rebuild()``, the path of ``archive dedupe`` — documents in id
  order, in batches of 500 sketched by worker processes (as many as the CPUs less one, the
  default of ``archive dedupe``; --workers N to change) while the main one looks the samples up
  in the SQLite index, verifies candidates and groups (canonical_id); the crawl's one-by-one
  ``Deduper.add`` makes the same groups. The predicted group of a document is its canonical_id.
* datasketch: ``MinHash(num_perm=128).update_batch`` of the document's character 5-grams
  (UTF-8; text NFKC with whitespace removed, as our exact hash does), then ``MinHashLSH``
  query + insert (union-find over the query results) at threshold 0.8 (--ds-thresholds 0.8,0.5
  adds columns sharing the same MinHashes; their LSH time is measured apart).
* rensa (Rust): ``RMinHash(num_perm=128).update`` of the same 5-grams (as strings), then
  ``RMinHashLSH`` query + insert the same way; its bands are given explicitly: the fewest whose
  S-curve reaches 50 % at or below the threshold (0.8 → 16 bands of 8 rows).

Printed per size: docs/s, peak memory (VmHWM of the subprocess), pairwise precision/recall
against the planted groups (pairs counted from contingency tables), merges of hard negatives,
recall by kind of copy, and the SQLite file size; then ours' 10k→100k time ratio (linear: 10.0).

datasketch and rensa are the optional `bench` extra (``pip install -e '.[bench]'``; --no-datasketch,
--no-rensa skip them). Each runs on all N unless that is projected to take more than 20 minutes (or
--datasketch-limit / --rensa-limit is given): then it runs on the first K documents, its P/R is
compared with ours on the same K, and its time for N is an extrapolation, labelled as such.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DS_BUDGET_S = 20 * 60
KIND_ORDER = ("original", "exact", "stars", "layout", "edits", "layout+stars", "truncated", "excerpt")


def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def file_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists()) / 2**20


def checkpoint(path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


# corpus → SQLite -------------------------------------------------------------------------------
def build(n: int, seed: int, workdir: Path) -> dict:
    import numpy as np

    from archive.db import open_db
    from bench.corpus import KIND_CODES, documents
    from pipelines.cleaning import text_hash

    path = workdir / f"corpus_{n}_{seed}.db"
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    db = open_db(path)
    cols = None
    truth = np.zeros((n, 5), dtype=np.int64)  # group, kind, juris, province, year
    batch: list[list] = []
    chars = 0
    t0 = time.perf_counter()
    for d in documents(n, seed):
        row = dict(d.row, id=d.id, canonical_id=d.id, text_hash=text_hash(d.row["text"]))
        if cols is None:
            cols = list(row)
        batch.append([row[c] for c in cols])
        chars += len(d.row["text"])
        truth[d.id - 1] = (d.group, KIND_CODES[d.kind], d.juris, d.province, d.year)
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
    db.close()
    elapsed = time.perf_counter() - t0
    checkpoint(path)
    np.save(workdir / f"truth_{n}_{seed}.npy", truth)
    return {"path": str(path), "seconds": elapsed, "chars": chars, "mb": file_mb(path)}


# workers (each in its own process) ---------------------------------------------------------------
def worker_ours(path: str, workers: int | None) -> dict:
    from archive.db import open_db
    from archive.dedupe import Deduper

    db = open_db(path)
    t_start = time.perf_counter()
    ded = Deduper(db)
    n = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    step = max(1, n // 10)
    marks = []
    done = 0
    t0 = time.perf_counter()

    def progress(k: int) -> None:
        # `archive dedupe`'s path: batches of 500, sketched in worker processes, grouped here
        nonlocal done
        before, done = done, done + k
        if done // step > before // step:
            marks.append(time.perf_counter() - t0)
            print(
                f"  ours {done:>7,}/{n:,}  {done / marks[-1]:7.0f} docs/s  peak {peak_rss_mb():6.0f} MB",
                file=sys.stderr,
                flush=True,
            )

    with db.atomic():
        ded.rebuild(progress=progress, workers=workers)
    elapsed = time.perf_counter() - t0
    tables = {
        "dedupe_sketches": db.execute("SELECT COUNT(*) FROM dedupe_sketches").fetchone()[0],
        "dedupe_postings": db.execute(
            "SELECT COALESCE(SUM(LENGTH(docs)), 0) / 8 FROM dedupe_index"
        ).fetchone()[0],
        "dedupe_stock": db.execute("SELECT COUNT(*) FROM dedupe_index WHERE docs IS NULL").fetchone()[0],
        "hashes": db.execute("SELECT COUNT(*) FROM dedupe_index").fetchone()[0],
    }
    db.close()
    return {
        "seconds": elapsed,
        "setup_seconds": t0 - t_start,
        "docs": n,
        "peak_mb": peak_rss_mb(),
        "workers": ded.last_workers,
        "deciles": marks,
        "tables": tables,
    }


def minhash_engine(engine: str, thresholds: list[float]):
    """(a function: the document's set of 5-grams → its MinHash, the LSH indexes, one per threshold)."""
    if engine == "datasketch":
        from datasketch import MinHash, MinHashLSH

        def sketch(grams: set[str]):
            m = MinHash(num_perm=128)
            m.update_batch([g.encode("utf-8") for g in grams])
            return m

        return sketch, [MinHashLSH(threshold=t, num_perm=128) for t in thresholds]
    from rensa import RMinHash, RMinHashLSH

    def sketch(grams: set[str]):
        m = RMinHash(num_perm=128, seed=42)
        m.update(list(grams))
        return m

    # rensa's LSH takes its bands as given: the datasketch-optimal (bands, rows) for each threshold
    return sketch, [RMinHashLSH(threshold=t, num_perm=128, num_bands=_bands(t)) for t in thresholds]


def _bands(threshold: float, num_perm: int = 128) -> int:
    """The fewest LSH bands (dividing ``num_perm``) whose S-curve 1 - (1 - s^r)^b reaches 0.5 at
    or below ``threshold``: pairs at the threshold are found more often than not (128 perms, 0.8: 16
    bands of 8 rows, 50 % at s = 0.67; 8 bands of 16 would find a pair at 0.8 only 20 % of the time)."""
    return min(
        b
        for b in range(1, num_perm + 1)
        if num_perm % b == 0 and (1 - 0.5 ** (1 / b)) ** (b / num_perm) <= threshold
    )


def worker_minhash(
    engine: str, path: str, out: str, thresholds: list[float], limit: int, budget: float
) -> dict:
    import sqlite3

    import numpy as np

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    n = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    sketch, lshs = minhash_engine(engine, thresholds)
    parents = [np.arange(n + 1, dtype=np.int64) for _ in thresholds]

    def find(parent, x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    t_read = t_mh = 0.0
    t_lsh = [0.0] * len(thresholds)
    done = 0
    t0 = time.perf_counter()
    cur = conn.execute("SELECT id, text FROM documents ORDER BY id")
    while True:
        a = time.perf_counter()
        row = cur.fetchone()
        if row is None:
            break
        doc_id, text = row
        s = "".join(unicodedata.normalize("NFKC", text or "").split())
        b = time.perf_counter()
        m = sketch({s[i : i + 5] for i in range(len(s) - 4)})
        c = time.perf_counter()
        t_read += b - a
        t_mh += c - b
        for k, lsh in enumerate(lshs):
            c = time.perf_counter()
            for other in lsh.query(m):
                ra, rb = find(parents[k], doc_id), find(parents[k], other)
                if ra != rb:
                    parents[k][max(ra, rb)] = min(ra, rb)
            lsh.insert(doc_id, m)
            t_lsh[k] += time.perf_counter() - c
        done += 1
        elapsed = time.perf_counter() - t0
        if done % max(1, n // 10) == 0:
            print(
                f"  {engine} {done:>7,}/{n:,}  {done / elapsed:6.0f} docs/s  peak {peak_rss_mb():6.0f} MB",
                file=sys.stderr,
                flush=True,
            )
        if limit and done >= limit:
            break
        if not limit and done == 500 and elapsed / done * n > budget:
            limit = max(1000, int(budget / (elapsed / done)))
            print(
                f"  {engine}: projected {elapsed / done * n / 60:.0f} min for {n:,}: capped at {limit:,}",
                file=sys.stderr,
                flush=True,
            )
    labels = np.stack([np.array([find(p, i) for i in range(1, done + 1)], dtype=np.int64) for p in parents])
    np.save(out, labels)
    return {
        "engine": engine,
        "docs": done,
        "n": n,
        "read": t_read,
        "minhash": t_mh,
        "lsh": t_lsh,
        "thresholds": thresholds,
        "peak_mb": peak_rss_mb(),
    }


def run_worker(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--worker", *args], stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# scoring -----------------------------------------------------------------------------------------
def pairs(labels) -> int:
    import numpy as np

    _, counts = np.unique(labels, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def score(pred, truth) -> dict:
    """Pairwise precision / recall of ``pred`` (one label per document) against the planted groups."""
    import numpy as np

    from bench.corpus import KIND_CODES

    n = len(pred)
    group, kind, juris, prov, year = (truth[:n, i] for i in range(5))
    pred = np.asarray(pred, dtype=np.int64)
    pred_pairs, true_pairs = pairs(pred), pairs(group)
    tp = pairs(_key(pred, group))
    # hard negatives merged: same jurisdiction in another year; a province and its city, same year
    same_juris = pairs(_key(pred, juris))
    same_juris_same_group = pairs(_key(_key(pred, juris), group))
    hn_year = same_juris - same_juris_same_group
    is_prov = juris < 0
    prov_counts = Counter(
        zip(pred[is_prov].tolist(), prov[is_prov].tolist(), year[is_prov].tolist(), strict=True)
    )
    city_counts = Counter(
        zip(pred[~is_prov].tolist(), prov[~is_prov].tolist(), year[~is_prov].tolist(), strict=True)
    )
    hn_prov = sum(c * city_counts.get(k, 0) for k, c in prov_counts.items())
    # recall by kind: is the copy in the same predicted group as its original?
    by_kind = {}
    codes = {v: k for k, v in KIND_CODES.items()}
    copies = np.nonzero(kind != KIND_CODES["original"])[0]
    hit = pred[copies] == pred[group[copies] - 1]
    for code in np.unique(kind[copies]):
        sel = kind[copies] == code
        by_kind[codes[int(code)]] = (int(hit[sel].sum()), int(sel.sum()))
    fp = pred_pairs - tp
    return {
        "precision": tp / pred_pairs if pred_pairs else 1.0,
        "recall": tp / true_pairs if true_pairs else 1.0,
        "tp": tp,
        "pred_pairs": pred_pairs,
        "true_pairs": true_pairs,
        "hn_year": hn_year,
        "hn_prov": hn_prov,
        "fp_other": fp - hn_year - hn_prov,
        "by_kind": by_kind,
    }


def _key(a, b):
    """One int64 label per distinct (a, b) pair."""
    import numpy as np

    _, inv = np.unique(np.stack([a, b]).T, axis=0, return_inverse=True)
    return inv.ravel().astype(np.int64)


# report ------------------------------------------------------------------------------------------
def fmt_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r):
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def run_size(n: int, args, workdir: Path) -> dict:
    import numpy as np

    print(f"\n== N = {n:,} ==", file=sys.stderr, flush=True)
    built_file = workdir / f"built_{n}_{args.seed}.json"
    if args.reuse and built_file.exists() and (workdir / f"corpus_{n}_{args.seed}.db").exists():
        built = json.loads(built_file.read_text())  # the corpus of an earlier --keep run
    else:
        built = build(n, args.seed, workdir)
        built_file.write_text(json.dumps(built))
    truth = np.load(workdir / f"truth_{n}_{args.seed}.npy")
    path = Path(built["path"])
    kinds = Counter(truth[:, 1].tolist())
    print(
        f"  corpus: {n:,} docs, {built['chars'] / n:,.0f} chars/doc, built in {built['seconds']:.0f}s "
        f"({n / built['seconds']:,.0f} docs/s, not counted), archive {built['mb']:,.0f} MB",
        file=sys.stderr,
    )

    ours = run_worker(["ours", str(path), "default" if args.workers is None else str(args.workers)])
    checkpoint(path)
    after_mb = file_mb(path)
    import sqlite3

    conn = sqlite3.connect(path)
    pred = np.array(
        [r[0] for r in conn.execute("SELECT canonical_id FROM documents ORDER BY id")], dtype=np.int64
    )
    conn.close()
    s_ours = score(pred, truth)

    others = []
    for engine, limit in args.engines:
        out = workdir / f"{engine}_{n}_{args.seed}.npy"
        res = run_worker(
            ["minhash", engine, str(path), str(out), args.ds_thresholds, str(limit or 0), str(DS_BUDGET_S)]
        )
        res["scores"] = [score(lab, truth) for lab in np.load(out)]
        if res["docs"] < n:  # ours on the same prefix, for a fair P/R comparison
            conn = sqlite3.connect(path)
            sub = np.array(
                [
                    r[0]
                    for r in conn.execute(
                        "SELECT canonical_id FROM documents WHERE id <= ? ORDER BY id", [res["docs"]]
                    )
                ],
                dtype=np.int64,
            )
            conn.close()
            res["ours_prefix"] = score(sub, truth)
        others.append(res)
    result = {
        "n": n,
        "built": built,
        "ours": ours,
        "ours_score": s_ours,
        "after_mb": after_mb,
        "others": others,
        "kinds": kinds,
    }
    if not args.keep and not args.reuse:
        for p in workdir.glob(f"*_{n}_{args.seed}.*"):
            p.unlink()
        for p in workdir.glob(f"corpus_{n}_{args.seed}.db-*"):
            p.unlink()
    return result


def print_result(r: dict) -> None:
    from bench.corpus import KIND_CODES

    n, ours, so = r["n"], r["ours"], r["ours_score"]
    codes = {v: k for k, v in KIND_CODES.items()}
    copies = n - r["kinds"].get(KIND_CODES["original"], 0)
    print(
        f"\nN = {n:,} documents ({r['built']['chars'] / n:,.0f} characters each on average, "
        f"{copies:,} planted copies = {100 * copies / n:.1f}%; "
        + ", ".join(f"{codes[k]} {c:,}" for k, c in sorted(r["kinds"].items()) if codes[k] != "original")
        + ")"
    )
    print(
        f"corpus generation + insert: {r['built']['seconds']:.0f}s, not counted; archive {r['built']['mb']:,.0f} MB"
    )
    header = ("", "ours (archive.dedupe)")
    cols = []  # (engine result, threshold index)
    for res in r["others"]:
        for k, t in enumerate(res["thresholds"]):
            label = f"{res['engine']} LSH@{t:g}"
            if res["docs"] < res["n"]:
                label += f" (first {res['docs']:,})"
            header += (label,)
            cols.append((res, k))
    rows = []

    def seconds(res, k):
        return res["read"] + res["minhash"] + res["lsh"][k]

    rows.append(
        (
            "docs/s (sketch+persist+group)",
            f"{n / ours['seconds']:,.0f}",
            *[f"{res['docs'] / seconds(res, k):,.0f}" for res, k in cols],
        )
    )
    times = []
    for res, k in cols:
        t = seconds(res, k)
        times.append(
            f"{t:,.1f}"
            if res["docs"] == res["n"]
            else f"{t:,.1f} → ~{t * res['n'] / res['docs']:,.0f} extrapolated"
        )
    rows.append(("seconds", f"{ours['seconds']:,.1f}", *times))
    rows.append(
        (
            "peak memory (VmHWM, MB)",
            f"{ours['peak_mb']:,.0f}",
            *[f"{res['peak_mb']:,.0f}" + (" (shared)" if k else "") for res, k in cols],
        )
    )
    scores = [so, *[res["scores"][k] for res, k in cols]]
    rows.append(("pairwise precision", *[pct(s["precision"]) for s in scores]))
    rows.append(("pairwise recall", *[pct(s["recall"]) for s in scores]))
    rows.append(
        (
            "pairs predicted / true / correct",
            *[f"{s['pred_pairs']:,} / {s['true_pairs']:,} / {s['tp']:,}" for s in scores],
        )
    )
    rows.append(("hard neg. merged: same place, other year", *[f"{s['hn_year']:,}" for s in scores]))
    rows.append(("hard neg. merged: province & its city", *[f"{s['hn_prov']:,}" for s in scores]))
    rows.append(("other wrong pairs", *[f"{s['fp_other']:,}" for s in scores]))
    for kind in KIND_ORDER[1:]:
        if kind in so["by_kind"]:
            rows.append(
                (f"copies found: {kind}", *["{}/{}".format(*s["by_kind"].get(kind, (0, 0))) for s in scores])
            )
    rows.append(
        (
            "SQLite file (MB)",
            f"{r['built']['mb']:,.0f} → {r['after_mb']:,.0f}",
            *["(read only)" for _ in cols],
        )
    )
    print(fmt_table(rows, header))
    t = ours["tables"]
    print(
        f"ours: {t['dedupe_sketches']:,} sketches, {t['dedupe_postings']:,} postings of {t.get('hashes', 0):,} sampled hashes, "
        f"{t['dedupe_stock']:,} stock hashes (in more than MAX_DF documents); sketching in {ours['workers']} worker process(es) (peak memory above is the "
        f"grouping process's; each worker holds one batch of texts); docs/s by tenth of the run: "
        + " ".join(
            f"{n // 10 / (b - a):,.0f}"
            for a, b in zip([0.0, *ours["deciles"]], ours["deciles"], strict=False)
        )
    )
    for res in r["others"]:
        print(
            f"{res['engine']}: read+normalise {res['read']:.1f}s, MinHash {res['minhash']:.1f}s, LSH "
            + ", ".join(f"@{t:g} {s:.1f}s" for t, s in zip(res["thresholds"], res["lsh"], strict=True))
            + (
                f" ({_bands(res['thresholds'][0])} bands for @{res['thresholds'][0]:g})"
                if res["engine"] == "rensa"
                else ""
            )
        )
        if "ours_prefix" in res:
            p = res["ours_prefix"]
            print(
                f"ours on the same first {res['docs']:,} documents as {res['engine']}: precision {pct(p['precision'])}, "
                f"recall {pct(p['recall'])} (grouped with all {n:,} present)"
            )


def engine_version() -> str:
    """The commit of the engine's files, and whether the working tree changes them."""
    files = ["archive/dedupe", "pipelines/similarity.py"]
    try:
        commit = subprocess.run(
            ["git", "log", "-1", "--format=%h", "--", *files], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *files], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{commit or '?'}{' + uncommitted changes' if dirty else ''}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        kind, rest = argv[1], argv[2:]
        if kind == "ours":
            res = worker_ours(rest[0], None if rest[1] == "default" else int(rest[1]))
        else:
            res = worker_minhash(
                rest[0],
                rest[1],
                rest[2],
                [float(x) for x in rest[3].split(",")],
                int(rest[4]),
                float(rest[5]),
            )
        print(json.dumps(res))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes", default="10000,100000", help="comma-separated corpus sizes (default: %(default)s)"
    )
    ap.add_argument(
        "--datasketch-limit",
        type=int,
        default=0,
        help="run datasketch on the first K documents only (default: all, unless > 20 min)",
    )
    ap.add_argument("--no-datasketch", action="store_true")
    ap.add_argument(
        "--rensa-limit",
        type=int,
        default=0,
        help="run rensa on the first K documents only (default: all, unless > 20 min)",
    )
    ap.add_argument("--no-rensa", action="store_true")
    ap.add_argument(
        "--ds-thresholds",
        default="0.8",
        help="LSH thresholds, comma-separated, sharing the MinHashes; the first is timed (%(default)s)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--workers",
        type=int,
        help="sketching processes for ours (default: as `archive dedupe`, the CPUs less one)",
    )
    ap.add_argument("--workdir", help="where the archives go (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the archives and labels")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the corpus a --keep run left in --workdir (the grouping is recomputed from scratch)",
    )
    args = ap.parse_args(argv)
    sizes = [int(x.replace("_", "")) for x in args.sizes.split(",") if x]
    args.engines = []
    for engine, skip, limit in (
        ("datasketch", args.no_datasketch, args.datasketch_limit),
        ("rensa", args.no_rensa, args.rensa_limit),
    ):
        if skip:
            continue
        try:
            __import__(engine)
        except ImportError:
            raise SystemExit(f"{engine} is missing: pip install -e '.[bench]' (or --no-{engine})") from None
        args.engines.append((engine, limit))
    tmp = None
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="bench_dedupe_")
        workdir = Path(tmp)
    print(
        f"bench_dedupe: sizes {sizes}, seed {args.seed}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"engine {engine_version()}, workdir {workdir}",
        flush=True,
    )
    results = []
    try:
        for n in sizes:
            r = run_size(n, args, workdir)
            results.append(r)
            print_result(r)
            sys.stdout.flush()
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if len(results) > 1:
        a, b = results[0], results[-1]
        ratio = b["ours"]["seconds"] / a["ours"]["seconds"]
        print(
            f"\nlinearity (ours): {a['n']:,} → {b['n']:,} documents ({b['n'] / a['n']:.0f}x): time x{ratio:.1f} "
            f"({a['ours']['seconds']:.1f}s → {b['ours']['seconds']:.1f}s; linear would be x{b['n'] / a['n']:.0f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
