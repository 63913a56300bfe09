"""Pipeline 1: main text, chrome removal and metadata for each report (pure functions in cleaning/).

No database here: the source's configuration comes with the spider (``spider.sources``), and
what was learned of a source's chrome from ``crawler.learned_chrome`` (an object with
``get(source_key) -> list[dict]``, set by the archive's writer), loaded once per source.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from itemadapter import ItemAdapter

from pipelines.cleaning import RawPage, clean_document, cleaning_options, rules_version, text_hash
from pipelines.cleaning.sniff import sniff
from pipelines.packing import pack
from pipelines.similarity import text_sketch
from pipelines.stats import count

logger = logging.getLogger(__name__)


def _skip(item, reason: str, stats=None, stat: str | None = None):
    item.skip_reason = reason
    if stat and stats is not None:
        count(stats, item.source, f"archive/skipped/{stat}")
    return item


def pages_to_clean(item, stats=None, max_bytes: int | None = None) -> list | None:
    """The item's pages when they can be cleaned; else None, with the item's ``skip_reason`` set
    (not modified, a failed or incomplete fetch, a binary file, a page over ``max_bytes``:
    ``ARCHIVE_MAX_HTML_BYTES``; its capture is stored raw all the same)."""
    adapter = ItemAdapter(item)
    for page in adapter["pages"]:  # by magic bytes, before any parsing, whatever Content-Type says
        page.sniffed_type = sniff(page.body)
    pages = [p for p in adapter["pages"] if p.ok]
    binary = next((p for p in pages if p.sniffed_type), None)
    large = next((p for p in pages if max_bytes and len(p.body) > max_bytes), None)
    if item.not_modified:
        _skip(item, "not modified")
    elif adapter["incomplete"]:
        _skip(item, "continuation page failed", stats, "incomplete")
    elif len(pages) != len(adapter["pages"]) or not pages:
        _skip(item, "fetch failed", stats, "fetch_failed")
    elif binary is not None:  # a PDF, Word file or image, even one served as text/html
        logger.warning(
            "%s is %s (served as %s): capture kept, no document",
            binary.url,
            binary.sniffed_type,
            binary.content_type or "no Content-Type",
        )
        _skip(item, f"binary: {binary.sniffed_type}", stats, "binary")
    elif large is not None:
        # parsing 30 MB of HTML takes some 1.4 GB (a tree of ~45 times its size): not a report page
        logger.warning(
            "%s is %s bytes of HTML, over ARCHIVE_MAX_HTML_BYTES (%s): capture kept, not cleaned",
            large.url,
            f"{len(large.body):,}",
            f"{max_bytes:,}",
        )
        _skip(item, f"too large: {len(large.body):,} bytes", stats, "too_large")
    else:
        return pages
    return None


def clean_key(pages, options: dict) -> str:
    """What a document's cleaning depends on, but for the learned chrome: the rules
    (``rules_version``), the source's options, and each page's address, type and bytes. Equal keys
    give equal documents, so a page fetched again with the same bytes is not cleaned again. (When
    the learned chrome changes, the writer re-cleans every document the change can touch there
    and then: ``archive.learning.affected``.)"""
    digest = hashlib.sha256(rules_version().encode())
    digest.update(json.dumps(options, sort_keys=True, ensure_ascii=False).encode())
    for p in pages:
        digest.update(f"\0{p.url}\0{p.content_type}\0".encode())
        digest.update(hashlib.sha256(p.body).digest())
    return digest.hexdigest()


def clean_pages(pages: list[RawPage], options: dict, learned: list[dict] | None) -> dict:
    """What a document is made of: ``clean_document`` with the source's options, the context
    learning reads and the text's hash. A plain function of plain data (a worker process can
    run it)."""
    cleaned = clean_document(pages, learned=learned or None, with_context=True, **options)
    cleaned["text_hash"] = text_hash(cleaned.get("text") or "")
    return cleaned


def clean_and_pack(pages: list[RawPage], options: dict, learned: list[dict] | None) -> tuple[dict, list]:
    """``clean_pages``, the text's dedupe sketch (``cleaned["sketch"]``: its shingle sample and
    count) and each page's bytes packed for the store (hash, compressed body): what a cleaning
    worker does, so the crawl's process is left with fetching and inserting."""
    cleaned = clean_pages(pages, options, learned)
    sample, shingles = text_sketch(cleaned.get("text") or "")
    cleaned["sketch"] = (sample, len(shingles))  # for the dedupe step (``Deduper.add_many``)
    return cleaned, [pack(p.body) for p in pages]


# share of control codes, private-use characters (where GB18030 puts its user-defined byte pairs)
# and U+FFFD above which decoded bytes are not text: random bytes give 4.4–20 %, the 146 real pages
# of tests/fixtures and ../shared at most 0.76 %
NOT_TEXT_CONTROLS = 0.02
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")


def _control_share(text: str) -> float:
    return len(_CONTROLS.findall(text)) / len(text)


