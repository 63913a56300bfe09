"""Duplicate groups over the whole archive: exact, near-duplicate and excerpt, the best copy canonical.

Each document gets a value-defined sample of its character 5-gram hashes (pipelines.similarity),
persisted in SQLite: ``dedupe_sketches`` (one row per document) and ``dedupe_postings`` (hash →
documents, an inverted index). A new document looks its sample up in the postings to find
candidates, then its exact Jaccard and containment against each candidate group's canonical copy
decide whether, and how, it joins. Hashes found in very many documents (stock national phrasing)
are not indexed further and not looked up: they say nothing about which report a text is.

Groups form around their canonical copy: the most complete, least damaged one (full text over
excerpts, no mojibake, not truncated, fewest ``*``, the official source, then the earliest).
Every member's ``duplicate_kind`` is its relation to the canonical: ``exact``, ``near`` or
``excerpt``. Two documents whose city, year or admin code are known and differ are never
grouped, whatever their texts share. ``Deduper.rebuild`` runs the same steps over all
documents in id order, so it gives the groups the crawl built incrementally.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np

from pipelines.similarity import shingle_hashes, text_sample, to_sqlite

NEAR_JACCARD = 0.70  # same report: chrome leftovers, filter damage, edits, layout
CONTAINMENT = 0.80  # the smaller text found in the larger one
EXCERPT_RATIO = 0.90  # …and clearly smaller than it: an excerpt / a truncated copy
CANDIDATE_SHARE = 0.30  # share of the smaller sample found in a candidate's postings
MAX_DF = 200  # a hash in more documents than this is stock phrasing: no longer indexed or looked up
MAX_CANDIDATES = 8
GUARD_KEYS = ("city", "year", "admin_code")

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS dedupe_sketches (
        doc_id INTEGER PRIMARY KEY, text_hash TEXT, shingles INTEGER, samples INTEGER, sample BLOB)""",
    """CREATE TABLE IF NOT EXISTS dedupe_postings (
        hash INTEGER NOT NULL, doc_id INTEGER NOT NULL, PRIMARY KEY (hash, doc_id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS dedupe_postings_doc ON dedupe_postings (doc_id)",
    """CREATE TABLE IF NOT EXISTS dedupe_hashes (hash INTEGER PRIMARY KEY, n INTEGER NOT NULL)""",
]

_DOC_COLS = ("id", "url", "source", "text", "text_hash", "city", "province", "year", "admin_code",
             "admin_level", "masked_chars", "truncated", "mojibake", "canonical_id")


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


def leftover_chrome(text: str, others: str) -> int:
    """Characters of page chrome left in a copy: lines the cleaning rules take for chrome, and
    short lines without a sentence that no other copy of the report has (page numbers, a site
    name). ``others`` is the other copies' text with whitespace removed."""
    from pipelines.cleaning.chrome import strip_chrome

    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    _, removed = strip_chrome(lines)
    junk = sum(len(r["line"]) for r in removed)
    taken = {r["line"] for r in removed}
    for ln in lines:
        key = "".join(ln.split())
        if ln not in taken and len(key) <= 12 and not any(p in ln for p in "。；！？，") and key not in others:
            junk += len(key)
    return junk


def ensure_schema(db) -> None:
    for sql in SCHEMA:
        db.execute(sql)


def official(url: str | None) -> bool:
    """A government site by its address (*.gov.cn)."""
    host = (urlsplit(url or "").hostname or "").lower()
    return host.endswith(".gov.cn") or host == "gov.cn"


def compatible(a: Doc, b: Doc) -> bool:
    """False when the two documents are known to be different reports (metadata disagree)."""
    return all(getattr(a, k) is None or getattr(b, k) is None or getattr(a, k) == getattr(b, k)
               for k in GUARD_KEYS)


