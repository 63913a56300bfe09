"""Duplicate groups over the whole archive: exact, near-duplicate and excerpt, the best copy canonical.

Each document gets a value-defined sample of its character 5-gram hashes (pipelines.similarity),
persisted in SQLite: ``dedupe_sketches`` (one row per document) and ``dedupe_index`` (one row per
sampled hash: the documents that have it, NULL once more than MAX_DF do — stock phrasing; schema 1's
``dedupe_postings``/``dedupe_stock`` are migrated into it). A new document looks the rarest of its
hashes up to find candidates, then its exact Jaccard and containment against each candidate
group's canonical copy decide whether, and how, it joins. Hashes found in very many documents (stock national phrasing)
are not indexed further and not looked up: they say nothing about which report a text is.

Groups form around their canonical copy: the most complete, least damaged one (full text over
excerpts, no mojibake, not truncated, fewest ``*``, the official source, then the earliest).
Every member's ``duplicate_kind`` is its relation to the canonical: ``exact``, ``near`` or
``excerpt`` — every member is one (``_group``: a newcomer never breaks a group up). Two documents
whose city, year or admin code are known and differ are never in one group, whatever their texts
share: a group's metadata never contradicts itself. The version of the shingles is kept in
``dedupe_meta``: sketches of another one are recomputed once (the first ``add`` rebuilds). A document is
matched again when its text or that metadata changes. ``Deduper.rebuild`` runs the same steps over all
documents in id order, so it gives the groups the crawl built incrementally.
"""

from __future__ import annotations

import math
import os
from array import array
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from urllib.parse import urlsplit

import numpy as np

from pipelines.similarity import SKETCH_VERSION, shingle_hashes, text_sketch, to_sqlite

NEAR_JACCARD = 0.70  # same report: chrome leftovers, filter damage, edits, layout
CONTAINMENT = 0.80  # the smaller text found in the larger one
EXCERPT_RATIO = 0.90  # …and clearly smaller than it: an excerpt / a truncated copy
CANDIDATE_SHARE = 0.60  # share of the sampled hashes looked up that a candidate holds (copies: ~1.0)
MAX_DF = 100  # a hash in more documents than this is stock phrasing: no longer indexed or looked up
QUERY_K = 32  # rarest shared hashes looked up per document (64 found the same groups at 100k, 7 % slower)
MIN_SAMPLE = 8  # documents with a smaller sample (under ~500 characters) are found only as newcomers
MAX_CANDIDATES = 8
GUARD_KEYS = ("city", "year", "admin_code")

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS dedupe_sketches (
        doc_id INTEGER PRIMARY KEY, text_hash TEXT, guard TEXT, shingles INTEGER, samples INTEGER, sample BLOB)""",
    # the inverted index, one row per sampled hash: ``docs`` the ids of the documents that have it
    # (int64, in the order they came), NULL once more than MAX_DF documents have it (stock phrasing)
    """CREATE TABLE IF NOT EXISTS dedupe_index (hash INTEGER PRIMARY KEY, docs BLOB)""",
    # key/value: 'sketch_version', the pipelines.similarity.SKETCH_VERSION the sketches were made with
    """CREATE TABLE IF NOT EXISTS dedupe_meta (key TEXT PRIMARY KEY, value TEXT)""",
]

_DOC_COLS = ("id", "url", "source", "text", "text_hash", "city", "province", "year", "admin_code",
             "admin_level", "masked_chars", "truncated", "mojibake", "canonical_id", "duplicate_kind")

_SELECT = ", ".join("NULL" if c == "text" else f"d.{c}" for c in _DOC_COLS)


@dataclass
class Doc:
    id: int
    url: str | None
    source: str | None
    text: str
    text_hash: str | None
    city: str | None
    province: str | None
    year: int | None
    admin_code: str | None
    admin_level: str | None
    masked_chars: int | None
    truncated: int | None
    mojibake: int | None
    canonical_id: int | None
    duplicate_kind: str | None


@lru_cache(maxsize=4096)
def _rule_chrome(text: str) -> tuple[int, frozenset[str]]:
    from pipelines.cleaning.chrome import strip_chrome

    _, removed = strip_chrome([ln.strip() for ln in text.splitlines() if ln.strip()])
    return sum(len(r["line"]) for r in removed), frozenset(r["line"] for r in removed)


def leftover_chrome(text: str, others: str) -> int:
    """Characters of page chrome left in a copy: lines the cleaning rules take for chrome, and
    short lines without a sentence that no other copy of the report has (page numbers, a site
    name). ``others`` is the other copies' text with whitespace removed."""
    junk, taken = _rule_chrome(text)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        key = "".join(ln.split())
        if ln not in taken and len(key) <= 12 and not any(p in ln for p in "。；！？，") and key not in others:
            junk += len(key)
    return junk


