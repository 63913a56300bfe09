"""``archive status``: what is in the archive and how the last crawls went.

``status(db)`` gathers it (``archive status --json`` prints that dict); ``render(info, …)`` is the
text the command prints, readable at 3,000 sources: the counts, the last runs, the sources at their
latest run counted by status, then the worst of them (failed, warn; by error rate) up to a limit.
"""

from __future__ import annotations

import json

# the order of ``crawl_health`` (archive.db, migration 4): failed, warn, any other status (it needs a
# look), ok; then the highest error rate; then the key (one row per source: a total order)
WORST_FIRST = (
    "CASE s.status WHEN 'failed' THEN 0 WHEN 'warn' THEN 1 WHEN 'ok' THEN 3 ELSE 2 END,"
    " s.error_rate DESC, s.source"
)
STATUSES = ("ok", "warn", "failed")  # the counts line names these three, then any other status
SOURCES_SHOWN = 20
SUMMARY_CHARS = 300  # a run's summary names every failing source: cut in the text, whole in --json


def status(db, runs: int = 5) -> dict:
    q = lambda sql, *a: db.execute(sql, a).fetchone()[0]  # noqa: E731
    health = _health(db)
    out = {
        "captures": q("SELECT COUNT(*) FROM captures"),
        "failed_captures": q(
            "SELECT COUNT(*) FROM captures WHERE error IS NOT NULL OR status NOT BETWEEN 200 AND 299"
        ),
        "documents": q("SELECT COUNT(*) FROM documents"),
        "canonical_documents": q("SELECT COUNT(*) FROM documents WHERE duplicate_kind IS NULL"),
        "duplicates": dict(
            db.execute(
                "SELECT duplicate_kind, COUNT(*) FROM documents WHERE duplicate_kind IS NOT NULL GROUP BY 1 ORDER BY 1"
            ).fetchall()
        ),
        "by_source": dict(
            db.execute("SELECT source, COUNT(*) FROM documents GROUP BY 1 ORDER BY 1").fetchall()
        ),
        "by_year": dict(
            db.execute(
                "SELECT year, COUNT(*) FROM documents WHERE year IS NOT NULL GROUP BY 1 ORDER BY 1"
            ).fetchall()
        ),
        "gone_documents": q("SELECT COUNT(*) FROM documents WHERE gone_at IS NOT NULL")
        if _has(db, "documents", "gone_at")
        else 0,
        "earlier_versions": q("SELECT COUNT(*) FROM document_versions")
        if _has(db, "document_versions")
        else 0,
        # every source at its latest run, worst first (what ``crawl_health`` shows), and how many per status
        "health": health,
        "health_counts": health_counts(health),
        # sources the archive recorded (configured, imported) that no crawl run has a row for
        "never_crawled": _never_crawled(db),
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
    """Each source's latest run, worst first: counts and the monitoring checks (what ``crawl_health`` shows).

    The latest run of each source is a GROUP BY over the index crawl_run_sources(source, run_id)
    (migration 4; a scan of the index, not of the rows), then one primary-key lookup per source."""
    if not _has(db, "crawl_run_sources"):
        return []
    rows = db.execute(
        "SELECT s.source, s.run_id, s.status, s.reports, s.new, s.changed, s.unchanged, s.gone, s.errors,"
        " s.error_rate, s.jurisdiction_found, s.year_found, s.checks"
        " FROM (SELECT source, MAX(run_id) AS run_id FROM crawl_run_sources GROUP BY source) latest"
        " JOIN crawl_run_sources s ON s.run_id = latest.run_id AND s.source = latest.source"
        f" ORDER BY {WORST_FIRST}"
    ).fetchall()
    cols = (
        "source",
        "run_id",
        "status",
        "reports",
        "new",
        "changed",
        "unchanged",
        "gone",
        "errors",
        "error_rate",
        "jurisdiction_found",
        "year_found",
        "checks",
    )
    out = []
    for r in rows:
        d = dict(zip(cols, r, strict=True))
        d["checks"] = json.loads(d["checks"] or "[]")
        out.append(d)
    return out


def health_counts(health: list[dict]) -> dict[str, int]:
    """Sources per status at their latest run: ok, warn, failed (always), then any other status."""
    counts = dict.fromkeys(STATUSES, 0)
    for h in health:
        key = h["status"] or "none"
        counts[key] = counts.get(key, 0) + 1
    return counts


def _never_crawled(db) -> list[str]:
    if not (_has(db, "sources") and _has(db, "crawl_run_sources")):
        return []
    return [
        k
        for (k,) in db.execute(
            "SELECT key FROM sources WHERE NOT EXISTS (SELECT 1 FROM crawl_run_sources s WHERE s.source = sources.key)"
            " ORDER BY key"
        )
    ]


def counts_line(counts: dict[str, int]) -> str:
    """``3,000 sources: 2,940 ok, 45 warn, 15 failed``"""
    total = sum(counts.values())
    return f"{total:,} source{'s' if total != 1 else ''}: " + ", ".join(
        f"{n:,} {k}" for k, n in counts.items()
    )


def render(info: dict, db_path, shown: int | None = SOURCES_SHOWN) -> list[str]:
    """The lines ``archive status`` prints. ``shown``: how many sources to list (None: every one)."""
    lines = [
        f"archive {db_path}",
        f"  captures   {info['captures']} ({info['failed_captures']} failed fetches)",
    ]
    dup = ", ".join(f"{k} {v}" for k, v in info["duplicates"].items()) or "none"
    lines.append(
        f"  documents  {info['documents']} ({info['canonical_documents']} canonical; duplicates: {dup})"
    )
    by_source = list(info["by_source"].items())
    if (
        shown is not None and len(by_source) > shown
    ):  # the sources with most documents, then a count of the rest
        by_source = sorted(by_source, key=lambda kv: (-kv[1], kv[0]))[:shown]
    for src, n in by_source:
        lines.append(f"    {src:<20} {n}")
    if len(by_source) < len(info["by_source"]):
        rest = len(info["by_source"]) - len(by_source)
        lines.append(f"    … {rest:,} more sources with documents (archive status --all, or --json)")
    if info["gone_documents"] or info["earlier_versions"]:
        lines.append(
            f"  history    {info['earlier_versions']} earlier versions kept, {info['gone_documents']} pages gone"
        )
    lines.append("  last crawl runs")
    for r in info["runs"]:
        summary = r["summary"] or ""
        if shown is not None and len(summary) > SUMMARY_CHARS:
            summary = (
                summary[:SUMMARY_CHARS] + f"… (+{len(summary) - SUMMARY_CHARS:,} chars: --all or --json)"
            )
        lines.append(f"    #{r['id']} {r['started_at']} {r['status']} exit={r['exit_code']}  {summary}")
    health = info["health"]
    if health or info["never_crawled"]:
        never = info["never_crawled"]
        lines.append("  sources at their last run (crawl_health), worst first")
        lines.append(
            f"    {counts_line(info['health_counts'])}"
            + (f"; {len(never):,} recorded but never crawled" if never else "")
        )
        listed = health if shown is None else health[:shown]
        for h in listed:
            lines.extend(_source_lines(h))
        if len(listed) < len(health):
            hidden: dict[str, int] = {}  # worst first, as listed
            for h in health[len(listed) :]:
                hidden[h["status"] or "none"] = hidden.get(h["status"] or "none", 0) + 1
            rest = ", ".join(f"{n:,} {k}" for k, n in hidden.items())
            lines.append(
                f"    … {len(health) - len(listed):,} more sources ({rest}): the crawl_health view in"
                " Datasette (archive serve), archive status --all, or --json"
            )
        if never and shown is None:
            lines.append(f"    never crawled: {', '.join(never)}")
    return lines


def _source_lines(h: dict) -> list[str]:
    pct = lambda v: "-" if v is None else f"{v:.0%}"  # noqa: E731
    out = [
        f"    {h['source']:<20} run #{h['run_id']} {h['status'] or '-':<6} {h['reports']} reports: {h['new']} new,"
        f" {h['changed']} changed, {h['unchanged']} unchanged, {h['gone']} gone; {h['errors']} errors"
        f" ({pct(h['error_rate'])}); jurisdiction {pct(h['jurisdiction_found'])}, year {pct(h['year_found'])}"
    ]
    for c in h["checks"]:
        if c["status"] != "ok":
            out.append(f"      {c['status']}: {c['check']}: {c['detail']}")
    return out
