"""`archive clean`, `archive import`, `archive reprocess`: pages through the pipelines without a crawl."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archive.cli.base import (
    EXIT_USAGE,
    _reader,
    _resolved_sources,
    db_option,
    fail,
    main,
    sources_option,
)
from archive.db import load_boilerplate
from archive.lock import EXIT_LOCKED, ArchiveLock, LockBusy
from crawler.items import Page
from pipelines import document
from pipelines.cleaning import RawPage, clean_document

# clean / import / reprocess -------------------------------------------------------------------
CLEAN_KEYS = list(document.CLEAN_JSON)  # the contract's keys, in its order (pipelines/document.py)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", help="The page's URL (default: the file's file:// URI).")
@click.option(
    "--source",
    "source_key",
    help="Apply this source's selectors/profile (and, with --db, what was learned of it).",
)
@click.option(
    "--db",
    "db_path",
    envvar="ARCHIVE_DB",
    default=None,
    type=click.Path(dir_okay=False),
    help="Also apply the boilerplate learned for --source in this archive.",
)
@sources_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the keys of INTERFACE.md).")
def clean(file, url, source_key, db_path, sources_file, as_json):
    """Clean one saved page (.html, any encoding) or text capture (.txt) and print the result.

    No database needed; the same code path as a crawl, so what it prints is what a crawl stores.

    \b
    Example:
      archive clean saved/report.html --url http://www.example.gov.cn/t20180115_1.html --json
    """
    from crawler.sources import SourceError, cleaning_options, load_sources

    source = None
    if source_key:
        try:
            source = load_sources(sources_file).get(source_key)
        except SourceError:
            source = None
    learned = None
    if db_path and source_key and Path(db_path).exists():
        learned = load_boilerplate(_reader(db_path), source_key) or None
    elif db_path and source_key:
        fail(f"no archive at {db_path}", EXIT_USAGE)
    page = Page.from_file(file, url)
    result = clean_document(
        [RawPage(body=page.body, url=page.url, content_type=page.content_type)],
        learned=learned,
        **cleaning_options(source),
    )
    if as_json:
        ordered = {k: result.get(k) for k in CLEAN_KEYS}
        ordered.update({k: v for k, v in result.items() if k not in ordered})
        click.echo(json.dumps(ordered, ensure_ascii=False))
        return
    for key in CLEAN_KEYS:
        if key not in ("text", "removed"):
            click.echo(f"{key:>13}: {result.get(key) if result.get(key) is not None else '-'}")
    click.echo("")
    click.echo(result.get("text") or "")
    if result.get("removed"):
        click.echo("\n--- removed ---")
        for r in result["removed"]:
            click.echo(f"[{r['rule']}] {r['line']}")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--url", help="The page's URL (only with a single file).")
@click.option(
    "--source",
    "source_key",
    default="import",
    show_default=True,
    help="Source key to file the documents under.",
)
@db_option
@sources_option
def import_(paths, url, source_key, db_path, sources_file):
    """Import saved pages and text files (files or folders) through the crawl's pipelines.

    Re-importing identical bytes adds nothing.

    \b
    Example:
      archive import saved_pages/ --db archive.db
      archive import page.html --url http://www.example.gov.cn/t20180115_1.html
    """
    from archive.ingest import import_files, iter_import_files
    from crawler.sources import SourceError, load_sources

    try:
        files = iter_import_files(list(paths))
    except FileNotFoundError as exc:
        fail(str(exc), EXIT_USAGE)
    if url and len(files) != 1:
        fail("--url only with a single file", EXIT_USAGE)
    try:
        load_sources(sources_file)  # a bad sources file is a usage error, before anything is written
        with ArchiveLock(db_path):
            stats = import_files(db_path, files, url=url, source=source_key, sources_file=sources_file)
    except LockBusy as exc:
        fail(str(exc), EXIT_LOCKED)
    except SourceError as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(
        f"imported {len(files)} files: {stats.get('archive/documents_new', 0)} new, "
        f"{stats.get('archive/documents_updated', 0)} updated, {stats.get('archive/documents_unchanged', 0)} unchanged "
        f"documents; {sum(v for k, v in stats.items() if k.startswith('archive/duplicates/'))} duplicates; "
        f"{sum(v for k, v in stats.items() if k.startswith('archive/skipped/'))} skipped"
    )


@main.command()
@db_option
@sources_option
@click.option("--source", "source_key", help="Only this source's documents.")
@click.option(
    "--no-learn", is_flag=True, help="Keep the learned boilerplate as it is (don't relearn it first)."
)
def reprocess(db_path, sources_file, source_key, no_learn):
    """Re-run cleaning and metadata on every document from its stored raw captures (no network).

    First relearns each source's recurring chrome from its pages; document ids stay the same, and
    every document whose text or metadata changes keeps its earlier state as a version. Without
    --sources, each source is cleaned with the entry the archive recorded when it was crawled; a
    source without one (not recorded, not in the sources file) is left alone, with a warning.

    \b
    Example:
      archive reprocess --db archive.db
      archive reprocess --db archive.db --source demo-gov --sources crawler/config/demo_sources.toml
    """
    from archive.ingest import no_configuration, relearn_boilerplate
    from archive.ingest import reprocess as do_reprocess
    from archive.sourcestore import document_counts, unconfigured_sources
    from crawler.sources import SourceError

    if not Path(db_path).exists():
        fail(f"no archive at {db_path}", EXIT_USAGE)
    try:
        with ArchiveLock(db_path):
            with _resolved_sources(db_path, sources_file, writable=True) as (db, resolved):
                skip = unconfigured_sources(db, resolved)
                counts = document_counts(db)
            if source_key in skip:
                fail(no_configuration(source_key, sources_file), EXIT_USAGE)
            keys = [source_key] if source_key else [k for k in counts if k not in skip]
            if not no_learn:
                for key in keys:
                    relearn_boilerplate(db_path, key, sources=resolved)
            total = sum(counts.get(k, 0) for k in keys)
            if sys.stderr.isatty():  # a progress bar on a terminal, nothing under cron
                with click.progressbar(length=total, label="reprocess", file=sys.stderr) as bar:
                    stats = do_reprocess(db_path, source=source_key, sources=resolved, progress=bar.update)
            else:
                stats = do_reprocess(db_path, source=source_key, sources=resolved)
    except LockBusy as exc:
        fail(str(exc), EXIT_LOCKED)
    except SourceError as exc:
        fail(str(exc), EXIT_USAGE)
    left = stats.get("archive/left_alone", 0)
    click.echo(
        f"reprocessed {stats.get('archive/reprocessed', 0)} documents: "
        f"{stats.get('archive/documents_updated', 0)} updated, {stats.get('archive/documents_unchanged', 0)} unchanged"
        + (f"; {left} left alone (no configuration: {', '.join(skip)})" if left else "")
    )
