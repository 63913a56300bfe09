"""Pipeline 1: main text, chrome removal and metadata for each report (pure functions in cleaning/).

No database here: the source's configuration comes with the spider (``spider.sources``), and
what was learned of a source's chrome from ``crawler.learned_chrome`` (an object with
``get(source_key) -> list[dict]``, set by the archive's writer), loaded once per source.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter

from pipelines.cleaning import RawPage, clean_document
from pipelines.cleaning.sniff import sniff
from pipelines.stats import count

logger = logging.getLogger(__name__)


def cleaning_options(source) -> dict:
    """The keyword arguments a source gives the cleaner (``clean_document``, ``page_context``):
    its selectors, CMS profile and forced encoding (None: none)."""
    if source is None:
        return {"selectors": None, "profile": None, "encoding": None}
    return {"selectors": source.selectors, "profile": source.profile, "encoding": source.encoding}


def extract_item(item, *, source=None, learned: list[dict] | None = None, stats=None):
    """Clean ``item.pages`` into ``item.cleaned`` (with ``context``, what learning reads); a failed,
    incomplete, binary or empty item gets a ``skip_reason`` instead. Returns the item."""
    key = item.source

    def skip(reason: str, stat: str | None = None):
        item.skip_reason = reason
        if stat and stats is not None:
            count(stats, key, f"archive/skipped/{stat}")
        return item

    adapter = ItemAdapter(item)
    for page in adapter["pages"]:  # by magic bytes, before any parsing, whatever Content-Type says
        page.sniffed_type = sniff(page.body)
    pages = [p for p in adapter["pages"] if p.ok]
    if item.not_modified:
        return skip("not modified")
    if adapter["incomplete"]:
        return skip("continuation page failed", "incomplete")
    if len(pages) != len(adapter["pages"]) or not pages:
        return skip("fetch failed", "fetch_failed")
    binary = next((p for p in pages if p.sniffed_type), None)
    if binary is not None:  # a PDF, Word file or image, even one served as text/html
        logger.warning("%s is %s (served as %s): capture kept, no document", binary.url,
                       binary.sniffed_type, binary.content_type or "no Content-Type")
        return skip(f"binary: {binary.sniffed_type}", "binary")
    try:
        cleaned = clean_document(
            [RawPage(body=p.body, url=p.url, content_type=p.content_type, parsed=p.parsed) for p in pages],
            learned=learned or None, with_context=True, **cleaning_options(source),
        )
    except Exception as exc:  # a page the cleaner cannot handle must not stop the crawl
        logger.exception("cleaning failed for %s", pages[0].url)
        return skip(f"cleaning failed: {exc.__class__.__name__}: {exc}", "cleaning_failed")
    finally:
        for p in pages:
            p.parsed = None  # consumed: the tree is not kept with the item
    item.cleaned = cleaned
    if not (cleaned.get("text") or "").strip():
        logger.warning("no main text in %s", pages[0].url)
        skip("no main text", "no_text")
    if cleaned.get("mojibake") and stats is not None:
        count(stats, key, "archive/flags/mojibake")
    return item


class ExtractPipeline:
    """Cleans each item (``extract_item``). Nothing is dropped: the store still keeps the raw
    captures of a skipped item."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.sources: dict = {}
        self.learned = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.sources = getattr(self.crawler.spider, "sources", None) or {}
        self.learned = getattr(self.crawler, "learned_chrome", None)

    def process_item(self, item):
        learned = self.learned.get(item.source) if self.learned is not None else None
        return extract_item(item, source=self.sources.get(item.source), learned=learned, stats=self.stats)
