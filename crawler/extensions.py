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