def ensure_schema(db) -> None:
    for sql in SCHEMA:
        db.execute(sql)
    if "guard" not in {r[1] for r in db.execute("PRAGMA table_info(dedupe_sketches)")}:
        db.execute("ALTER TABLE dedupe_sketches ADD COLUMN guard TEXT")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "dedupe_postings" in tables:  # the index of schema 1: a row per (hash, document)
        _migrate_postings(db, "dedupe_stock" in tables)


def sketch_version(db) -> str | None:
    row = db.execute("SELECT value FROM dedupe_meta WHERE key = 'sketch_version'").fetchone()
    return row[0] if row else None


def set_sketch_version(db) -> None:
    db.execute("INSERT OR REPLACE INTO dedupe_meta (key, value) VALUES ('sketch_version', ?)", [SKETCH_VERSION])


def _migrate_postings(db, has_stock: bool) -> None:
    """Fold the old one-row-per-posting index into ``dedupe_index`` (same lists, same stock)."""
    stock = {h for (h,) in db.execute("SELECT hash FROM dedupe_stock")} if has_stock else set()
    rows, current, docs = [], None, []
    for h, d in chain(db.execute("SELECT hash, doc_id FROM dedupe_postings ORDER BY hash, doc_id"), [(None, None)]):
        if h != current and current is not None:
            rows.append((current, None if current in stock else _pack(docs)))
            docs = []
        current = h
        docs.append(d)
    listed = {r[0] for r in rows}
    rows.extend((h, None) for h in stock if h not in listed)
    db.conn.executemany("INSERT OR REPLACE INTO dedupe_index (hash, docs) VALUES (?, ?)", rows)
    db.execute("DROP TABLE dedupe_postings")
    if has_stock:
        db.execute("DROP TABLE dedupe_stock")


def _pack(ids: list[int]) -> bytes:
    return array("q", ids).tobytes()  # int64, native order (as np.frombuffer reads it): 5x numpy's speed here


def _unpack(blob: bytes | None) -> list[int] | None:
    return None if blob is None else np.frombuffer(blob, dtype=np.int64).tolist()


def guard_key(doc: Doc) -> str:
    """What, besides the text, decides a document's group: the metadata the guard compares."""
    return "|".join("" if getattr(doc, k) is None else str(getattr(doc, k)) for k in GUARD_KEYS)


def _consistent(docs: list[Doc]) -> bool:
    """No two of ``docs`` know a different city, year or admin code."""
    return all(len({getattr(d, k) for d in docs} - {None}) <= 1 for k in GUARD_KEYS)


def official(url: str | None) -> bool:
    """A government site by its address (*.gov.cn)."""
    host = (urlsplit(url or "").hostname or "").lower()
    return host.endswith(".gov.cn") or host == "gov.cn"


def compatible(a: Doc, b: Doc) -> bool:
    """False when the two documents are known to be different reports (metadata disagree)."""
    return all(getattr(a, k) is None or getattr(b, k) is None or getattr(a, k) == getattr(b, k)
               for k in GUARD_KEYS)


_NEW = ()  # the posting list of a hash no document has yet (a rebuild's index holds no empty lists)


