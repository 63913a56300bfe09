"""Sources as configuration: one TOML table per site, one spider per table.

A source file looks like this (see ``crawler/config/sources.example.toml``)::

    [changbai-gov]                          # the source key = the spider's name
    name = "长白市人民政府门户"               # display name
    start_urls = ["http://www.example.gov.cn/zwgk/zfgzbg/"]
    allowed_domains = ["www.example.gov.cn"]
    listing = ['/zfgzbg/(index(_\\d+)?\\.html)?$']   # listing pages: followed (pagination too)
    reports = ['/zfgzbg/\\d{6}/t\\d+_\\d+\\.html$']    # report pages: archived
    deny = ['/print/']                       # optional: never followed
    restrict_css = "div.list"                # optional: look for links only here
    profile = "trs"                          # optional: CMS profile for extraction
    max_pages = 500                          # optional: stop after this many report pages
    official = true                          # optional: the government's own site (preferred copy)
    revisit_days = 30                        # optional: refetch pages without ETag/Last-Modified after this
    allow_private = false                    # optional: may fetch private/loopback addresses (true, or
                                             #   a list of networks: ["127.0.0.1", "10.0.0.0/8"])
    [changbai-gov.selectors]                 # optional: per-source extraction selectors (CSS)
    content = "div.TRS_Editor"
    title = "h1"
    date = "span.date"

Patterns are Python regular expressions searched in the absolute URL.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_DIR = Path(__file__).parent / "config"
DEFAULT_SOURCES = CONFIG_DIR / "sources.toml"
DEMO_SOURCES = CONFIG_DIR / "demo_sources.toml"

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KNOWN_KEYS = {
    "name", "start_urls", "allowed_domains", "listing", "reports", "deny", "restrict_css",
    "profile", "max_pages", "selectors", "enabled", "encoding", "notes", "verified", "official", "revisit_days",
    "allow_private",
}
SELECTOR_KEYS = {"content", "title", "date", "source"}


class SourceError(ValueError):
    """A sources file that cannot be used (exit code 2 at the CLI)."""


@dataclass(frozen=True)
class Source:
    key: str
    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...] = ()
    listing: tuple[str, ...] = ()
    reports: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    restrict_css: str | None = None
    profile: str | None = None
    max_pages: int | None = None
    selectors: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    official: bool = False  # the government's own site: its copy of a report is preferred as canonical
    revisit_days: float | None = None  # refetch pages without ETag/Last-Modified after this (ARCHIVE_REVISIT_DAYS)
    # private, loopback, link-local … addresses this source may fetch: True (any), or networks
    allow_private: bool | tuple[str, ...] = False
    # the entry as written (its TOML table) and the file it came from: the archive records both
    table: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    origin: str | None = field(default=None, compare=False, hash=False)

    def private_allowed(self, ip) -> bool:
        """Whether a non-public address (an ``ipaddress`` object) may be fetched for this source."""
        import ipaddress

        if self.allow_private is True:
            return True
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.allow_private or ())

    def _match(self, patterns: tuple[str, ...], url: str) -> bool:
        return any(re.search(p, url) for p in patterns)

    def classify(self, url: str) -> str | None:
        """'report', 'listing' or None (not followed) for an absolute URL."""
        if self._match(self.deny, url):
            return None
        if self._match(self.reports, url):
            return "report"
        if self._match(self.listing, url):
            return "listing"
        return None


def cleaning_options(source: Source | None) -> dict:
    """The keyword arguments a source gives the cleaner (``clean_document``, ``page_context``)."""
    if source is None:
        return {"selectors": None, "profile": None, "encoding": None}
    return {"selectors": source.selectors, "profile": source.profile, "encoding": source.encoding}


def sources_path(path: str | os.PathLike | None = None) -> Path:
    """The sources file to use: explicit path, then $ARCHIVE_SOURCES, then the default."""
    if path:
        return Path(path)
    env = os.environ.get("ARCHIVE_SOURCES")
    return Path(env) if env else DEFAULT_SOURCES


def _tuple(value, key: str, field_name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourceError(f"source {key!r}: {field_name} must be a list of strings")
    return tuple(value)


def parse_source(key: str, table: dict, origin: str | None = None) -> Source:
    if not NAME_RE.match(key):
        raise SourceError(f"source {key!r}: keys are lower-case letters, digits, '-' and '_'")
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise SourceError(f"source {key!r}: unknown setting(s) {', '.join(sorted(unknown))}")
    start_urls = _tuple(table.get("start_urls"), key, "start_urls")
    if not start_urls:
        raise SourceError(f"source {key!r}: start_urls is required")
    reports = _tuple(table.get("reports"), key, "reports")
    if not reports:
        raise SourceError(f"source {key!r}: reports (URL patterns of report pages) is required")
    listing = _tuple(table.get("listing"), key, "listing")
    deny = _tuple(table.get("deny"), key, "deny")
    for pattern in (*reports, *listing, *deny):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SourceError(f"source {key!r}: bad pattern {pattern!r}: {exc}") from None
    selectors = table.get("selectors") or {}
    if not isinstance(selectors, dict) or set(selectors) - SELECTOR_KEYS:
        raise SourceError(f"source {key!r}: selectors may set only {', '.join(sorted(SELECTOR_KEYS))}")
    max_pages = table.get("max_pages")
    if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
        raise SourceError(f"source {key!r}: max_pages must be a positive integer")
    revisit = table.get("revisit_days")
    if revisit is not None and (isinstance(revisit, bool) or not isinstance(revisit, int | float) or revisit < 0):
        raise SourceError(f"source {key!r}: revisit_days must be a number of days (0: always refetch)")
    allow_private = _allow_private(key, table.get("allow_private", False))
    return Source(
        key=key,
        name=str(table.get("name") or key),
        start_urls=start_urls,
        allowed_domains=_tuple(table.get("allowed_domains"), key, "allowed_domains"),
        listing=listing,
        reports=reports,
        deny=deny,
        restrict_css=table.get("restrict_css"),
        profile=table.get("profile"),
        max_pages=max_pages,
        selectors=dict(selectors),
        encoding=table.get("encoding"),
        official=bool(table.get("official", False)),
        revisit_days=revisit,
        allow_private=allow_private,
        table=dict(table),
        origin=origin,
    )


def _allow_private(key: str, value) -> bool | tuple[str, ...]:
    import ipaddress

    if isinstance(value, bool):
        return value
    networks = _tuple(value, key, "allow_private")
    for net in networks:
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError:
            raise SourceError(f"source {key!r}: allow_private is true, false or a list of IP addresses or "
                              f"networks, and {net!r} is none") from None
    return networks


def load_sources(path: str | os.PathLike | None = None) -> dict[str, Source]:
    """All enabled sources of a file, by key. Raises SourceError on a bad file."""
    p = sources_path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"sources file not found: {p}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{p}: {exc}") from None
    out = {}
    for key, table in data.items():
        if not isinstance(table, dict):
            raise SourceError(f"{p}: {key!r} is not a table ([{key}])")
        if table.get("enabled", True):
            out[key] = parse_source(key, table, origin=str(p))
    return out
