"""Crawl safety: no requests to private addresses, no crawler traps.

``PrivateAddressGuard`` (downloader middleware) refuses every request whose host is, or resolves
to, an address that is not on the public internet: private, loopback, link-local, reserved,
multicast, unspecified (IPv4 and IPv6, every address the name resolves to). A sources file is
configuration, but a listing page is not: one link to ``http://169.254.169.254/`` (a cloud
metadata service) or to an intranet host must not make the crawler fetch it. Redirect hops are
re-scheduled through the downloader middlewares, and so are robots.txt requests, so each is
checked on its own. A source that really lives on a private network (the demo site on
127.0.0.1) says so with ``allow_private = true``, or with a list of the networks it may reach
(``allow_private = ["127.0.0.1"]``).

``CrawlLimits`` (spider middleware) drops links that lead into traps before they are
scheduled: a path repeating one segment ``ARCHIVE_MAX_SEGMENT_REPEATS`` times or more
(``/a/b/a/b/a/b/``, ``/x/x/x/``: relative links resolved against the wrong base), URLs longer
than ``URLLENGTH_LIMIT`` and links deeper than ``DEPTH_LIMIT`` hops from a start page. Each
dropped URL is logged once (WARNING) and counted (``archive/skipped/repeated_path``,
``…/url_too_long``, ``…/depth``). A report's continuation pages are exempt from the depth limit:
their number is bounded by the spider itself, and dropping one would lose the whole report.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.httpobj import urlparse_cached

from crawler.budget import BUDGET_MESSAGE
from crawler.links import repeated_path
from pipelines.stats import count

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REFUSED_MESSAGE = "private address"  # in the IgnoreRequest message: the spider's _failure_kind looks for it


def address_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public internet address ('loopback', 'private', …), or None if it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:  # ::ffff:127.0.0.1 and 2002:7f00:1:: reach an IPv4 address
            return address_kind(embedded)
    for kind in ("unspecified", "loopback", "link_local", "site_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}", False):  # site_local (fec0::/10, deprecated) is IPv6 only
            return kind.replace("_", "-")
    if not ip.is_global:  # e.g. 100.64.0.0/10, the carrier-grade NAT range
        return "non-global"
    return None


def literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class Refusal:
    """Why a request to a host is refused: ``shown`` (the host, or "HOST resolves to ADDR") is a
    ``kind`` of address ('loopback', 'private', …)."""

    shown: str
    kind: str

    @property
    def message(self) -> str:  # the IgnoreRequest's: "private address: localhost resolves to ::1 (loopback)"
        return f"{REFUSED_MESSAGE}: {self.shown} ({self.kind})"

    @property
    def hint(self) -> str:
        return f"{self.shown}, a {self.kind} address (allow_private = true in the source allows it)"


def sources_allow_any(sources) -> bool:
    """Whether one of the sources may reach any address (``allow_private = true``): no lookup then."""
    return any(getattr(s, "allow_private", False) is True for s in sources)


def refusal(host: str, addresses, sources, *, literal: bool) -> Refusal | None:
    """The guard's decision for a host and the addresses it is (``literal``) or resolves to: the
    first address none of the sources may reach, or None when every one may be fetched."""
    for address in addresses:
        kind = address_kind(address)
        if kind is None or any(s.allow_private and s.private_allowed(address) for s in sources):
            continue
        return Refusal(host if literal else f"{host} resolves to {address}", kind)
    return None


def addresses_of(infos) -> tuple[IPAddress, ...]:
    """The distinct IP addresses of ``getaddrinfo`` answers (scope ids dropped), in order."""
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        ip = literal_ip(str(sockaddr[0]).split("%", 1)[0])
        if ip is not None and ip not in addresses:
            addresses.append(ip)
    return tuple(addresses)


def check_url(url: str, sources) -> Refusal | None:
    """The guard's decision for a URL, resolving its host here and now (blocking): what
    ``archive sources check`` applies before it fetches. Raises OSError when the host does not
    resolve (the crawl refuses it too)."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or sources_allow_any(sources):
        return None
    ip = literal_ip(host)
    addresses = (
        (ip,) if ip is not None else addresses_of(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM))
    )
    return refusal(host, addresses, sources, literal=ip is not None)


