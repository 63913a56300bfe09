"""Link discovery on listing pages, shared by the spider and ``archive sources check``."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin

import lxml.html

from crawler.sources import Source


def page_links(html: str, base_url: str, restrict_css: str | None = None) -> list[str]:
    """Absolute http(s) URLs of the ``<a href>`` links of a page, in order, without duplicates."""
    if not html.strip():
        return []
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    base = doc.xpath("string(//base/@href)") or base_url
    base = urljoin(base_url, base)
    roots = doc.cssselect(restrict_css) if restrict_css else [doc]
    seen: dict[str, None] = {}
    for root in roots:
        for a in _anchors(root):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#", "tel:")):
                continue
            url = urldefrag(urljoin(base, href))[0]
            if url.startswith(("http://", "https://")):
                seen.setdefault(url, None)
    return list(seen)


def _anchors(root):
    """The ``<a>`` elements under root, in order, with those of XML data islands: Hanweb (大汉)
    column pages carry their first page of records as ``<script type="text/xml"><datastore>
    <recordset><record><![CDATA[<li><a href="/art/…">…]]></record>…``, which a script renders."""
    for el in root.iter("a", "script"):
        if el.tag == "a":
            yield el
        elif (el.get("type") or "").strip().lower() == "text/xml" and "href" in (el.text or ""):
            island = el.text.replace("<![CDATA[", "").replace("]]>", "")
            try:
                yield from lxml.html.fragment_fromstring(island, create_parent="div").iter("a")
            except (ValueError, lxml.etree.ParserError):
                continue


def classify_links(source: Source, html: str, base_url: str) -> dict[str, list[str]]:
    """The links of a listing page sorted by what the source's patterns do with them."""
    out: dict[str, list[str]] = {"report": [], "listing": [], "ignored": []}
    for url in page_links(html, base_url, source.restrict_css):
        kind = source.classify(url)
        if kind and source.allowed_domains and not _allowed(url, source.allowed_domains):
            kind = None
        out[kind or "ignored"].append(url)
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
