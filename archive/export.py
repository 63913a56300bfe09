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

import contextlib
import csv
import fcntl
import gzip as gzip_module
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

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
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
TEMP_PREFIX = ".export-"
# what an export writes under a temporary name: .export-<day>-<pid>-<random> (the dump being written),
# .export-<day>-<pid>-old (the day's previous dump being replaced), .export-latest[.json]-<pid>
TEMP_NAME = re.compile(r"\.export-(?:\d{4}-\d{2}-\d{2}|latest|latest\.json)-(\d+)(?:-.*)?")

# Excel: at most 32,767 characters (UTF-16 code units) in a cell and 1,048,576 rows in a sheet.
EXCEL_CELL_LIMIT = 32_767
EXCEL_PART = EXCEL_CELL_LIMIT - 1  # a part leaves room for the neutralising apostrophe
EXCEL_MAX_ROWS = 1_048_576 - 1  # the header takes a row
# A cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection: = + - @,
# tab, CR; ASVS 1.2.10 adds NUL) — or, for the apostrophe, would be read back wrongly (see excel_cell).
FORMULA_START = frozenset("=+-@\t\r\0'")
# A number or percentage as a spreadsheet reads it: sign, digits (optionally 1,234,567-grouped), a
# decimal part, an exponent, a percent sign. Only digits, sign, '.', ',', 'e' and '%': harmless even
# where it is taken as a formula (=-5% is arithmetic on literals, no function, no reference).
NUMBER = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


@dataclass
class DumpFile:
    name: str
    table: str
    format: str  # csv | jsonl | excel
    canonical_only: bool
    gzip: bool
    rows: int
    bytes: int
    sha256: str
    columns: list[str]
    created: str
    crawl_run_id: int | None
    continued: dict[str, list[str]] = field(default_factory=dict)  # excel: column → its continuation columns
    part: int = 1  # excel: 2, 3 … for a table past the sheet's row limit


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


def dump_name(table: str, fmt: str, *, canonical: bool, gzip: bool, part: int = 1) -> str:
    base = table + ("-canonical" if canonical else "")
    if fmt == "excel":
        return f"{base}.excel{'' if part == 1 else f'-{part}'}.csv"
    return f"{base}.{fmt}" + (".gz" if gzip else "")


def export(db, out_dir: str | os.PathLike, *, tables: list[str] | None = None, formats=DEFAULT_FORMATS,
           gzip: bool = True, documents: str = "both", db_name: str = "archive.db", keep: int = 0,
           when: datetime | None = None, excel_max_rows: int = EXCEL_MAX_ROWS) -> ExportResult:
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
        raise ValueError("--canonical-only / --no-canonical choose documents files, but documents is not exported")
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
                        meta = dict(table=table, format=fmt, canonical_only=canonical, created=created,
                                    crawl_run_id=run_id)
                        if fmt == "excel":
                            files += write_excel(conn, sql, cols, tmp, meta, max_rows=excel_max_rows, probe_sql=base)
                        else:
                            files.append(write_plain(conn, sql, cols, tmp, meta, gzip=gzip))
        finally:
            if began:
                conn.rollback()
        with _locked(out):
            _remove_stale_temps(out)
            final = out / day
            kept = _carry_over(final, tmp, {f.name for f in files})
            manifest = {
                "archive": db_name, "date": day, "created": created, "crawl_run_id": run_id,
                "last_crawl_run": run, "software": _software(),
                "files": [asdict(f) for f in files] + kept,
            }
            _write_json(tmp / "manifest.json", manifest)
            _fsync_dir(tmp)
            _swap_in(tmp, final)
            _point_latest(out, day, manifest)
            removed = _prune(out, keep, day) if keep else []
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(dir=final, date=day, files=files, kept=[k["name"] for k in kept], removed=removed,
                        crawl_run_id=run_id, skipped=skipped)


