"""A rebuild's batches: sketched in worker processes (each reading the archive through its own
read-only connection) while the calling process groups them in id order."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pipelines.similarity import text_sketch

_worker_db = None


def _worker_init(path: str) -> None:
    global _worker_db
    _worker_db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def _sketch_batch(ids: list[int]) -> dict[int, tuple[np.ndarray, int]]:
    """In a worker process: the (sample, number of shingles) of each document."""
    out = {}
    rows = _worker_db.execute(
        f"SELECT id, text FROM documents WHERE id IN ({', '.join('?' * len(ids))})", ids
    ).fetchall()
    for doc_id, text in rows:
        sample, full = text_sketch(text or "")
        out[doc_id] = (sample, len(full))
    return out


def group_batches(add_many: Callable, batches: list[list[int]], workers: int, path: str, progress) -> None:
    """``add_many`` each batch in turn, the sketches of all but the first made by ``workers``
    processes reading the archive at ``path`` (0: all sketched here); ``progress(n)`` after each
    batch of n."""
    if workers:
        # the workers read the documents' (committed) texts through their own connections
        with multiprocessing.get_context("spawn").Pool(
            workers, initializer=_worker_init, initargs=(path,)
        ) as pool:
            sketched = pool.imap(_sketch_batch, batches[1:])
            add_many(batches[0])  # sketched here while the workers start (~0.5 s)
            if progress:
                progress(len(batches[0]))
            for chunk, sketches in zip(batches[1:], sketched, strict=True):
                add_many(chunk, sketches=sketches)
                if progress:
                    progress(len(chunk))
    else:
        for chunk in batches:
            add_many(chunk)
            if progress:
                progress(len(chunk))
