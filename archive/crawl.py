"""``archive crawl``: run sources through Scrapy into the archive, cron-safe.

One process, all the chosen sources at once, under the archive's lock. A ``crawl_runs`` row
records the run; the exit code says whether it passed its checks (see INTERFACE.md).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from archive import db as archive_db
from archive.lock import ArchiveLock
from archive.sourcestore import record_sources
from crawler.budget import KINDS as BUDGETS
from crawler.sources import Source, SourceError, load_sources, sources_path
from crawler.spiders.report import ReportSpider

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
CRAWL_STATS = "\0crawl"  # _run_scrapy's key for the whole crawl's Scrapy stats (no source key has it)


@dataclass
class CrawlResult:
    run_id: int
    exit_code: int
    status: str
    summary: str
    seconds: float
    per_source: dict[str, dict] = field(default_factory=dict)
    log_file: str | None = None


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
        raise SourceError(
            f"no sources configured in {sources_path(sources_file)}: add one (see README, "
            "'Adding a source') or pass --sources"
        )
    if names:
        unknown = [n for n in names if n not in sources]
        if unknown:
            raise SourceError(
                f"unknown source(s): {', '.join(unknown)} (known: {', '.join(sorted(sources))})"
            )
        sources = {n: sources[n] for n in names}
    return sources


def _had_documents(db, source: str) -> bool:
    return db.execute("SELECT 1 FROM documents WHERE source = ? LIMIT 1", [source]).fetchone() is not None


LOGS_KEPT = 200  # per-run log files kept in the log folder (older ones are deleted)


def log_path(db_path: str, run_id: int, log_dir: str | None = None) -> Path:
    """Where a run's log goes: ``<log_dir>/crawl-<run>-<UTC time>.log`` (default: logs/ beside the archive)."""
    folder = Path(log_dir) if log_dir else Path(db_path).resolve().parent / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return folder / f"crawl-{run_id:06d}-{stamp}.log"


def _prune_logs(folder: Path, keep: int = LOGS_KEPT) -> None:
    logs = sorted(folder.glob("crawl-*.log"))
    for old in logs[:-keep]:
        old.unlink(missing_ok=True)


