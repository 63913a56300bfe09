"""The ``archive`` group, the options every command shares, and how errors become one line."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from archive.db import open_db, open_readonly

# Scrapy loads (~0.6 s) with crawler.sources and the modules built on it (archive.crawl, ingest,
# sourcestore, sourcecheck): the commands that need them import them when they run, so that
# ``archive --help``, ``status``, ``export`` and ``serve`` start at once. (import-linter sees these too.)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

db_option = click.option(
    "--db",
    "db_path",
    envvar="ARCHIVE_DB",
    default="archive.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The archive's SQLite file (or $ARCHIVE_DB).",
)
sources_option = click.option(
    "--sources",
    "sources_file",
    envvar="ARCHIVE_SOURCES",
    default=None,
    type=click.Path(),
    help="Sources file or folder of TOML files (or $ARCHIVE_SOURCES; default: the project's sources).",
)


def _archives_nearby(db_path) -> str:
    """A hint when --db names no file: the archives in that folder (after ``archive demo``: demo.db)."""
    from archive.db import identify

    folder = Path(db_path).parent
    found = []
    for p in sorted(folder.glob("*.db"))[:20]:
        try:
            if identify(p) == "archive":
                found.append(p)
        except Exception:  # noqa: BLE001 - a hint: what cannot be read is not offered
            continue
    if not found:
        return ": run 'archive crawl' or 'archive demo' first"
    return f" (archives here: {', '.join(str(p) for p in found[:5])}; pass one with --db)"


def _reader(db_path, *, quiet: bool = False):
    """The archive opened for reading; on a read-only mount, a line on stderr says which state is
    read (unless ``quiet``: the configuration read before a command writes)."""
    try:
        db = open_readonly(db_path)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{exc}{_archives_nearby(db_path)}") from None
    if getattr(db.conn, "note", None) and not quiet:
        click.echo(f"archive: {db.conn.note}", err=True)
    return db


def fail(message: str, code: int) -> None:
    click.echo(f"archive: {message}", err=True)
    sys.exit(code)


def environment_error(exc: BaseException) -> tuple[str, int] | None:
    """(one line, exit code) for an error of the archive's file or the disk, whatever command met
    it: not an archive or read-only → 2; the disk full → 1 (the work ran and failed; what was
    committed before stays). None for anything else (a bug: its traceback is wanted)."""
    import errno
    import sqlite3

    from archive.db import ArchiveError, StorageFailed

    if isinstance(exc, ArchiveError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, StorageFailed):
        return str(exc), EXIT_FAILED
    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc)
        if "disk is full" in text or "disk I/O error" in text:
            return (
                f"the disk is full or failing ({text}): the work stopped, what was committed before is kept",
                EXIT_FAILED,
            )
        if "readonly" in text or "unable to open database file" in text:
            return (
                f"the archive is read-only ({text}): a command that writes needs write access to the file and its folder",
                EXIT_USAGE,
            )
        if "malformed" in text or "not a database" in text:
            return (
                f"the archive file is damaged ({text}): restore a copy, or try sqlite3's .recover",
                EXIT_USAGE,
            )
        return None
    if isinstance(exc, OSError) and exc.errno is not None:
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return f"the disk is full{where}: the work stopped, what was written before is kept", EXIT_FAILED
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return f"cannot write{where}: {exc.strerror}", EXIT_USAGE
    return None


class ArchiveGroup(click.Group):
    """Errors of the archive's file or the disk become one line and the documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            known = environment_error(exc)
            if known is None:
                raise
            fail(*known)


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zfgzbg-archive")
def main() -> None:
    """Crawl, clean, deduplicate and publish Chinese government work reports (政府工作报告).

    \b
    Example:
      archive demo                    # the bundled demo, end to end, then Datasette
      archive crawl --db reports.db   # crawl the configured sources (cron-safe)
    """


@contextlib.contextmanager
def _resolved_sources(db_path, sources_file, *, writable: bool = False):
    """(db, sources): the configuration a command re-reading the archive uses (archive.sourcestore:
    the archive's record without --sources); its warnings go to stderr, one line each. Exit 2 on a
    bad sources file."""
    from archive.sourcestore import resolve_sources
    from crawler.sources import SourceError

    db = open_db(db_path, create=False) if writable else _reader(db_path, quiet=True)
    try:
        try:
            resolved, warnings = resolve_sources(db, sources_file)
        except SourceError as exc:
            fail(str(exc), EXIT_USAGE)
        for line in warnings:
            click.echo(f"archive: {line}", err=True)
        yield db, resolved
    finally:
        db.close()
