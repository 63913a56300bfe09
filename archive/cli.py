"""The ``archive`` command. It only parses arguments and calls the library (archive/*, pipelines/*)."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from pathlib import Path

import click
from click.core import ParameterSource

from archive import search
from archive.db import load_boilerplate, open_db, open_readonly
from archive.dedupe import Deduper
from archive.demo.server import DemoServer
from archive.export import DEFAULT_FORMATS, default_out_dir
from archive.export import export as do_export
from archive.lock import EXIT_LOCKED, ArchiveLock, LockBusy
from archive.publish import PortUnavailable, listen
from archive.publish import serve as serve_datasette
from archive.status import render
from archive.status import status as get_status
from archive.warc import export_warc
from crawler.items import Page
from pipelines import document
from pipelines.cleaning import RawPage, clean_document

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


# crawl ----------------------------------------------------------------------------------------
def _crawl(db_path, sources_file, names, overrides=None, max_error_rate=0.25, log_dir=None, verbose=False):
    from archive.crawl import run_crawl
    from crawler.sources import SourceError

    try:
        return run_crawl(
            db_path,
            sources_file=sources_file,
            names=list(names) or None,
            overrides=overrides,
            max_error_rate=max_error_rate,
            log_dir=log_dir,
            verbose=verbose,
        )
    except LockBusy as exc:
        fail(str(exc), EXIT_LOCKED)
    except SourceError as exc:
        fail(str(exc), EXIT_USAGE)


@main.command()
@click.argument("names", nargs=-1, metavar="[SOURCE...]")
@db_option
@sources_option
@click.option(
    "--max-error-rate",
    default=0.25,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Fail (exit 1) when a source's failed requests exceed this share.",
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy or project setting, as with 'scrapy crawl -s' (repeatable); the value "
    "must fit the setting's type, an unknown name is refused (exit 2).",
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of the per-run log files (default: logs/ beside the archive).",
)
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's log on stderr too.")
def crawl(names, db_path, sources_file, max_error_rate, settings, log_dir, verbose):
    """Crawl the configured sources (all by default) into the archive.

    Cron-safe: takes the archive's lock (exit 75 if another writer holds it), records a
    crawl_runs row (and a crawl_run_sources row per source, with its checks), writes Scrapy's
    log to a file per run and prints a one-line summary. Pages already archived are revalidated
    (conditional GET), not fetched again. Exit 1 when errors pass the threshold, a source that
    had reports before yields none, or yields less than half the report pages of its last run.

    \b
    Example:
      archive crawl --db /srv/reports/archive.db
      archive crawl demo-gov --sources crawler/config/demo_sources.toml --db demo.db
    """
    from crawler.overrides import SettingError, parse_overrides

    try:  # checked before the lock and the run's row: a bad value is a usage error, not a failed run
        overrides = {"ARCHIVE_PROGRESS": sys.stderr.isatty(), **parse_overrides(settings)}
    except SettingError as exc:
        fail(str(exc), EXIT_USAGE)
    result = _crawl(db_path, sources_file, names, overrides, max_error_rate, log_dir, verbose)
    click.echo(result.summary)
    sys.exit(result.exit_code)


# demo -----------------------------------------------------------------------------------------
@main.command()
@click.option(
    "--db",
    "db_path",
    default="demo.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to build the demo archive.",
)
@click.option(
    "--site-port", default=8950, show_default=True, help="Port of the bundled demo site (stored URLs use it)."
)
@click.option("--port", "old_site_port", type=int, default=None, hidden=True)  # --site-port's old name
@click.option("--serve-port", default=8001, show_default=True, help="Port for Datasette (after the crawl).")
@click.option("--no-serve", is_flag=True, help="Stop after the crawl (don't start Datasette).")
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's log on stderr.")
def demo(db_path, site_port, old_site_port, serve_port, no_serve, verbose):
    """Serve the bundled demo site on 127.0.0.1, crawl it, then browse it in Datasette.

    Datasette's port (--serve-port) is taken before the crawl: when it is in use, the demo stops
    at once (exit 2).

    \b
    Example:
      archive demo                          # then open http://127.0.0.1:8001/archive
      archive demo --serve-port 8002 --site-port 8951
      archive demo --no-serve --db /tmp/demo.db
    """
    port = site_port if old_site_port is None else old_site_port
    sock = None
    if not no_serve:
        try:
            sock = listen("127.0.0.1", serve_port)
        except PortUnavailable as exc:
            fail(f"{exc}: choose Datasette's port with --serve-port N (or --no-serve)", EXIT_USAGE)
    overrides = {
        "ARCHIVE_PROGRESS": sys.stderr.isatty(),
        # the demo site is ours and local: no need to be slow
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "CONCURRENT_REQUESTS": 16,
    }
    try:
        server = DemoServer(port=port).start()
    except OSError as exc:
        fail(
            f"cannot start the demo site on 127.0.0.1:{port}: {exc}: choose its port with --site-port N",
            EXIT_USAGE,
        )
    click.echo(f"demo site: {server.base_url}/")
    try:
        with demo_sources_file(port) as sources_file:
            result = _crawl(db_path, sources_file, (), overrides, verbose=verbose)
    finally:
        server.stop()
    click.echo(result.summary)
    if result.exit_code != EXIT_OK or no_serve:
        sys.exit(result.exit_code)
    _serve(db_path, "127.0.0.1", serve_port, sock)


@contextlib.contextmanager
def demo_sources_file(port: int):
    """The demo's sources file; for a port other than 8950, a temporary copy pointing there."""
    from crawler.sources import DEMO_SOURCES

    if port == 8950:
        yield str(DEMO_SOURCES)
        return
    text = DEMO_SOURCES.read_text(encoding="utf-8").replace("127.0.0.1:8950", f"127.0.0.1:{port}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo_sources.toml"
        path.write_text(text, encoding="utf-8")
        yield str(path)


# serve ----------------------------------------------------------------------------------------
def _serve(db_path, host, port, sock):
    if not Path(db_path).exists():
        fail(f"no archive at {db_path}: run 'archive crawl' or 'archive demo' first", EXIT_USAGE)
    click.echo(f"Datasette: http://{host}:{port}/archive  (Ctrl-C to stop)")
    serve_datasette(db_path, host=host, port=port, sock=sock)


@main.command()
@db_option
@click.option(
    "--host", default=None, help="Interface to listen on.  [default: 127.0.0.1; 0.0.0.0 with --public]"
)
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
@click.option(
    "--public",
    is_flag=True,
    help="For a public server: all interfaces (unless --host), read-only, no arbitrary SQL (canned queries "
    "still run), no .db download, robots.txt and X-Robots-Tag keep search engines out.",
)
@click.option(
    "--exports",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of 'archive export' dumps listed at /-/downloads (default: exports/ beside the archive).",
)
def serve(db_path, host, port, public, exports):
    """Browse, facet, search and download the archive in Datasette (database name: archive).

    The archive is read through read-only connections while crawls keep writing it. Without
    --public, custom SQL is allowed (on 127.0.0.1 by default).

    \b
    Example:
      archive serve --db archive.db --port 8001
      archive serve --db /srv/zfgzbg/archive.db --public --port 8001   # behind a reverse proxy
    """
    host = host or ("0.0.0.0" if public else "127.0.0.1")
    if not Path(db_path).exists():
        fail(f"no archive at {db_path}: run 'archive crawl' or 'archive demo' first", EXIT_USAGE)
    try:  # before the URL is printed: a busy port is a usage error, one line
        sock = listen(host, port)
    except PortUnavailable as exc:
        fail(f"{exc}: choose another with --port N", EXIT_USAGE)
    click.echo(
        f"Datasette{' (public: read-only, no custom SQL)' if public else ''}: "
        f"http://{host}:{port}/archive  (Ctrl-C to stop)"
    )
    serve_datasette(db_path, host=host, port=port, public=public, exports=exports, sock=sock)


# export ---------------------------------------------------------------------------------------
@main.command()
@db_option
@click.option(
    "-o",
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder of the dumps (and WARC files)  [default: exports/ beside the archive]",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["csv", "jsonl", "excel"]),
    help="csv: RFC 4180, UTF-8, for programs; jsonl: a JSON object per line; excel: a CSV for "
    "spreadsheets (BOM, formulas neutralised, long texts over continuation columns, never "
    "gzipped). Repeat for several  [default: csv, jsonl]",
)
@click.option(
    "--gzip/--no-gzip",
    default=True,
    show_default=True,
    help="Compress the csv and jsonl dumps (.csv.gz, .jsonl.gz).",
)
@click.option(
    "--canonical-only",
    is_flag=True,
    help="Of documents, write only the canonical copies (documents-canonical.*: duplicate_kind "
    "is null). Default: documents.* (every row) and documents-canonical.* both.",
)
@click.option("--no-canonical", is_flag=True, help="Of documents, write only documents.* (every row).")
@click.option(
    "--table",
    "tables",
    multiple=True,
    type=click.Choice(
        ["documents", "captures", "document_captures", "document_versions", "crawl_runs", "crawl_run_sources"]
    ),
    help="Only these tables (repeatable)  [default: all six]",
)
@click.option(
    "--keep",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="N",
    help="Keep only the newest N dated dumps, remove older ones (0: keep all).",
)
@click.option(
    "--excel", "excel_flag", is_flag=True, hidden=True, help="Same as --format excel (older option)."
)
@click.option(
    "--warc",
    is_flag=True,
    help="Write the captures, raw bodies included, as gzipped WARC 1.1 files (archive-YYYYMMDD-00001.warc.gz, "
    "…) into --out instead of the dumps (as well as them with a dump option).",
)
@click.option(
    "--warc-size",
    default=1_000_000_000,
    show_default=True,
    type=click.IntRange(min=1),
    metavar="BYTES",
    help="Start a new WARC file once one reaches this size.",
)
def export(
    db_path, out_dir, formats, gzip, canonical_only, no_canonical, tables, keep, excel_flag, warc, warc_size
):
    """Write a dated dump of the archive: documents (every row, and the canonical copies only),
    captures (without bodies), document_captures, document_versions (earlier texts included),
    crawl_runs and crawl_run_sources, as gzipped CSV and JSONL by default, into
    OUT/YYYY-MM-DD/ (UTC day) with a manifest.json (per file: rows, bytes, sha256, columns, created,
    crawl run id), then point OUT/latest (symlink) and OUT/latest.json at it. Written under a
    temporary name and renamed: a half-written dump is never visible; a second export on the same
    day replaces that day's files and keeps the others. With --no-gzip the files have the names of
    the flat dumps of earlier versions (documents.csv, documents.jsonl, …), in OUT/latest/.
    With --warc, every capture as WARC records (exit 1 if a stored body no longer matches its hash).

    \b
    Example:
      archive export --db archive.db       # exports/2026-11-29/documents.csv.gz, documents-canonical.jsonl.gz, …
      archive export --db archive.db --out /srv/dumps --format excel --canonical-only --table documents
      archive export --db archive.db --no-gzip --format csv --keep 7
      archive export --db archive.db --out warc/ --warc
    """
    if canonical_only and no_canonical:
        fail("--canonical-only and --no-canonical exclude each other", EXIT_USAGE)
    ctx = click.get_current_context()
    dump_options = ("formats", "tables", "gzip", "canonical_only", "no_canonical", "keep", "excel_flag")
    dumps = not warc or any(ctx.get_parameter_source(p) != ParameterSource.DEFAULT for p in dump_options)
    formats = list(formats) or ([] if excel_flag else list(DEFAULT_FORMATS))
    if excel_flag and "excel" not in formats:
        formats.append("excel")
    out = Path(out_dir) if out_dir else default_out_dir(db_path)
    try:
        db = _reader(db_path)
    except FileNotFoundError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        if dumps:
            documents = "canonical" if canonical_only else "all" if no_canonical else "both"
            result = do_export(
                db,
                out,
                tables=list(tables) or None,
                formats=formats,
                gzip=gzip,
                documents=documents,
                db_name=Path(db_path).name,
                keep=keep,
            )
            for f in result.files:
                click.echo(f"{result.dir / f.name}\t{f.rows} rows")
            for table in result.skipped:
                click.echo(f"archive: no {table} table in this archive: not exported", err=True)
            size = sum(f.bytes for f in result.files)
            run = f"crawl run {result.crawl_run_id}" if result.crawl_run_id is not None else "no crawl run"
            kept = f", {len(result.kept)} kept from the day's earlier dump" if result.kept else ""
            removed = f"; removed {len(result.removed)} older dumps" if result.removed else ""
            click.echo(
                f"dump {result.date} ({run}): {len(result.files)} files, {size / 1e6:.1f} MB{kept}"
                f"{removed}; latest: {out / 'latest'}"
            )
    except (ValueError, PermissionError, NotADirectoryError, FileExistsError) as exc:  # bad --out or options
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:  # disk full, I/O error: nothing half-written is left visible
        fail(f"export failed: {exc}", EXIT_FAILED)
    if warc:
        result = export_warc(db, out, db_name=Path(db_path).name, max_bytes=warc_size)
        for path, records in result.files:
            click.echo(f"{path}\t{records} records")
        click.echo(
            f"{result.captures} captures: {result.responses} responses, {result.resources} resources, "
            f"{result.failed} failed fetches (metadata records)"
        )
        if result.sha256_mismatches:
            ids = ", ".join(map(str, result.sha256_mismatches[:20]))
            fail(
                f"{len(result.sha256_mismatches)} stored bodies no longer match their SHA-256 (exported as they "
                f"are): capture {ids}",
                EXIT_FAILED,
            )


# status ---------------------------------------------------------------------------------------
@main.command()
@db_option
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (every source, worst first, and the counts)."
)
@click.option(
    "--sources-shown",
    "shown",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="List at most this many sources, worst first (failed, warn; highest error rate).",
)
@click.option("--all", "show_all", is_flag=True, help="List every source.")
def status(db_path, as_json, shown, show_all):
    """Counts of captures and documents, the last crawl runs, and the sources at their last run:
    counted by status (ok, warn, failed), then the worst of them first.

    \b
    Example:
      archive status --db archive.db
      archive status --db archive.db --all
    """
    try:
        info = get_status(_reader(db_path))
    except FileNotFoundError as exc:
        fail(str(exc), EXIT_USAGE)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo("\n".join(render(info, db_path, None if show_all else shown)))


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


