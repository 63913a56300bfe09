"""Pipeline 2: store raw captures (compressed) and cleaned documents in SQLite.

Idempotent: the same bytes at the same URL are one capture; a document is keyed by its URL and
updated in place (its id never changes). Writes are committed in batches of ``ARCHIVE_BATCH_SIZE``.
"""

from __future__ import annotations

from archive import db as archive_db


class StorePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        self.stats = crawler.stats
        self.db_path = settings.get("ARCHIVE_DB")
        self.run_id = settings.getint("ARCHIVE_CRAWL_RUN_ID") or None
        self.batch_size = max(1, settings.getint("ARCHIVE_BATCH_SIZE", 50))
        self.pending = 0
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.db = archive_db.acquire_shared(self.db_path)

    def close_spider(self):
        self.db.commit()
        archive_db.release_shared(self.db_path)

    def process_item(self, item):
        from pipelines.cleaning import text_hash

        db = self.db
        if item.cleaned and not item.skip_reason:
            item.text_hash = text_hash(item.cleaned["text"])
        if not db.conn.in_transaction:
            db.begin()
        if item.not_modified:  # 304: nothing new to store, the document was seen
            archive_db.mark_checked(db, item.not_modified)
            self.stats.inc_value("archive/documents_not_modified")
            return self._done(item)
        with db.atomic():  # a savepoint: an item that fails half-way leaves nothing behind
            encoding = (item.cleaned or {}).get("encoding")
            capture_ids = []
            for page in item.pages:
                cid, new = archive_db.save_capture(
                    db, url=page.url, requested_url=page.requested_url, status=page.status,
                    headers=page.headers, body=page.body, fetched_at=page.fetched_at, source=item.source,
                    crawl_run_id=self.run_id, encoding=encoding if page.ok else None, error=page.error,
                    sniffed_type=page.sniffed_type,
                )
                capture_ids.append(cid)
                self.stats.inc_value("archive/captures_new" if new else "archive/captures_seen")
            if not item.skip_reason and item.cleaned:
                doc_id, state = archive_db.save_document(
                    db, url=item.pages[0].url, source=item.source, cleaned=item.cleaned,
                    text_hash=item.text_hash, capture_ids=capture_ids, fetched=not item.offline,
                )
                item.document_id = doc_id
                self.stats.inc_value(f"archive/documents_{state}")
                if not item.offline:
                    archive_db.save_validators(db, doc_id, item.pages[0].headers)
            elif len(item.pages) == 1 and item.pages[0].status in (404, 410):
                # an archived report's page is gone: the document stays, marked gone with the date
                for url in dict.fromkeys((item.pages[0].requested_url, item.pages[0].url)):
                    if archive_db.mark_gone(db, url) is not None:
                        self.stats.inc_value("archive/documents_gone")
                        break
        return self._done(item)

    def _done(self, item):
        db = self.db
        self.pending += 1
        if self.pending >= self.batch_size:
            db.commit()
            self.pending = 0
        return item
