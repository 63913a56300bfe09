"""Counting per source: one crawl runs every source, and each source's counts keep their meaning.

``count(stats, source, key)`` adds to the crawl's total (Scrapy's stats) and, when the stats
collector keeps them (``crawler.stats.SourceStatsCollector``, the ingest runner's), to that
source's own counts. Any object with ``inc_value`` works, so a plain Scrapy collector does too.
"""

from __future__ import annotations


def count(stats, source: str | None, key: str, n: int = 1) -> None:
    by_source = getattr(stats, "inc_source", None)
    if by_source is not None and source:
        by_source(source, key, n)
    else:
        stats.inc_value(key, n)