def clean_workers() -> int:
    """Cleaning processes beside the crawl's own: one core fetches and writes, the others clean."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def run_crawl(
    db_path: str,
    *,
    sources_file: str | None = None,
    names: list[str] | None = None,
    overrides: dict | None = None,
    max_error_rate: float = 0.25,
    log_dir: str | None = None,
    verbose: bool = False,
) -> CrawlResult:
    """Crawl the chosen sources into ``db_path``. Raises LockBusy, or crawler.sources.SourceError
    (a bad sources file or an unknown source). Scrapy's log goes to a file per run (``log_dir``,
    default logs/ beside the archive), and to stderr too when ``verbose``."""
    sources = select_sources(sources_file, names)
    with ArchiveLock(db_path):
        db = archive_db.open_db(db_path)
        before = {key: _had_documents(db, key) for key in sources}
        run_id = archive_db.start_run(db, list(sources))
        record_sources(db, sources, run_id)  # the archive remembers the configuration it crawled with
        log_file = log_path(db_path, run_id, log_dir)
        db.execute("UPDATE crawl_runs SET log_file = ? WHERE id = ?", [str(log_file), run_id])
        db.conn.commit()
        db.close()
        _prune_logs(log_file.parent)
        t0 = time.monotonic()
        settings = scrapy_settings(
            db_path,
            sources_file,
            {
                "ARCHIVE_CRAWL_RUN_ID": run_id,
                "ARCHIVE_LOCK_HELD": True,
                "ARCHIVE_CLEAN_WORKERS": clean_workers(),
                "LOG_FILE": str(log_file),
                "LOG_FILE_APPEND": False,
                "LOG_LEVEL": "INFO",
                **(overrides or {}),
            },
        )
        try:
            per_source = _run_scrapy(settings, sources, verbose)
            crawl_stats = per_source.pop(CRAWL_STATS, None)
        except BaseException as exc:  # record the failure in crawl_runs, then let it surface
            db = archive_db.open_db(db_path)
            archive_db.finish_run(
                db,
                run_id,
                status="error",
                exit_code=EXIT_FAILED,
                summary=f"crawl run {run_id} error: {exc.__class__.__name__}: {exc}",
                stats={},
            )
            db.close()
            raise
        seconds = time.monotonic() - t0
        db = archive_db.open_db(db_path)
        records = {
            key: source_record(
                db, run_id, key, stats, had_documents=before[key], max_error_rate=max_error_rate
            )
            for key, stats in per_source.items()
        }
        exit_code, status = EXIT_OK, "ok"
        problems = [
            f"{key}: {c['detail']}"
            for key, r in records.items()
            for c in r["checks"]
            if c["status"] == "fail"
        ]
        warnings = [
            f"{key}: {c['detail']}"
            for key, r in records.items()
            for c in r["checks"]
            if c["status"] == "warn"
        ]
        if problems:
            exit_code, status = EXIT_FAILED, "failed"
        if any(stats.get("finish_reason") == "shutdown" for stats in per_source.values()):
            # stopped by SIGTERM / SIGINT: what was fetched is stored, the run did not finish
            exit_code, status = EXIT_FAILED, "killed"
        fatal = (crawl_stats or {}).get("archive/fatal") or next(
            (st["archive/fatal"] for st in per_source.values() if st.get("archive/fatal")), None
        )
        if fatal:  # the archive could not be written (disk full…): the crawl was stopped
            exit_code, status = EXIT_FAILED, "error"
            problems.insert(0, f"the archive cannot be written ({fatal}); what was committed before is kept")
        totals = {
            k: sum(r[k] for r in records.values())
            for k in (
                "pages",
                "reports",
                "new",
                "changed",
                "updated",
                "unchanged",
                "not_modified",
                "gone",
                "errors",
            )
        }
        totals["duplicates"] = sum(
            v
            for stats in per_source.values()
            for k, v in stats.items()
            if k.startswith("archive/duplicates/")
        )
        rate = totals["pages"] / seconds if seconds else 0.0
        summary = (
            f"crawl run {run_id} {status}: {len(sources)} sources, {totals['pages']} pages, {totals['reports']} reports: "
            f"{totals['new']} new, {totals['changed']} changed, "
            + (f"{totals['updated']} re-cleaned, " if totals["updated"] else "")
            + f"{totals['unchanged']} unchanged, {totals['gone']} gone; "
            f"{totals['duplicates']} duplicates, {totals['errors']} errors, {seconds:.1f}s ({rate:.1f} pages/s)"
            + (f"; {'; '.join(problems)}" if problems else "")
            + (f"; warnings: {'; '.join(warnings)}" if warnings else "")
        )
        try:
            with db.atomic():
                for r in records.values():
                    db["crawl_run_sources"].insert(
                        {**r, "checks": json.dumps(r["checks"], ensure_ascii=False)}, replace=True
                    )
            archive_db.finish_run(
                db,
                run_id,
                status=status,
                exit_code=exit_code,
                summary=summary,
                stats={
                    "sources": per_source,
                    "totals": totals,
                    "seconds": round(seconds, 3),
                    **({"crawl": crawl_stats} if crawl_stats else {}),
                },
            )
        except (sqlite3.OperationalError, OSError) as exc:
            if not fatal:
                raise
            # the disk is still full: crawl_runs keeps the run as 'running' (status shows it)
            summary += f" (the run's record could not be written either: {exc})"
        finally:
            db.close()
    return CrawlResult(run_id, exit_code, status, summary, seconds, per_source, log_file=str(log_file))


COVERAGE_WARN = 0.6  # a source where fewer of the reports have a jurisdiction / a year needs a look
COVERAGE_DROP = 0.2  # …or where that share fell this much since the previous run
ITEMS_DROP = 0.5  # fewer than half the report pages of the previous run: the listing patterns broke?


def source_record(
    db, run_id: int, key: str, stats: dict, *, had_documents: bool, max_error_rate: float
) -> dict:
    """A source's counts in one run and the monitoring checks on them (a ``crawl_run_sources`` row)."""
    g = lambda name: int(stats.get(name, 0) or 0)  # noqa: E731
    fetched, not_modified, fresh = (
        g("archive/report_pages"),
        g("archive/not_modified"),
        g("archive/skipped/fresh"),
    )
    errors = g("archive/errors/report") + g("archive/errors/listing")
    attempts = (
        fetched
        + not_modified
        + g("archive/errors/report")
        + g("archive/listing_pages")
        + g("archive/errors/listing")
    )
    n, places, years = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(admin_code IS NOT NULL), 0), COALESCE(SUM(year IS NOT NULL), 0) FROM documents"
        " WHERE source = ? AND doc_type = 'report' AND gone_at IS NULL",
        [key],
    ).fetchone()
    rec = {
        "run_id": run_id,
        "source": key,
        "pages": fetched + not_modified + g("archive/continuation_pages") + g("archive/listing_pages"),
        "reports": fetched + not_modified + fresh,  # report pages found this run, fetched or not
        "new": g("archive/documents_new"),
        "changed": g("archive/documents_changed"),
        "updated": g("archive/documents_updated"),
        "unchanged": g("archive/documents_unchanged") + not_modified + fresh,
        "not_modified": not_modified,
        "gone": g("archive/documents_gone"),
        "errors": errors,
        "error_rate": round(errors / attempts, 4) if attempts else 0.0,
        "jurisdiction_found": round(places / n, 4) if n else None,
        "year_found": round(years / n, 4) if n else None,
    }
    prev = db.execute(
        "SELECT reports, jurisdiction_found, year_found FROM crawl_run_sources s JOIN crawl_runs r ON r.id = s.run_id"
        " WHERE s.source = ? AND s.run_id < ? AND r.status IN ('ok', 'failed') ORDER BY s.run_id DESC LIMIT 1",
        [key, run_id],
    ).fetchone()
    checks = []

    def check(name: str, ok: bool, detail: str, level: str = "fail") -> None:
        checks.append({"check": name, "status": "ok" if ok else level, "detail": detail})

    documents = rec["new"] + rec["changed"] + rec["updated"] + rec["unchanged"]
    check(
        "reports_found",
        not (had_documents and documents == 0),
        f"{rec['reports']} report pages ({documents} documents)"
        if documents or not had_documents
        else "had reports before, yielded none",
    )
    check(
        "error_rate",
        rec["error_rate"] <= max_error_rate,
        f"{errors} errors in {attempts} requests ({rec['error_rate']:.0%}, limit {max_error_rate:.0%})"
        + (_why_all_failed(stats, errors) if attempts and errors == attempts else ""),
    )
    reason = stats.get("finish_reason")
    check(
        "finished",
        reason in (None, "finished"),
        f"stopped: {reason}" if reason not in (None, "finished") else "finished",
    )
    dropped = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k in TRAP_STATS}
    check(
        "trap_limits",
        not (dropped.get("depth") or dropped.get("links_cut") or dropped.get("too_large")),
        "links dropped by the trap limits: "
        + (", ".join(f"{v} {k}" for k, v in sorted(dropped.items())) or "none")
        + (" (raise DEPTH_LIMIT if the listing's pagination is longer)" if dropped.get("depth") else ""),
        level="warn",
    )
    # a warning: what was fetched is stored; the site was not crawled to its end (if it really is
    # that large, raise max_requests / max_listings / max_seconds in its entry)
    reached = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("archive/budget/")}
    check(
        "budget",
        not reached,
        "stopped at its budget: "
        + ", ".join(
            f"{float(v):g} {BUDGETS[k][2]} ({BUDGETS[k][0]})"
            for k, v in sorted(reached.items())
            if k in BUDGETS
        )
        + f"; {g('archive/skipped/budget')} requests not made"
        if reached
        else "within its budget",
        level="warn",
    )
    if prev is not None and prev[0]:
        check(
            "report_count",
            rec["reports"] >= ITEMS_DROP * prev[0],
            f"{rec['reports']} report pages, {prev[0]} in the previous run",
        )
    for column, label, before in (
        ("jurisdiction_found", "jurisdiction found", prev[1] if prev else None),
        ("year_found", "year found", prev[2] if prev else None),
    ):
        share = rec[column]
        if share is None:
            continue
        dropped = before is not None and share < before - COVERAGE_DROP
        check(
            column,
            share >= COVERAGE_WARN and not dropped,
            f"{label} in {share:.0%} of {n} reports" + (f" (was {before:.0%})" if before is not None else ""),
            level="warn",
        )
    rec["checks"] = checks
    levels = {c["status"] for c in checks}
    rec["status"] = "failed" if "fail" in levels else "warn" if "warn" in levels else "ok"
    return rec


