"""archive export: dated dumps of a real crawl (plus documents written to be hard), read back with
gzip + csv/json, checked against the manifest and the database, and the Excel-flavoured CSV opened
by a real spreadsheet engine (headless LibreOffice → xlsx → openpyxl)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import REPO, q, run_archive

from archive.export import EXCEL_CELL_LIMIT, EXPORTS, NUMBER, excel_cell, split_cell, unexcel_cell, utf16_len

pytestmark = pytest.mark.slow  # LibreOffice, and an export of a big archive in flat memory

csv.field_size_limit(sys.maxsize)  # the texts are longer than the csv module's default limit (131,072)
TABLES = [
    "documents",
    "captures",
    "document_captures",
    "document_versions",
    "crawl_runs",
    "crawl_run_sources",
]
# LibreOffice's CSV import: comma, double quote, UTF-8 (76), from line 1, no column types, English (US)
# numbers, quoted fields not forced to text, special numbers (%, dates, exponents) detected, …, and
# token 13: evaluate formulas — as Excel does when it opens a CSV.
LO_CSV_FILTER = "CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true"

PARAGRAPH = '一、过去一年工作回顾：全市地区生产总值增长5.2%，“稳中求进”！😀 引号"与,逗号\n'
TRICKY = {
    "title": '=HYPERLINK("http://evil.example/","点我查看报告")',
    "source_name": "@SUM(A1:A9)",
    "speaker": "-5%",  # a percentage: stays a number
    "speaker_role": "-3.2",  # a negative number: stays a number
    "session": "+7",  # a signed number: stays a number
    "doc_type": "\tcmd|' /C calc'!A0",
    "province": "-2+3+cmd|' /C calc'!A0",
    "admin_level": "'已引用",  # a text that starts with an apostrophe
    "city": "长春市（全角括号）、“引号”、😀🇨🇳",
    "text": '第一段：中文，全角标点！\n第二段 "quoted" and, comma\n第三段 emoji 😀👍🏽\n-1 不是公式开头吗？',
}


def utc_day() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def long_text() -> str:
    """About 110,000 UTF-16 units in paragraphs: Chinese, emoji (two units each), and paragraphs
    that start with '-', '=', '+', '@' so that continuation parts begin with formula characters."""
    paras = []
    i = 0
    while sum(map(utf16_len, paras)) < 110_000:
        lead = ["-", "=", "+", "@", ""][i % 5]
        paras.append(f"{lead}{i}. " + PARAGRAPH.rstrip("\n") * 3 + "\n")
        i += 1
    return "".join(paras)


def unbroken_text() -> str:
    """About 80,000 UTF-16 units without a line break, built so that the cuts at exactly 32,766
    units (a part's room) fall before '=SUM' and '-5%': continuation parts that look like a
    formula and a number."""
    unit = '中文，全角！“引号”"quote",comma😀'

    def block(units: int) -> str:
        out = unit * (units // utf16_len(unit) + 1)
        while utf16_len(out) > units:
            out = out[:-1]
        return out + "中" * (units - utf16_len(out))

    return block(32_766) + "=SUM(A1)" + block(32_766 - 8) + "-5%" + block(14_000)


@pytest.fixture(scope="module")
def archive(crawled, tmp_path_factory):
    """A copy of the crawled demo archive plus documents written to be hard for spreadsheets."""
    db = tmp_path_factory.mktemp("export") / "archive.db"
    src, dst = sqlite3.connect(crawled["db"]), sqlite3.connect(db)
    src.backup(dst)
    src.close()
    cols = ["url", "source", "year", "canonical_id", "duplicate_kind", *TRICKY]
    rows = [
        ["https://example.org/tricky", "demo-gov", 2024, None, None, *TRICKY.values()],
        ["https://example.org/long", "demo-gov", 2024, None, None, *TRICKY.values()],
        ["https://example.org/long-copy", "demo-news", 2024, None, "exact", *TRICKY.values()],
    ]
    rows[1][cols.index("text")] = rows[2][cols.index("text")] = long_text()
    rows[1][cols.index("title")] = "-长文本 long text"
    rows.append(["https://example.org/unbroken", "demo-gov", 2023, None, None, *TRICKY.values()])
    rows[3][cols.index("text")] = unbroken_text()
    dst.executemany(f"INSERT INTO documents ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
    dst.execute("UPDATE documents SET canonical_id = id WHERE url LIKE 'https://example.org/%'")
    # (a record spanning several lines — a text with line breaks — keeps each line under 16,368
    # characters here: LibreOffice 7.4's CSV import breaks longer ones; see archive/export.py)
    dst.execute(
        "UPDATE documents SET canonical_id = (SELECT id FROM documents WHERE url = 'https://example.org/long')"
        " WHERE url = 'https://example.org/long-copy'"
    )
    dst.commit()
    dst.close()
    return db


def export(db, *args) -> subprocess.CompletedProcess:
    r = run_archive("export", "--db", db, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def table_rows(db, table, where="") -> tuple[list[str], list[tuple]]:
    """The table's rows in the dump's order, less the columns a dump leaves out."""
    con = sqlite3.connect(db)
    try:
        cur = con.execute(f"SELECT * FROM {table} {where} ORDER BY {EXPORTS[table][0]}")
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    drop = {"body", "compression"} if table == "captures" else set()
    keep = [i for i, c in enumerate(cols) if c not in drop]
    return [cols[i] for i in keep], [tuple(r[i] for i in keep) for r in rows]


def leftovers(out: Path) -> list[str]:
    return [p.name for p in out.rglob("*") if p.name.startswith(".") or p.suffix in (".tmp", ".part")]


# the plain dumps ------------------------------------------------------------------------------
def test_default_dump_layout_manifest_gzip_and_canonical_counts(archive):
    r = export(archive)  # default: exports/ beside the archive, csv + jsonl, gzipped, both documents files
    out = archive.parent / "exports"
    day = out / utc_day()
    expected = {f"{t}.{fmt}.gz" for t in TABLES for fmt in ("csv", "jsonl")} | {
        "documents-canonical.csv.gz",
        "documents-canonical.jsonl.gz",
    }
    assert {p.name for p in day.iterdir()} == expected | {"manifest.json"}
    assert f"{day / 'documents.csv.gz'}\t" in r.stdout and "crawl run 1" in r.stdout.splitlines()[-1]
    assert leftovers(out) == []

    manifest = json.loads((day / "manifest.json").read_text(encoding="utf-8"))
    run_id = q(archive, "SELECT MAX(id) FROM crawl_runs")[0][0]
    assert manifest["crawl_run_id"] == run_id and manifest["last_crawl_run"]["id"] == run_id
    assert manifest["date"] == utc_day() and manifest["archive"] == "archive.db"
    assert {f["name"] for f in manifest["files"]} == expected
    for f in manifest["files"]:
        data = (day / f["name"]).read_bytes()
        assert f["bytes"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest(), f["name"]
        assert f["crawl_run_id"] == run_id and datetime.fromisoformat(f["created"]).tzinfo is not None
        where = "WHERE duplicate_kind IS NULL" if f["canonical_only"] else ""
        cols, rows = table_rows(archive, f["table"], where)
        assert f["columns"] == cols and f["rows"] == len(rows), f["name"]
        text = gzip.decompress(data).decode("utf-8")  # a whole gzip stream, decoding as UTF-8
        if f["format"] == "csv":
            got = list(csv.reader(io.StringIO(text, newline="")))
            assert got[0] == cols
            assert got[1:] == [["" if v is None else str(v) for v in row] for row in rows], f["name"]
            assert text.count("\r\n") >= len(rows) + 1
        else:
            got = [json.loads(line) for line in text.splitlines()]
            assert got == [dict(zip(cols, row, strict=True)) for row in rows], f["name"]

    n_canonical = q(archive, "SELECT COUNT(*) FROM documents WHERE duplicate_kind IS NULL")[0][0]
    n_all = q(archive, "SELECT COUNT(*) FROM documents")[0][0]
    by_name = {f["name"]: f for f in manifest["files"]}
    assert (
        by_name["documents-canonical.csv.gz"]["rows"]
        == n_canonical
        < n_all
        == by_name["documents.csv.gz"]["rows"]
    )
    with gzip.open(day / "documents-canonical.jsonl.gz", "rt", encoding="utf-8") as fh:
        assert all(json.loads(line)["duplicate_kind"] is None for line in fh)
    assert "body" not in by_name["captures.csv.gz"]["columns"]

    # the latest pointer: a symlink and a file
    assert (out / "latest").is_symlink() and os.readlink(out / "latest") == utc_day()
    assert (out / "latest" / "documents.csv.gz").read_bytes() == (day / "documents.csv.gz").read_bytes()
    latest = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert latest["path"] == utc_day() and latest["crawl_run_id"] == run_id
    assert {f["path"]: f["sha256"] for f in latest["files"]} == {
        f"{utc_day()}/{f['name']}": f["sha256"] for f in manifest["files"]
    }


def test_no_gzip_keeps_the_old_file_names_and_same_rows_give_same_bytes(archive, tmp_path):
    export(
        archive,
        "--out",
        tmp_path / "a",
        "--no-gzip",
        "--format",
        "csv",
        "--format",
        "jsonl",
        "--no-canonical",
    )
    day = tmp_path / "a" / utc_day()
    assert {p.name for p in day.iterdir()} == {f"{t}.{fmt}" for t in TABLES for fmt in ("csv", "jsonl")} | {
        "manifest.json"
    }
    cols, rows = table_rows(archive, "documents")
    with open(tmp_path / "a" / "latest" / "documents.csv", encoding="utf-8", newline="") as f:  # no BOM
        assert len(list(csv.DictReader(f))) == len(rows)
    # gzip without a time stamp or file name: an unchanged archive gives byte-identical dumps
    export(archive, "--out", tmp_path / "b", "--table", "documents", "--canonical-only")
    export(archive, "--out", tmp_path / "c", "--table", "documents", "--canonical-only")
    b, c = (json.loads((tmp_path / x / "latest.json").read_text())["files"] for x in "bc")
    assert [f["name"] for f in b] == ["documents-canonical.csv.gz", "documents-canonical.jsonl.gz"]
    assert [f["sha256"] for f in b] == [f["sha256"] for f in c]


def test_bad_options_exit_2_and_write_nothing(archive, tmp_path):
    out = tmp_path / "o"
    (tmp_path / "a-file").write_text("x")
    for args in (
        ["--format", "xml"],
        ["--table", "nope"],
        ["--canonical-only", "--no-canonical"],
        ["--keep", "-1"],
        ["--canonical-only", "--table", "captures"],
        ["--gzip", "--no-such-option"],
    ):
        r = run_archive("export", "--db", archive, "--out", out, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert not out.exists() or list(out.iterdir()) == []
    assert run_archive("export", "--db", tmp_path / "missing.db", "--out", out).returncode == 2
    assert run_archive("export", "--db", archive, "--out", tmp_path / "a-file").returncode == 2


# the Excel-flavoured CSV ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd", "'+cmd"),
        ("-abc", "'-abc"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\0x", "'\0x"),
        ("'x", "''x"),
        ("-", "'-"),
        ("-5%-1", "'-5%-1"),
        ("--5", "'--5"),
        ("-5%", "-5%"),
        ("-3.2", "-3.2"),
        ("+7", "+7"),
        ("-1,234.5", "-1,234.5"),
        ("-.5", "-.5"),
        ("1e-3", "1e-3"),
        ("中文", "中文"),
        ("＝全角", "＝全角"),
        ("", ""),
        (None, ""),
        (-5, -5),
        (2.5, 2.5),
    ],
)
def test_excel_cell_rule(value, cell):
    assert excel_cell(value) == cell
    if isinstance(value, str):
        assert unexcel_cell(excel_cell(value)) == value
        assert excel_cell(value, continuation=True) == (
            "'" + value if value and value[0] in "=+-@\t\r\0'" else value
        )


def test_split_cell_never_cuts_a_character_and_loses_nothing():
    text = long_text()
    parts = split_cell(text)
    assert "".join(parts) == text and len(parts) == 4
    assert all(utf16_len(p) < EXCEL_CELL_LIMIT for p in parts)  # room left for an apostrophe
    assert all(p.endswith("\n") for p in parts[:-1])  # cut at a paragraph break near the limit
    assert all(p[0] in "-=+@0123456789" for p in parts) and any(p[0] in "-=+@" for p in parts[1:])
    text = unbroken_text()
    parts = split_cell(text)
    assert "".join(parts) == text and [utf16_len(p) for p in parts[:2]] == [32_766, 32_766]
    assert parts[1].startswith("=SUM(A1)") and parts[2].startswith("-5%") and len(parts) == 3
    assert excel_cell(parts[2], continuation=True).startswith("'-5%")
    emoji = "😀" * 40_000  # 80,000 UTF-16 units, no break: every cut between two whole emoji
    parts = split_cell(emoji)
    assert "".join(parts) == emoji and [utf16_len(p) for p in parts] == [32_766, 32_766, 14_468]
    assert set("".join(parts[:1])) == {"😀"}
    assert NUMBER.fullmatch("-5%") and not NUMBER.fullmatch("-5%A1")


def excel_dump(db, out) -> tuple[Path, dict]:
    export(db, "--out", out, "--format", "excel", "--format", "csv", "--no-gzip", "--table", "documents")
    day = out / utc_day()
    manifest = {
        f["name"]: f for f in json.loads((day / "manifest.json").read_text(encoding="utf-8"))["files"]
    }
    return day, manifest


def reassemble(header: list[str], values: list, continued: dict[str, list[str]]) -> dict:
    """A row of the Excel-flavoured file back to {column: text}, continuation parts joined."""
    cells = dict(zip(header, values, strict=True))
    row = {}
    for col in header:
        if any(col in more for more in continued.values()):
            continue
        parts = [cells[col], *(cells[c] for c in continued.get(col, []))]
        row[col] = (
            "".join(unexcel_cell(p) if isinstance(p, str) else str(p) for p in parts if p not in ("", None))
            if col in continued
            else cells[col]
        )
    return row


def test_excel_flavour_bytes_header_and_long_texts(archive, tmp_path):
    day, manifest = excel_dump(archive, tmp_path / "x")
    raw = (day / "documents.excel.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw[3:].startswith(b"\xef\xbb\xbf")
    meta = manifest["documents.excel.csv"]
    assert meta["bytes"] == len(raw) and meta["sha256"] == hashlib.sha256(raw).hexdigest()
    cols, rows = table_rows(archive, "documents")
    with open(day / "documents.excel.csv", encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f, strict=True))
    # every record ends in CRLF; the only bare LFs are the texts' own line breaks, inside quotes
    assert raw.count(b"\r\n") == len(records) and raw.endswith(b"\r\n")
    header = records[0]
    n = max(len(split_cell(r[cols.index("text")] or "")) for r in rows)
    assert n >= 4 and meta["continued"] == {"text": [f"text_{i}" for i in range(2, n + 1)]}
    assert (
        header
        == cols[: cols.index("text") + 1]
        + [f"text_{i}" for i in range(2, n + 1)]
        + cols[cols.index("text") + 1 :]
        == meta["columns"]
    )
    assert len(records) - 1 == len(rows) == meta["rows"]
    for rec, row in zip(records[1:], rows, strict=True):
        assert all(utf16_len(cell) <= EXCEL_CELL_LIMIT for cell in rec)
        back = reassemble(header, rec, meta["continued"])
        for col, value in zip(cols, row, strict=True):
            want = "" if value is None else str(value)
            assert (back[col] if col == "text" else unexcel_cell(back[col])) == want, col
        for cell in rec:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r") or NUMBER.fullmatch(cell)
    tricky = dict(zip(header, next(r for r in records if "https://example.org/tricky" in r), strict=True))
    assert tricky["title"].startswith("'=HYPERLINK(") and tricky["source_name"] == "'@SUM(A1:A9)"
    assert (tricky["speaker"], tricky["speaker_role"], tricky["session"]) == ("-5%", "-3.2", "+7")
    assert tricky["admin_level"] == "''已引用" and tricky["doc_type"].startswith("'\t")


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_xlsx(csv_path: Path, tmp_path: Path) -> Path:
    """Headless LibreOffice opens the CSV as a spreadsheet would and saves it as xlsx."""
    out = tmp_path / "xlsx"
    profile = tmp_path / "lo-profile"  # a profile of its own: never in the way of another LibreOffice
    r = subprocess.run(
        [
            _soffice(),
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            f"--infilter={LO_CSV_FILTER}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(csv_path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    target = out / (csv_path.stem + ".xlsx")
    assert r.returncode == 0 and target.exists(), r.stdout + r.stderr
    return target


@pytest.mark.skipif(
    not _soffice() and not os.environ.get("ARCHIVE_REQUIRE_BROWSER"),
    reason="LibreOffice not installed (scripts/test.sh installs libreoffice-calc-nogui)",
)
def test_excel_dump_opened_by_libreoffice_keeps_every_character(archive, tmp_path):
    import openpyxl

    assert _soffice(), "LibreOffice is required here (ARCHIVE_REQUIRE_BROWSER is set)"
    day, manifest = excel_dump(archive, tmp_path / "x")
    meta = manifest["documents.excel.csv"]
    sheet = openpyxl.load_workbook(to_xlsx(day / "documents.excel.csv", tmp_path)).active
    grid = [[c for c in row] for row in sheet.iter_rows()]
    header = [c.value for c in grid[0]]
    assert header == meta["columns"]
    cols, rows = table_rows(archive, "documents")
    assert len(grid) - 1 == len(rows)
    # not a single formula in the sheet: every cell a formula character began is text
    assert not [c.coordinate for row in grid for c in row if c.data_type == "f"]
    for cells, row in zip(grid[1:], rows, strict=True):
        back = reassemble(header, [c.value for c in cells], meta["continued"])
        kinds = {h: c for h, c in zip(header, cells, strict=True)}
        for col, value in zip(cols, row, strict=True):
            got = back[col]
            if value is None:
                assert got in (None, ""), col
            elif col == "text":
                assert got == value  # the parts, joined, give back the text: every character
            elif isinstance(got, str):
                assert unexcel_cell(got) == str(value), col  # text stays text, character for character
                assert kinds[col].data_type == "s"
            elif isinstance(got, datetime):
                assert str(value).startswith(got.strftime("%Y-%m-%d")), (
                    col
                )  # a date, as any spreadsheet reads it
            else:  # a number: the stored value is that number (an integer, or text such as -5%)
                assert isinstance(value, int | float) or NUMBER.fullmatch(value), col
                want = float(str(value).replace(",", "").rstrip("%")) / (
                    100 if str(value).endswith("%") else 1
                )
                assert got == pytest.approx(want), col
    tricky = next(
        dict(zip(header, [c for c in cells], strict=True))
        for cells in grid[1:]
        if any(c.value == "https://example.org/tricky" for c in cells)
    )
    assert tricky["title"].value == "'" + TRICKY["title"] and tricky["title"].data_type == "s"
    assert (
        tricky["source_name"].value == "'@SUM(A1:A9)" and tricky["province"].value == "'" + TRICKY["province"]
    )
    assert tricky["doc_type"].value == "'" + TRICKY["doc_type"]
    assert (tricky["speaker"].value, tricky["speaker"].data_type) == (pytest.approx(-0.05), "n")
    assert "%" in tricky["speaker"].number_format
    assert (tricky["speaker_role"].value, tricky["session"].value) == (pytest.approx(-3.2), 7)
    assert tricky["city"].value == TRICKY["city"] and tricky["text"].value == TRICKY["text"]
    assert tricky["admin_level"].value == "''已引用"

    # the control: the same rows from the plain csv dump, opened the same way, do make formulas —
    # so the check above would see one
    plain = openpyxl.load_workbook(to_xlsx(day / "documents.csv", tmp_path / "plain")).active
    formulas = [c.value for row in plain.iter_rows() for c in row if c.data_type == "f"]
    assert TRICKY["title"] in formulas


def test_excel_dump_goes_on_in_a_second_file_past_the_row_limit(archive, tmp_path):
    from archive.db import open_readonly
    from archive.export import export as do_export

    result = do_export(
        open_readonly(archive),
        tmp_path,
        tables=["documents"],
        formats=["excel"],
        documents="all",
        excel_max_rows=20,
    )
    cols, rows = table_rows(archive, "documents")
    names = [f.name for f in result.files]
    assert names[:2] == ["documents.excel.csv", "documents.excel-2.csv"] and len(names) == -(-len(rows) // 20)
    ids = []
    for f in result.files:
        with open(result.dir / f.name, encoding="utf-8-sig", newline="") as fh:
            recs = list(csv.reader(fh))
        assert recs[0] == f.columns and len(recs) - 1 == f.rows <= 20
        ids += [int(r[0]) for r in recs[1:]]
    assert ids == [r[0] for r in rows]


# atomicity ------------------------------------------------------------------------------------
def test_same_day_export_replaces_its_files_keeps_the_others_and_keep_prunes(archive, tmp_path):
    from archive.db import open_readonly
    from archive.export import export as do_export

    out = tmp_path / "dumps"
    old_day = datetime.now(UTC) - timedelta(days=3)
    older = do_export(open_readonly(archive), out, tables=["crawl_runs"], when=old_day)
    assert older.dir.name == old_day.strftime("%Y-%m-%d")
    export(archive, "--out", out, "--table", "documents", "--table", "captures")
    first = json.loads((out / utc_day() / "manifest.json").read_text())
    inode = (out / utc_day() / "captures.csv.gz").stat().st_ino
    r = export(archive, "--out", out, "--table", "documents", "--format", "excel", "--keep", "1")
    assert "kept from the day's earlier dump" in r.stdout and "removed 1 older dumps" in r.stdout
    day = out / utc_day()
    manifest = json.loads((day / "manifest.json").read_text())
    names = {f["name"] for f in manifest["files"]}
    assert names == {f["name"] for f in first["files"]} | {
        "documents.excel.csv",
        "documents-canonical.excel.csv",
    }
    assert {p.name for p in day.iterdir()} == names | {"manifest.json"}
    assert (day / "captures.csv.gz").stat().st_ino == inode  # kept as a hard link, not rewritten
    for f in manifest["files"]:
        assert hashlib.sha256((day / f["name"]).read_bytes()).hexdigest() == f["sha256"]
    assert not older.dir.exists() and sorted(p.name for p in out.iterdir()) == [
        utc_day(),
        "latest",
        "latest.json",
    ]


@pytest.fixture(scope="module")
def big_archive(archive, tmp_path_factory):
    """The archive with ~70 MB more text: an export that takes long enough to be killed midway and
    that would show in the memory of a process holding a table."""
    db = tmp_path_factory.mktemp("big") / "archive.db"
    shutil.copy(archive, db)
    con = sqlite3.connect(db)
    text = long_text()
    con.executemany(
        "INSERT INTO documents (url, source, year, title, text) VALUES (?, 'demo-gov', 2024, ?, ?)",
        [(f"https://example.org/big/{i}", f"报告 {i}", f"{i}\n{text}") for i in range(250)],
    )
    con.commit()
    con.close()
    return db


def test_killed_export_leaves_no_visible_dump_and_the_next_cleans_up(big_archive, tmp_path):
    out = tmp_path / "dumps"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive.cli",
            "export",
            "--db",
            str(big_archive),
            "--out",
            str(out),
            "--format",
            "csv",
            "--format",
            "jsonl",
            "--format",
            "excel",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    while not (out.exists() and any(p.name.startswith(".export-") for p in out.iterdir())):
        assert proc.poll() is None and time.time() < deadline, "the export ended before it could be killed"
        time.sleep(0.005)
    time.sleep(0.3)  # well into the documents table
    assert proc.poll() is None, "the export ended before it could be killed"
    assert not (out / utc_day()).exists()  # nothing visible while it writes
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == []  # no dump, no latest
    assert [p.name for p in out.iterdir() if p.name.startswith(".export-")]  # only its hidden folder
    export(big_archive, "--out", out, "--table", "crawl_runs")
    assert leftovers(out) == [] and sorted(p.name for p in out.iterdir()) == [
        utc_day(),
        "latest",
        "latest.json",
    ]


def test_export_streams_rows_in_flat_memory(big_archive, archive, tmp_path):
    """Peak memory of a full export of ~70 MB more text stays within 40 MB of the small archive's."""

    def peak_mb(db, out) -> float:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "archive.cli",
                "export",
                "--db",
                str(db),
                "--out",
                str(out),
                "--format",
                "csv",
                "--format",
                "jsonl",
                "--format",
                "excel",
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        assert proc.returncode == 0, proc.stderr.read()
        return usage.ru_maxrss / 1024

    text_mb = q(big_archive, "SELECT SUM(length(CAST(text AS BLOB))) FROM documents")[0][0] / 1e6
    small, big = peak_mb(archive, tmp_path / "s"), peak_mb(big_archive, tmp_path / "b")
    assert text_mb > 60
    assert big - small < 40, (small, big, text_mb)
