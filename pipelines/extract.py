"""Pipeline 1: main text, chrome removal and metadata for each report (pure functions in cleaning/)."""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter

from archive import db as archive_db
from crawler.sources import cleaning_options, load_sources
from pipelines.cleaning import RawPage, clean_document
from pipelines.cleaning.sniff import sniff

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Cleans ``item.pages`` into ``item.cleaned``; failed or empty pages get a ``skip_reason``.

    Nothing is dropped: the store still keeps the raw captures of a skipped item.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.db_path = settings.get("ARCHIVE_DB")
        self.sources = load_sources(settings.get("ARCHIVE_SOURCES"))
        self.learned: dict[str, list[dict]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        db = archive_db.acquire_shared(self.db_path)
        try:
            for key in self.sources:
                self.learned[key] = archive_db.load_boilerplate(db, key)
        finally:
            archive_db.release_shared(self.db_path)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        for page in adapter["pages"]:  # by magic bytes, before any parsing, whatever Content-Type says
            page.sniffed_type = sniff(page.body)
        pages = [p for p in adapter["pages"] if p.ok]
        if item.not_modified:
            item.skip_reason = "not modified"
            return item
        if adapter["incomplete"]:
            item.skip_reason = "continuation page failed"
            self.stats.inc_value("archive/skipped/incomplete")
            return item
        if len(pages) != len(adapter["pages"]) or not pages:
            item.skip_reason = "fetch failed"
            self.stats.inc_value("archive/skipped/fetch_failed")
            return item
        binary = next((p for p in pages if p.sniffed_type), None)
        if binary is not None:  # a PDF, Word file or image, even one served as text/html
            item.skip_reason = f"binary: {binary.sniffed_type}"
            self.stats.inc_value("archive/skipped/binary")
            logger.warning("%s is %s (served as %s): capture kept, no document", binary.url,
                           binary.sniffed_type, binary.content_type or "no Content-Type")
            return item
        source = self.sources.get(item.source)
        try:
            cleaned = clean_document(
                [RawPage(body=p.body, url=p.url, content_type=p.content_type) for p in pages],
                learned=self.learned.get(item.source) or None,
                **cleaning_options(source),
            )
        except Exception as exc:  # a page the cleaner cannot handle must not stop the crawl
            logger.exception("cleaning failed for %s", pages[0].url)
            item.skip_reason = f"cleaning failed: {exc.__class__.__name__}: {exc}"
            self.stats.inc_value("archive/skipped/cleaning_failed")
            return item
        item.cleaned = cleaned
        if not (cleaned.get("text") or "").strip():
            item.skip_reason = "no main text"
            self.stats.inc_value("archive/skipped/no_text")
            logger.warning("no main text in %s", pages[0].url)
        if cleaned.get("mojibake"):
            self.stats.inc_value("archive/flags/mojibake")
        return item
