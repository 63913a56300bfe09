"""Pipeline 2: exact duplicates (same normalised text) are linked to their group's canonical.

Duplicates are never dropped: the store keeps them with ``canonical_id`` and ``duplicate_kind``.
Near-duplicates and excerpts are found over the whole archive by ``archive dedupe``.
"""

from __future__ import annotations

from archive import db as archive_db
from pipelines.cleaning import text_hash


class ExactDedupePipeline:
    def __init__(self, crawler):
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("ARCHIVE_DB")
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.db = archive_db.acquire_shared(self.db_path)

    def close_spider(self):
        archive_db.release_shared(self.db_path)

    def process_item(self, item):
        if item.skip_reason or not item.cleaned:
            return item
        item.text_hash = text_hash(item.cleaned["text"])
        canonical = archive_db.find_exact(self.db, item.text_hash, url=item.pages[0].url)
        if canonical is not None:
            item.canonical_id = canonical
            item.duplicate_kind = "exact"
            self.stats.inc_value("archive/exact_duplicates")
        return item
