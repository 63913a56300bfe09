"""Scrapy's stats collector with a table of counts per source (``STATS_CLASS``).

All sources of an ``archive crawl`` run in one crawler; ``inc_source`` counts a stat for the
crawl (as ``inc_value``) and for one source, so ``crawl_run_sources`` and the health checks see
each source's own pages, reports and errors.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from scrapy.statscollectors import MemoryStatsCollector


class SourceStatsCollector(MemoryStatsCollector):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.by_source: defaultdict[str, Counter] = defaultdict(Counter)

    def inc_source(self, source: str, key: str, count: int = 1) -> None:
        self.inc_value(key, count)
        self.by_source[source][key] += count

    def source_stats(self) -> dict[str, dict[str, int]]:
        return {key: dict(values) for key, values in self.by_source.items()}
