"""Per-document cost of the search index's tokens and of the other per-page text hot spots, the
one-character-at-a-time definitions side by side with what the archive runs, outputs asserted equal.

    python bench/bench_tokens.py [--n 300] [--seed 1] [--repeat 3] [--index 2000]

Texts: the realpage fixtures (tests/fixtures/realpages: the gold main texts, and the whole pages
decoded) and N synthetic report-sized documents (bench/corpus.py, ~6,800 characters each).

* ``tokens`` (what is indexed) and ``normalize`` against ``archive.search._tokens_reference`` and
  ``_normalize_reference``;
* ``_cjk_quality`` (decoding) and ``text_hash`` (the exact-dedupe key) against their previous
  implementations, written out below;
* the index step on a real SQLite file of ``--index`` synthetic documents: each document indexed
  on its own in a SAVEPOINT (``index_document``, as the store did per item) against one
  ``index_documents`` call for the batch, for new documents and for changed texts.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


# the previous implementations -------------------------------------------------------------------
_HANZI_UTF8 = re.compile(rb"(?:\xe4[\xb8-\xbf][\x80-\xbf]|[\xe5-\xe9][\x80-\xbf][\x80-\xbf])+")
_LEVEL1 = re.compile(rb"[\xb0-\xd7]")
_ALL_WS = re.compile(r"\s+")


def cjk_quality_before(text: str) -> float:
    raw = text[:30000].encode("utf-8", "surrogatepass")
    hz = b"".join(_HANZI_UTF8.findall(raw)).decode("utf-8")[:1500]
    hz = "".join(c for c in hz if c <= "\u9fa5")
    if len(hz) < 20:
        return 1.0
    leads = hz.encode("gb18030")[0::2]
    return len(_LEVEL1.findall(leads)) / len(hz)


def text_hash_before(text: str) -> str:
    norm = _ALL_WS.sub("", unicodedata.normalize("NFKC", text or ""))
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------------------
def texts(n: int, seed: int) -> dict[str, list[str]]:
    from bench.corpus import documents
    from pipelines.cleaning.decode import decode

    pages = REPO / "tests" / "fixtures" / "realpages"
    return {
        "realpage main texts": [
            p.read_text(encoding="utf-8") for p in sorted((pages / "truth").glob("*.txt"))
        ],
        "realpage whole pages": [decode(p.read_bytes())[0] for p in sorted((pages / "html").glob("*.html"))],
        f"synthetic reports (n={n})": [d.row["text"] for d in documents(n, seed)],
    }


def per_doc_ms(fn, docs: list[str], repeat: int) -> tuple[float, list]:
    best, out = float("inf"), []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = [fn(t) for t in docs]
        best = min(best, time.perf_counter() - t0)
    return best / len(docs) * 1e3, out


def compare(corpora: dict[str, list[str]], repeat: int) -> None:
    from archive import search
    from pipelines.cleaning.decode import _cjk_quality
    from pipelines.cleaning.normalize import text_hash

    search.tokens("预热")  # the lookup tables are built once per process (not counted)
    text_hash("预热，")
    pairs = [
        ("tokens", search._tokens_reference, search.tokens),
        ("normalize", search._normalize_reference, search.normalize),
        ("_cjk_quality", cjk_quality_before, _cjk_quality),
        ("text_hash", text_hash_before, text_hash),
    ]
    print(
        f"{'texts':<32} {'docs':>5} {'chars/doc':>9}  {'function':<13} {'before ms':>9} {'now ms':>8} {'speed-up':>8}"
    )
    for name, docs in corpora.items():
        chars = sum(map(len, docs)) / len(docs)
        for label, before, now in pairs:
            t_before, expected = per_doc_ms(before, docs, repeat)
            t_now, got = per_doc_ms(now, docs, repeat)
            assert got == expected, f"{label} differs on {name}"
            print(
                f"{name:<32} {len(docs):>5} {chars:>9,.0f}  {label:<13} {t_before:>9.3f} {t_now:>8.3f}"
                f" {t_before / t_now:>7.1f}x"
            )
    print("outputs identical")


def index_step(n: int, seed: int) -> None:
    from archive import search
    from archive.db import open_db
    from bench.corpus import documents

    docs = [d.row for d in documents(n, seed)]
    with tempfile.TemporaryDirectory() as tmp:
        timings = {}
        for how in ("per document", "batched"):
            db = open_db(Path(tmp) / f"{how[0]}.db")
            db.conn.executemany(
                "INSERT INTO documents (id, url, text) VALUES (?, ?, ?)",
                [(i, d["url"], d["text"]) for i, d in enumerate(docs, start=1)],
            )
            db.conn.commit()
            ids = list(range(1, n + 1))
            t0 = time.perf_counter()
            if how == "per document":
                for i, d in zip(ids, docs, strict=True):
                    db.execute("SAVEPOINT item")
                    search.index_document(db, i, None, d["text"])
                    db.execute("RELEASE item")
            else:
                search.index_documents(db, ids)
            db.conn.commit()
            t_new = time.perf_counter() - t0
            # every text changes (the previous kept as a version, as the store does)
            db.execute(
                "INSERT INTO document_versions (document_id, version, text) SELECT id, 1, text FROM documents"
            )
            db.execute("UPDATE documents SET text = text || '（修订）', version = 2")
            db.conn.commit()
            t0 = time.perf_counter()
            if how == "per document":
                for i, d in zip(ids, docs, strict=True):
                    db.execute("SAVEPOINT item")
                    search.index_document(db, i, d["text"], d["text"] + "（修订）")
                    db.execute("RELEASE item")
            else:
                search.index_documents(db, ids)
            db.conn.commit()
            timings[how] = (t_new, time.perf_counter() - t0)
            assert search.search(db, "修订")[0] == n and search.search(db, docs[0]["text"][:8])[0] >= 1
            db.close()
    print(f"\nindex step, {n} synthetic documents in one transaction ({'ms per document':>15}):")
    for how, (t_new, t_changed) in timings.items():
        print(f"  {how:<13} new {t_new / n * 1e3:7.3f}   changed {t_changed / n * 1e3:7.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="synthetic documents (default 300)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs per function; the fastest counts")
    ap.add_argument("--index", type=int, default=2000, help="documents for the index step (0: skip)")
    args = ap.parse_args(argv)
    import platform

    import numpy

    print(
        f"bench_tokens: Python {platform.python_version()}, numpy {numpy.__version__},"
        f" Unicode {unicodedata.unidata_version}\n"
    )
    compare(texts(args.n, args.seed), args.repeat)
    if args.index:
        index_step(args.index, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
