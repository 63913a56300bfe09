"""`archive export` and `archive status`: what the archive holds, read and written elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.core import ParameterSource

from archive.cli.base import (
    EXIT_FAILED,
    EXIT_USAGE,
    _reader,
    db_option,
    fail,
    main,
)
from archive.export import DEFAULT_FORMATS, default_out_dir
from archive.export import export as do_export
from archive.status import render
from archive.status import status as get_status
from archive.warc import export_warc


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
