"""The Excel-flavoured CSV: formula injection neutralised, texts past a cell's limit split over
continuation columns, a table past a sheet's rows continued in the next file."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from archive.export.files import DumpFile, dump_name, quote_ident, text_file

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
        chunk = s[start : start + limit]
        over = utf16_len(chunk) - limit
        while over > 0:  # astral characters take two units: drop at least half the excess in characters
            chunk = chunk[: len(chunk) - (over + 1) // 2]
            over = utf16_len(chunk) - limit
        end = start + len(chunk)
        if over < 0 and end < len(s) and utf16_len(s[end]) <= -over:  # one unit short: one more fits
            chunk = s[start : end + 1]
        if start + len(chunk) < len(s):
            nl = chunk.rfind("\n", max(0, len(chunk) - 4096))
            if nl >= 0:
                chunk = chunk[: nl + 1]
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
                [EXCEL_PART],
            ):
                most = max(most, len(split_cell(value)))
            if most > 1:
                parts[col] = most
    return parts


def write_excel(
    conn,
    sql: str,
    cols: list[str],
    folder: Path,
    meta: dict,
    *,
    max_rows: int = EXCEL_MAX_ROWS,
    probe_sql: str | None = None,
) -> list[DumpFile]:
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
        with text_file(folder / name, gzip=False, bom=True) as (f, sink):
            w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
            w.writerow(header)
            while pending is not None and rows < max_rows:
                w.writerow(_excel_row(cols, pending, parts))
                rows += 1
                pending = next(rows_in, None)
        files.append(
            DumpFile(
                name=name,
                gzip=False,
                rows=rows,
                bytes=sink.bytes,
                sha256=sink.sha256.hexdigest(),
                columns=header,
                continued=continued,
                part=part,
                **meta,
            )
        )
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
