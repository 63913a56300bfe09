"""The inverted index of the sampled hashes as grouping sees it: posting lists held in memory for a
batch (or a whole rebuild), looked up for candidates, updated as each document is recorded and
written back to ``dedupe_index`` / ``dedupe_sketches``."""

from __future__ import annotations

import math
from collections import Counter
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from archive.dedupe.doc import Doc, guard_key
from archive.dedupe.params import CANDIDATE_SHARE, MAX_DF, MIN_SAMPLE, QUERY_K
from archive.dedupe.schema import in_chunks, pack, unpack

if TYPE_CHECKING:
    from archive.dedupe.engine import Deduper

_NEW = ()  # the posting list of a hash no document has yet (a rebuild's index holds no empty lists)


class Index:
    """The index as ``Deduper.add_many`` sees it: posting lists read from SQLite once per batch
    (or, during ``rebuild``, all held here from an empty index), updated in memory as each
    document is recorded (so each document sees the ones before it, exactly as if they had been
    written one by one), and written back by ``flush``.

    ``post[h]`` is the list of documents with hash ``h``, ``[]`` when none has it, ``None`` when
    it is stock phrasing (more than MAX_DF documents)."""

    def __init__(self, dd: Deduper, *, complete: bool = False):
        self.dd = dd
        self.complete = complete  # SQLite holds nothing this doesn't (a rebuild from empty)
        self.post: dict[int, list[int] | None] = {}
        self.dirty: set[int] = set()
        self.samples: dict[int, int] = {}  # document → sample size, as far as known here
        self.by_text: dict[str, list[int]] = {}  # text hash → sketched documents with that text
        self.n_base = 0
        self.blobs: dict[int, bytes] = {}  # document → its sample (int64 bytes): a rebuild's, or this batch's
        self._lists: tuple[list[int], list] | None = None
        self.sketch_rows: list[tuple] = []

    def load(self, keys: list[int], docs: list[Doc]) -> None:
        """Bring the posting lists of ``keys`` and the same-text documents of ``docs`` into memory."""
        if (
            self.complete
        ):  # a rebuild: everything is here already (``shared`` and ``record`` see unknown hashes)
            return
        post = self.post
        missing = [h for h in set(keys) if h not in post]
        for h, blob in in_chunks(
            self.dd.db, "SELECT hash, docs FROM dedupe_index WHERE hash IN ({})", missing
        ):
            post[h] = unpack(blob)
        hashes = list({d.text_hash for d in docs if d.text_hash and d.text_hash not in self.by_text})
        for th in hashes:
            self.by_text[th] = []
        for doc_id, th in in_chunks(
            self.dd.db,
            "SELECT d.id, d.text_hash FROM documents d JOIN dedupe_sketches s ON s.doc_id = d.id"
            " WHERE d.text_hash IN ({})",
            hashes,
        ):
            self.by_text[th].append(doc_id)
        for h in missing:
            post.setdefault(h, [])

    def shared(self, keys: list[int], doc_id: int) -> dict[int, int]:
        """Documents sharing this many of the rarest hashes of ``keys`` that others have too
        (stock phrasing, in more than MAX_DF documents, is not looked up).

        Sets ``n_base``: how many hashes a copy of the document would share, the denominator of a
        candidate's share — its hashes that are not stock, whether anyone has them yet or not
        (at most QUERY_K). A text that shares only a few stock-ish phrases with others shares a
        small part of that, however many of the few looked up they hold."""
        get = self.post.get
        lists = [get(h, _NEW) for h in keys]
        self._lists = (keys, lists)
        usable = [docs for docs in lists if docs]
        if len(usable) > QUERY_K:  # the rarest (ties: the smaller hash)
            order = sorted(((len(docs), h) for h, docs in zip(keys, lists, strict=True) if docs))[:QUERY_K]
            usable = [self.post[h] for _, h in order]
        self.n_base = min(QUERY_K, len(lists) - lists.count(None))
        tally = Counter(chain.from_iterable(usable))
        tally.pop(doc_id, None)
        # a copy shares most of its hashes (~all of an excerpt's sample): a document sharing fewer
        # than this can't reach CANDIDATE_SHARE unless its whole sample is tiny (< MIN_SAMPLE)
        floor = max(1, math.ceil(CANDIDATE_SHARE * min(self.n_base, MIN_SAMPLE)))
        out = {d: n for d, n in tally.items() if n >= floor}
        if floor > 1:  # …and a document whose whole sample is that small is held to its own size
            small = self.dd.small_samples()
            for d in tally.keys() & small.keys():
                n = tally[d]
                if floor > n >= CANDIDATE_SHARE * min(self.n_base, small[d]):
                    out[d] = n
        return out

    def same_text(self, doc: Doc) -> list[int]:
        return self.by_text.get(doc.text_hash, []) if doc.text_hash else []

    def sample_sizes(self, ids: list[int]) -> dict[int, int]:
        missing = [i for i in ids if i not in self.samples]
        if missing and not self.complete:
            self.samples.update(
                in_chunks(
                    self.dd.db, "SELECT doc_id, samples FROM dedupe_sketches WHERE doc_id IN ({})", missing
                )
            )
        return {i: self.samples.get(i) for i in ids}

    def sample_lists(self, ids: list[int]) -> dict[int, list[int]]:
        """The samples of documents already recorded (as the index keys them)."""
        missing = [i for i in ids if i not in self.blobs]
        if missing and not self.complete:
            self.blobs.update(
                in_chunks(
                    self.dd.db, "SELECT doc_id, sample FROM dedupe_sketches WHERE doc_id IN ({})", missing
                )
            )
        return {
            i: np.frombuffer(self.blobs[i] or b"", dtype=np.int64).tolist() for i in ids if i in self.blobs
        }

    def record(self, doc: Doc, keys: list[int], shingles: int, sample: np.ndarray) -> None:
        doc_id = doc.id
        self.samples[doc_id] = len(keys)
        self.blobs[doc_id] = blob = sample.tobytes()
        if len(keys) < MIN_SAMPLE:
            self.dd.small_samples()[doc_id] = len(keys)
        if doc.text_hash:
            self.by_text.setdefault(doc.text_hash, []).append(doc_id)
        self.sketch_rows.append((doc_id, doc.text_hash, guard_key(doc), shingles, len(keys), blob))
        post = self.post
        seen = self._lists  # the lists ``shared`` just looked up for these keys (nothing changed since)
        lists = seen[1] if seen is not None and seen[0] is keys else [post.get(h, _NEW) for h in keys]
        self._lists = None
        for h, docs in zip(keys, lists, strict=True):
            if docs is None:
                continue
            if not docs:  # the first document with this hash (``_NEW``), or the first again
                post[h] = [doc_id]
            elif len(docs) < MAX_DF:
                docs.append(doc_id)
            else:  # the MAX_DF+1-th document with this hash: stock phrasing from now on
                post[h] = None
        if not self.complete:  # a rebuild writes every list at its end
            self.dirty.update(keys)

    def forget(self, doc_id: int, keys: list[int]) -> None:
        """Take a document out of the posting lists of its sample (stock stays stock)."""
        self.load(keys, [])
        for h in keys:
            docs = self.post.get(h)
            if docs and doc_id in docs:
                docs.remove(doc_id)
                self.dirty.add(h)
        self.samples.pop(doc_id, None)
        self.blobs.pop(doc_id, None)
        self.dd.small_samples().pop(doc_id, None)
        for ids in self.by_text.values():
            if doc_id in ids:
                ids.remove(doc_id)

    def flush(self, postings: bool = True) -> None:
        conn = self.dd.db.conn
        conn.executemany(
            "INSERT OR REPLACE INTO dedupe_sketches (doc_id, text_hash, guard, shingles, samples, sample)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            self.sketch_rows,
        )
        self.sketch_rows.clear()
        if postings:
            post = self.post
            dirty = sorted(self.dirty if not self.complete else post)
            conn.executemany(
                "INSERT OR REPLACE INTO dedupe_index (hash, docs) VALUES (?, ?)",
                ((h, None if post[h] is None else pack(post[h])) for h in dirty if post[h] != []),
            )
            conn.executemany(
                "DELETE FROM dedupe_index WHERE hash = ?", ((h,) for h in dirty if post[h] == [])
            )
            self.dirty.clear()
