"""``archive sources check``: what a source's patterns do with the links of a listing page.

The dry run applies the crawl's own rules: the address guard (``crawler.middlewares.check_url``,
the decision PrivateAddressGuard takes, on the page and on every redirect hop), and the link cap
and size limit of a listing page (``ARCHIVE_MAX_LINKS_PER_PAGE``, ``ARCHIVE_MAX_HTML_BYTES``): a
page the crawl would refuse is not fetched here either, and says why.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from w3lib.encoding import html_to_unicode

from crawler import settings
from crawler.links import PageTooLarge, classify_links
from crawler.middlewares import Refusal, check_url, literal_ip
from crawler.sources import Source

MAX_HOSTS_CHECKED = 50  # distinct hosts of a page's links looked up for the guard


class Refused(OSError):
    """The crawl's guard refuses this address: not fetched."""

    def __init__(self, url: str, refusal: Refusal):
        super().__init__(
            f"refused {url}: {refusal.message}, as the crawl refuses it "
            "(set allow_private = true for this source if it really is on a private network)"
        )


def _guarded(url: str, source: Source) -> None:
    refused = check_url(url, [source])
    if refused is not None:
        raise Refused(url, refused)


def fetch(url: str, timeout: float = 30, source: Source | None = None) -> tuple[int, str | None, bytes]:
    """GET ``url``; with ``source``, the address guard applies to it and to each redirect hop."""

    class GuardedRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if source is not None:
                _guarded(newurl, source)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    if source is not None:
        _guarded(url, source)
    opener = urllib.request.build_opener(GuardedRedirects)
    req = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read(settings.DOWNLOAD_MAXSIZE)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type"), exc.read()


def refused_links(source: Source, links: dict, resolve: bool = True) -> dict[str, str]:
    """The links to archive or follow that the crawl's guard would refuse: {url: why}. The hosts
    are looked up once each, the first MAX_HOSTS_CHECKED of them; without ``resolve`` (a saved
    page: no network), only hosts written as IP addresses are judged."""
    verdicts: dict[str, str | None] = {}
    out = {}
    for url in [*links["report"], *links["listing"]]:
        host = (urlsplit(url).hostname or "").lower()
        if host not in verdicts:
            if len(verdicts) >= MAX_HOSTS_CHECKED or not (resolve or literal_ip(host.strip("[]"))):
                continue
            try:
                refused = check_url(url, [source])
            except (OSError, UnicodeError) as exc:
                verdicts[host] = f"unresolvable host {host}: {exc}"
            else:
                verdicts[host] = refused.message if refused is not None else None
        if verdicts[host] is not None:
            out[url] = verdicts[host]
    return out


def check_source(source: Source, *, url: str | None = None, file_path: str | None = None) -> list[dict]:
    """One report per checked page: {url, status, links: {report, listing, ignored, cut},
    refused: {url: why}} or {error}."""
    out = []
    if file_path:
        targets = [(url or Path(file_path).resolve().as_uri(), None)]
    else:
        targets = [(u, None) for u in ([url] if url else source.start_urls)]
    for target, _ in targets:
        try:
            if file_path:
                status, ctype, body = 200, None, Path(file_path).read_bytes()
            else:
                status, ctype, body = fetch(target, source=source)
        except (OSError, ValueError) as exc:
            out.append({"url": target, "status": "-", "error": str(exc)})
            continue
        _, text = html_to_unicode(ctype, body)
        try:
            links = classify_links(
                source,
                text,
                target,
                max_links=settings.ARCHIVE_MAX_LINKS_PER_PAGE,
                max_tree_chars=settings.ARCHIVE_MAX_HTML_BYTES,
            )
        except PageTooLarge as exc:
            out.append({"url": target, "status": status, "error": f"links not read: {exc}"})
            continue
        entry = {
            "url": target,
            "status": status,
            "links": links,
            "refused": refused_links(source, links, resolve=not file_path),
        }
        if status >= 400:
            entry["error"] = f"HTTP {status}"
        out.append(entry)
    return out