class PrivateAddressGuard:
    """Downloader middleware: IgnoreRequest for hosts resolving to non-public addresses.

    The refusal is logged (WARNING, with the URL and the address) and counted as
    ``archive/errors/private_address``: here for requests without an errback (robots.txt), by the
    spider's errback for its own requests (it counts every failure by kind), so each refusal is
    counted once. A name the guard cannot resolve is refused too (fail closed: Scrapy's own lookup
    might succeed a moment later with a private address), counted as a DNS error. The decision
    itself is ``refusal()``, which ``archive sources check`` applies too (``check_url``).
    Known limit: Scrapy resolves the name again to connect (with its own cache), so a name whose
    answers change between the two lookups (DNS rebinding) is not caught here.
    """

    CACHE_SECONDS = 60.0

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self._resolved: dict[str, tuple[float, tuple[IPAddress, ...]]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        parts = urlparse_cached(request)
        host = parts.hostname
        if parts.scheme not in ("http", "https") or not host:
            return None
        # a request of its own source; robots.txt, of every source on its host: one that may
        # reach the address is enough (else one refused source would switch robots.txt off
        # for the host, and Scrapy takes a robots.txt it could not fetch as "allow all")
        sources = _sources_of(self.crawler.spider, request)
        source = sources[0] if sources else None
        if sources_allow_any(sources):
            return None
        ip = literal_ip(host)
        addresses = (ip,) if ip is not None else await self._resolve(host)
        refused = refusal(host, addresses, sources, literal=ip is not None)
        if refused is None:
            return None
        logger.warning("refused %s: %s", request.url, refused.hint, extra={"spider": self.crawler.spider})
        if request.errback is None:
            count(self.stats, getattr(source, "key", None), "archive/errors/private_address")
        raise IgnoreRequest(refused.message)

    async def _resolve(self, host: str) -> tuple[IPAddress, ...]:
        now = time.monotonic()
        cached = self._resolved.get(host)
        if cached and now - cached[0] < self.CACHE_SECONDS:
            return cached[1]
        try:
            infos = await _getaddrinfo(host)
        except (OSError, UnicodeError) as exc:
            raise IgnoreRequest(f"unresolvable host {host}: {exc}") from None
        addresses = addresses_of(infos)
        if len(self._resolved) > 10_000:  # a long crawl of many hosts: keep the cache bounded
            self._resolved.clear()
        self._resolved[host] = (now, addresses)
        return addresses


class SourceBudgetGuard:
    """Downloader middleware: starts each source's clock at its first request downloaded, and
    drops (IgnoreRequest "budget: …", counted by the spider's errbacks as
    ``archive/skipped/budget``, not as an error) the requests still queued for a source whose
    budget is spent (``crawler.budget``): a source out of time stops at once, not after its queue."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        budgets = getattr(self.crawler.spider, "budgets", None)
        key = request.meta.get("source")
        if budgets is None or key is None or budgets.downloading(key):
            return None
        raise IgnoreRequest(f"{BUDGET_MESSAGE}: source {key} reached its budget ({budgets.stopped(key)})")


def _sources_of(spider, request) -> list:
    """The sources of a request (``ReportSpider.sources_of``), or a one-source spider's source."""
    find = getattr(spider, "sources_of", None)
    if find is not None:
        return find(request)
    source = getattr(spider, "source", None)
    return [source] if source is not None else []


def _source_of(spider, request):
    found = _sources_of(spider, request)
    return found[0] if found else None


class SourceOffsite:
    """Downloader middleware, in place of Scrapy's OffsiteMiddleware: a request (redirect hops
    included) may only go to its own source's ``allowed_domains`` (any host when the source has
    none). One crawl runs thousands of sources: each keeps its own domains, not their union."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self._warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if request.dont_filter or request.meta.get("allow_offsite"):
            return None  # as Scrapy's: the spider's own deliberate requests (a report and its pages)
        source = _source_of(self.crawler.spider, request)
        domains = getattr(source, "allowed_domains", None)
        if not domains:
            return None
        host = (urlparse_cached(request).hostname or "").lower()
        if any(host == d or host.endswith("." + d) for d in domains):
            return None
        if host not in self._warned:
            self._warned.add(host)
            logger.info(
                "filtered offsite request to %s: %s (source %s)",
                host,
                request.url,
                source.key,
                extra={"spider": self.crawler.spider},
            )
        self.stats.inc_value("offsite/filtered")
        raise IgnoreRequest(f"offsite: {host} is not in the allowed domains of source {source.key}")


async def _getaddrinfo(host: str):
    """The system resolver, off the reactor thread: asyncio's executor under the asyncio reactor
    (the project's), Twisted's thread pool otherwise."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        return await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet.threads import deferToThread

    return await maybe_deferred_to_future(
        deferToThread(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
    )


class CrawlLimits(BaseSpiderMiddleware):
    """Spider middleware: drops trap links (repeated path segments, too long, too deep).

    It runs before Scrapy's DepthMiddleware and UrlLengthMiddleware (which stay as a backstop)
    so that what it drops is logged at WARNING and counted under ``archive/skipped/``.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.max_repeats = settings.getint("ARCHIVE_MAX_SEGMENT_REPEATS", 3)
        self.max_length = settings.getint("URLLENGTH_LIMIT")
        self.max_depth = settings.getint("DEPTH_LIMIT")
        self._dropped: set[int] = set()

    def get_processed_request(self, request, response):
        if response is None:  # start URLs are configuration, not links found on a page
            return request
        if request.cb_kwargs.get("pages"):
            # a continuation page of a report: bounded by the spider (MAX_CONTINUATION_PAGES)
            request.meta["depth_reset"] = True
            return request
        url = request.url
        if self.max_length and len(url) > self.max_length:
            return self._drop(
                request, response, "url_too_long", f"URL longer than {self.max_length} characters"
            )
        if self.max_repeats and repeated_path(url, self.max_repeats):
            return self._drop(
                request,
                response,
                "repeated_path",
                f"a path segment repeated {self.max_repeats}+ times (a crawler trap)",
            )
        depth = response.meta.get("depth", 0) + 1
        if self.max_depth and depth > self.max_depth:
            return self._drop(request, response, "depth", f"{depth} links from the start page (DEPTH_LIMIT)")
        return request

    def _drop(self, request, response, kind: str, why: str):
        url = request.url
        key = hash(url)  # a hash, not the URL: trap URLs can be long and many
        if key not in self._dropped:
            if len(self._dropped) > 100_000:
                self._dropped.clear()
            self._dropped.add(key)
            count(
                self.crawler.stats,
                request.meta.get("source") or response.meta.get("source"),
                f"archive/skipped/{kind}",
            )
            shown = url if len(url) <= 200 else f"{url[:200]}… ({len(url)} characters)"
            logger.warning(
                "skipped link %s on %s: %s", shown, response.url, why, extra={"spider": self.crawler.spider}
            )
        return None
