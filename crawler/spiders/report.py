"""The one generic spider: walks a source's listing pages and yields its report pages, raw.

Every configured source becomes a subclass of ReportSpider with ``name`` and ``source`` set
(see ``crawler.spiderloader``). The spider only fetches: it follows listing pages (and their
pagination), fetches report pages with their continuation pages (下一页, ``_1.html``) and yields
one ReportItem per report with the raw responses. Failed report pages are yielded too, so the
archive keeps a capture of what the site answered, and are counted in the crawl's stats.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.web.client import ResponseFailed

from crawler.items import Page, ReportItem, now_iso
from crawler.links import classify_links
from crawler.sources import Source

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
    name = "report"
    source: Source  # set per source by the spider loader

    custom_settings: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reports_scheduled = 0
        self.reports_seen: set[str] = set()
        self._archive = None  # read-only connection to the archive: what is already there

    async def start(self):
        for url in self.source.start_urls:
            kind = self.source.classify(url)
            if kind == "report":
                request = self._report_request(url, listing_url=None)
                if request is not None:
                    yield request
            else:
                yield scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed)

    # listing pages -------------------------------------------------------------------------
    def parse_listing(self, response):
        self.crawler.stats.inc_value("archive/listing_pages")
        if not hasattr(response, "text"):
            self.crawler.stats.inc_value("archive/errors/listing_not_html")
            self.logger.warning("listing page is not HTML: %s", response.url)
            return
        links = classify_links(self.source, response.text, response.url)
        for url in links["listing"]:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed)
        for url in links["report"]:
            if url in self.reports_seen:
                continue
            if self.source.max_pages and self.reports_scheduled >= self.source.max_pages:
                self.crawler.stats.inc_value("archive/skipped/max_pages")
                continue
            self.reports_scheduled += 1
            request = self._report_request(url, listing_url=response.url)
            if request is not None:
                yield request

    def listing_failed(self, failure):
        self.crawler.stats.inc_value("archive/errors/listing")
        self.crawler.stats.inc_value(f"archive/errors/{_failure_kind(failure)}")
        self.logger.warning("listing page failed: %s (%s)", failure.request.url, failure.getErrorMessage())

    # report pages --------------------------------------------------------------------------
    def _report_request(self, url: str, listing_url: str | None) -> scrapy.Request | None:
        """The request for a report page; for a page already archived, a conditional one
        (If-None-Match / If-Modified-Since from its stored capture), or none at all when the
        server gave no validators and the page was checked less than ``revisit_days`` ago."""
        # Report URLs are deduplicated by the spider itself (reports_seen), not by Scrapy's
        # dupefilter: with dont_filter the redirect middleware follows a redirect loop until
        # REDIRECT_MAX_TIMES and the errback sees it, instead of the loop vanishing silently.
        self.reports_seen.add(url)
        headers, meta = {}, {}
        known = self._known(url)
        if known is not None:
            if known["etag"] or known["last_modified"]:
                if known["etag"]:
                    headers["If-None-Match"] = known["etag"]
                if known["last_modified"]:
                    headers["If-Modified-Since"] = known["last_modified"]
                meta = {"handle_httpstatus_list": [304], "archive_document": known["document_id"]}
            elif known["gone_at"] is None and _age_days(known["checked_at"]) < self._revisit_days():
                self.crawler.stats.inc_value("archive/skipped/fresh")
                return None
        return scrapy.Request(
            url,
            callback=self.parse_report,
            errback=self.report_failed,
            cb_kwargs={"pages": [], "listing_url": listing_url},
            headers=headers or None,
            meta=meta,
            dont_filter=True,
        )

    def _known(self, url: str) -> dict | None:
        if self._archive is None:
            path = Path(self.settings.get("ARCHIVE_DB") or "archive.db")
            if not path.exists():
                return None
            self._archive = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        from archive.db import revisit_info

        try:
            return revisit_info(self._archive, url)
        except sqlite3.Error as exc:  # an archive of an older schema, mid-migration: fetch it all
            self.logger.warning("cannot read what the archive has of %s: %s", url, exc)
            return None

    def _revisit_days(self) -> float:
        days = getattr(self.source, "revisit_days", None)
        return float(days if days is not None else self.settings.getfloat("ARCHIVE_REVISIT_DAYS", 30))

    def closed(self, reason):
        if self._archive is not None:
            self._archive.close()

    def parse_report(self, response, pages: list[Page], listing_url: str | None):
        if response.status == 304 and not pages and response.meta.get("redirect_urls"):
            # the conditional headers were for the archived URL; a redirect carried them to another
            # page, whose 304 says nothing about what we have: fetch that page unconditionally
            self.crawler.stats.inc_value("archive/refetched_after_redirect")
            yield scrapy.Request(
                response.url, callback=self.parse_report, errback=self.report_failed,
                cb_kwargs={"pages": [], "listing_url": listing_url},
                meta={"redirect_urls": list(response.meta["redirect_urls"])}, dont_filter=True)
            return
        if response.status == 304 and not pages:
            # the archived copy is current: seen, nothing to fetch or store
            self.crawler.stats.inc_value("archive/not_modified")
            yield ReportItem(source=self.source.key, pages=[page_from_response(response)], listing_url=listing_url,
                             not_modified=response.meta["archive_document"])
            return
        page = page_from_response(response)
        pages = [*pages, page]
        if len(pages) == 1:
            self.crawler.stats.inc_value("archive/report_pages")
        else:
            self.crawler.stats.inc_value("archive/continuation_pages")
        nxt = self._next_continuation(page, pages)
        if nxt:
            yield scrapy.Request(
                nxt,
                callback=self.parse_report,
                errback=self.continuation_failed,
                cb_kwargs={"pages": pages, "listing_url": listing_url},
                dont_filter=True,  # loops are stopped by _next_continuation's own seen set
            )
            return
        yield ReportItem(source=self.source.key, pages=pages, listing_url=listing_url)

    def _next_continuation(self, page: Page, pages: list[Page]) -> str | None:
        if len(pages) >= MAX_CONTINUATION_PAGES:
            return None
        from pipelines.cleaning import find_continuations

        seen = {p.url for p in pages} | {p.requested_url for p in pages}
        for url in find_continuations(page.body, page.url, page.content_type):
            if url not in seen:
                return url
        return None

    def report_failed(self, failure):
        kind = _failure_kind(failure)
        self.crawler.stats.inc_value("archive/errors/report")
        self.crawler.stats.inc_value(f"archive/errors/{kind}")
        request = failure.request
        self.logger.warning("report page failed: %s (%s)", request.url, _failure_message(failure))
        response = getattr(failure.value, "response", None)
        listing_url = request.cb_kwargs.get("listing_url")
        if response is not None:
            page = page_from_response(response)
            page.error = kind
        else:
            page = Page(
                url=request.url, requested_url=(request.meta.get("redirect_urls") or [request.url])[0],
                status=0, headers={}, body=b"", fetched_at=now_iso(), error=f"{kind}: {_failure_message(failure)}",
            )
        yield ReportItem(source=self.source.key, pages=[page], listing_url=listing_url)

    def continuation_failed(self, failure):
        """A continuation page failed: the pages fetched are kept as captures, and no document is
        made from an incomplete report (a stored complete one stays as it is)."""
        kind = _failure_kind(failure)
        self.crawler.stats.inc_value("archive/errors/report")
        self.crawler.stats.inc_value("archive/errors/continuation")
        self.crawler.stats.inc_value(f"archive/errors/{kind}")
        request = failure.request
        self.logger.warning("continuation page failed: %s (%s)", request.url, _failure_message(failure))
        pages = list(request.cb_kwargs["pages"])
        response = getattr(failure.value, "response", None)
        if response is not None:
            page = page_from_response(response)
            page.error = kind
            pages.append(page)
        item = ReportItem(source=self.source.key, pages=pages, listing_url=request.cb_kwargs.get("listing_url"),
                          incomplete=True)
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
_NO_MESSAGE = {"data_loss": "body cut short (connection lost)", "connection_lost": "connection lost",
               "timeout": "timed out", "dns": "host name not resolved"}


def _failure_kind(failure) -> str:
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(IgnoreRequest):
        msg = failure.getErrorMessage().lower()
        if msg.startswith("private address"):  # crawler.middlewares.PrivateAddressGuard
            return "private_address"
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
