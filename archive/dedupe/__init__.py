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

Modules, by job: ``params`` the thresholds, ``doc`` a document's row and the metadata guard,
``schema`` the tables (and ``summary``), ``index`` the posting lists in memory, ``canonical`` the
choice of the best copy, ``engine`` the grouping (``Deduper``), ``rebuild`` the worker processes
that sketch a rebuild's batches.
"""

from archive.dedupe.canonical import best_copy, leftover_chrome, official
from archive.dedupe.doc import Doc, compatible, guard_key
from archive.dedupe.engine import Deduper
from archive.dedupe.params import (
    CANDIDATE_SHARE,
    CONTAINMENT,
    EXCERPT_RATIO,
    GUARD_KEYS,
    MAX_CANDIDATES,
    MAX_DF,
    MIN_SAMPLE,
    NEAR_JACCARD,
    QUERY_K,
)
from archive.dedupe.schema import (
    SCHEMA,
    ensure_schema,
    set_sketch_version,
    sketch_version,
    summary,
    unsketched,
)

__all__ = [
    "CANDIDATE_SHARE",
    "CONTAINMENT",
    "EXCERPT_RATIO",
    "GUARD_KEYS",
    "MAX_CANDIDATES",
    "MAX_DF",
    "MIN_SAMPLE",
    "NEAR_JACCARD",
    "QUERY_K",
    "SCHEMA",
    "Deduper",
    "Doc",
    "best_copy",
    "compatible",
    "ensure_schema",
    "guard_key",
    "leftover_chrome",
    "official",
    "set_sketch_version",
    "sketch_version",
    "summary",
    "unsketched",
]