class _Index:
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
        if self.complete:  # a rebuild: everything is here already (``shared`` and ``record`` see unknown hashes)
            return
        post = self.post
        missing = [h for h in set(keys) if h not in post]
        for h, blob in self.dd._in_chunks("SELECT hash, docs FROM dedupe_index WHERE hash IN ({})", missing):
            post[h] = _unpack(blob)
        hashes = list({d.text_hash for d in docs if d.text_hash and d.text_hash not in self.by_text})
        for th in hashes:
            self.by_text[th] = []
        for doc_id, th in self.dd._in_chunks(
                "SELECT d.id, d.text_hash FROM documents d JOIN dedupe_sketches s ON s.doc_id = d.id"
                " WHERE d.text_hash IN ({})", hashes):
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
            self.samples.update(self.dd._in_chunks("SELECT doc_id, samples FROM dedupe_sketches WHERE doc_id IN ({})",
                                                   missing))
        return {i: self.samples.get(i) for i in ids}

    def sample_lists(self, ids: list[int]) -> dict[int, list[int]]:
        """The samples of documents already recorded (as the index keys them)."""
        missing = [i for i in ids if i not in self.blobs]
        if missing and not self.complete:
            self.blobs.update(self.dd._in_chunks("SELECT doc_id, sample FROM dedupe_sketches WHERE doc_id IN ({})",
                                                 missing))
        return {i: np.frombuffer(self.blobs[i] or b"", dtype=np.int64).tolist() for i in ids if i in self.blobs}

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
        conn.executemany("INSERT OR REPLACE INTO dedupe_sketches (doc_id, text_hash, guard, shingles, samples, sample)"
                         " VALUES (?, ?, ?, ?, ?, ?)", self.sketch_rows)
        self.sketch_rows.clear()
        if postings:
            post = self.post
            dirty = sorted(self.dirty if not self.complete else post)
            conn.executemany("INSERT OR REPLACE INTO dedupe_index (hash, docs) VALUES (?, ?)",
                             ((h, None if post[h] is None else _pack(post[h])) for h in dirty if post[h] != []))
            conn.executemany("DELETE FROM dedupe_index WHERE hash = ?", ((h,) for h in dirty if post[h] == []))
            self.dirty.clear()


