"""Bring saved pages and text dumps into the archive, and re-clean what is stored.

``archive import`` and ``archive reprocess`` go through the very pipelines a crawl uses
(pipelines.extract → pipelines.store → pipelines.dedupe), driven here without a network.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive import db as archive_db
from crawler.items import Page, ReportItem

IMPORT_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".txt"}


class Stats:
    """The part of Scrapy's stats collector the pipelines use."""

    def __init__(self):
        self.values: Counter = Counter()

    def inc_value(self, key, count=1, start=0):
        self.values[key] += count

    def get_value(self, key, default=None):
        return self.values.get(key, default)

    def get_stats(self):
        return dict(self.values)


@dataclass
class PipelineRunner:
    """The crawl's pipelines, in the crawl's order, with the crawl's settings."""

    db_path: str
    sources_file: str | None = None

    def __post_init__(self):
        from archive.crawl import scrapy_settings
        from pipelines.dedupe import DedupePipeline
        from pipelines.extract import ExtractPipeline
        from pipelines.store import StorePipeline

        self.settings = scrapy_settings(self.db_path, self.sources_file, {"ARCHIVE_LOCK_HELD": True})
        self.stats = Stats()
        self.pipelines = [cls(self) for cls in (ExtractPipeline, StorePipeline, DedupePipeline)]

    def __enter__(self):
        for p in self.pipelines:
            p.open_spider()
        return self

    def __exit__(self, *exc):
        for p in reversed(self.pipelines):
            if hasattr(p, "close_spider"):
                p.close_spider()

    def process(self, item: ReportItem) -> ReportItem:
        for p in self.pipelines:
            item = p.process_item(item)
        return item


def iter_import_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMPORT_SUFFIXES))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {raw}")
    return files


def import_files(db_path: str, files: list[Path], *, url: str | None = None, source: str = "import",
                 sources_file: str | None = None) -> dict:
    """Run each file through the pipelines as one document. Returns the stats."""
    with PipelineRunner(db_path, sources_file) as runner:
        for f in files:
            item = ReportItem(source=source, pages=[Page.from_file(f, url)])
            runner.process(item)
            runner.stats.inc_value("archive/files")
    return runner.stats.get_stats()


def reprocess(db_path: str, *, source: str | None = None, sources_file: str | None = None,
              progress: Callable[[int], None] | None = None) -> dict:
    """Re-clean every document from its stored raw captures, in place (ids kept). No network.
    ``progress(1)`` is called after each document (a progress bar's ``update``)."""
    where, args = ("WHERE source = ?", [source]) if source else ("", [])
    with PipelineRunner(db_path, sources_file) as runner:
        db = archive_db.acquire_shared(db_path)  # the pipelines' own connection: reads see their writes
        try:
            docs = db.execute(f"SELECT id, source FROM documents {where} ORDER BY id", args).fetchall()
            for doc_id, src in docs:  # one document's pages in memory at a time
                runner.process(ReportItem(source=src, pages=document_pages(db, doc_id), offline=True))
                runner.stats.inc_value("archive/reprocessed")
                if progress is not None:
                    progress(1)
        finally:
            archive_db.release_shared(db_path)
    return runner.stats.get_stats()


def document_pages(db, doc_id: int) -> list[Page]:
    """The stored raw pages of a document's present version, in page order."""
    caps = db.execute(
        "SELECT c.url, c.requested_url, c.status, c.headers, c.body, c.compression, c.fetched_at"
        " FROM document_captures dc JOIN captures c ON c.id = dc.capture_id"
        " WHERE dc.document_id = ? AND dc.current IS NOT 0 ORDER BY dc.page, c.id", [doc_id]).fetchall()
    return [
        Page(url=url, requested_url=requested, status=status, headers=json.loads(headers or "{}"),
             body=archive_db.decompress(body, compression), fetched_at=fetched)
        for url, requested, status, headers, body, compression, fetched in caps
    ]


def relearn_boilerplate(db_path: str, source: str, *, sample: int = 300, sources_file: str | None = None) -> bool:
    """Learn ``source``'s recurring chrome from the template lines of its stored pages (what
    surrounds the text, whatever was learned before, so the learning is stable) and save it.
    Returns True when what was learned changed."""
    from crawler.sources import cleaning_options, load_sources
    from pipelines.cleaning import RawPage, learn_boilerplate, page_context

    src = load_sources(sources_file).get(source) if source != "import" else None
    db = archive_db.open_db(db_path)
    try:
        ids = [r[0] for r in db.execute(
            "SELECT MIN(id) FROM documents WHERE source = ? GROUP BY text_hash ORDER BY MIN(id) DESC LIMIT ?",
            [source, sample])]
        docs = []
        for doc_id in ids:
            pages = [p for p in document_pages(db, doc_id) if p.ok]
            if not pages:
                continue
            docs.append(page_context([RawPage(p.body, p.url, p.content_type) for p in pages],
                                     **cleaning_options(src)))
        learned = learn_boilerplate(docs)
        before = {(b["text"], b["kind"]) for b in archive_db.load_boilerplate(db, source)}
        if before == {(b["text"], b["kind"]) for b in learned}:
            return False
        archive_db.save_boilerplate(db, source, learned)
        return True
    finally:
        db.close()
