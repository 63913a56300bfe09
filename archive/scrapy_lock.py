"""The writer's lock as a Scrapy extension, for a plain ``scrapy crawl`` (``EXTENSIONS`` in
crawler/settings.py names it as a string: the crawler does not import the archive)."""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.lock import ArchiveLock, LockBusy


class WriterLock:
    """Holds the archive's writer lock for a plain ``scrapy crawl`` (``archive crawl`` holds it itself).

    A second writer fails at once with a clear message instead of interleaving its writes.
    """

    def __init__(self, lock):
        self.lock = lock

    @classmethod
    def from_crawler(cls, crawler):
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
