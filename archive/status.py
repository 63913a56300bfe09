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
        "gone_documents": q("SELECT COUNT(*) FROM documents WHERE gone_at IS NOT NULL") if _has(db, "documents", "gone_at")
        else 0,
        "earlier_versions": q("SELECT COUNT(*) FROM document_versions") if _has(db, "document_versions") else 0,
        "health": _health(db),
        "runs": [
            dict(zip(("id", "started_at", "ended_at", "status", "exit_code", "summary"), r, strict=True))
            for r in db.execute(
                "SELECT id, started_at, ended_at, status, exit_code, summary FROM crawl_runs ORDER BY id DESC LIMIT ?",
                [runs],
            ).fetchall()
        ],
    }
    return out


def _has(db, table: str, column: str | None = None) -> bool:
    cols = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
    return bool(cols) and (column is None or column in cols)


def _health(db) -> list[dict]:
    """Each source's latest run: counts and the monitoring checks (what ``crawl_health`` shows)."""
    import json

    if not _has(db, "crawl_run_sources"):
        return []
    rows = db.execute(
        "SELECT s.source, s.run_id, s.status, s.reports, s.new, s.changed, s.unchanged, s.gone, s.errors,"
        " s.error_rate, s.jurisdiction_found, s.year_found, s.checks FROM crawl_run_sources s"
        " WHERE s.run_id = (SELECT MAX(run_id) FROM crawl_run_sources s2 WHERE s2.source = s.source)"
        " ORDER BY s.source").fetchall()
    cols = ("source", "run_id", "status", "reports", "new", "changed", "unchanged", "gone", "errors", "error_rate",
            "jurisdiction_found", "year_found", "checks")
    out = []
    for r in rows:
        d = dict(zip(cols, r, strict=True))
        d["checks"] = json.loads(d["checks"] or "[]")
        out.append(d)
    return out
