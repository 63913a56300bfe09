"""Text similarity for deduplication: character 5-gram shingles, hashed and sampled with numpy.

Pure functions, no database. A text is normalised (whitespace, punctuation and symbols removed,
full-width forms folded: ``增长6.5％，`` and ``增长6.5%,`` are the same words) and cut into
overlapping character 5-grams; windows that touch a word-filter mask (``*``) are dropped, so a
mangled copy's shingles are a subset of the clean copy's. Each shingle is hashed to 64 bits
(polynomial over the code points, then a murmur-style finaliser), all vectorised.

Sampling is by value (a hash is kept when its low bits are zero): the sample of an excerpt is a
subset of the sample of the text it comes from, so samples find excerpts as well as near
duplicates, and their overlap estimates containment as well as Jaccard. Exact figures are then
computed on the full shingle sets of the few candidates.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

SHINGLE = 5
SAMPLE_BITS = 6  # keep 1 hash in 64: ~100 samples for a 6,500-character report
_SAMPLE_MASK = np.uint64((1 << SAMPLE_BITS) - 1)
_POWERS = [np.uint64(pow(1_000_003, SHINGLE - 1 - i, 1 << 64)) for i in range(SHINGLE)]
_C1 = np.uint64(0xFF51AFD7ED558CCD)
_C2 = np.uint64(0xC4CEB9FE1A85EC53)
_MASK_CHAR = ord("*")
# Stored sketches are recomputed (``archive.dedupe``) when this changes: 2 — punctuation and symbols
# dropped (which code points those are is Python's Unicode database's word: its version is part of it).
SKETCH_VERSION = f"2/unicode-{unicodedata.unidata_version}"


_RARE_SPACES = np.array([0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF], dtype=np.uint32)
_GONE = np.uint32(
    0xFFFFFFFF
)  # not a code point: what whitespace and punctuation map to before they are dropped
# the blocks whose punctuation and symbols are dropped: Latin-1, general punctuation to misc.
# symbols and arrows (…, ×, ①, □, ■, ○, ★), CJK punctuation, vertical / small / full-width forms
_PUNCT_BLOCKS = ((0x21, 0x100), (0x2010, 0x2C00), (0x3001, 0x3040), (0xFE10, 0xFE70), (0xFF01, 0xFF66))


def _fold_table() -> np.ndarray:
    """Code point → itself, its half-width form (Ｂ → B) or _GONE (whitespace, punctuation and
    symbols — except the ``*`` of word filters): one gather per text. ASCII or Chinese
    punctuation (OCR, PDF text, another site's typing), 〔〕 for [], the ×/□ of a filter: the
    words alone decide. The Basic Multilingual Plane only (256 KB, not 4.4 MB for all of
    Unicode: every code point it changes is below U+FF66); beyond it a code point is itself."""
    table = np.arange(0x10000, dtype=np.uint32)
    table[0xFF01:0xFF5F] -= 0xFEE0
    for lo, hi in _PUNCT_BLOCKS:
        for c in range(lo, hi):
            f = int(table[c])
            if f != _MASK_CHAR and unicodedata.category(chr(f))[0] in "PS":
                table[c] = _GONE
    table[:0x21] = _GONE
    table[0x2000:0x200C] = _GONE
    table[_RARE_SPACES] = _GONE
    return table


_FOLD = _fold_table()


def code_points(text: str) -> np.ndarray:
    """The text as code points with whitespace, punctuation and symbols removed and full-width
    ASCII forms folded (at numpy speed): layout breaks and ，/, don't count."""
    raw = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    cp = _FOLD[np.minimum(raw, 0xFFFF)]
    astral = raw > 0xFFFF
    if astral.any():
        cp[astral] = raw[astral]
    return cp[cp != _GONE]


def _window_hashes(text: str) -> np.ndarray:
    """Unsorted 64-bit hashes of every 5-gram window that doesn't touch a ``*`` mask."""
    cp = code_points(text).astype(np.uint64)
    if len(cp) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    n = len(cp) - SHINGLE + 1
    with np.errstate(over="ignore"):
        h = cp[:n] * _POWERS[0]
        for i in range(1, SHINGLE):
            h = h + cp[i : i + n] * _POWERS[i]
        h ^= h >> np.uint64(33)
        h *= _C1
        h ^= h >> np.uint64(33)
        h *= _C2
        h ^= h >> np.uint64(33)
    star = cp == _MASK_CHAR
    if star.any():
        touched = np.zeros(n, dtype=bool)
        for i in range(SHINGLE):
            touched |= star[i : i + n]
        h = h[~touched]
    return h


def _sorted_unique(h: np.ndarray) -> np.ndarray:
    h = np.sort(h)
    if len(h) > 1:
        h = h[np.concatenate(([True], h[1:] != h[:-1]))]
    return h


def shingle_hashes(text: str) -> np.ndarray:
    """Sorted unique 64-bit hashes of the text's character 5-grams (no window touching ``*``)."""
    return _sorted_unique(_window_hashes(text))


def text_sketch(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(the sample of the text's shingle set, the full set): what dedupe computes per document."""
    h = _sorted_unique(_window_hashes(text))
    return sample(h), h


def sample(hashes: np.ndarray) -> np.ndarray:
    """The value-defined sample of a shingle-hash set (sorted, unique)."""
    return hashes[(hashes & _SAMPLE_MASK) == 0]


@dataclass(frozen=True)
class Similarity:
    jaccard: float
    a_in_b: float  # share of a's shingles found in b
    b_in_a: float
    a_size: int
    b_size: int

    @property
    def containment(self) -> float:
        """How much of the smaller text is in the larger."""
        return self.a_in_b if self.a_size <= self.b_size else self.b_in_a


def similarity(a: np.ndarray, b: np.ndarray) -> Similarity:
    """Exact Jaccard and containment of two sorted unique hash sets."""
    if len(a) == 0 or len(b) == 0:
        return Similarity(0.0, 0.0, 0.0, len(a), len(b))
    inter = int(np.count_nonzero(np.isin(a, b, assume_unique=True, kind="sort")))  # 2x intersect1d's speed
    union = len(a) + len(b) - inter
    return Similarity(inter / union, inter / len(a), inter / len(b), len(a), len(b))


def to_sqlite(values: np.ndarray) -> list[int]:
    """uint64 hashes as SQLite's signed 64-bit integers."""
    return values.view(np.int64).tolist()
