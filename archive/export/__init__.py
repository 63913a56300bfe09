"""``archive export``: dated dumps of the archive's tables — CSV, JSONL, gzip, an Excel-flavoured CSV.

Layout (``--out``; by default ``exports/`` beside the archive)::

    exports/
      2026-11-29/                      one folder per export day (UTC)
        documents.csv.gz               every document, duplicates too
        documents-canonical.csv.gz     one copy per report: duplicate_kind IS NULL
        documents.jsonl.gz  documents-canonical.jsonl.gz
        captures.csv.gz …              captures (without bodies), document_captures, document_versions,
                                       crawl_runs, crawl_run_sources: csv and jsonl
        documents.excel.csv            with --format excel (never gzipped: Excel cannot open .csv.gz)
        manifest.json                  per file: rows, bytes, sha256, columns, created, crawl_run_id
      latest -> 2026-11-29             a symlink to the newest dump (where the file system has symlinks)
      latest.json                      the same pointer as a file: the folder and its files' checksums

Without gzip the names are those of the flat dumps of earlier versions (``documents.csv``,
``documents.jsonl``, ``captures.csv`` …), in the dated folder: ``exports/latest/documents.csv``.

**Atomic.** A dump is written into a hidden folder (``.export-<day>-<pid>-…``) and renamed into
place when complete, under a lock on the output folder; ``latest`` and ``latest.json`` are
replaced by renames too. A half-written dump is never visible; an export killed midway leaves
only its hidden folder, which the next export removes. A second export on the same day replaces
that day's folder, keeping (as hard links) the files it does not rewrite, so
``archive export --format excel`` after the nightly dump adds to it. All tables are read in one
read transaction: a consistent snapshot even while a crawl writes.

**Streaming.** Rows are read from a cursor and written one at a time, never a table in memory.

**Modules.** This one reads the tables and orchestrates; ``files`` writes a CSV or JSONL file
(``DumpFile``), ``excel`` the Excel-flavoured one, ``folder`` publishes the dump atomically.

**Formats.**

- ``csv``: RFC 4180, UTF-8 without BOM, CRLF line ends, minimal quoting; values exactly as stored
  (NULL → empty). For programs.
- ``jsonl``: one JSON object per line, UTF-8, ``null`` for NULL; JSON columns (``stats``,
  ``removed``, ``headers`` …) are strings, as stored.
- ``excel``: a CSV for spreadsheets (Excel, WPS, LibreOffice) — see :func:`excel_cell`:
  UTF-8 **with BOM** (so Excel reads Chinese as UTF-8), CRLF line ends, RFC 4180 quoting with
  ``csv.QUOTE_MINIMAL`` (a field is quoted when it holds a comma, a quote or a line break; quotes
  doubled). Formula injection is neutralised, long texts are split over continuation columns,
  and a table of more than 1,048,575 rows goes on in ``….excel-2.csv``, so nothing is cut.
  Known limit of LibreOffice (7.4, Debian 12) rather than of the file: inside a record that spans
  several lines (a text with line breaks), its CSV import breaks any line longer than 16,368
  characters with an extra line break. Reports have one paragraph per line, far shorter; a record
  on one line (a text without line breaks) reads back whole at any length
  (``tests/test_export.py`` opens the file in headless LibreOffice).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from archive.export.excel import (
    EXCEL_CELL_LIMIT,
    EXCEL_MAX_ROWS,
    EXCEL_PART,
    FORMULA_START,
    NUMBER,
    excel_cell,
    excel_parts,
    split_cell,
    unexcel_cell,
    utf16_len,
    write_excel,
)
from archive.export.files import DumpFile, dump_name, quote_ident, write_plain
from archive.export.folder import (
    DAY,
    TEMP_NAME,
    TEMP_PREFIX,
    carry_over,
    fsync_dir,
    locked,
    point_latest,
    prune,
    remove_stale_temps,
    swap_in,
    write_json,
)

# table → (ORDER BY, columns left out). Raw bodies stay in the database (Datasette, SQL, or --warc).
EXPORTS: dict[str, tuple[str, frozenset]] = {
    "documents": ("id", frozenset()),
    "captures": ("id", frozenset({"body", "compression"})),
    "document_captures": ("document_id, page, capture_id", frozenset()),
    "document_versions": ("document_id, version", frozenset()),  # earlier texts included: the history
    "crawl_runs": ("id", frozenset()),
    "crawl_run_sources": ("run_id, source", frozenset()),
}
FORMATS = ("csv", "jsonl", "excel")
DEFAULT_FORMATS = ("csv", "jsonl")
DOCUMENTS = ("both", "all", "canonical")  # which documents files: every row, canonical copies, or both
CANONICAL_WHERE = "duplicate_kind IS NULL"


@dataclass
class ExportResult:
    dir: Path  # the dated folder
    date: str
    files: list[DumpFile]  # written by this export
    kept: list[str]  # names kept from an earlier dump of the same day
    removed: list[Path]  # older dumps removed by keep=
    crawl_run_id: int | None
    skipped: list[str] = field(default_factory=list)  # tables this archive does not have


def default_out_dir(db_path: str | os.PathLike) -> Path:
    """``exports/`` beside the archive."""
    return Path(db_path).resolve().parent / "exports"


def export(
    db,
    out_dir: str | os.PathLike,
    *,
    tables: list[str] | None = None,
    formats=DEFAULT_FORMATS,
    gzip: bool = True,
    documents: str = "both",
    db_name: str = "archive.db",
    keep: int = 0,
    when: datetime | None = None,
    excel_max_rows: int = EXCEL_MAX_ROWS,
) -> ExportResult:
    """Write a dated dump of ``db`` (a sqlite_utils or sqlite3 connection) into ``out_dir``.

    ``documents``: "both" (default), "all" or "canonical" — which documents files to write.
    ``keep``: keep only the newest ``keep`` dated dumps (0: keep all). ``excel_max_rows``: rows per
    Excel-flavoured file before it goes on in the next. Raises ValueError for bad arguments.
    """
    tables = list(dict.fromkeys(tables or EXPORTS))
    formats = list(dict.fromkeys(formats))
    for t in tables:
        if t not in EXPORTS:
            raise ValueError(f"unknown table {t!r} (choose from {', '.join(EXPORTS)})")
    for f in formats:
        if f not in FORMATS:
            raise ValueError(f"unknown format {f!r} (choose from {', '.join(FORMATS)})")
    if not formats:
        raise ValueError("no format to write")
    if documents not in DOCUMENTS:
        raise ValueError(f"documents must be one of {', '.join(DOCUMENTS)}")
    if documents != "both" and "documents" not in tables:
        raise ValueError(
            "--canonical-only / --no-canonical choose documents files, but documents is not exported"
        )
    if keep < 0 or excel_max_rows < 1:
        raise ValueError("keep must be ≥ 0 and excel_max_rows ≥ 1")

    when = (when or datetime.now(UTC)).astimezone(UTC)
    day = when.strftime("%Y-%m-%d")
    created = when.isoformat(timespec="seconds")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    conn = getattr(db, "conn", db)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{day}-{os.getpid()}-", dir=out))
    try:
        began = not conn.in_transaction
        if began:
            conn.execute("BEGIN")  # one read transaction: every table from the same snapshot
        try:
            run = last_crawl_run(conn)
            run_id = run["id"] if run else None
            files: list[DumpFile] = []
            skipped = []
            for table in tables:
                cols = table_columns(conn, table)
                if not cols:
                    skipped.append(table)
                    continue
                variants = [False]
                if table == "documents":
                    variants = {"both": [False, True], "all": [False], "canonical": [True]}[documents]
                for canonical in variants:
                    order, _ = EXPORTS[table]
                    where = f" WHERE {CANONICAL_WHERE}" if canonical else ""
                    base = f"SELECT {', '.join(map(quote_ident, cols))} FROM {quote_ident(table)}{where}"
                    sql = f"{base} ORDER BY {order}"
                    for fmt in formats:
                        meta = dict(
                            table=table,
                            format=fmt,
                            canonical_only=canonical,
                            created=created,
                            crawl_run_id=run_id,
                        )
                        if fmt == "excel":
                            files += write_excel(
                                conn, sql, cols, tmp, meta, max_rows=excel_max_rows, probe_sql=base
                            )
                        else:
                            files.append(write_plain(conn, sql, cols, tmp, meta, gzip=gzip))
        finally:
            if began:
                conn.rollback()
        with locked(out):
            remove_stale_temps(out)
            final = out / day
            kept = carry_over(final, tmp, {f.name for f in files})
            manifest = {
                "archive": db_name,
                "date": day,
                "created": created,
                "crawl_run_id": run_id,
                "last_crawl_run": run,
                "software": _software(),
                "files": [asdict(f) for f in files] + kept,
            }
            write_json(tmp / "manifest.json", manifest)
            fsync_dir(tmp)
            swap_in(tmp, final)
            point_latest(out, day, manifest)
            removed = prune(out, keep, day) if keep else []
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(
        dir=final,
        date=day,
        files=files,
        kept=[k["name"] for k in kept],
        removed=removed,
        crawl_run_id=run_id,
        skipped=skipped,
    )


# reading --------------------------------------------------------------------------------------
def table_columns(conn, table: str) -> list[str]:
    """The table's columns in stored order, less those the dump leaves out; [] if there is no table."""
    excluded = EXPORTS[table][1]
    return [r[1] for r in conn.execute(f"PRAGMA table_info({quote_ident(table)})") if r[1] not in excluded]


def last_crawl_run(conn) -> dict | None:
    if not table_columns(conn, "crawl_runs"):
        return None
    row = conn.execute(
        "SELECT id, started_at, ended_at, status FROM crawl_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return dict(zip(("id", "started_at", "ended_at", "status"), row, strict=True)) if row else None


def _software() -> str:
    try:
        return f"zfgzbg-archive {version('zfgzbg-archive')}"
    except PackageNotFoundError:
        return "zfgzbg-archive"


__all__ = [
    "CANONICAL_WHERE",
    "DAY",
    "DEFAULT_FORMATS",
    "DOCUMENTS",
    "EXCEL_CELL_LIMIT",
    "EXCEL_MAX_ROWS",
    "EXCEL_PART",
    "EXPORTS",
    "FORMATS",
    "FORMULA_START",
    "NUMBER",
    "TEMP_NAME",
    "TEMP_PREFIX",
    "DumpFile",
    "ExportResult",
    "default_out_dir",
    "dump_name",
    "excel_cell",
    "excel_parts",
    "export",
    "last_crawl_run",
    "quote_ident",
    "split_cell",
    "table_columns",
    "unexcel_cell",
    "utf16_len",
    "write_excel",
    "write_plain",
]
