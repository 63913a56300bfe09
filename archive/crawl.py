"""``archive crawl``: run sources through Scrapy into the archive, cron-safe.

One process, all the chosen sources at once, under the archive's lock. A ``crawl_runs`` row
records the run; the exit code says whether it passed its checks (see INTERFACE.md).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from archive import db as archive_db
from archive.lock import ArchiveLock
from crawler.sources import Source, SourceError, load_sources, sources_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass
class CrawlResult:
    run_id: int
    exit_code: int
    status: str
    summary: str
    seconds: float
    per_source: dict[str, dict] = field(default_factory=dict)


def scrapy_settings(db_path: str, sources_file: str | None, overrides: dict | None = None):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    settings.set("ARCHIVE_SOURCES", str(sources_path(sources_file)), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def select_sources(sources_file: str | None, names: list[str] | None) -> dict[str, Source]:
    sources = load_sources(sources_file)
    if not sources:
        raise SourceError(f"no sources configured in {sources_path(sources_file)}: add one (see README, "
                          "'Adding a source') or pass --sources")
    if names:
        unknown = [n for n in names if n not in sources]
        if unknown:
            raise SourceError(f"unknown source(s): {', '.join(unknown)} (known: {', '.join(sorted(sources))})")
        sources = {n: sources[n] for n in names}
    return sources


def _had_documents(db, source: str) -> bool:
    return db.execute("SELECT 1 FROM documents WHERE source = ? LIMIT 1", [source]).fetchone() is not None


def run_crawl(db_path: str, *, sources_file: str | None = None, names: list[str] | None = None,
              overrides: dict | None = None, max_error_rate: float = 0.25) -> CrawlResult:
    """Crawl the chosen sources into ``db_path``. Raises LockBusy, or crawler.sources.SourceError
    (a bad sources file or an unknown source)."""
    sources = select_sources(sources_file, names)
    with ArchiveLock(db_path):
        db = archive_db.open_db(db_path)
        before = {key: _had_documents(db, key) for key in sources}
        run_id = archive_db.start_run(db, list(sources))
        db.close()
        t0 = time.monotonic()
        settings = scrapy_settings(db_path, sources_file, {"ARCHIVE_CRAWL_RUN_ID": run_id, "ARCHIVE_LOCK_HELD": True,
                                                           **(overrides or {})})
        try:
            per_source = _run_scrapy(settings, sources)
            _learn(db_path, sources_file, per_source)
        except BaseException as exc:  # record the failure in crawl_runs, then let it surface
            db = archive_db.open_db(db_path)
            archive_db.finish_run(db, run_id, status="error", exit_code=EXIT_FAILED,
                                  summary=f"crawl run {run_id} error: {exc.__class__.__name__}: {exc}", stats={})
            db.close()
            raise
        seconds = time.monotonic() - t0
        exit_code, status, problems = EXIT_OK, "ok", []
        totals = {"reports": 0, "errors": 0, "new": 0, "updated": 0, "duplicates": 0, "pages": 0}
        for key, stats in per_source.items():
            reports = stats.get("archive/report_pages", 0)
            errors = stats.get("archive/errors/report", 0) + stats.get("archive/errors/listing", 0)
            totals["reports"] += reports
            totals["pages"] += reports + stats.get("archive/continuation_pages", 0) + stats.get("archive/listing_pages", 0)
            totals["errors"] += errors
            totals["new"] += stats.get("archive/documents_new", 0)
            totals["updated"] += stats.get("archive/documents_updated", 0)
            totals["duplicates"] += sum(v for k, v in stats.items() if k.startswith("archive/duplicates/"))
            documents = sum(stats.get(f"archive/documents_{s}", 0) for s in ("new", "updated", "unchanged"))
            attempts = reports + stats.get("archive/errors/report", 0) + stats.get("archive/listing_pages", 0) \
                + stats.get("archive/errors/listing", 0)
            if before[key] and documents + stats.get("archive/not_modified", 0) == 0:
                problems.append(f"{key}: had reports before, yielded none")
            elif attempts and errors / attempts > max_error_rate:
                problems.append(f"{key}: {errors} errors in {attempts} requests")
            elif stats.get("finish_reason") not in (None, "finished"):
                problems.append(f"{key}: stopped ({stats.get('finish_reason')})")
        if problems:
            exit_code, status = EXIT_FAILED, "failed"
        rate = totals["pages"] / seconds if seconds else 0.0
        summary = (
            f"crawl run {run_id} {status}: {len(sources)} sources, {totals['reports']} report pages, "
            f"{totals['new']} new / {totals['updated']} updated documents, {totals['duplicates']} duplicates, "
            f"{totals['errors']} errors, {seconds:.1f}s ({rate:.1f} pages/s)"
            + (f"; {'; '.join(problems)}" if problems else "")
        )
        db = archive_db.open_db(db_path)
        archive_db.finish_run(db, run_id, status=status, exit_code=exit_code, summary=summary,
                              stats={"sources": per_source, "totals": totals, "seconds": round(seconds, 3)})
        db.close()
    return CrawlResult(run_id, exit_code, status, summary, seconds, per_source)


def _learn(db_path: str, sources_file: str | None, per_source: dict[str, dict]) -> None:
    """Relearn each changed source's boilerplate; when it changed, re-clean that source's documents."""
    from archive.ingest import relearn_boilerplate, reprocess

    for key, stats in per_source.items():
        if stats.get("archive/documents_new", 0) + stats.get("archive/documents_updated", 0) == 0:
            continue
        if relearn_boilerplate(db_path, key, sources_file=sources_file):
            stats["archive/boilerplate_relearned"] = 1
            again = reprocess(db_path, source=key, sources_file=sources_file)
            stats["archive/documents_recleaned"] = again.get("archive/documents_updated", 0)


def _run_scrapy(settings, sources: dict[str, Source]) -> dict[str, dict]:
    from scrapy.crawler import CrawlerProcess

    from crawler.spiderloader import spider_class

    process = CrawlerProcess(settings)
    crawlers = {}
    for key, source in sources.items():
        crawler = process.create_crawler(spider_class(source))
        crawlers[key] = crawler
        process.crawl(crawler)
    process.start()
    return {key: _plain(c.stats.get_stats()) for key, c in crawlers.items()}


def _plain(stats: dict) -> dict:
    return json.loads(json.dumps(stats, default=str))
