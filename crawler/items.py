"""What spiders yield: the raw pages of one report and where they came from. No cleaning here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def now_iso() -> str:
    """Now, UTC, ISO 8601 to the second: the timestamps of captures and runs."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Page:
    """One HTTP response, exactly as received (after content-decoding)."""

    url: str  # final URL, after redirects
    requested_url: str
    status: int
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    fetched_at: str  # ISO 8601, UTC
    error: str | None = None  # why it is not a usable page (HTTP error, …)
    sniffed_type: str | None = None  # ExtractPipeline: a binary body's type by its magic bytes (a PDF…)
    # the spider's decode and parse of the body (pipelines.cleaning.parse_page), handed to the
    # cleaner so a page is parsed once; never stored
    parsed: object | None = field(default=None, repr=False, compare=False)
    # the body's hash and compressed form (pipelines.packing.pack), made by a cleaning worker so
    # the writer only inserts; never compared
    packed: object | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_file(cls, path, url: str | None = None) -> Page:
        """A saved page or text dump as if fetched: ``url`` defaults to the file's file:// URI."""
        import mimetypes
        from pathlib import Path

        path = Path(path)
        uri = url or path.resolve().as_uri()
        ctype = (
            "text/plain"
            if path.suffix.lower() == ".txt"
            else (mimetypes.guess_type(path.name)[0] or "text/html")
        )
        return cls(
            url=uri,
            requested_url=uri,
            status=200,
            headers={"Content-Type": ctype},
            body=path.read_bytes(),
            fetched_at=now_iso(),
        )

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and self.error is None


@dataclass
class ReportItem:
    """A report page (with its continuation pages, in order) found by a source's spider.

    The spider fills ``source`` and ``pages``; the pipelines fill the rest.
    """

    source: str
    pages: list[Page]
    listing_url: str | None = None
    incomplete: bool = False  # a continuation page could not be fetched
    not_modified: int | None = None  # the archived document whose page answered 304 Not Modified
    offline: bool = False  # pages re-read from the archive (reprocess), not fetched now
    cleaned: dict | None = field(
        default=None, repr=False
    )  # ExtractPipeline: the ``archive clean --json`` keys and more
    text_hash: str | None = None  # StorePipeline
    skip_reason: str | None = None  # why no document is made (captures are still stored)
    known_document: int | None = None  # the spider: the archived document of this page, if any
    known_clean_key: str | None = None  # …and what it was cleaned from (pipelines.extract.clean_key)
    clean_key: str | None = None  # ExtractPipeline: what this item's cleaning depends on
    learned_version: int | None = None  # ExtractPipeline: which learned set of its source it was cleaned with
    # the writer: the text's dedupe sketch (sample, shingle count) a cleaning worker made; never exported
    sketch: tuple | None = field(default=None, repr=False, compare=False)
    document_id: int | None = None  # StorePipeline
    notes: list[str] = field(default_factory=list)
