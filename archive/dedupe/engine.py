"""The grouping engine: ``Deduper`` matches each document against the archive and puts it in its
group (see the package's docstring for the rules)."""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from itertools import chain

import numpy as np

from archive.dedupe.canonical import best_copy
from archive.dedupe.doc import SELECT, Doc, compatible, consistent, guard_key
from archive.dedupe.index import Index
from archive.dedupe.params import (
    CANDIDATE_SHARE,
    CONTAINMENT,
    EXCERPT_RATIO,
    MAX_CANDIDATES,
    MIN_SAMPLE,
    NEAR_JACCARD,
)
from archive.dedupe.rebuild import group_batches
from archive.dedupe.schema import ensure_schema, set_sketch_version, sketch_version, summary
from pipelines.similarity import SKETCH_VERSION, shingle_hashes, similarity, text_sketch, to_sqlite


class Deduper:
    """Incremental duplicate grouping over one archive (a sqlite-utils Database, caller commits)."""

    def __init__(
        self, db, *, official_sources: frozenset[str] | set[str] = frozenset(), cache_size: int = 512
    ):
        self.db = db
        self.official_sources = frozenset(official_sources)
        ensure_schema(db)
        self._hashes: OrderedDict[tuple, np.ndarray] = OrderedDict()  # (id, text_hash) → full hashes
        self._cache_size = cache_size
        self._index: Index | None = None  # during rebuild: the whole index, in memory
        self._canon: dict[int, int] | None = (
            None  # during rebuild: the canonical id decided for each document
        )
        self._members: dict[
            int, set[int]
        ] = {}  # during rebuild: canonical id → the documents decided into its group
        self.last_workers: int | None = None  # the sketching processes of the last rebuild
        self._small: dict[int, int] | None = None  # documents with fewer than MIN_SAMPLE sampled hashes
        # sketches of another shingle definition (an upgrade) can't be matched with new ones: the
        # first document added regroups the whole archive (``rebuild``), once
        version = sketch_version(db)
        self.stale = (
            version != SKETCH_VERSION
            and db.execute("SELECT 1 FROM dedupe_sketches LIMIT 1").fetchone() is not None
        )
        if version != SKETCH_VERSION and not self.stale:  # nothing sketched yet: it will be with this version
            set_sketch_version(db)

    def small_samples(self) -> dict[int, int]:
        """Documents whose sample is smaller than MIN_SAMPLE (short excerpts) → its size."""
        if self._small is None:
            self._small = dict(
                self.db.execute(
                    "SELECT doc_id, samples FROM dedupe_sketches WHERE samples < ?", [MIN_SAMPLE]
                ).fetchall()
            )
        return self._small

    # reading -----------------------------------------------------------------------------------
    def doc(self, doc_id: int) -> Doc | None:
        """The document's row, without its text (``text`` reads it when it is needed)."""
        row = self.db.execute(f"SELECT {SELECT} FROM documents d WHERE d.id = ?", [doc_id]).fetchone()
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
        sim = similarity(self.full_hashes(member), self.full_hashes(canonical))
        smaller_is_member = sim.a_size <= sim.b_size
        if sim.containment >= CONTAINMENT and smaller_is_member and sim.a_size < EXCERPT_RATIO * sim.b_size:
            return "excerpt"
        if sim.jaccard >= NEAR_JACCARD:
            return "near"
        if sim.containment >= CONTAINMENT and min(sim.a_size, sim.b_size) >= EXCERPT_RATIO * max(
            sim.a_size, sim.b_size
        ):
            return "near"
        return None

    def best(self, candidates: list[Doc], group: list[Doc] | None = None) -> Doc:
        """The canonical copy among ``candidates``, judged against the whole ``group`` (``best_copy``)."""
        return best_copy(
            candidates,
            group or candidates,
            hashes=self.full_hashes,
            text=self.text,
            official_sources=self.official_sources,
        )

    def members(self, canonical_id: int) -> list[Doc]:
        if self._canon is not None:  # a rebuild: the groups decided so far (rows not yet reached are stale)
            ids = sorted(self._members.get(canonical_id, set()) - {canonical_id})
        else:
            ids = [
                r[0]
                for r in self.db.execute(
                    "SELECT id FROM documents WHERE canonical_id = ? AND id != ? ORDER BY id",
                    [canonical_id, canonical_id],
                )
            ]
        return [d for d in (self.doc(i) for i in ids) if d is not None]

    # candidates ------------------------------------------------------------------------------------
    def candidates(self, doc: Doc, keys: list[int], view: Index) -> list[int]:
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
            close = close[: 4 * MAX_CANDIDATES]
            if close:
                canons = self._canonical_of(close)
                for cand in close:
                    canon = canons.get(cand)
                    if canon is not None:
                        score[canon] = max(score.get(canon, 0.0), share[cand])
        ranked = sorted(score, key=lambda c: (-score[c], c))
        return ranked[:MAX_CANDIDATES]

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
            logging.getLogger(__package__).warning(
                "duplicate groups: the archive's sketches are from an older version; regrouping it (once, after an upgrade)"
            )
            self.rebuild()
        out: dict[int, tuple[int, str | None]] = {}
        todo: list[Doc] = []
        rows = {}
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i : i + 500]
            for r in self.db.execute(
                f"SELECT {SELECT}, s.doc_id IS NOT NULL, s.text_hash, s.guard FROM documents d"
                f" LEFT JOIN dedupe_sketches s ON s.doc_id = d.id WHERE d.id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                rows[r[0]] = r
        index = self._index or Index(self)
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

    def _group(self, doc: Doc, keys: list[int], index: Index) -> tuple[int, str | None]:
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
        if len(matched) > 1 and consistent(merged):
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
        return dict(
            self.db.execute(
                f"SELECT id, canonical_id FROM documents WHERE id IN ({', '.join('?' * len(ids))})", ids
            ).fetchall()
        )

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
        self.db.execute(
            "UPDATE documents SET canonical_id = ?, duplicate_kind = ? WHERE id = ?",
            [canonical_id, kind, doc_id],
        )

    def remove(self, doc_id: int) -> None:
        """Take a document out of the index and out of its group (before its text changes)."""
        index = self._index or Index(self)
        self._remove(doc_id, index)
        index.flush(postings=index is not self._index)

    def _remove(self, doc_id: int, index: Index) -> None:
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
        batches = [ids[i : i + batch] for i in range(0, len(ids), batch)]
        workers = min(4, (os.cpu_count() or 1) - 1) if workers is None else workers
        path = self.db.execute("PRAGMA database_list").fetchone()[2]
        self._index = Index(self, complete=True)  # the index starts empty: held in memory, written at the end
        self._canon, self._members, self._small = {}, {}, {}
        try:
            self.last_workers = workers if workers >= 1 and path and len(batches) > 1 else 0
            group_batches(self.add_many, batches, self.last_workers, path, progress)
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
