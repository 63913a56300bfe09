"""Pipeline 3: put each stored document in its duplicate group (exact, near, excerpt).

Runs after the store, on the document's row: its sketch is persisted and matched against the
whole archive (archive.dedupe.Deduper). Duplicates are never dropped; they point to their group's
canonical copy through ``canonical_id`` with their ``duplicate_kind``. ``DEDUP_ENABLED = False``
switches it off (``archive dedupe`` can group everything later).
"""

from __future__ import annotations

from scrapy.exceptions import NotConfigured

from archive import db as archive_db
from archive.dedupe import Deduper
from crawler.sources import SourceError, load_sources


def official_sources(sources_file: str | None) -> set[str]:
    """Keys of the sources marked ``official = true`` (government sites)."""
    try:
        return {k for k, s in load_sources(sources_file).items() if s.official}
    except SourceError:
        return set()


class DedupePipeline:
    def __init__(self, crawler):
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("ARCHIVE_DB")
        self.sources_file = crawler.settings.get("ARCHIVE_SOURCES")
        self.db = None
        self.deduper: Deduper | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("DEDUP_ENABLED", True):
            raise NotConfigured("DEDUP_ENABLED is off")
        return cls(crawler)

    def open_spider(self):
        self.db = archive_db.acquire_shared(self.db_path)
        self.deduper = Deduper(self.db, official_sources=official_sources(self.sources_file))

    def close_spider(self):
        self.db.commit()
        archive_db.release_shared(self.db_path)

    def process_item(self, item):
        if item.document_id is None:
            return item
        if not self.db.conn.in_transaction:
            self.db.begin()
        with self.db.atomic():  # a savepoint: a regrouping that fails half-way is rolled back
            item.canonical_id, item.duplicate_kind = self.deduper.add(item.document_id)
        if item.duplicate_kind:
            self.stats.inc_value(f"archive/duplicates/{item.duplicate_kind}")
        return item
