"""The document record: every field of a stored document, declared once.

The ``documents`` table's columns (archive/db.py), the keys the cleaner returns
(``pipelines.cleaning.core.RESULT_KEYS``), the metadata keys (``metadata.META_KEYS``), the fields a
document is stored from (``archive.db.DOCUMENT_FIELDS``) and the keys and order of
``archive clean --json`` (``CLEAN_JSON``) all derive from ``FIELDS``. Order is the table's
column order (Datasette shows it; the large columns come last: SQLite keeps a row's long values
in overflow pages, and every column stored after them costs a walk through those pages).

``origin`` says who fills a field: ``cleaner`` (main-text extraction and chrome removal),
``metadata`` (jurisdiction, year… from the cleaned text), ``archive`` (the store: ids, groups,
versions, times).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    type: type
    origin: str  # cleaner, metadata or archive


def _fields(origin: str, types: dict[str, type]) -> list[Field]:
    return [Field(name, t, origin) for name, t in types.items()]


FIELDS: tuple[Field, ...] = (
    Field("id", int, "archive"),
    Field("url", str, "cleaner"),
    Field("source", str, "archive"),  # the configured source's key, or "import"
    *_fields("cleaner", {"title": str, "publish_date": str, "source_name": str}),
    *_fields(
        "metadata",
        {
            "doc_type": str,
            "province": str,
            "city": str,
            "admin_code": str,
            "admin_level": str,
            "year": int,
            "session": str,
            "speaker": str,
            "speaker_role": str,
            "delivery_date": str,
        },
    ),
    *_fields("archive", {"canonical_id": int, "duplicate_kind": str, "capture_id": int}),
    Field("pages", int, "cleaner"),
    *_fields("archive", {"chars": int, "text_hash": str}),
    *_fields("cleaner", {"encoding": str, "masked_chars": int, "truncated": int, "mojibake": int}),
    # version: 1, 2, … each time the stored state changed (older ones in document_versions);
    # checked_at: the last time the page was fetched or revalidated (304);
    # gone_at: when the page answered 404/410 (the document stays), NULL while it is there
    *_fields(
        "archive",
        {
            "first_seen_at": str,
            "updated_at": str,
            "version": int,
            "checked_at": str,
            "gone_at": str,
            "validators": str,
        },
    ),
    *_fields("cleaner", {"text": str, "removed": str}),
)

BY_NAME = {f.name: f for f in FIELDS}

# the cleaner's own keys, in the order it lays them out (``url`` first)
RESULT_KEYS: tuple[str, ...] = (
    "url",
    "title",
    "text",
    "publish_date",
    "source_name",
    "removed",
    "encoding",
    "masked_chars",
    "truncated",
    "mojibake",
    "pages",
)
META_KEYS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.origin == "metadata")
# what a document is stored from: everything cleaning and metadata give, but its address
STORED_FROM_CLEANING: tuple[str, ...] = tuple(
    f.name for f in FIELDS if f.origin != "archive" and f.name != "url"
)
# ``archive clean --json``: the contract's keys in the contract's order (INTERFACE.md), then the rest
CLEAN_JSON: tuple[str, ...] = (
    "url",
    "title",
    "text",
    "publish_date",
    "source_name",
    "doc_type",
    "province",
    "city",
    "admin_code",
    "admin_level",
    "year",
    "removed",
)

assert set(RESULT_KEYS) == {f.name for f in FIELDS if f.origin == "cleaner"}, "RESULT_KEYS vs FIELDS"
assert set(CLEAN_JSON) <= set(BY_NAME), "CLEAN_JSON names a field FIELDS lacks"
