"""``archive status``: what is in the archive and how the last crawls went."""

from __future__ import annotations


def status(db, runs: int = 5) -> dict:
    q = lambda sql, *a: db.execute(sql, a).fetchone()[0]  # noqa: E731
    out = {
        "captures": q("SELECT COUNT(*) FROM captures"),
        "failed_captures": q("SELECT COUNT(*) FROM captures WHERE error IS NOT NULL OR status NOT BETWEEN 200 AND 299"),
        "documents": q("SELECT COUNT(*) FROM documents"),
        "canonical_documents": q("SELECT COUNT(*) FROM documents WHERE duplicate_kind IS NULL"),
        "duplicates": dict(db.execute(
            "SELECT duplicate_kind, COUNT(*) FROM documents WHERE duplicate_kind IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).fetchall()),
        "by_source": dict(db.execute("SELECT source, COUNT(*) FROM documents GROUP BY 1 ORDER BY 1").fetchall()),
        "by_year": dict(db.execute(
            "SELECT year, COUNT(*) FROM documents WHERE year IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()),
        "runs": [
            dict(zip(("id", "started_at", "ended_at", "status", "exit_code", "summary"), r, strict=True))
            for r in db.execute(
                "SELECT id, started_at, ended_at, status, exit_code, summary FROM crawl_runs ORDER BY id DESC LIMIT ?",
                [runs],
            ).fetchall()
        ],
    }
    return out