class Deduper:
    """Incremental duplicate grouping over one archive (a sqlite-utils Database, caller commits)."""

    def __init__(self, db, *, official_sources: frozenset[str] | set[str] = frozenset(), cache_size: int = 512):
        self.db = db
        self.official_sources = frozenset(official_sources)
        ensure_schema(db)
        self._hashes: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    # reading -----------------------------------------------------------------------------------
    def doc(self, doc_id: int) -> Doc | None:
        row = self.db.execute(f"SELECT {', '.join(_DOC_COLS)} FROM documents WHERE id = ?", [doc_id]).fetchone()
        return Doc(*row) if row else None

    def full_hashes(self, doc: Doc) -> np.ndarray:
        h = self._hashes.get(doc.id)
        if h is None:
            h = shingle_hashes(doc.text or "")
            self._hashes[doc.id] = h
            if len(self._hashes) > self._cache_size:
                self._hashes.popitem(last=False)
        else:
            self._hashes.move_to_end(doc.id)
        return h

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
        then no mojibake, not truncated, fewest ``*``, the official source, the least leftover
        chrome (lines the chrome rules recognise, short lines no other copy has: page numbers,
        site names), the most text, the earliest.
        """
        group = group or candidates
        if len(candidates) == 1:
            return candidates[0]
        texts = {d.id: d for d in group} | {d.id: d for d in candidates}
        compact = {i: "".join((d.text or "").split()) for i, d in texts.items()}
        scores = {}
        for d in candidates:
            junk = leftover_chrome(d.text or "", "".join(t for i, t in compact.items() if i != d.id))
            scores[d.id] = (len(self.full_hashes(d)), junk, len(compact[d.id]) - junk)
        most = max(n for n, _, _ in scores.values())

        def key(d: Doc) -> tuple:
            shingles, junk, size = scores[d.id]
            return (shingles >= 0.9 * most, not d.mojibake, not d.truncated, -(d.masked_chars or 0),
                    d.source in self.official_sources or official(d.url), -junk, size, -d.id)

        return max(candidates, key=key)

    def members(self, canonical_id: int) -> list[Doc]:
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM documents WHERE canonical_id = ? AND id != ? ORDER BY id", [canonical_id, canonical_id])]
        return [d for d in (self.doc(i) for i in ids) if d is not None]

    # candidates ------------------------------------------------------------------------------------
    def candidates(self, doc: Doc, sample: np.ndarray) -> list[int]:
        """Canonical ids of the groups worth verifying ``doc`` against, most promising first."""
        score: dict[int, float] = {}
        if doc.text_hash:
            for (canon,) in self.db.execute(
                "SELECT DISTINCT d.canonical_id FROM documents d JOIN dedupe_sketches s ON s.doc_id = d.id"
                " WHERE d.text_hash = ? AND d.id != ?", [doc.text_hash, doc.id]):
                score[canon] = 2.0
        keys = to_sqlite(sample)
        usable = keys
        if keys:
            common = {h for h, n in self._in_chunks("SELECT hash, n FROM dedupe_hashes WHERE hash IN ({})", keys)
                      if n > MAX_DF}
            usable = [h for h in keys if h not in common]
        if usable:
            shared = self._in_chunks(
                "SELECT p.doc_id, COUNT(*), s.samples, d.canonical_id FROM dedupe_postings p"
                " JOIN dedupe_sketches s ON s.doc_id = p.doc_id JOIN documents d ON d.id = p.doc_id"
                " WHERE p.hash IN ({}) AND p.doc_id != " + str(int(doc.id)) + " GROUP BY p.doc_id", usable)
            for _cand, n, cand_samples, canon in shared:
                share = n / max(1, min(len(usable), cand_samples or 1))
                if share >= CANDIDATE_SHARE and canon is not None:
                    score[canon] = max(score.get(canon, 0.0), share)
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
        doc = self.doc(doc_id)
        if doc is None:
            raise KeyError(doc_id)
        row = self.db.execute("SELECT text_hash FROM dedupe_sketches WHERE doc_id = ?", [doc_id]).fetchone()
        if row is not None:
            if row[0] == doc.text_hash:
                kind = self.db.execute("SELECT duplicate_kind FROM documents WHERE id = ?", [doc_id]).fetchone()[0]
                return doc.canonical_id or doc.id, kind
            self.remove(doc_id)
            doc = self.doc(doc_id)
        self._hashes.pop(doc.id, None)
        sample, shingles = text_sample(doc.text or "")
        matched: list[tuple[Doc, str]] = []
        for canon_id in self.candidates(doc, sample):
            canon = self.doc(canon_id)
            if canon is None or any(not compatible(canon, m) for m, _ in matched):
                continue
            rel = self.relation(doc, canon)
            if rel is None and len(self.full_hashes(doc)) > len(self.full_hashes(canon)):
                rel = self.relation(canon, doc)  # the newcomer is the fuller text of an excerpt
            if rel is not None:
                matched.append((canon, rel))
        self._persist(doc, sample, shingles)
        if not matched:
            self._set(doc.id, doc.id, None)
            return doc.id, None
        # the group: the matched groups (merged if several) and the newcomer
        canonicals = [c for c, _ in matched]
        members = [doc]
        for c in canonicals:
            members.append(c)
            members.extend(self.members(c.id))
        new_canon = self.best([doc, *canonicals], members)
        return self._regroup(new_canon, members, doc)

    def _regroup(self, canon: Doc, members: list[Doc], focus: Doc) -> tuple[int, str | None]:
        self._set(canon.id, canon.id, None)
        result = (canon.id, None)
        for m in members:
            if m.id == canon.id:
                continue
            rel = self.relation(m, canon)
            if rel is None:  # no longer the same report as the new canonical: on its own
                self._set(m.id, m.id, None)
                if m.id == focus.id:
                    result = (m.id, None)
                continue
            self._set(m.id, canon.id, rel)
            self._inherit(m, canon)
            if m.id == focus.id:
                result = (canon.id, rel)
        return result

    def _inherit(self, member: Doc, canon: Doc) -> None:
        """A group's metadata is consistent: a member lacking city/year takes its canonical's."""
        keys = ("province", "city", "admin_code", "admin_level", "year")
        fill = {k: getattr(canon, k) for k in keys if getattr(member, k) is None and getattr(canon, k) is not None}
        if fill:
            self.db.execute(f"UPDATE documents SET {', '.join(f'{k} = ?' for k in fill)} WHERE id = ?",
                            [*fill.values(), member.id])

    def _set(self, doc_id: int, canonical_id: int, kind: str | None) -> None:
        self.db.execute("UPDATE documents SET canonical_id = ?, duplicate_kind = ? WHERE id = ?",
                        [canonical_id, kind, doc_id])

    def _persist(self, doc: Doc, sample: np.ndarray, shingles: int) -> None:
        keys = to_sqlite(sample)
        self.db.execute(
            "INSERT OR REPLACE INTO dedupe_sketches (doc_id, text_hash, shingles, samples, sample) VALUES (?, ?, ?, ?, ?)",
            [doc.id, doc.text_hash, shingles, len(keys), sample.tobytes()])
        if not keys:
            return
        counts = dict(self._in_chunks("SELECT hash, n FROM dedupe_hashes WHERE hash IN ({})", keys))
        self.db.conn.executemany(
            "INSERT INTO dedupe_hashes (hash, n) VALUES (?, 1) ON CONFLICT(hash) DO UPDATE SET n = n + 1",
            [(h,) for h in keys])
        self.db.conn.executemany("INSERT OR IGNORE INTO dedupe_postings (hash, doc_id) VALUES (?, ?)",
                            [(h, doc.id) for h in keys if counts.get(h, 0) < MAX_DF])

    def remove(self, doc_id: int) -> None:
        """Take a document out of the index and out of its group (before its text changes)."""
        row = self.db.execute("SELECT sample FROM dedupe_sketches WHERE doc_id = ?", [doc_id]).fetchone()
        if row is not None:
            keys = to_sqlite(np.frombuffer(row[0], dtype=np.uint64)) if row[0] else []
            self.db.conn.executemany("UPDATE dedupe_hashes SET n = n - 1 WHERE hash = ?", [(h,) for h in keys])
            self.db.execute("DELETE FROM dedupe_postings WHERE doc_id = ?", [doc_id])
            self.db.execute("DELETE FROM dedupe_sketches WHERE doc_id = ?", [doc_id])
        self._hashes.pop(doc_id, None)
        doc = self.doc(doc_id)
        if doc is None:
            return
        if doc.canonical_id == doc_id:
            members = self.members(doc_id)
            if members:
                new_canon = self.best(members, members)
                self._regroup(new_canon, members, new_canon)
        self._set(doc_id, doc_id, None)

    def rebuild(self, progress=None) -> dict:
        """Recompute every group from scratch, documents in id order. ``progress(n)`` after each."""
        self.db.execute("DELETE FROM dedupe_postings")
        self.db.execute("DELETE FROM dedupe_sketches")
        self.db.execute("DELETE FROM dedupe_hashes")
        self.db.execute("UPDATE documents SET canonical_id = id, duplicate_kind = NULL")
        self._hashes.clear()
        ids = [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY id")]
        for doc_id in ids:
            self.add(doc_id)
            if progress:
                progress(1)
        return summary(self.db)


def summary(db) -> dict:
    kinds = dict(db.execute(
        "SELECT COALESCE(duplicate_kind, 'canonical'), COUNT(*) FROM documents GROUP BY 1").fetchall())
    groups = db.execute(
        "SELECT COUNT(*) FROM (SELECT canonical_id FROM documents GROUP BY canonical_id HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    return {"documents": sum(kinds.values()), "groups": groups, **kinds}
