"""A document as grouping sees it (its row without the text), and the metadata guard between two."""

from __future__ import annotations

from dataclasses import dataclass

from archive.dedupe.params import GUARD_KEYS

DOC_COLS = (
    "id",
    "url",
    "source",
    "text",
    "text_hash",
    "city",
    "province",
    "year",
    "admin_code",
    "admin_level",
    "masked_chars",
    "truncated",
    "mojibake",
    "canonical_id",
    "duplicate_kind",
)

SELECT = ", ".join(
    "NULL" if c == "text" else f"d.{c}" for c in DOC_COLS
)  # the columns of a Doc, text left out


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


def guard_key(doc: Doc) -> str:
    """What, besides the text, decides a document's group: the metadata the guard compares."""
    return "|".join("" if getattr(doc, k) is None else str(getattr(doc, k)) for k in GUARD_KEYS)


def consistent(docs: list[Doc]) -> bool:
    """No two of ``docs`` know a different city, year or admin code."""
    return all(len({getattr(d, k) for d in docs} - {None}) <= 1 for k in GUARD_KEYS)


def compatible(a: Doc, b: Doc) -> bool:
    """False when the two documents are known to be different reports (metadata disagree)."""
    return all(
        getattr(a, k) is None or getattr(b, k) is None or getattr(a, k) == getattr(b, k) for k in GUARD_KEYS
    )
