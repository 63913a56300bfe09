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
    max_requests = 2000                      # optional budgets (crawler/budget.py), 0 = no limit:
    max_listings = 300                       #   requests in all, listing pages followed, seconds
    max_seconds = 1800                       #   (default ARCHIVE_SOURCE_MAX_REQUESTS, …_LISTINGS, …_SECONDS)
    official = true                          # optional: the government's own site (preferred copy)
    revisit_days = 30                        # optional: refetch pages without ETag/Last-Modified after this
    allow_private = false                    # optional: may fetch private/loopback addresses (true, or
                                             #   a list of networks: ["127.0.0.1", "10.0.0.0/8"])
    [changbai-gov.selectors]                 # optional: per-source extraction selectors (CSS)
    content = "div.TRS_Editor"
    title = "h1"
    date = "span.date"

Patterns are Python regular expressions searched in the absolute URL.

A source on a CMS whose URL shapes are known (``profile`` = "trs", "hanweb", "gkmlpt": the
``urls`` of ``pipelines.cleaning.profiles``) needs only its key, name, start URLs and profile::

    [x-gov]
    name = "某市人民政府 · 政府工作报告"
    start_urls = ["http://www.x.gov.cn/zwgk/zfgzbg/"]
    profile = "trs"

When the entry sets no ``reports``, its ``reports`` and ``listing`` (unless it sets ``listing``,
even ``[]``) are the profile's shapes anchored at each start URL: its host (http or https) and the
part of its path the profile names — for TRS the start URL's folder, so this entry archives
``^https?://www\\.x\\.gov\\.cn/zwgk/zfgzbg/(?:[^?#]*/)?t\\d{8}_\\d+\\.html$`` and follows
``^https?://www\\.x\\.gov\\.cn/zwgk/zfgzbg/(?:index(?:_\\d+)?\\.html)?$``: that column and its
pages, never the rest of the portal. ``allowed_domains`` then defaults to the start URLs' hosts.

The sources path may be a file or a folder: a folder's ``*.toml`` files, in its subfolders too
(names starting with "." skipped), are read in sorted order, and a key may be defined in one
file only. Each Source's ``origin`` is the file it came from.

Patterns are compiled once per source, into one regular expression per kind, when the source\nfirst classifies a URL.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.cleaning import cleaning_options  # noqa: F401 - re-exported: the options a source gives the cleaner
from pipelines.cleaning.profiles import PROFILES, url_shapes

CONFIG_DIR = Path(__file__).parent / "config"
DEFAULT_SOURCES = CONFIG_DIR / "sources.toml"
DEMO_SOURCES = CONFIG_DIR / "demo_sources.toml"

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KNOWN_KEYS = {
    "name",
    "start_urls",
    "allowed_domains",
    "listing",
    "reports",
    "deny",
    "restrict_css",
    "profile",
    "max_pages",
    "selectors",
    "enabled",
    "encoding",
    "notes",
    "verified",
    "official",
    "revisit_days",
    "allow_private",
    "max_requests",
    "max_listings",
    "max_seconds",
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
    revisit_days: float | None = (
        None  # refetch pages without ETag/Last-Modified after this (ARCHIVE_REVISIT_DAYS)
    )
    # budgets (crawler.budget), None: ARCHIVE_SOURCE_MAX_REQUESTS / …_LISTINGS / …_SECONDS; 0: no limit
    max_requests: int | None = None
    max_listings: int | None = None
    max_seconds: float | None = None
    # private, loopback, link-local … addresses this source may fetch: True (any), or networks
    allow_private: bool | tuple[str, ...] = False
    # the entry as written (its TOML table) and the file it came from: the archive records both
    table: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    origin: str | None = field(default=None, compare=False, hash=False)

    @cached_property
    def _matchers(self) -> tuple:
        """deny, reports, listing: compiled once, when first used (loading 3,000 sources compiles
        nothing; parse_source has checked the patterns written by hand)."""
        return tuple(_matcher(p) for p in (self.deny, self.reports, self.listing))

    def private_allowed(self, ip) -> bool:
        """Whether a non-public address (an ``ipaddress`` object) may be fetched for this source."""
        import ipaddress

        if self.allow_private is True:
            return True
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.allow_private or ())

    def classify(self, url: str) -> str | None:
        """'report', 'listing' or None (not followed) for an absolute URL."""
        deny, reports, listing = self._matchers
        if deny is not None and deny(url):
            return None
        if reports is not None and reports(url):
            return "report"
        if listing is not None and listing(url):
            return "listing"
        return None


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")  # a numbered or named back-reference: patterns kept apart


