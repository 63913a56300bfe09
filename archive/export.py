"""``archive export``: CSV / JSONL dumps of the archive's tables."""

from __future__ import annotations

import csv
import json
from pathlib import Path

# What each table's dump holds: raw bodies stay in the database (use Datasette or SQL for them).
EXPORTS = {
    "documents": "SELECT * FROM documents ORDER BY id",
    "captures": "SELECT id, url, requested_url, fetched_at, status, content_type, encoding, sha256, size,"
                " source, crawl_run_id, error FROM captures ORDER BY id",
    "document_captures": "SELECT * FROM document_captures ORDER BY document_id, page",
    "crawl_runs": "SELECT * FROM crawl_runs ORDER BY id",
}
FORMATS = ("csv", "jsonl")


def export(db, out_dir: str | Path, *, tables: list[str] | None = None, formats=("csv",),
           excel: bool = False) -> list[tuple[Path, int]]:
    """Write one file per table and format into ``out_dir``. Returns [(path, rows)]."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables or list(EXPORTS):
        if table not in EXPORTS:
            raise ValueError(f"unknown table {table!r} (choose from {', '.join(EXPORTS)})")
        for fmt in formats:
            if fmt not in FORMATS:
                raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
            path = out / f"{table}.{fmt}"
            tmp = path.with_suffix(path.suffix + ".tmp")
            cursor = db.execute(EXPORTS[table])
            cols = [d[0] for d in cursor.description]
            n = 0
            if fmt == "csv":
                with open(tmp, "w", encoding="utf-8-sig" if excel else "utf-8", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(cols)
                    for row in cursor:
                        w.writerow(row)
                        n += 1
            else:
                with open(tmp, "w", encoding="utf-8") as f:
                    for row in cursor:
                        f.write(json.dumps(dict(zip(cols, row, strict=True)), ensure_ascii=False) + "\n")
                        n += 1
            tmp.replace(path)
            written.append((path, n))
    return written
