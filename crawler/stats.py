"""Scrapy's stats collector with a table of counts per source (``STATS_CLASS``).

All sources of an ``archive crawl`` run in one crawler; ``inc_source`` counts a stat for the
crawl (as ``inc_value``) and for one source, so ``crawl_run_sources`` and the health checks see
each source's own pages, reports and errors. ``set_source_first`` keeps a text for a source
(the first message of each kind of error, ``archive/first_error/<kind>``): a run whose every
request was refused says why.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from scrapy.statscollectors import MemoryStatsCollector


class SourceStatsCollector(MemoryStatsCollector):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.by_source: defaultdict[str, Counter] = defaultdict(Counter)  # counts, and a few first texts

    def inc_source(self, source: str, key: str, count: int = 1) -> None:
        self.inc_value(key, count)
        self.by_source[source][key] += count

    def set_source_first(self, source: str, key: str, value: str) -> None:
        """A value of one source's stats kept from its first setting (a first error message)."""
        self.by_source[source].setdefault(key, value)

    def source_stats(self) -> dict[str, dict[str, int]]:
        return {key: dict(values) for key, values in self.by_source.items()}