# reading --------------------------------------------------------------------------------------
def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_columns(conn, table: str) -> list[str]:
    """The table's columns in stored order, less those the dump leaves out; [] if there is no table."""
    excluded = EXPORTS[table][1]
    return [r[1] for r in conn.execute(f"PRAGMA table_info({quote_ident(table)})") if r[1] not in excluded]


def last_crawl_run(conn) -> dict | None:
    if not table_columns(conn, "crawl_runs"):
        return None
    row = conn.execute("SELECT id, started_at, ended_at, status FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    return dict(zip(("id", "started_at", "ended_at", "status"), row, strict=True)) if row else None


# writing --------------------------------------------------------------------------------------
class _HashingSink(io.RawIOBase):
    """A binary file that hashes and counts what is written to it."""

    def __init__(self, path: Path):
        self._f = open(path, "xb")
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        n = self._f.write(b)
        self.sha256.update(memoryview(b)[:n])
        self.bytes += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
        super().close()


@contextlib.contextmanager
def _text_file(path: Path, *, gzip: bool, bom: bool = False):
    """A text file (UTF-8, newlines untranslated) over a hashing sink, gzipped or not; yields (file, sink)."""
    sink = _HashingSink(path)
    buffered = io.BufferedWriter(sink, buffer_size=1 << 20)
    # mtime=0 and no file name in the gzip header: the same rows give the same bytes and sha256
    binary = gzip_module.GzipFile(filename="", mode="wb", fileobj=buffered, compresslevel=6, mtime=0) \
        if gzip else buffered
    text = io.TextIOWrapper(binary, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=False)
    try:
        yield text, sink
    finally:
        text.close()  # closes the GzipFile (its trailer), not the buffered writer it did not open
        if gzip:
            buffered.close()
        sink.close()


def write_plain(conn, sql: str, cols: list[str], folder: Path, meta: dict, *, gzip: bool) -> DumpFile:
    name = dump_name(meta["table"], meta["format"], canonical=meta["canonical_only"], gzip=gzip)
    rows = 0
    with _text_file(folder / name, gzip=gzip) as (f, sink):
        if meta["format"] == "csv":
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(cols)
            for row in conn.execute(sql):
                w.writerow(row)
                rows += 1
        else:
            dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
            for row in conn.execute(sql):
                f.write(dumps(dict(zip(cols, row, strict=True))))
                f.write("\n")
                rows += 1
    return DumpFile(name=name, gzip=gzip, rows=rows, bytes=sink.bytes, sha256=sink.sha256.hexdigest(),
                    columns=list(cols), **meta)


def utf16_len(s: str) -> int:
    """Length in UTF-16 code units, as Excel counts a cell's characters (an emoji is 2)."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def split_cell(s: str, limit: int = EXCEL_PART) -> list[str]:  # limit ≥ 2: a part holds a character
    """``s`` in parts of at most ``limit`` UTF-16 code units, whose concatenation is ``s``.

    A part ends after the last line break in its final 4,096 characters when there is one (the
    next part starts a paragraph), else at the limit; a character (an emoji, a surrogate pair in
    UTF-16) is never cut."""
    if utf16_len(s) <= limit:
        return [s]
    parts = []
    start = 0
    while start < len(s):
        chunk = s[start:start + limit]
        over = utf16_len(chunk) - limit
        while over > 0:  # astral characters take two units: drop at least half the excess in characters
            chunk = chunk[:len(chunk) - (over + 1) // 2]
            over = utf16_len(chunk) - limit
        end = start + len(chunk)
        if over < 0 and end < len(s) and utf16_len(s[end]) <= -over:  # one unit short: one more fits
            chunk = s[start:end + 1]
        if start + len(chunk) < len(s):
            nl = chunk.rfind("\n", max(0, len(chunk) - 4096))
            if nl >= 0:
                chunk = chunk[:nl + 1]
        parts.append(chunk)
        start += len(chunk)
    return parts


def excel_cell(value, *, continuation: bool = False):
    """One value as an Excel-flavoured CSV cell.

    NULL → empty; an integer or a real → the number. A text cell that starts with ``=``, ``+``,
    ``-``, ``@``, a tab, CR or NUL gets one apostrophe (') in front, so a spreadsheet shows it as
    text instead of running it as a formula — unless the whole cell is a number or a percentage
    (:data:`NUMBER`: ``-5%``, ``-3.2``, ``+7``, ``-1,234.5``, ``1e-3``), which stays a number. A
    text that itself starts with an apostrophe gets one more, so the rule reverses exactly: drop
    one leading apostrophe from a text cell that has one. A continuation part (``text_2`` …) is
    text whatever it looks like.
    """
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    if isinstance(value, bytes):
        value = value.hex()
    s = str(value)
    if s and s[0] in FORMULA_START and (continuation or s[0] == "'" or not NUMBER.fullmatch(s)):
        return "'" + s
    return s


def unexcel_cell(value: str) -> str:
    """The inverse of :func:`excel_cell` for a text cell read back from a spreadsheet."""
    return value[1:] if value.startswith("'") else value


def excel_parts(conn, sql: str, cols: list[str]) -> dict[str, int]:  # sql: best without ORDER BY
    """For each column some value of which needs more than one Excel cell: the most parts it needs.

    A text of at most EXCEL_PART UTF-8 bytes fits in one cell (a character takes at least as
    many UTF-8 bytes as UTF-16 units), so SQLite finds the candidates and only they are split."""
    probe = ", ".join(f"MAX(length(CAST({quote_ident(c)} AS BLOB)))" for c in cols)
    maxima = conn.execute(f"SELECT {probe} FROM ({sql})").fetchone()
    parts = {}
    for col, longest in zip(cols, maxima, strict=True):
        if longest and longest > EXCEL_PART:
            q = quote_ident(col)
            most = 1
            for (value,) in conn.execute(
                    f"SELECT {q} FROM ({sql}) WHERE typeof({q}) = 'text' AND length(CAST({q} AS BLOB)) > ?",
                    [EXCEL_PART]):
                most = max(most, len(split_cell(value)))
            if most > 1:
                parts[col] = most
    return parts


def write_excel(conn, sql: str, cols: list[str], folder: Path, meta: dict, *, max_rows: int = EXCEL_MAX_ROWS,
                probe_sql: str | None = None) -> list[DumpFile]:
    """The Excel-flavoured CSV: a column whose texts pass Excel's 32,767-character cell limit is
    followed by continuation columns ``<col>_2``, ``<col>_3`` … (as many as its longest value
    needs); concatenating a row's parts gives the text back."""
    parts = excel_parts(conn, probe_sql or sql, cols)
    header, continued = [], {}
    for c in cols:
        header.append(c)
        if c in parts:
            continued[c] = [f"{c}_{i}" for i in range(2, parts[c] + 1)]
            header += continued[c]
    files: list[DumpFile] = []
    rows_in = iter(conn.execute(sql))
    pending = next(rows_in, None)
    while True:  # a file per max_rows rows; at least one, with its header, for an empty table
        part = len(files) + 1
        name = dump_name(meta["table"], "excel", canonical=meta["canonical_only"], gzip=False, part=part)
        rows = 0
        with _text_file(folder / name, gzip=False, bom=True) as (f, sink):
            w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
            w.writerow(header)
            while pending is not None and rows < max_rows:
                w.writerow(_excel_row(cols, pending, parts))
                rows += 1
                pending = next(rows_in, None)
        files.append(DumpFile(name=name, gzip=False, rows=rows, bytes=sink.bytes, sha256=sink.sha256.hexdigest(),
                              columns=header, continued=continued, part=part, **meta))
        if pending is None:
            return files


def _excel_row(cols: list[str], row: tuple, parts: dict[str, int]) -> list:
    cells = []
    for c, v in zip(cols, row, strict=True):
        if c not in parts:
            cells.append(excel_cell(v))
            continue
        pieces = split_cell(v) if isinstance(v, str) else [v]
        cells.append(excel_cell(pieces[0]))
        cells += [excel_cell(p, continuation=True) for p in pieces[1:]]
        cells += [""] * (parts[c] - len(pieces))
    return cells


# publishing -----------------------------------------------------------------------------------
@contextlib.contextmanager
def _locked(out: Path):
    """An exclusive flock on the output folder itself (no lock file): one export publishes at a time."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _remove_stale_temps(out: Path) -> None:
    """Hidden folders of exports that died midway (their process is gone)."""
    for p in out.glob(f"{TEMP_PREFIX}*"):
        m = TEMP_NAME.fullmatch(p.name)
        if not m or int(m.group(1)) == os.getpid() or _alive(int(m.group(1))):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _carry_over(final: Path, tmp: Path, written: set[str]) -> list[dict]:
    """Hard-link into ``tmp`` the files of the day's earlier dump that this export does not rewrite;
    returns their manifest entries."""
    try:
        old = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    kept = []
    for entry in old.get("files", []):
        name = entry.get("name", "")
        src = final / name
        if name in written or "/" in name or not src.is_file():
            continue
        try:
            os.link(src, tmp / name)
        except OSError:
            shutil.copy2(src, tmp / name)
        kept.append(entry)
    return kept


def _swap_in(tmp: Path, final: Path) -> None:
    """Rename the finished folder into place; an earlier one of the same day is renamed away first
    and removed after (the day's folder is missing only between two renames)."""
    os.chmod(tmp, 0o755)  # mkdtemp made it private
    old = None
    if final.exists():
        old = final.with_name(f"{TEMP_PREFIX}{final.name}-{os.getpid()}-old")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    tmp.rename(final)
    _fsync_dir(final.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _point_latest(out: Path, day: str, manifest: dict) -> None:
    """``latest.json`` (always) and the ``latest`` symlink (where symlinks can be made), each
    replaced by a rename."""
    latest = {
        "date": day, "path": day, "manifest": f"{day}/manifest.json", "created": manifest["created"],
        "crawl_run_id": manifest["crawl_run_id"],
        "files": [{k: f[k] for k in ("name", "table", "format", "canonical_only", "gzip", "rows", "bytes", "sha256")}
                  | {"path": f"{day}/{f['name']}"} for f in manifest["files"]],
    }
    _write_json(out / "latest.json", latest, atomic=True)
    link = out / "latest"
    if link.exists() and not link.is_symlink():
        return  # something else is there: leave it
    tmp_link = out / f"{TEMP_PREFIX}latest-{os.getpid()}"
    with contextlib.suppress(OSError):
        tmp_link.unlink(missing_ok=True)
        tmp_link.symlink_to(day, target_is_directory=True)
        tmp_link.replace(link)
    with contextlib.suppress(OSError):
        tmp_link.unlink(missing_ok=True)


def _prune(out: Path, keep: int, current: str) -> list[Path]:
    days = sorted(p for p in out.iterdir() if p.is_dir() and not p.is_symlink() and DAY.fullmatch(p.name)
                  and (p / "manifest.json").is_file())
    removed = []
    for p in days[:-keep] if keep < len(days) else []:
        if p.name != current:
            shutil.rmtree(p)
            removed.append(p)
    return removed


def _write_json(path: Path, data: dict, *, atomic: bool = False) -> None:
    target = path.with_name(f"{TEMP_PREFIX}{path.name}-{os.getpid()}") if atomic else path
    with open(target, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    if atomic:
        os.chmod(target, 0o644)
        target.replace(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _software() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"zfgzbg-archive {version('zfgzbg-archive')}"
    except PackageNotFoundError:
        return "zfgzbg-archive"