# sources --------------------------------------------------------------------------------------
@main.group()
def sources():
    """List the configured sources, or dry-run one against its listing page.

    \b
    Example:
      archive sources list
      archive sources check demo-gov --sources crawler/config/demo_sources.toml
    """


@sources.command("list")
@sources_option
@db_option
def sources_list(sources_file, db_path):
    """List sources (key, name, start URLs): those of --sources, else, when the archive (--db)
    exists, the entries it recorded (and the sources file's for sources it has no record of),
    else the sources file's.

    \b
    Example:
      archive sources list --sources crawler/config/demo_sources.toml
      archive sources list --db demo.db
    """
    from crawler.sources import SourceError, load_sources, sources_path

    if not sources_file and Path(db_path).exists():
        from archive.sourcestore import archived_sources

        with _resolved_sources(db_path, None) as (db, found):
            recorded = set(archived_sources(db))
        for label, keys in (
            (f"{db_path} (recorded)", [k for k in found if k in recorded]),
            (str(sources_path(None)), [k for k in found if k not in recorded]),
        ):
            if keys:
                click.echo(f"# {label}")
            for key in keys:
                click.echo(f"{key}\t{found[key].name}\t{' '.join(found[key].start_urls)}")
        return
    try:
        found = load_sources(sources_file)
    except SourceError as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(f"# {sources_path(sources_file)}")
    for key, src in found.items():
        click.echo(f"{key}\t{src.name}\t{' '.join(src.start_urls)}")


