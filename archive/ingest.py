"""Bring saved pages and text dumps into the archive, and re-clean what is stored.

``archive import`` and ``archive reprocess`` go through the very pipelines a crawl uses
(pipelines.extract → archive.writer), driven here without a network.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive import db as archive_db
from archive import learning
from archive.captures import document_pages  # noqa: F401 - re-exported (its old home)
from archive.crawl import scrapy_settings
from archive.sourcestore import (
    archived_sources,
    document_counts,
    record_sources,
    resolve_sources,
    source_toml,
    unconfigured_sources,
)
from archive.writer import ArchiveWriter
from crawler.items import Page, ReportItem
from crawler.sources import Source, SourceError, load_sources
from pipelines.extract import ExtractPipeline

IMPORT_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".txt"}


class Stats:
    """The part of Scrapy's stats collector the pipelines use."""

    def __init__(self):
        self.values: Counter = Counter()

    def inc_value(self, key, count=1, start=0):
        self.values[key] += count

    def get_value(self, key, default=None):
        return self.values.get(key, default)

    def set_value(self, key, value):
        self.values[key] = value

    def get_stats(self):
        return dict(self.values)

    def inc_source(self, source, key, count=1):  # one table: the runner's stats are for one job
        self.values[key] += count


@dataclass
class PipelineRunner:
    """The crawl's pipelines, in the crawl's order, with the crawl's settings. It stands for both
    the crawler (settings, stats) and the spider (``sources``: the configuration the pipelines
    clean with; default: the sources file's)."""

    db_path: str
    sources_file: str | None = None
    overrides: dict | None = None  # more settings
    sources: dict[str, Source] | None = None

    def __post_init__(self):
        self.settings = scrapy_settings(
            self.db_path, self.sources_file, {"ARCHIVE_LOCK_HELD": True, **(self.overrides or {})}
        )
        self.stats = Stats()
        if self.sources is None:
            self.sources = load_sources(self.sources_file)
        self.spider = self  # what the pipelines read of the spider: ``sources``
        self.pipelines = [ExtractPipeline(self), ArchiveWriter(self)]

    def __enter__(self):
        for p in self.pipelines:
            p.open_spider()
        return self

    def __exit__(self, *exc):
        for p in reversed(self.pipelines):
            if hasattr(p, "close_spider"):
                p.close_spider()
        fatal = self.stats.get_value("archive/fatal")
        if fatal and exc[0] is None:
            raise archive_db.StorageFailed(
                f"the archive cannot be written ({fatal}): the import stopped; what was committed before is kept"
            )

    def process(self, item: ReportItem) -> ReportItem:
        for p in self.pipelines:
            item = p.process_item(item)
        return item


def iter_import_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(
                sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMPORT_SUFFIXES)
            )
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {raw}")
    return files


def import_files(
    db_path: str,
    files: list[Path],
    *,
    url: str | None = None,
    source: str = "import",
    sources_file: str | None = None,
) -> dict:
    """Run each file through the pipelines as one document. Returns the stats. A ``source`` that the
    sources file configures is recorded in the archive (``sources``): its documents were cleaned
    with that entry. Others (``import``) have no configuration, and are re-cleaned without one."""
    configured = load_sources(sources_file).get(source)
    with PipelineRunner(db_path, sources_file) as runner:
        for f in files:
            item = ReportItem(source=source, pages=[Page.from_file(f, url)])
            runner.process(item)
            runner.stats.inc_value("archive/files")
    if configured is not None and configured.table:
        db = archive_db.open_db(db_path)
        try:
            record_sources(db, {source: configured}, None)
            db.commit()
        finally:
            db.close()
    return runner.stats.get_stats()


def reprocess(
    db_path: str,
    *,
    source: str | None = None,
    sources_file: str | None = None,
    progress: Callable[[int], None] | None = None,
    sources: dict[str, Source] | None = None,
    reason: str = "reprocess",
) -> dict:
    """Re-clean every document from its stored raw captures, in place (ids kept). No network.

    ``sources``: the configuration to clean with (default: ``resolve_sources`` of the archive and
    ``sources_file``: the archive's record when no file is given). The documents of a source whose
    configuration ``sources`` lacks are left alone (``archive/left_alone``); asking for such a
    ``source`` raises SourceError. The entries used become the archive's record of those sources.
    Every document whose text or metadata changes keeps its earlier state as a version (``reason``).
    ``progress(1)`` is called after each document (a progress bar's ``update``)."""
    db = archive_db.open_db(db_path, create=False)
    try:
        if sources is None:
            sources, _ = resolve_sources(db, sources_file)
        skip = unconfigured_sources(db, sources)
        if source is not None and source in skip:
            raise SourceError(no_configuration(source, sources_file))
        archived = archived_sources(db)
        counts = document_counts(db)
    finally:
        db.close()
    if source is not None and source not in counts and source not in sources:
        known = ", ".join(sorted(counts)[:10]) + (", …" if len(counts) > 10 else "") or "none"
        raise SourceError(f"unknown source {source!r}: the archive has documents of: {known}")
    keys = [source] if source else sorted(k for k in counts if k not in skip)
    # the archive's record of the sources left alone too: their documents are not re-read, and
    # whether they are official (preferred as canonical) stays known to the duplicate groups
    with PipelineRunner(
        db_path, sources_file, {"ARCHIVE_VERSION_REASON": reason}, sources={**archived, **sources}
    ) as runner:
        db = archive_db.acquire_shared(db_path)  # the pipelines' own connection: reads see their writes
        try:
            for key in keys:
                docs = db.execute("SELECT id FROM documents WHERE source = ? ORDER BY id", [key]).fetchall()
                for (doc_id,) in docs:  # one document's pages in memory at a time
                    runner.process(ReportItem(source=key, pages=document_pages(db, doc_id), offline=True))
                    runner.stats.inc_value("archive/reprocessed")
                    if progress is not None:
                        progress(1)
            used = {
                k: s
                for k, s in sources.items()
                if k in keys and s.table and (k not in archived or source_toml(s) != source_toml(archived[k]))
            }
            if used:  # the documents are now cleaned with these entries: the archive's record from now on
                record_sources(db, used, None)
        finally:
            archive_db.release_shared(db_path)
    if not source and skip:
        runner.stats.inc_value("archive/left_alone", sum(skip.values()))
    return runner.stats.get_stats()


def no_configuration(key: str, sources_file: str | None) -> str:
    where = f"in {sources_file}" if sources_file else "recorded in the archive nor in the sources file"
    return (
        f"source {key!r} has no configuration {'' if sources_file else 'either '}{where}: its documents "
        "are not re-cleaned without one (pass --sources with its entry)"
    ).replace("  ", " ")


def relearn_boilerplate(
    db_path: str, source: str, *, sources_file: str | None = None, sources: dict[str, Source] | None = None
) -> bool:
    """Learn ``source``'s recurring chrome from the template lines of its stored pages (what
    surrounds the text, whatever was learned before, so the learning is stable) and save it.
    ``sources``: the configuration its pages are read with (default: ``sources_file``'s); a source
    that needs one they lack is not relearned. Returns True when what was learned changed."""
    if sources is None:
        sources = load_sources(sources_file)
    src = sources.get(source) if source != "import" else None
    db = archive_db.open_db(db_path, create=False)
    try:
        if src is None and source in unconfigured_sources(db, sources):
            return False  # learned without its selectors, the chrome would be another page's
        with db.atomic():
            changed = learning.relearn(db, source, src) is not None
            learning.ensure_schema(db)
            learning.mark_learned(db, source)  # from all its documents: not due again
        return changed
    finally:
        db.close()