def _matcher(patterns: tuple[str, ...]) -> Callable[[str], object] | None:
    """One search function for a list of patterns: one combined regex when they combine (no
    back-references, no global flags mid-way), else each compiled once."""
    if not patterns:
        return None
    if len(patterns) == 1:
        return re.compile(patterns[0]).search
    if not any(_BACKREF.search(p) for p in patterns):
        try:
            return re.compile("|".join(f"(?:{p})" for p in patterns)).search
        except re.error:
            pass
    return _AnyOf(tuple(re.compile(p) for p in patterns))


@dataclass(frozen=True)
class _AnyOf:
    compiled: tuple[re.Pattern, ...]

    def __call__(self, url: str) -> bool:
        return any(c.search(url) for c in self.compiled)


def sources_path(path: str | os.PathLike | None = None) -> Path:
    """The sources file or folder to use: explicit path, then $ARCHIVE_SOURCES, then the default."""
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
    profile = table.get("profile")
    if profile is not None and (not isinstance(profile, str) or profile not in PROFILES):
        raise SourceError(
            f"source {key!r}: unknown profile {profile!r} (known: {', '.join(sorted(PROFILES))})"
        )
    # the profile's URL shapes apply to an entry without reports (every entry written before they
    # existed has reports, and keeps its meaning); a listing the entry sets wins over the profile's
    shaped = profile is not None and "reports" not in table
    shaped_reports, shaped_listing = profile_patterns(key, profile, start_urls) if shaped else ((), ())
    reports = _tuple(table["reports"], key, "reports") if "reports" in table else shaped_reports
    if not reports:
        with_shapes = ", ".join(sorted(k for k, p in PROFILES.items() if p.get("urls")))
        raise SourceError(
            f"source {key!r}: reports (URL patterns of report pages) is required, "
            f"unless a profile with URL shapes gives them ({with_shapes})"
        )
    listing = _tuple(table["listing"], key, "listing") if "listing" in table else shaped_listing
    deny = _tuple(table.get("deny"), key, "deny")
    selectors = table.get("selectors") or {}
    if not isinstance(selectors, dict) or set(selectors) - SELECTOR_KEYS:
        raise SourceError(f"source {key!r}: selectors may set only {', '.join(sorted(SELECTOR_KEYS))}")
    max_pages = table.get("max_pages")
    if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
        raise SourceError(f"source {key!r}: max_pages must be a positive integer")
    revisit = table.get("revisit_days")
    if revisit is not None and (
        isinstance(revisit, bool) or not isinstance(revisit, int | float) or revisit < 0
    ):
        raise SourceError(f"source {key!r}: revisit_days must be a number of days (0: always refetch)")
    allow_private = _allow_private(key, table.get("allow_private", False))
    budgets = {}
    for option, what in (("max_requests", int), ("max_listings", int), ("max_seconds", int | float)):
        value = table.get(option)
        if value is not None and (isinstance(value, bool) or not isinstance(value, what) or value < 0):
            raise SourceError(
                f"source {key!r}: {option} must be a "
                + ("number of seconds" if option == "max_seconds" else "whole number")
                + " (0: no limit)"
            )
        budgets[option] = value
    if "allowed_domains" in table:
        allowed_domains = _tuple(table["allowed_domains"], key, "allowed_domains")
    elif shaped:  # the profile's shapes stay on the start URLs' hosts; so do redirects
        allowed_domains = tuple(dict.fromkeys((urlsplit(u).hostname or "").lower() for u in start_urls))
    else:
        allowed_domains = ()
    # the patterns written by hand are checked now; the profile's are escaped into known shapes
    written = [*(reports if "reports" in table else ()), *(listing if "listing" in table else ()), *deny]
    for pattern in written:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SourceError(f"source {key!r}: bad pattern {pattern!r}: {exc}") from None
    return Source(
        key=key,
        name=str(table.get("name") or key),
        start_urls=start_urls,
        allowed_domains=allowed_domains,
        listing=listing,
        reports=reports,
        deny=deny,
        restrict_css=table.get("restrict_css"),
        profile=profile,
        max_pages=max_pages,
        selectors=dict(selectors),
        encoding=table.get("encoding"),
        official=bool(table.get("official", False)),
        revisit_days=revisit,
        allow_private=allow_private,
        **budgets,
        table=dict(table),
        origin=origin,
    )


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def profile_patterns(
    key: str, profile: str, start_urls: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The (reports, listing) patterns a profile's URL shapes give for these start URLs, each
    anchored at its start URL's host (http or https) and at the part of its path the profile's
    ``base`` names (empty when the profile has no shapes)."""
    shapes = url_shapes(profile)
    if not shapes:
        return (), ()
    base = re.compile(shapes["base"])
    out: tuple[dict[str, None], dict[str, None]] = ({}, {})
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceError(f"source {key!r}: start URL {url!r} is not an http(s) URL")
        found = base.match(parts.path or "/")
        if not found:
            raise SourceError(
                f"source {key!r}: start URL {url!r} is not where profile {profile!r} expects "
                f"(its path should match {shapes['base']!r}); set reports and listing"
            )
        groups = {k: re.escape(v or "") for k, v in found.groupdict().items()}
        host = r"^https?://" + re.escape(parts.netloc.lower())
        for kind, seen in zip(("reports", "listing"), out, strict=True):
            for template in shapes.get(kind, ()):
                seen.setdefault(host + _PLACEHOLDER.sub(lambda m, g=groups: g[m.group(1)], template), None)
    return tuple(out[0]), tuple(out[1])


def _allow_private(key: str, value) -> bool | tuple[str, ...]:
    import ipaddress

    if isinstance(value, bool):
        return value
    networks = _tuple(value, key, "allow_private")
    for net in networks:
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError:
            raise SourceError(
                f"source {key!r}: allow_private is true, false or a list of IP addresses or "
                f"networks, and {net!r} is none"
            ) from None
    return networks


def source_files(path: str | os.PathLike | None = None) -> list[Path]:
    """The TOML files of a sources path: the file itself, or a folder's ``*.toml`` files, its
    subfolders' too, in sorted order (files and folders whose name starts with "." skipped)."""
    p = sources_path(path)
    if not p.is_dir():
        return [p]
    found = [
        f
        for f in p.rglob("*.toml")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
    ]
    return sorted(found, key=lambda f: f.relative_to(p).parts)


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    """What to say of a sources file that is not UTF-8 (TOML is UTF-8 only): when it reads as
    GB18030 (a file saved as "ANSI" on Chinese Windows), how to convert it. It is never guessed:
    the archive records each source's entry as the text it was crawled with."""
    line = path.read_bytes()[: exc.start].count(b"\n") + 1
    where = f"{path} is not UTF-8 (byte {exc.object[exc.start]:#04x} on line {line})"
    try:
        path.read_bytes().decode("gb18030")
    except UnicodeDecodeError:
        return f"{where}: TOML files must be UTF-8; save it as UTF-8"
    return (
        f"{where}: it reads as GB18030/GBK (Chinese Windows' ANSI); TOML files must be UTF-8: "
        f"convert it with  iconv -f gb18030 -t utf-8 {path} > {path.stem}.utf8.toml  or save it as UTF-8"
    )


def load_sources(path: str | os.PathLike | None = None) -> dict[str, Source]:
    """All enabled sources of a file, or of a folder's files, by key. Raises SourceError on a bad
    file, and on a key defined in two files."""
    out: dict[str, Source] = {}
    defined: dict[str, Path] = {}
    for p in source_files(path):
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SourceError(f"sources file not found: {p}") from None
        except UnicodeDecodeError as exc:
            raise SourceError(_not_utf8(p, exc)) from None
        except tomllib.TOMLDecodeError as exc:
            raise SourceError(f"{p}: {exc}") from None
        for key, table in data.items():
            if not isinstance(table, dict):
                raise SourceError(f"{p}: {key!r} is not a table ([{key}])")
            if key in defined:
                raise SourceError(f"source {key!r} is defined twice: in {defined[key]} and in {p}")
            defined[key] = p
            if table.get("enabled", True):
                try:
                    out[key] = parse_source(key, table, origin=str(p))
                except SourceError as exc:
                    raise SourceError(f"{p}: {exc}") from None
    return out
