"""Which copy of a report is its group's canonical: the most complete, least damaged one."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np

from archive.dedupe.doc import Doc
from pipelines.cleaning.chrome import strip_chrome


@lru_cache(maxsize=4096)
def _rule_chrome(text: str) -> tuple[int, frozenset[str]]:
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
        if (
            ln not in taken
            and len(key) <= 12
            and not any(p in ln for p in "。；！？，")
            and key not in others
        ):
            junk += len(key)
    return junk


def official(url: str | None) -> bool:
    """A government site by its address (*.gov.cn)."""
    host = (urlsplit(url or "").hostname or "").lower()
    return host.endswith(".gov.cn") or host == "gov.cn"


def best_copy(
    candidates: list[Doc],
    group: list[Doc],
    *,
    hashes: Callable[[Doc], np.ndarray],
    text: Callable[[Doc], str],
    official_sources: frozenset[str],
) -> Doc:
    """The canonical copy among ``candidates``, judged against the whole ``group`` (``hashes``: a
    document's full shingle hashes, ``text``: its text, both read when needed).

    Most complete first (within 90% of the largest copy),
    then no mojibake, not truncated, fewest ``*``, the official source, city and year known
    (the group's metadata is its canonical's), the least leftover
    chrome (lines the chrome rules recognise, short lines no other copy has: page numbers,
    site names), the most shingles another copy has too (the original over a re-laid-out
    copy), the most text, the earliest.
    """
    if len(candidates) == 1:
        return candidates[0]
    shingles = {d.id: len(hashes(d)) for d in candidates}
    most = max(shingles.values())

    def first(d: Doc) -> tuple:
        return (
            shingles[d.id] >= 0.9 * most,
            not d.mojibake,
            not d.truncated,
            -(d.masked_chars or 0),
            d.source in official_sources or official(d.url),
            (d.city is not None) + (d.year is not None),
        )

    top = max(first(d) for d in candidates)
    tied = [d for d in candidates if first(d) == top]
    if len(tied) == 1:
        return tied[0]
    if len({d.text_hash for d in tied}) == 1 and tied[0].text_hash:  # the same text: the earliest
        return min(tied, key=lambda d: d.id)
    # the leftover chrome, only for the copies still tied (it costs a pass of the chrome rules)
    texts = {d.id: d for d in group} | {d.id: d for d in candidates}
    compact = {i: "".join(text(d).split()) for i, d in texts.items()}
    full = {i: hashes(d) for i, d in texts.items()}
    rest = {}
    for d in tied:
        junk = leftover_chrome(text(d), "".join(t for i, t in compact.items() if i != d.id))
        # shingles another copy has too: a re-laid-out copy (chapters swapped) has fewer than
        # the original its other copies agree with; a shorter copy has no more than the full one
        seen = np.zeros(len(full[d.id]), dtype=bool)
        for i, h in full.items():
            if i != d.id:
                seen |= np.isin(full[d.id], h, assume_unique=True, kind="sort")
        supported = int(np.count_nonzero(seen))
        rest[d.id] = (-junk, supported, len(compact[d.id]) - junk, -d.id)
    return max(tied, key=lambda d: rest[d.id])
