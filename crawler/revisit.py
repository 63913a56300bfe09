"""What the crawl knows of a report page before fetching it: the revisit interface.

The spider asks ``known(url)`` for every report page it is about to request; the answer decides
between a plain GET, a conditional one (If-None-Match / If-Modified-Since) and no request at all
(checked less than ``revisit_days`` ago). Which implementation answers is a setting,
``ARCHIVE_REVISIT_CLASS`` (an import path, so the spider depends on this interface only): the
archive's SQLite store by default (``archive.revisit.ArchiveRevisit``), a shared store for a
distributed crawl's workers.
"""

from __future__ import annotations

from typing import Protocol, TypedDict

from scrapy.utils.misc import build_from_crawler, load_object


class Known(TypedDict, total=False):
    document_id: int
    url: str  # the document's own address
    etag: str | None
    last_modified: str | None
    checked_at: str | None  # ISO 8601, when the page was last fetched or revalidated
    gone_at: str | None  # when it answered 404/410, None while present


class Revisit(Protocol):
    def known(self, url: str) -> Known | None: ...

    def close(self) -> None: ...


class NothingKnown:
    """Every page is new (a crawl without an archive behind it)."""

    def __init__(self, crawler=None):
        pass

    def known(self, url: str) -> Known | None:
        return None

    def close(self) -> None:
        pass


def build_revisit(crawler) -> Revisit:
    path = crawler.settings.get("ARCHIVE_REVISIT_CLASS")
    if not path:
        return NothingKnown()
    return build_from_crawler(load_object(path), crawler)
