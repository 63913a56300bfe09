"""A progress line on a terminal; nothing under cron."""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured


class Progress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.items = 0

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_PROGRESS") or not sys.stderr.isatty():
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item, spider):
        self.items += 1
        stats = self.crawler.stats
        errors = stats.get_value("archive/errors/report", 0) + stats.get_value("archive/errors/listing", 0)
        sys.stderr.write(f"\r{spider.name}: {self.items} reports, {errors} errors ")
        sys.stderr.flush()

    def spider_closed(self, spider):
        sys.stderr.write("\n")


class WriterLock:
    """Holds the archive's writer lock for a plain ``scrapy crawl`` (``archive crawl`` holds it itself).

    A second writer fails at once with a clear message instead of interleaving its writes.
    """

    def __init__(self, lock):
        self.lock = lock

    @classmethod
    def from_crawler(cls, crawler):
        from archive.lock import ArchiveLock, LockBusy

        settings = crawler.settings
        if settings.getbool("ARCHIVE_LOCK_HELD"):
            raise NotConfigured
        lock = ArchiveLock(settings.get("ARCHIVE_DB"))
        try:
            lock.acquire()
        except LockBusy as exc:
            raise RuntimeError(f"{exc}: another crawl or import is writing this archive") from None
        ext = cls(lock)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider):
        self.lock.release()
