"""Per-source budgets: what one source may cost a crawl, whatever its site does.

``DEPTH_LIMIT`` bounds how deep a crawl goes, not how wide: a site whose every listing page links
ten new listing pages keeps a crawl going for ever (and the archive's lock held every night).
Every source gets a budget, from the settings (``ARCHIVE_SOURCE_MAX_REQUESTS``,
``ARCHIVE_SOURCE_MAX_LISTINGS``, ``ARCHIVE_SOURCE_MAX_SECONDS``) or its own entry
(``max_requests``, ``max_listings``, ``max_seconds``; 0 = no limit):

- requests: the listing, report and continuation pages the spider schedules for the source
  (Scrapy's retries, redirect hops and robots.txt are not counted);
- listings: the listing pages among them;
- seconds: wall time from the source's first request reaching the downloader.

Its requests or its time spent, the source stops: the spider schedules none of its requests any
more, and ``SourceBudgetGuard`` (a downloader middleware) drops those already queued once its time
is up. Its listing pages spent, it follows no further listing page, and still fetches the report
pages listed on those it read (within its request budget). The other sources go on. Each budget
reached is logged once (WARNING), counted (``archive/budget/<kind>``, whose value is the limit
reached; ``archive/skipped/budget``: the requests not made) and shown by the ``budget`` health
check: a warning, not a failure (what was fetched is stored as usual; the source's site was not
crawled to its end, so raise the budget if that site is really that large).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from pipelines.stats import count

logger = logging.getLogger(__name__)

BUDGET_MESSAGE = "budget"  # IgnoreRequest messages start with it: the spider's _failure_kind looks for it
KINDS = {
    "requests": ("max_requests", "ARCHIVE_SOURCE_MAX_REQUESTS", "requests"),
    "listings": ("max_listings", "ARCHIVE_SOURCE_MAX_LISTINGS", "listing pages"),
    "seconds": ("max_seconds", "ARCHIVE_SOURCE_MAX_SECONDS", "seconds"),
}


@dataclass
class _Spent:
    requests: int = 0
    listings: int = 0
    started: float | None = None  # monotonic time of the first request downloaded
    stopped: str | None = None  # the kind of budget that stopped the source
    listings_full: bool = False  # its listing budget is spent: no further listing page
    limits: dict = field(default_factory=dict)


class SourceBudgets:
    """The budgets of a crawl's sources, and what each has spent (one object, the spider's)."""

    def __init__(self, crawler, sources: dict):
        self.crawler = crawler  # its stats are set when the crawl starts, after the spider is made
        settings = crawler.settings
        self.defaults = {
            kind: settings.getfloat(name, 0) if kind == "seconds" else settings.getint(name, 0)
            for kind, (_, name, _) in KINDS.items()
        }
        self.sources = sources
        self._spent: dict[str, _Spent] = {}

    @property
    def stats(self):
        return self.crawler.stats

    def _of(self, key: str) -> _Spent:
        spent = self._spent.get(key)
        if spent is None:
            source = self.sources.get(key)
            limits = {}
            for kind, (option, _, _) in KINDS.items():
                own = getattr(source, option, None)
                limits[kind] = own if own is not None else self.defaults[kind]
            spent = self._spent[key] = _Spent(limits=limits)
        return spent

    def limit(self, key: str, kind: str):
        return self._of(key).limits[kind]

    def stopped(self, key: str) -> str | None:
        """The kind of budget that stopped the source, or None while it may go on."""
        spent = self._of(key)
        if spent.stopped is None and spent.started is not None:
            seconds = spent.limits["seconds"]
            if seconds and time.monotonic() - spent.started >= seconds:
                self._stop(key, spent, "seconds")
        return spent.stopped

    def take(self, key: str, listing: bool = False) -> bool:
        """Whether the source may schedule one more request (a listing page when ``listing``);
        counts it when it may, and the request not made when it may not. Its listing budget
        spent, a source follows no more listing pages, and still fetches the report pages
        those it read list (within its request budget)."""
        spent = self._of(key)
        if self.stopped(key) is None:
            if spent.limits["requests"] and spent.requests >= spent.limits["requests"]:
                self._stop(key, spent, "requests")
            elif listing and spent.limits["listings"] and spent.listings >= spent.limits["listings"]:
                if not spent.listings_full:
                    spent.listings_full = True
                    self._warn(key, spent, "listings", "no further listing page is followed")
                count(self.stats, key, "archive/skipped/budget")
                return False
        if spent.stopped is not None:
            count(self.stats, key, "archive/skipped/budget")
            return False
        spent.requests += 1
        spent.listings += listing
        return True

    def downloading(self, key: str) -> bool:
        """A request of the source reaches the downloader: starts its clock; False once its time
        is up (the request is then not made). A request scheduled within the request budget is
        made, even after that budget is reached: it was counted when scheduled."""
        spent = self._of(key)
        if spent.started is None:
            spent.started = time.monotonic()
        return self.stopped(key) != "seconds"

    def _stop(self, key: str, spent: _Spent, kind: str) -> None:
        spent.stopped = kind
        self._warn(key, spent, kind, "its remaining requests are not made")

    def _warn(self, key: str, spent: _Spent, kind: str, what: str) -> None:
        option, setting, label = KINDS[kind]
        count(self.stats, key, f"archive/budget/{kind}", spent.limits[kind])  # the limit reached
        logger.warning(
            "source %s reached its budget of %s %s (%s, or %s in its entry): %s",
            key,
            _shown(spent.limits[kind]),
            label,
            setting,
            option,
            what,
        )


def _shown(limit) -> str:
    return f"{limit:g}" if isinstance(limit, float) else str(limit)