# what a source's links lost to the trap limits: pages read no further (links_cut) and report pages
# too large to clean (too_large) warn, as DEPTH_LIMIT does
TRAP_STATS = {
    f"archive/skipped/{k}" for k in ("depth", "url_too_long", "repeated_path", "links_cut", "too_large")
}
_ERROR_TOTALS = {"report", "listing", "continuation", "listing_not_html"}  # not kinds of failure
_REFUSED = {"private_address", "robots_forbidden", "ignored"}  # refused by the crawler, not failed
_HINTS = {
    "private_address": "set allow_private = true for this source if it really is on a private network",
    "robots_forbidden": "its robots.txt forbids them",
}


def _why_all_failed(stats: dict, errors: int) -> str:
    """When every request of a source failed one way: how (its first message, kept by the spider
    as ``archive/first_error/<kind>``), so the summary line says it, not only the log file."""
    kinds = {
        k.rsplit("/", 1)[1]: int(v or 0)
        for k, v in stats.items()
        if k.startswith("archive/errors/") and k.rsplit("/", 1)[1] not in _ERROR_TOTALS
    }
    if not kinds:
        return ""
    kind = max(kinds, key=kinds.__getitem__)
    if kinds[kind] < errors:
        return ""  # several kinds: the log file has them
    message = stats.get(f"archive/first_error/{kind}") or kind
    verb = "refused" if kind in _REFUSED else "failed"
    hint = f" ({_HINTS[kind]})" if kind in _HINTS else ""
    return f", all {errors} requests {verb}: {message}{hint}"


