"""`archive index` and `archive dedupe`: work over the whole archive."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive import search
from archive.cli.base import (
    EXIT_USAGE,
    _resolved_sources,
    db_option,
    fail,
    main,
    sources_option,
)
from archive.db import open_db
from archive.dedupe import Deduper
from archive.lock import EXIT_LOCKED, ArchiveLock, LockBusy


# index ----------------------------------------------------------------------------------------
@main.command()
@db_option
def index(db_path):
    """Rebuild the Chinese full-text search index (documents_fts) from the documents.

    The index is kept up to date as documents are stored; rebuild it after editing documents
    by hand, or to compact it. Searching finds exactly the documents that contain the query
    (one or more characters or words; full/half width folded; several words: all must occur).

    \b
    Example:
      archive index --db archive.db
    """
    if not Path(db_path).exists():
        fail(f"no archive at {db_path}", EXIT_USAGE)
    n = _over_all_documents(db_path, "index", search.rebuild)
    click.echo(f"search index rebuilt: {n} documents")


def _over_all_documents(db_path, label, work):
    """``work(db, progress=…)`` over the whole archive, under its lock, in one transaction, with a
    progress bar on a terminal (none under cron). Exits 75 when another writer holds the lock."""
    try:
        with ArchiveLock(db_path):
            db = open_db(db_path, create=False)
            total = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            with db.atomic():
                if sys.stderr.isatty():
                    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
                        result = work(db, progress=bar.update)
                else:
                    result = work(db)
            db.close()
    except LockBusy as exc:
        fail(str(exc), EXIT_LOCKED)
    return result


# dedupe ---------------------------------------------------------------------------------------
@main.command()
@db_option
@sources_option
def dedupe(db_path, sources_file):
    """Recompute duplicate groups (exact, near, excerpt) over the whole archive.

    Gives the groups a crawl builds incrementally; every copy stays, pointing to its group's
    canonical (most complete, least damaged) copy. Official sources (preferred as canonical) are
    those the archive recorded, or --sources says.

    \b
    Example:
      archive dedupe --db archive.db
    """
    from archive.sourcestore import official_keys

    if not Path(db_path).exists():
        fail(f"no archive at {db_path}", EXIT_USAGE)
    with _resolved_sources(db_path, sources_file) as (db, resolved):
        official = official_keys(db, resolved)  # the archive's record for sources the file lacks
    counts = _over_all_documents(
        db_path, "dedupe", lambda db, progress=None: Deduper(db, official_sources=official).rebuild(progress)
    )
    click.echo(
        f"{counts['documents']} documents, {counts['groups']} duplicate groups: "
        f"{counts.get('canonical', 0)} canonical, {counts.get('exact', 0)} exact, "
        f"{counts.get('near', 0)} near, {counts.get('excerpt', 0)} excerpt"
    )