def finish_item(item, cleaned: dict | None, stats=None, error: BaseException | None = None):
    """Put the cleaner's result (or its failure) on the item."""
    if error is not None:  # a page the cleaner cannot handle must not stop the crawl
        logger.error(
            "cleaning failed for %s: %s: %s",
            item.pages[0].url,
            error.__class__.__name__,
            error,
            exc_info=error,
        )
        return _skip(item, f"cleaning failed: {error.__class__.__name__}: {error}", stats, "cleaning_failed")
    item.cleaned = cleaned
    if item.clean_key:
        cleaned["clean_key"] = item.clean_key
    text = cleaned.get("text") or ""
    if not text.strip():
        logger.warning("no main text in %s", item.pages[0].url)
        _skip(item, "no main text", stats, "no_text")
    elif _control_share(text) > NOT_TEXT_CONTROLS:
        # bytes of no text encoding (random or unknown binary data, a damaged file) decode to
        # "characters" among which control codes and private-use ones abound
        logger.warning(
            "%s is not text (its bytes decode to control and private-use characters): capture kept, no document",
            item.pages[0].url,
        )
        _skip(item, "not text", stats, "not_text")
    if cleaned.get("mojibake") and stats is not None:
        count(stats, item.source, "archive/flags/mojibake")
    return item


def extract_item(
    item, *, source=None, learned: list[dict] | None = None, stats=None, max_bytes: int | None = None
):
    """Clean ``item.pages`` into ``item.cleaned`` (with ``context``, what learning reads); a failed,
    incomplete, binary, too large or empty item gets a ``skip_reason`` instead. Returns the item."""
    pages = pages_to_clean(item, stats, max_bytes)
    if pages is None or _unchanged(item, pages, cleaning_options(source), stats):
        return item
    raw = [RawPage(body=p.body, url=p.url, content_type=p.content_type, parsed=p.parsed) for p in pages]
    for p in pages:
        p.parsed = None  # handed over: the tree is not kept with the item
    try:
        cleaned = clean_pages(raw, cleaning_options(source), learned)
    except Exception as exc:  # noqa: BLE001 - reported on the item, the crawl goes on
        return finish_item(item, None, stats, error=exc)
    return finish_item(item, cleaned, stats)


def _unchanged(item, pages, options: dict, stats) -> bool:
    """Whether the item's document is already stored as these pages would clean to (same clean
    key as the archive's copy): then it is not cleaned again (``skip_reason`` 'unchanged')."""
    item.clean_key = clean_key(pages, options)
    if item.known_clean_key is None or item.known_clean_key != item.clean_key:
        return False
    _skip(item, "unchanged", stats, "clean_unchanged")
    return True


def _worker_start(parent: int) -> None:
    """A cleaning worker dies with the crawl (a SIGKILLed crawl leaves no worker behind, holding
    a core or the crawl's output pipes), and lets go of the crawl's stdout and stderr: what it has
    to say goes back with its results."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    if os.getppid() != parent:  # the crawl died while this worker was starting
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


class ExtractPipeline:
    """Cleans each item (``extract_item``). Nothing is dropped: the store still keeps the raw
    captures of a skipped item.

    ``ARCHIVE_CLEAN_WORKERS`` > 0 (``archive crawl`` on a machine of two CPUs or more): the
    cleaning runs in that many worker processes, off the reactor, while it goes on fetching and
    the writer stores; each item is still cleaned by the same function of the same inputs."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.workers = crawler.settings.getint("ARCHIVE_CLEAN_WORKERS", 0)
        self.max_bytes = crawler.settings.getint("ARCHIVE_MAX_HTML_BYTES", 0) or None
        self.pool: ProcessPoolExecutor | None = None
        self.sources: dict = {}
        self.learned = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.sources = getattr(self.crawler.spider, "sources", None) or {}
        self.learned = getattr(self.crawler, "learned_chrome", None)
        if self.workers > 0:  # spawned, not forked: a child of a running reactor starts clean
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_start,
                initargs=(os.getpid(),),
            )

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def process_item(self, item):
        source = self.sources.get(item.source)
        learned = self.learned.get(item.source) if self.learned is not None else None
        if self.learned is not None:  # the writer cleans again what a relearn overtook on the way
            item.learned_version = self.learned.version(item.source)
        if self.pool is None:
            return extract_item(
                item, source=source, learned=learned, stats=self.stats, max_bytes=self.max_bytes
            )
        options = cleaning_options(source)
        pages = pages_to_clean(item, self.stats, self.max_bytes)
        if pages is None or _unchanged(item, pages, options, self.stats):
            return item
        raw = [RawPage(body=p.body, url=p.url, content_type=p.content_type) for p in pages]
        for p in pages:
            p.parsed = None  # a tree does not cross to another process; the worker parses again
        return self._in_pool(item, pages, raw, options, learned)

    async def _in_pool(self, item, pages, raw: list[RawPage], options: dict, learned):
        try:
            pool = self.pool
            if pool is None:  # the pool broke: cleaned here, as without workers
                raise BrokenProcessPool
            cleaned, packed = await asyncio.wrap_future(pool.submit(clean_and_pack, raw, options, learned))
            for page, packs in zip(pages, packed, strict=True):
                page.packed = packs
        except BrokenProcessPool:
            if self.pool is not None:
                logger.error(
                    "the cleaning workers died: the rest of the crawl is cleaned in the crawl's process"
                )
                self.pool = None
            try:
                cleaned = clean_pages(raw, options, learned)
            except Exception as exc:  # noqa: BLE001 - reported on the item, the crawl goes on
                return finish_item(item, None, self.stats, error=exc)
        except Exception as exc:  # noqa: BLE001 - reported on the item, the crawl goes on
            return finish_item(item, None, self.stats, error=exc)
        return finish_item(item, cleaned, self.stats)
