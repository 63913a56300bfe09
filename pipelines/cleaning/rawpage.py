"""The page type passed to clean_document."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RawPage:
    body: bytes
    url: str
    content_type: str | None = None  # the HTTP Content-Type header, if any