def _run_scrapy(settings, sources: dict[str, Source], verbose: bool = False) -> dict[str, dict]:
    """All the sources in one crawler (one ReportSpider); each source's counts from the stats
    collector's table (crawler.stats.SourceStatsCollector), plus the crawl's finish reason."""
    import logging

    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(settings)  # its root handler writes the run's log file
    # a log file on a full disk: no "--- Logging error ---" tracebacks; the summary line says why
    logging.raiseExceptions = False
    if verbose:
        echo = logging.StreamHandler()
        echo.setLevel(logging.INFO)
        echo.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        logging.getLogger().addHandler(echo)
    crawler = process.create_crawler(ReportSpider)
    process.crawl(crawler, sources=sources)
    process.start()
    stats = crawler.stats
    whole = stats.get_stats()
    by_source = stats.source_stats() if hasattr(stats, "source_stats") else {}
    if len(sources) == 1:  # the crawl's own stats (Scrapy's retries, responses…) are this source's
        (key,) = sources
        return {key: _plain({**whole, **by_source.get(key, {})})}
    # Scrapy's own counters (downloader/*, retry/*…) are the crawl's: kept in crawl_runs.stats["crawl"]
    per_source = {
        key: _plain({**by_source.get(key, {}), "finish_reason": whole.get("finish_reason")})
        for key in sources
    }
    per_source[CRAWL_STATS] = _plain(whole)
    return per_source


def _plain(stats: dict) -> dict:
    return json.loads(json.dumps(stats, default=str))
