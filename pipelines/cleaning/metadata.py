"""Report metadata from title, text and URL (placeholder: filled in by the metadata work)."""

from __future__ import annotations

META_KEYS = ("doc_type", "province", "city", "admin_code", "admin_level", "year",
             "session", "speaker", "speaker_role", "delivery_date")


def extract_metadata(*, title: str | None, text: str, url: str | None = None,
                     publish_date: str | None = None) -> dict:
    return dict.fromkeys(META_KEYS)
