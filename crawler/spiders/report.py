"""The one generic spider: walks the sources' listing pages and yields their report pages, raw.

``archive crawl`` runs one ReportSpider over all the chosen sources; ``scrapy crawl KEY`` runs a
subclass bound to one source (see ``crawler.spiderloader``). The spider only fetches: it follows listing pages (and their
pagination), fetches report pages with their continuation pages (下一页, ``_1.html``) and yields
one ReportItem per report with the raw responses. Failed report pages are yielded too, so the
archive keeps a capture of what the site answered, and are counted in the crawl's stats.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import ConnectionLost, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.web.client import ResponseFailed

from crawler.budget import BUDGET_MESSAGE, SourceBudgets
from crawler.items import Page, ReportItem, now_iso
from crawler.links import PageTooLarge, classify_links
from crawler.revisit import build_revisit
from crawler.sources import Source
from pipelines.cleaning import find_continuations, parse_page
from pipelines.cleaning.pages import may_continue
from pipelines.stats import count

MAX_CONTINUATION_PAGES = 50


def page_from_response(response) -> Page:
    redirects = response.request.meta.get("redirect_urls") or []
    headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
    return Page(
        url=response.url,
        requested_url=redirects[0] if redirects else response.request.url,
        status=response.status,
        headers=headers,
        body=response.body,
        fetched_at=now_iso(),
    )


class ReportSpider(scrapy.Spider):
    """Crawls any number of sources in one crawler: every request carries its source's key in
    ``meta["source"]``, and the per-source options (patterns, max_pages, the budgets, revisit_days,
    allow_private, allowed_domains, encoding) are looked up by it. Politeness stays per host
    (Scrapy's per-domain download slots and AutoThrottle)."""

    name = "reports"
    sources: dict[str, Source] = {}  # by key; set per crawl (``sources=`` argument) or by the loader

    custom_settings: dict = {}
    max_links = 1000  # links taken per listing page (ARCHIVE_MAX_LINKS_PER_PAGE)
    max_html = 8 * 1024 * 1024  # a page over this is neither parsed nor cleaned (ARCHIVE_MAX_HTML_BYTES)

    def __init__(self, *args, sources: dict[str, Source] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if sources is not None:
            self.sources = dict(sources)
        self.scheduled: Counter[str] = Counter()  # report pages requested, per source (max_pages)
        self.reports_seen: dict[str, set[str]] = {key: set() for key in self.sources}
        self.listings_seen: dict[str, set[str]] = {key: set() for key in self.sources}  # the budget's count
        self.revisit = None
        self.budgets: SourceBudgets | None = None
        self._by_host: dict[str, list[Source]] | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.revisit = build_revisit(crawler)
        spider.budgets = SourceBudgets(crawler, spider.sources)
        settings = crawler.settings
        spider.max_links = settings.getint("ARCHIVE_MAX_LINKS_PER_PAGE", cls.max_links)
        spider.max_html = settings.getint("ARCHIVE_MAX_HTML_BYTES", cls.max_html)
        return spider

    @property
    def source(self) -> Source | None:
        """The source of a one-source spider (``scrapy crawl KEY``); None when it crawls several."""
        return next(iter(self.sources.values())) if len(self.sources) == 1 else None

    def sources_of(self, request) -> list[Source]:
        """The sources a request belongs to: its ``meta["source"]``, else (robots.txt, which
        Scrapy requests on its own) every source whose start URLs or allowed domains name its host."""
        key = request.meta.get("source")
        if key is not None:
            return [self.sources[key]] if key in self.sources else []
        if self._by_host is None:
            self._by_host = {}
            for source in self.sources.values():
                for host in {*(urlsplit(u).hostname for u in source.start_urls), *source.allowed_domains}:
                    if host:
                        self._by_host.setdefault(host.lower(), []).append(source)
        return self._by_host.get((urlparse_cached(request).hostname or "").lower(), [])

    def source_of(self, request) -> Source | None:
        """The (first) source of a request: the one its counts are filed under."""
        found = self.sources_of(request)
        return found[0] if found else None

    def count(self, source: str, key: str, n: int = 1) -> None:
        count(self.crawler.stats, source, key, n)

    async def start(self):
        for key, source in self.sources.items():
            for url in source.start_urls:
                if source.classify(url) == "report":
                    request = self._report_request(key, url, listing_url=None)
                    if request is not None:
                        yield request
                else:
                    request = self._listing_request(key, url)
                    if request is not None:
                        yield request

    def _take(self, key: str, listing: bool = False) -> bool:
        """Whether the source's budget allows one more request (crawler.budget)."""
        return self.budgets is None or self.budgets.take(key, listing=listing)

    # listing pages -------------------------------------------------------------------------
    def _listing_request(self, key: str, url: str) -> scrapy.Request | None:
        seen = self.listings_seen.setdefault(key, set())
        if url in seen or not self._take(key, listing=True):
            return None  # a listing page linked again is not counted again (the dupefilter drops it)
        seen.add(url)
        return scrapy.Request(
            url, callback=self.parse_listing, errback=self.listing_failed, meta={"source": key}
        )

    def parse_listing(self, response):
        key = response.meta["source"]
        source = self.sources[key]
        self.count(key, "archive/listing_pages")
        if not hasattr(response, "text"):
            self.count(key, "archive/errors/listing_not_html")
            self.logger.warning("listing page is not HTML: %s", response.url)
            return
        if self.budgets is not None and self.budgets.stopped(key):
            return  # the source's budget is spent: its links lead nowhere now
        try:
            links = classify_links(
                source, response.text, response.url, max_links=self.max_links, max_tree_chars=self.max_html
            )
        except PageTooLarge as exc:
            self.count(key, "archive/skipped/too_large")
            self.logger.warning("listing page %s: links not read: %s", response.url, exc)
            return
        if links["cut"]:
            self.count(key, "archive/skipped/links_cut")
            self.logger.warning(
                "listing page %s: links read up to %d (ARCHIVE_MAX_LINKS_PER_PAGE), the rest not read",
                response.url,
                self.max_links,
            )
        for url in links["listing"]:
            request = self._listing_request(key, url)
            if request is not None:
                yield request
        seen = self.reports_seen[key]
        for url in links["report"]:
            if url in seen:
                continue
            if source.max_pages and self.scheduled[key] >= source.max_pages:
                self.count(key, "archive/skipped/max_pages")
                continue
            if not self._take(key):
                continue
            self.scheduled[key] += 1
            request = self._report_request(key, url, listing_url=response.url)
            if request is not None:
                yield request

    def listing_failed(self, failure):
        key = failure.request.meta["source"]
        kind = _failure_kind(failure)
        if kind == "budget":  # dropped, not failed: the source is out of time (SourceBudgetGuard)
            self.count(key, "archive/skipped/budget")
            return
        self.count(key, "archive/errors/listing")
        self.count(key, f"archive/errors/{kind}")
        self._first_error(key, kind, failure)
        self.logger.warning("listing page failed: %s (%s)", failure.request.url, failure.getErrorMessage())

    def _first_error(self, key: str, kind: str, failure) -> None:
        """The first message of each kind of failure of a source, kept in its stats
        (``archive/first_error/<kind>``): a run whose every request failed says why."""
        set_first = getattr(self.crawler.stats, "set_source_first", None)
        if set_first is not None:
            set_first(key, f"archive/first_error/{kind}", _failure_message(failure)[:300])

    # report pages --------------------------------------------------------------------------
    def _report_request(self, key: str, url: str, listing_url: str | None) -> scrapy.Request | None:
        """The request for a report page; for a page already archived, a conditional one
        (If-None-Match / If-Modified-Since from its stored capture), or none at all when the
        server gave no validators and the page was checked less than ``revisit_days`` ago."""
        # Each source's report URLs are deduplicated here (the spider needs the count for
        # max_pages); Scrapy's dupefilter (crawler.dupefilter) then drops a page two sources
        # list. A redirect hop is never judged by the dupefilter: a redirect loop runs to
        # REDIRECT_MAX_TIMES and reaches the errback instead of vanishing silently.
        self.reports_seen[key].add(url)
        # a report page may redirect to another host (www.x.gov.cn → x.gov.cn): listing links
        # were checked against allowed_domains already, redirect hops only by PrivateAddressGuard
        headers, meta = {}, {"source": key, "allow_offsite": True}
        known = self.revisit.known(url)
        if known is not None:
            if known["etag"] or known["last_modified"]:
                if known["etag"]:
                    headers["If-None-Match"] = known["etag"]
                if known["last_modified"]:
                    headers["If-Modified-Since"] = known["last_modified"]
                meta.update(handle_httpstatus_list=[304], archive_document=known["document_id"])
            elif known["gone_at"] is None and _age_days(known["checked_at"]) < self._revisit_days(key):
                self.count(key, "archive/skipped/fresh")
                return None
        return scrapy.Request(
            url,
            callback=self.parse_report,
            errback=self.report_failed,
            cb_kwargs={
                "pages": [],
                "listing_url": listing_url,
                "known": (known["document_id"], known.get("clean_key")) if known else None,
            },
            headers=headers or None,
            meta=meta,
        )

    def _revisit_days(self, key: str) -> float:
        days = self.sources[key].revisit_days
        return float(days if days is not None else self.settings.getfloat("ARCHIVE_REVISIT_DAYS", 30))

    def closed(self, reason):
        if self.revisit is not None:
            self.revisit.close()

    def parse_report(self, response, pages: list[Page], listing_url: str | None, known: tuple | None = None):
        key = response.meta["source"]
        if response.status == 304 and not pages and response.meta.get("redirect_urls"):
            # the conditional headers were for the archived URL; a redirect carried them to another
            # page, whose 304 says nothing about what we have: fetch that page unconditionally
            self.count(key, "archive/refetched_after_redirect")
            yield scrapy.Request(
                response.url,
                callback=self.parse_report,
                errback=self.report_failed,
                cb_kwargs={"pages": [], "listing_url": listing_url, "known": known},
                meta={"redirect_urls": list(response.meta["redirect_urls"]), "source": key},
                dont_filter=True,
            )
            return
        if response.status == 304 and not pages:
            # the archived copy is current: seen, nothing to fetch or store
            self.count(key, "archive/not_modified")
            yield ReportItem(
                source=key,
                pages=[page_from_response(response)],
                listing_url=listing_url,
                not_modified=response.meta["archive_document"],
            )
            return
        page = page_from_response(response)
        pages = [*pages, page]
        self.count(key, "archive/report_pages" if len(pages) == 1 else "archive/continuation_pages")
        nxt = self._next_continuation(key, page, pages)
        if nxt and not self._take(key):
            # the source's budget is spent mid-report: the pages fetched are kept as captures, no
            # document is made from an incomplete report (as when a continuation page fails)
            item = ReportItem(source=key, pages=pages, listing_url=listing_url, incomplete=True)
            item.notes.append(f"continuation page not fetched (the source's budget is spent): {nxt}")
            yield item
            return
        if nxt:
            yield scrapy.Request(
                nxt,
                callback=self.parse_report,
                errback=self.continuation_failed,
                cb_kwargs={"pages": pages, "listing_url": listing_url, "known": known},
                meta={"source": key},
                dont_filter=True,  # a page of this report: loops are stopped by _next_continuation's seen set
            )
            return
        yield ReportItem(
            source=key,
            pages=pages,
            listing_url=listing_url,
            known_document=known[0] if known else None,
            known_clean_key=known[1] if known else None,
        )

    def _next_continuation(self, key: str, page: Page, pages: list[Page]) -> str | None:
        if len(pages) >= MAX_CONTINUATION_PAGES:
            return None
        if len(page.body) > self.max_html:
            return None  # not parsed here (nor cleaned: pipelines.extract skips it as too large)
        if not may_continue(page.body, page.url):
            return None  # no address of a further page in it: not parsed here at all
        # the page is decoded and parsed once: the extract pipeline cleans the same parse
        page.parsed = parse_page(page.body, page.content_type, self.sources[key].encoding)
        seen = {p.url for p in pages} | {p.requested_url for p in pages}
        for url in find_continuations(page.body, page.url, page.content_type, parsed=page.parsed):
            if url not in seen:
                return url
        return None

    def report_failed(self, failure):
        kind = _failure_kind(failure)
        request = failure.request
        key = request.meta["source"]
        if kind == "budget":  # never fetched: no capture to keep
            self.count(key, "archive/skipped/budget")
            return
        self.count(key, "archive/errors/report")
        self.count(key, f"archive/errors/{kind}")
        self._first_error(key, kind, failure)
        self.logger.warning("report page failed: %s (%s)", request.url, _failure_message(failure))
        response = getattr(failure.value, "response", None)
        listing_url = request.cb_kwargs.get("listing_url")
        if response is not None:
            page = page_from_response(response)
            page.error = kind
        else:
            page = Page(
                url=request.url,
                requested_url=(request.meta.get("redirect_urls") or [request.url])[0],
                status=0,
                headers={},
                body=b"",
                fetched_at=now_iso(),
                error=f"{kind}: {_failure_message(failure)}",
            )
        yield ReportItem(source=key, pages=[page], listing_url=listing_url)

    def continuation_failed(self, failure):
        """A continuation page failed: the pages fetched are kept as captures, and no document is
        made from an incomplete report (a stored complete one stays as it is)."""
        kind = _failure_kind(failure)
        request = failure.request
        key = request.meta["source"]
        pages = list(request.cb_kwargs["pages"])
        if kind == "budget":  # the pages fetched are kept; no document from an incomplete report
            self.count(key, "archive/skipped/budget")
            item = ReportItem(
                source=key, pages=pages, listing_url=request.cb_kwargs.get("listing_url"), incomplete=True
            )
            item.notes.append(f"continuation page not fetched (the source's budget is spent): {request.url}")
            yield item
            return
        self.count(key, "archive/errors/report")
        self.count(key, "archive/errors/continuation")
        self.count(key, f"archive/errors/{kind}")
        self._first_error(key, kind, failure)
        self.logger.warning("continuation page failed: %s (%s)", request.url, _failure_message(failure))
        response = getattr(failure.value, "response", None)
        if response is not None:
            page = page_from_response(response)
            page.error = kind
            pages.append(page)
        item = ReportItem(
            source=key, pages=pages, listing_url=request.cb_kwargs.get("listing_url"), incomplete=True
        )
        item.notes.append(f"continuation page failed: {request.url}")
        yield item


def _age_days(iso: str | None) -> float:
    """Days since an ISO 8601 timestamp (infinite when unknown)."""
    from datetime import UTC, datetime

    if not iso:
        return float("inf")
    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return float("inf")
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return (datetime.now(UTC) - then).total_seconds() / 86400


def _scrapy_errors(*names: str) -> tuple[type[BaseException], ...]:
    """Scrapy's own download exceptions (2.13+ wraps Twisted's in them), those this Scrapy has."""
    import scrapy.exceptions

    return tuple(e for e in (getattr(scrapy.exceptions, n, None) for n in names) if isinstance(e, type))


_TIMEOUT_ERRORS = (TimeoutError, TCPTimedOutError, *_scrapy_errors("DownloadTimeoutError"))
_DNS_ERRORS = (DNSLookupError, *_scrapy_errors("CannotResolveHostError"))
_DATA_LOSS_ERRORS = _scrapy_errors("ResponseDataLossError")
_CONNECTION_ERRORS = (ConnectionLost, ResponseFailed, *_scrapy_errors("DownloadFailedError"))
# what a failure whose exception carries no message is logged and stored with
_NO_MESSAGE = {
    "data_loss": "body cut short (connection lost)",
    "connection_lost": "connection lost",
    "timeout": "timed out",
    "dns": "host name not resolved",
}


def _failure_kind(failure) -> str:
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(IgnoreRequest):
        msg = failure.getErrorMessage().lower()
        if msg.startswith("private address"):  # crawler.middlewares.PrivateAddressGuard
            return "private_address"
        if msg.startswith(BUDGET_MESSAGE):  # crawler.middlewares.SourceBudgetGuard
            return "budget"
        if msg.startswith("unresolvable host"):  # the guard could not resolve the name
            return "dns"
        if "download_maxsize" in msg:  # HttpCompressionMiddleware: the body inflated past it
            return "too_large"
        if "redirect" in msg:
            return "redirect_loop"
        if "robots" in msg:
            return "robots_forbidden"
        return "ignored"
    if failure.check(*_DNS_ERRORS):
        return "dns"
    if failure.check(*_TIMEOUT_ERRORS):
        return "timeout"
    # Scrapy's HTTP handler cancels a download only past DOWNLOAD_MAXSIZE: when Content-Length
    # announces it (the message says so) or while the body streams in (no message)
    cancelled = failure.type is not None and failure.type.__name__ == "DownloadCancelledError"
    if cancelled or "larger than download max size" in failure.getErrorMessage():
        return "too_large"
    if _DATA_LOSS_ERRORS and failure.check(*_DATA_LOSS_ERRORS):
        return "data_loss"  # the connection closed before the body announced was whole
    if failure.check(*_CONNECTION_ERRORS):
        return "connection_lost"
    return failure.type.__name__.lower() if failure.type else "unknown"


def _failure_message(failure) -> str:
    """The failure's message, or a fixed text saying what happened when it has none
    (ResponseDataLossError carries no message)."""
    msg = failure.getErrorMessage().strip()
    if msg:
        return msg
    kind = _failure_kind(failure)
    if kind in _NO_MESSAGE:
        return _NO_MESSAGE[kind]
    return failure.type.__name__ if failure.type else "unknown error"
