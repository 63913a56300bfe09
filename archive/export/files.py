"""One file of a dump, written from a query as it streams: UTF-8 text (gzipped or not) over a sink
that counts and hashes the bytes, and the file's entry in the manifest (``DumpFile``)."""

from __future__ import annotations

import contextlib
import csv
import gzip as gzip_module
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path


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


def dump_name(table: str, fmt: str, *, canonical: bool, gzip: bool, part: int = 1) -> str:
    base = table + ("-canonical" if canonical else "")
    if fmt == "excel":
        return f"{base}.excel{'' if part == 1 else f'-{part}'}.csv"
    return f"{base}.{fmt}" + (".gz" if gzip else "")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
def text_file(path: Path, *, gzip: bool, bom: bool = False):
    """A text file (UTF-8, newlines untranslated) over a hashing sink, gzipped or not; yields (file, sink)."""
    sink = _HashingSink(path)
    buffered = io.BufferedWriter(sink, buffer_size=1 << 20)
    # mtime=0 and no file name in the gzip header: the same rows give the same bytes and sha256
    binary = (
        gzip_module.GzipFile(filename="", mode="wb", fileobj=buffered, compresslevel=6, mtime=0)
        if gzip
        else buffered
    )
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
    with text_file(folder / name, gzip=gzip) as (f, sink):
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
    return DumpFile(
        name=name,
        gzip=gzip,
        rows=rows,
        bytes=sink.bytes,
        sha256=sink.sha256.hexdigest(),
        columns=list(cols),
        **meta,
    )
