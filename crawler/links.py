"""Link discovery on listing pages, shared by the spider and ``archive sources check``.

Links are read as the page is parsed, never from a whole tree: libxml2's HTML parser hands each
tag to a small target object (no element is kept), so a 27 MB page of a million links costs its
text and the links taken, and reading stops at ``max_links`` links taken
(``ARCHIVE_MAX_LINKS_PER_PAGE``). Only a source with ``restrict_css`` needs the page's tree (a CSS
selector reads ancestors): that page is parsed whole, and one over ``max_tree_chars``
(``ARCHIVE_MAX_HTML_BYTES``) raises PageTooLarge instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from urllib.parse import urldefrag, urljoin

import lxml.etree
import lxml.html

from crawler.sources import Source

FEED_CHARS = 64 * 1024  # characters handed to the parser at a time (then the link cap is checked)
_SKIPPED_HREFS = ("javascript:", "mailto:", "#", "tel:")


class PageTooLarge(ValueError):
    """A page too large to parse into a tree (a source with ``restrict_css``)."""


def page_links(
    html: str, base_url: str, restrict_css: str | None = None, max_tree_chars: int | None = None
) -> list[str]:
    """Absolute http(s) URLs of the ``<a href>`` links of a page, in order, without duplicates."""
    return list(dict.fromkeys(iter_page_links(html, base_url, restrict_css, max_tree_chars)))


def iter_page_links(
    html: str, base_url: str, restrict_css: str | None = None, max_tree_chars: int | None = None
) -> Iterator[str]:
    """The absolute http(s) URLs of a page's ``<a href>`` links, in order, as they are parsed
    (duplicates included; stop iterating to stop parsing)."""
    if not html.strip():
        return
    if restrict_css:
        if max_tree_chars and len(html) > max_tree_chars:
            raise PageTooLarge(
                f"{len(html):,} characters, over {max_tree_chars:,} (ARCHIVE_MAX_HTML_BYTES): "
                "too large to parse for restrict_css"
            )
        yield from _tree_links(html, base_url, restrict_css)
        return
    yield from _streamed_links(html, base_url)


class _LinkTarget:
    """lxml parser target: collects hrefs (and ``<base href>``) as tags open; the text of an XML
    data island (``<script type="text/xml">``) is kept to be read for links when it closes."""

    def __init__(self):
        self.hrefs: list[str] = []
        self.base: str | None = None
        self.in_body = False  # links before <body> wait for a <base> in the head
        self.islands: list[str] = []
        self._island: list[str] | None = None

    def start(self, tag, attrib):
        if tag == "a":
            href = attrib.get("href")
            if href is not None:
                self.hrefs.append(href)
        elif tag == "base" and self.base is None:
            self.base = attrib.get("href") or ""
        elif tag == "body":
            self.in_body = True
        elif tag == "script" and (attrib.get("type") or "").strip().lower() == "text/xml":
            self._island = []

    def end(self, tag):
        if tag == "script" and self._island is not None:
            text = "".join(self._island)
            self._island = None
            if "href" in text:
                self.islands.append(text)
                self.hrefs.append(_ISLAND)  # where the island's links go, in page order

    def data(self, text):
        if self._island is not None:
            self._island.append(text)

    def close(self):
        return None


_ISLAND = "\0island"  # a marker in the hrefs list: the next island's links go here


def _streamed_links(html: str, base_url: str) -> Iterator[str]:
    """Links of a page fed to libxml2 in pieces; what the target collected is handed out after
    each piece, so a caller that stops iterating stops the parse."""
    target = _LinkTarget()
    parser = lxml.etree.HTMLParser(target=target)
    pieces = (html[i : i + FEED_CHARS] for i in range(0, len(html), FEED_CHARS))
    for piece in chain(pieces, [None]):
        broken = False
        try:
            if piece is None:
                parser.close()
            else:
                parser.feed(piece)
        except (ValueError, lxml.etree.ParserError, lxml.etree.XMLSyntaxError):
            broken = True
        if piece is not None and not broken and not target.in_body and target.base is None:
            continue  # still in the head: a <base> may follow
        base = urljoin(base_url, target.base) if target.base is not None else base_url
        hrefs, target.hrefs = target.hrefs, []
        for href in hrefs:
            if href is _ISLAND:
                yield from _island_links(target.islands.pop(0), base)
                continue
            url = _absolute(href, base)
            if url is not None:
                yield url
        if broken:
            return


def _island_links(island: str, base: str) -> Iterator[str]:
    """Hanweb (大汉) column pages carry their first page of records as ``<script type="text/xml">
    <datastore><recordset><record><![CDATA[<li><a href="/art/…">…]]></record>…``, which a script
    renders: its links, parsed the same way (no further islands inside)."""
    island = island.replace("<![CDATA[", "").replace("]]>", "")
    target = _LinkTarget()
    parser = lxml.etree.HTMLParser(target=target)
    try:
        parser.feed(f"<html><body><div>{island}</div></body></html>")
        parser.close()
    except (ValueError, lxml.etree.ParserError, lxml.etree.XMLSyntaxError):
        return
    for href in target.hrefs:
        if href is not _ISLAND:
            url = _absolute(href, base)
            if url is not None:
                yield url


def _absolute(href: str, base: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(_SKIPPED_HREFS):
        return None
    try:
        url = urldefrag(urljoin(base, href))[0]
    except ValueError:  # e.g. an invalid IPv6 literal in the href
        return None
    return url if url.startswith(("http://", "https://")) else None


def _tree_links(html: str, base_url: str, restrict_css: str) -> Iterator[str]:
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return
    base = urljoin(base_url, doc.xpath("string(//base/@href)") or base_url)
    for root in doc.cssselect(restrict_css):
        for el in root.iter("a", "script"):
            if el.tag == "a":
                url = _absolute(el.get("href") or "", base)
                if url is not None:
                    yield url
            elif (el.get("type") or "").strip().lower() == "text/xml" and "href" in (el.text or ""):
                yield from _island_links(el.text, base)


def classify_links(
    source: Source,
    html: str,
    base_url: str,
    *,
    max_links: int | None = None,
    max_tree_chars: int | None = None,
) -> dict:
    """The links of a listing page sorted by what the source's patterns do with them:
    ``{"report": [...], "listing": [...], "ignored": [...], "cut": bool}``. With ``max_links``,
    reading stops once that many links are taken (report and listing; ``cut`` then says so), and
    at most that many ignored links are listed. Raises PageTooLarge (``restrict_css`` only)."""
    out: dict = {"report": [], "listing": [], "ignored": [], "cut": False}
    seen: set[str] = set()
    taken = 0
    for url in iter_page_links(html, base_url, source.restrict_css, max_tree_chars):
        if url in seen:
            continue
        kind = source.classify(url)
        if kind and source.allowed_domains and not _allowed(url, source.allowed_domains):
            kind = None
        if kind is None:
            if max_links and len(out["ignored"]) >= max_links:
                continue  # not kept (nor remembered): an ignored link costs nothing
            out["ignored"].append(url)
            seen.add(url)
            continue
        if max_links and taken >= max_links:
            out["cut"] = True
            break
        seen.add(url)
        out[kind].append(url)
        taken += 1
    return out


def _allowed(url: str, domains: tuple[str, ...]) -> bool:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def repeated_path(url: str, limit: int = 3) -> bool:
    """Whether one segment of the URL's path occurs ``limit`` times or more (``/a/b/a/b/a/b/``,
    ``/x/x/x/``): the mark of relative links resolved against the wrong base, a crawler trap."""
    from collections import Counter
    from urllib.parse import unquote, urlsplit

    segments = [s for s in unquote(urlsplit(url).path).split("/") if s]
    return bool(segments) and max(Counter(segments).values()) >= limit