class Deduper:
    """Incremental duplicate grouping over one archive (a sqlite-utils Database, caller commits)."""

    def __init__(self, db, *, official_sources: frozenset[str] | set[str] = frozenset(), cache_size: int = 512):
        self.db = db
        self.official_sources = frozenset(official_sources)
        ensure_schema(db)
        self._hashes: OrderedDict[tuple, np.ndarray] = OrderedDict()  # (id, text_hash) → full hashes
        self._cache_size = cache_size
        self._index: _Index | None = None  # during rebuild: the whole index, in memory
        self._canon: dict[int, int] | None = None  # during rebuild: the canonical id decided for each document
        self._members: dict[int, set[int]] = {}  # during rebuild: canonical id → the documents decided into its group
        self.last_workers: int | None = None  # the sketching processes of the last rebuild
        self._small: dict[int, int] | None = None  # documents with fewer than MIN_SAMPLE sampled hashes
        # sketches of another shingle definition (an upgrade) can't be matched with new ones: the
        # first document added regroups the whole archive (``rebuild``), once
        version = sketch_version(db)
        self.stale = (version != SKETCH_VERSION
                      and db.execute("SELECT 1 FROM dedupe_sketches LIMIT 1").fetchone() is not None)
        if version != SKETCH_VERSION and not self.stale:  # nothing sketched yet: it will be with this version
            set_sketch_version(db)

    def small_samples(self) -> dict[int, int]:
        """Documents whose sample is smaller than MIN_SAMPLE (short excerpts) → its size."""
        if self._small is None:
            self._small = dict(self.db.execute("SELECT doc_id, samples FROM dedupe_sketches WHERE samples < ?",
                                               [MIN_SAMPLE]).fetchall())
        return self._small

    # reading -----------------------------------------------------------------------------------
    def doc(self, doc_id: int) -> Doc | None:
        """The document's row, without its text (``text`` reads it when it is needed)."""
        row = self.db.execute(f"SELECT {_SELECT} FROM documents d WHERE d.id = ?", [doc_id]).fetchone()
        return Doc(*row) if row else None

    def text(self, doc: Doc) -> str:
        """The document's text (rows read for grouping come without it: most are never compared)."""
        if doc.text is None:
            row = self.db.execute("SELECT text FROM documents WHERE id = ?", [doc.id]).fetchone()
            doc.text = (row[0] if row else None) or ""
        return doc.text

    def full_hashes(self, doc: Doc) -> np.ndarray:
        key = (doc.id, doc.text_hash)
        h = self._hashes.get(key)
        if h is None:
            h = self._cache(key, shingle_hashes(self.text(doc)))
        else:
            self._hashes.move_to_end(key)
        return h

    def _cache(self, key: tuple, hashes: np.ndarray) -> np.ndarray:
        self._hashes[key] = hashes
        self._hashes.move_to_end(key)
        if len(self._hashes) > self._cache_size:
            self._hashes.popitem(last=False)
        return hashes

    def relation(self, member: Doc, canonical: Doc) -> str | None:
        """How ``member`` relates to ``canonical``: 'exact', 'near', 'excerpt' or None (not the same report)."""
        if not compatible(member, canonical):
            return None
        if member.text_hash and member.text_hash == canonical.text_hash:
            return "exact"
        from pipelines.similarity import similarity

        sim = similarity(self.full_hashes(member), self.full_hashes(canonical))
        smaller_is_member = sim.a_size <= sim.b_size
        if sim.containment >= CONTAINMENT and smaller_is_member and sim.a_size < EXCERPT_RATIO * sim.b_size:
            return "excerpt"
        if sim.jaccard >= NEAR_JACCARD:
            return "near"
        if sim.containment >= CONTAINMENT and min(sim.a_size, sim.b_size) >= EXCERPT_RATIO * max(sim.a_size, sim.b_size):
            return "near"
        return None

    def best(self, candidates: list[Doc], group: list[Doc] | None = None) -> Doc:
        """The canonical copy among ``candidates``, judged against the whole ``group``.

        Most complete first (within 90% of the largest copy),
        then no mojibake, not truncated, fewest ``*``, the official source, city and year known
        (the group's metadata is its canonical's), the least leftover
        chrome (lines the chrome rules recognise, short lines no other copy has: page numbers,
        site names), the most shingles another copy has too (the original over a re-laid-out
        copy), the most text, the earliest.
        """
        group = group or candidates
        if len(candidates) == 1:
            return candidates[0]
        shingles = {d.id: len(self.full_hashes(d)) for d in candidates}
        most = max(shingles.values())

        def first(d: Doc) -> tuple:
            return (shingles[d.id] >= 0.9 * most, not d.mojibake, not d.truncated, -(d.masked_chars or 0),
                    d.source in self.official_sources or official(d.url), (d.city is not None) + (d.year is not None))

        top = max(first(d) for d in candidates)
        tied = [d for d in candidates if first(d) == top]
        if len(tied) == 1:
            return tied[0]
        if len({d.text_hash for d in tied}) == 1 and tied[0].text_hash:  # the same text: the earliest
            return min(tied, key=lambda d: d.id)
        # the leftover chrome, only for the copies still tied (it costs a pass of the chrome rules)
        texts = {d.id: d for d in group} | {d.id: d for d in candidates}
        compact = {i: "".join(self.text(d).split()) for i, d in texts.items()}
        hashes = {i: self.full_hashes(d) for i, d in texts.items()}
        rest = {}
        for d in tied:
            junk = leftover_chrome(self.text(d), "".join(t for i, t in compact.items() if i != d.id))
            # shingles another copy has too: a re-laid-out copy (chapters swapped) has fewer than
            # the original its other copies agree with; a shorter copy has no more than the full one
            seen = np.zeros(len(hashes[d.id]), dtype=bool)
            for i, h in hashes.items():
                if i != d.id:
                    seen |= np.isin(hashes[d.id], h, assume_unique=True, kind="sort")
            supported = int(np.count_nonzero(seen))
            rest[d.id] = (-junk, supported, len(compact[d.id]) - junk, -d.id)
        return max(tied, key=lambda d: rest[d.id])

    def members(self, canonical_id: int) -> list[Doc]:
        if self._canon is not None:  # a rebuild: the groups decided so far (rows not yet reached are stale)
            ids = sorted(self._members.get(canonical_id, set()) - {canonical_id})
        else:
            ids = [r[0] for r in self.db.execute(
                "SELECT id FROM documents WHERE canonical_id = ? AND id != ? ORDER BY id", [canonical_id, canonical_id])]
        return [d for d in (self.doc(i) for i in ids) if d is not None]

    # candidates ------------------------------------------------------------------------------------
    def candidates(self, doc: Doc, keys: list[int], view: _Index) -> list[int]:
        """Canonical ids of the groups worth verifying ``doc`` against, most promising first."""
        score: dict[int, float] = {}
        exact = [c for c in view.same_text(doc) if c != doc.id]
        if exact:
            for canon in self._canonical_of(exact).values():
                score[canon] = 2.0
        shared = view.shared(keys, doc.id)
        if shared:
            sizes = view.sample_sizes(list(shared))
            base = view.n_base
            share = {c: n / max(1, min(base, sizes.get(c) or 1)) for c, n in shared.items()}
            # a smaller document — an excerpt of this one? — may hold few of the hashes looked up
            # (when copies of this text came before it, its hashes are the less rare ones): its
            # share is then how much of its whole sample this document has
            weak = [c for c, v in share.items() if v < CANDIDATE_SHARE and (sizes.get(c) or 0) < len(keys)]
            if weak:
                mine = set(keys)
                for c, theirs in view.sample_lists(weak).items():
                    if theirs:
                        share[c] = max(share[c], len(mine.intersection(theirs)) / len(theirs))
            close = sorted((c for c in share if share[c] >= CANDIDATE_SHARE), key=lambda c: (-share[c], c))
            close = close[:4 * MAX_CANDIDATES]
            if close:
                canons = self._canonical_of(close)
                for cand in close:
                    canon = canons.get(cand)
                    if canon is not None:
                        score[canon] = max(score.get(canon, 0.0), share[cand])
        ranked = sorted(score, key=lambda c: (-score[c], c))
        return ranked[:MAX_CANDIDATES]

    def _in_chunks(self, sql: str, keys: list[int], size: int = 500) -> list[tuple]:
        out = []
        for i in range(0, len(keys), size):
            chunk = keys[i:i + size]
            out.extend(self.db.execute(sql.format(", ".join("?" * len(chunk))), chunk).fetchall())
        return out

    # writing ---------------------------------------------------------------------------------------
    def add(self, doc_id: int) -> tuple[int, str | None]:
        """Match a stored document against the archive and put it in its group.

        Returns (canonical_id, duplicate_kind) of the document. Idempotent: a document whose text
        did not change since it was added is left as it is.
        """
        return self.add_many([doc_id])[doc_id]

    def add_many(self, doc_ids: list[int], sketches: dict | None = None) -> dict[int, tuple[int, str | None]]:
        """``add`` for several documents, in the order given, with the index read and written
        once for all of them (the same groups as adding them one by one). ``sketches`` may bring
        each document's (sample, number of shingles), computed elsewhere (``_sketch_batch``)."""
        if self.stale and self._index is None:
            import logging

            logging.getLogger(__name__).warning(
                "duplicate groups: the archive's sketches are from an older version; regrouping it (once, after an upgrade)")
            self.rebuild()
        out: dict[int, tuple[int, str | None]] = {}
        todo: list[Doc] = []
        rows = {}
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i:i + 500]
            for r in self.db.execute(
                    f"SELECT {_SELECT}, s.doc_id IS NOT NULL, s.text_hash, s.guard FROM documents d"
                    f" LEFT JOIN dedupe_sketches s ON s.doc_id = d.id WHERE d.id IN ({', '.join('?' * len(chunk))})",
                    chunk):
                rows[r[0]] = r
        index = self._index or _Index(self)
        for doc_id in doc_ids:
            if doc_id not in rows:
                raise KeyError(doc_id)
            *cols, sketched, sketched_hash, sketched_guard = rows[doc_id]
            doc = Doc(*cols)
            if sketched:
                if sketched_hash == doc.text_hash and sketched_guard == guard_key(doc):
                    out[doc_id] = (doc.canonical_id or doc.id, doc.duplicate_kind)
                    continue
                self._remove(doc_id, index)
                doc = self.doc(doc_id)
            todo.append(doc)
        if not todo:
            index.flush()
            return out
        sk: dict[int, tuple[np.ndarray, int]] = {}
        for doc in todo:
            got = (sketches or {}).get(doc.id)
            if got is None:
                sample, full = text_sketch(self.text(doc))
                self._cache((doc.id, doc.text_hash), full)
                got = (sample, len(full))
            sk[doc.id] = got
        keys_of = {doc.id: to_sqlite(sk[doc.id][0]) for doc in todo}
        index.load(list(chain.from_iterable(keys_of.values())), todo)
        for doc in todo:
            sample, shingles = sk[doc.id]
            keys = keys_of[doc.id]
            out[doc.id] = self._group(doc, keys, index)
            index.record(doc, keys, shingles, sample)
        index.flush(postings=index is not self._index)  # rebuild writes the whole index at its end
        return out

    def _group(self, doc: Doc, keys: list[int], index: _Index) -> tuple[int, str | None]:
        """Put ``doc`` in a group: the first of these that keeps every member a copy of its
        canonical (an established group is never broken up by a newcomer) wins —

        1. all the groups it matches merged, the best copy canonical (the fuller text joining its
           excerpts' groups);
        2. the best-matching group alone, the best copy canonical (an excerpt of two different
           reports — a work report and the plan report of the same year — joins one of them, it
           does not merge them);
        3. that group as it is, the newcomer a member;
        4. on its own.

        A group joins only when none of its members' city, year and admin code contradicts the
        newcomer's, nor the other groups' (a canonical without a year does not let a 2022 and a
        2023 copy into one group)."""
        matched: list[tuple[Doc, list[Doc]]] = []
        for canon_id in self.candidates(doc, keys, index):
            canon = self.doc(canon_id)
            if canon is None or not compatible(doc, canon):
                continue
            rel = self.relation(doc, canon)
            if rel is None and len(self.full_hashes(doc)) > len(self.full_hashes(canon)):
                rel = self.relation(canon, doc)  # the newcomer is the fuller text of an excerpt
            if rel is None:
                continue
            group = [canon, *self.members(canon.id)]
            if all(compatible(doc, m) for m in group):
                matched.append((canon, group))
        attempts: list[tuple[Doc, list[Doc]]] = []  # (canonical, the documents of the group)
        merged = [doc, *(m for _, group in matched for m in group)]
        if len(matched) > 1 and _consistent(merged):
            attempts.append((self.best([doc, *(c for c, _ in matched)], merged), merged))
        if matched:
            first, group = matched[0]
            attempts += [(self.best([doc, first], [doc, *group]), [doc, *group]), (first, [doc, *group])]
        for canon, pool in attempts:
            plan = {m.id: self.relation(m, canon) for m in pool if m.id != canon.id}
            if all(rel is not None for rel in plan.values()):
                return self._apply(canon, pool, plan, doc)
        self._set(doc, doc.id, None)
        return doc.id, None

    def _apply(self, canon: Doc, pool: list[Doc], plan: dict[int, str], focus: Doc) -> tuple[int, str | None]:
        """Write a group: ``canon`` its canonical, every other document of ``pool`` its ``plan`` relation."""
        self._set(canon, canon.id, None)
        for m in pool:
            if m.id != canon.id:
                self._set(m, canon.id, plan[m.id])
        return (canon.id, None) if focus.id == canon.id else (canon.id, plan[focus.id])

    def _regroup(self, canon: Doc, members: list[Doc]) -> None:
        """``canon`` the canonical of ``members``; one no longer a copy of it is on its own (after
        the old canonical left the group)."""
        plan = {m.id: self.relation(m, canon) for m in members if m.id != canon.id}
        for m in members:
            if m.id != canon.id and plan[m.id] is None:
                self._set(m, m.id, None)
        self._apply(canon, [m for m in members if plan.get(m.id)], plan, canon)

    def _canonical_of(self, ids: list[int]) -> dict[int, int]:
        """Each document's canonical id (during a rebuild, from memory: every row starts as its own)."""
        if self._canon is not None:
            return {i: self._canon.get(i, i) for i in ids}
        return dict(self.db.execute(
            f"SELECT id, canonical_id FROM documents WHERE id IN ({', '.join('?' * len(ids))})", ids).fetchall())

    def _set(self, doc: Doc | int, canonical_id: int, kind: str | None) -> None:
        """Write a document's group; a Doc that already says so is left alone (an UPDATE rewrites
        the whole row, its ~20 KB of text included)."""
        doc_id = doc.id if isinstance(doc, Doc) else doc
        if self._canon is not None:  # a rebuild: every decision is recorded, written or not
            old = self._canon.get(doc_id)
            if old is not None and old != canonical_id:
                self._members.get(old, set()).discard(doc_id)
            self._canon[doc_id] = canonical_id
            self._members.setdefault(canonical_id, set()).add(doc_id)
        if isinstance(doc, Doc):
            if (doc.canonical_id, doc.duplicate_kind) == (canonical_id, kind):
                return
            doc.canonical_id, doc.duplicate_kind = canonical_id, kind
        self.db.execute("UPDATE documents SET canonical_id = ?, duplicate_kind = ? WHERE id = ?",
                        [canonical_id, kind, doc_id])

    def remove(self, doc_id: int) -> None:
        """Take a document out of the index and out of its group (before its text changes)."""
        index = self._index or _Index(self)
        self._remove(doc_id, index)
        index.flush(postings=index is not self._index)

    def _remove(self, doc_id: int, index: _Index) -> None:
        row = self.db.execute("SELECT sample FROM dedupe_sketches WHERE doc_id = ?", [doc_id]).fetchone()
        if row is not None:
            index.forget(doc_id, to_sqlite(np.frombuffer(row[0] or b"", dtype=np.uint64)))
            self.db.execute("DELETE FROM dedupe_sketches WHERE doc_id = ?", [doc_id])
        doc = self.doc(doc_id)
        if doc is None:
            return
        if doc.canonical_id == doc_id:
            members = self.members(doc_id)
            if members:
                new_canon = self.best(members, members)
                self._regroup(new_canon, members)
        self._set(doc_id, doc_id, None)

    def rebuild(self, progress=None, *, workers: int | None = None, batch: int = 500) -> dict:
        """Recompute every group from scratch, documents in id order (the groups the crawl built
        one by one). Sketching runs in ``workers`` processes while this one groups (default: one
        less than the CPUs, at most 4 — grouping is the longer job and needs a core to itself: on 2
        cores, 2 sketching processes made a rebuild of 100k documents 27 % slower than 1; 0: all
        in this process); ``progress(n)`` is called after each batch of n documents."""
        self.db.execute("DELETE FROM dedupe_index")
        self.db.execute("DELETE FROM dedupe_sketches")
        # no reset of the rows: each document's group is decided again in id order and written only
        # when it differs from what the row says (a row rewrite rewrites its 20 KB of text too); until
        # then, members() and the candidates' canonical ids come from what this rebuild decided
        self._hashes.clear()
        ids = [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY id")]
        batches = [ids[i:i + batch] for i in range(0, len(ids), batch)]
        workers = min(4, (os.cpu_count() or 1) - 1) if workers is None else workers
        path = self.db.execute("PRAGMA database_list").fetchone()[2]
        self._index = _Index(self, complete=True)  # the index starts empty: held in memory, written at the end
        self._canon, self._members, self._small = {}, {}, {}
        try:
            self._rebuild(batches, workers, path, progress)
            self._index.flush()
            set_sketch_version(self.db)
            self.stale = False
        except BaseException:
            self._small = None  # what SQLite holds after the caller's rollback is read again
            raise
        finally:
            self._index = None
            self._canon, self._members = None, {}
        return summary(self.db)

    def _rebuild(self, batches: list[list[int]], workers: int, path: str, progress) -> None:
        self.last_workers = workers if workers >= 1 and path and len(batches) > 1 else 0
        if self.last_workers:
            # the workers read the documents' (committed) texts through their own connections
            import multiprocessing

            with multiprocessing.get_context("spawn").Pool(workers, initializer=_worker_init,
                                                           initargs=(path,)) as pool:
                sketched = pool.imap(_sketch_batch, batches[1:])
                self.add_many(batches[0])  # sketched here while the workers start (~0.5 s)
                if progress:
                    progress(len(batches[0]))
                for chunk, sketches in zip(batches[1:], sketched, strict=True):
                    self.add_many(chunk, sketches=sketches)
                    if progress:
                        progress(len(chunk))
        else:
            for chunk in batches:
                self.add_many(chunk)
                if progress:
                    progress(len(chunk))


_worker_db = None


def _worker_init(path: str) -> None:
    import sqlite3

    global _worker_db
    from pathlib import Path

    _worker_db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def _sketch_batch(ids: list[int]) -> dict[int, tuple[np.ndarray, int]]:
    """In a worker process: the (sample, number of shingles) of each document."""
    out = {}
    rows = _worker_db.execute(
        f"SELECT id, text FROM documents WHERE id IN ({', '.join('?' * len(ids))})", ids).fetchall()
    for doc_id, text in rows:
        sample, full = text_sketch(text or "")
        out[doc_id] = (sample, len(full))
    return out


def summary(db) -> dict:
    kinds = dict(db.execute(
        "SELECT COALESCE(duplicate_kind, 'canonical'), COUNT(*) FROM documents GROUP BY 1").fetchall())
    groups = db.execute(
        "SELECT COUNT(*) FROM (SELECT canonical_id FROM documents GROUP BY canonical_id HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    return {"documents": sum(kinds.values()), "groups": groups, **kinds}