@sources.command("check")
@click.argument("name")
@sources_option
@click.option("--url", help="Check this listing page instead of the source's start URLs.")
@click.option(
    "--file",
    "file_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Check a saved listing page (no network); use with --url for its address.",
)
@db_option
def sources_check(name, sources_file, url, file_path, db_path):
    """Dry run: which links of a listing page the source would follow and archive.

    Nothing is written. Fetches the page once (or reads --file). Without --sources, when the
    archive (--db) exists, checks the entry it recorded (as reprocess would use it). The crawl's
    address guard applies: a page on a private or loopback address is not fetched unless the
    source sets allow_private (exit 1, saying so), and links the crawl would refuse are marked.

    \b
    Example:
      archive sources check demo-gov --sources crawler/config/demo_sources.toml
      archive sources check demo-gov --db demo.db --file saved/index.html --url http://127.0.0.1:8950/gov/zfgzbg/
    """
    from archive.sourcecheck import check_source
    from crawler.sources import SourceError, load_sources

    if not sources_file and Path(db_path).exists():
        with _resolved_sources(db_path, None) as (_, found):
            pass
    else:
        try:
            found = load_sources(sources_file)
        except SourceError as exc:
            fail(str(exc), EXIT_USAGE)
    if name not in found:
        fail(f"unknown source {name!r} (known: {', '.join(sorted(found))})", EXIT_USAGE)
    if file_path and not url:
        # a saved page's links are resolved against the address it came from: the source's own
        starts = found[name].start_urls
        if not starts:
            fail("--file needs --url: the address the page was saved from", EXIT_USAGE)
        url = starts[0]
        click.echo(
            f"archive: reading {file_path} as {url} (the source's first start URL; --url to say otherwise)",
            err=True,
        )
    ok = True
    for report in check_source(found[name], url=url, file_path=file_path):
        click.echo(f"# {report['url']}  ({report['status']})")
        if report.get("error"):
            click.echo(f"  error: {report['error']}")
            ok = False
            continue
        refused = report.get("refused") or {}
        for kind, label in (("report", "archive"), ("listing", "follow"), ("ignored", "ignore")):
            links = report["links"][kind]
            click.echo(f"  {label} ({len(links)})")
            for link in links:
                click.echo(
                    f"    {link}" + (f"  (refused by the crawl: {refused[link]})" if link in refused else "")
                )
        if report["links"].get("cut"):
            click.echo(
                "  (links read no further: the crawl takes ARCHIVE_MAX_LINKS_PER_PAGE links of a page)"
            )
    sys.exit(EXIT_OK if ok else EXIT_FAILED)


if __name__ == "__main__":
    main()
