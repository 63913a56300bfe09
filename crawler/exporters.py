"""Feed exports (``scrapy crawl KEY -O items.jsonl``, ``FEEDS``): each ReportItem as a flat record.

A ReportItem carries its pages' raw bytes and the pipelines' working state to the archive's
writer; JSON has no bytes, so Scrapy's own exporters fail on it. The project's exporters
(``FEED_EXPORTERS`` in crawler/settings.py, one per format Scrapy ships) write ``feed_record`` instead: the document
with the keys and order of ``archive clean --json``, then which source and archived document it
is, and each page's address, status, size and sha256 — the raw bytes left out (they are in the
archive's ``captures``; ``archive export --warc`` writes them as WARC). Every record has the same
keys, so ``FEED_EXPORT_FIELDS`` and CSV headers work as usual.
"""

from __future__ import annotations

import hashlib
import json

from scrapy import exporters

from crawler.items import Page, ReportItem
from pipelines.document import CLEAN_JSON


def page_record(page: Page) -> dict:
    body = page.body or b""
    return {
        "url": page.url,
        "requested_url": page.requested_url,
        "status": page.status,
        "fetched_at": page.fetched_at,
        "content_type": page.content_type,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),  # as captures.sha256
        "error": page.error,
    }


def feed_record(item: ReportItem) -> dict:
    """What a feed gets of an item: its document (None values where it was not cleaned: a page
    already archived and unchanged says so in ``skip_reason``, its text is in the archive)."""
    cleaned = item.cleaned or {}
    first = item.pages[0].url if item.pages else None
    record = {key: cleaned.get(key) for key in CLEAN_JSON}
    record["url"] = cleaned.get("url") or first
    record.update(
        {
            "source": item.source,
            # the archived document (a page answering 304 is the one it was)
            "document_id": item.document_id if item.document_id is not None else item.not_modified,
            "skip_reason": item.skip_reason,
            "not_modified": item.not_modified is not None,
            "incomplete": item.incomplete,
            "listing_url": item.listing_url,
            "pages": [page_record(p) for p in item.pages],
        }
    )
    return record


class _Records:
    def export_item(self, item):
        return super().export_item(feed_record(item) if isinstance(item, ReportItem) else item)


class JsonItemExporter(_Records, exporters.JsonItemExporter):
    pass


class JsonLinesItemExporter(_Records, exporters.JsonLinesItemExporter):
    pass


class XmlItemExporter(_Records, exporters.XmlItemExporter):
    pass


class MarshalItemExporter(_Records, exporters.MarshalItemExporter):
    pass


class PickleItemExporter(_Records, exporters.PickleItemExporter):
    pass


class CsvItemExporter(_Records, exporters.CsvItemExporter):
    """A cell per key; the lists (``removed``, ``pages``) as JSON in their cell."""

    def serialize_field(self, field, name, value):
        if isinstance(value, dict) or (
            isinstance(value, list) and any(not isinstance(v, str) for v in value)
        ):
            return json.dumps(value, ensure_ascii=False)
        return super().serialize_field(field, name, value)
