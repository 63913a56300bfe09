"""``archive status`` and the ``crawl_health`` view at 3,000 sources: counted by status, worst first,
a limited list; the view's migration (4) and the index that finds each source's latest run."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3

from conftest import q, run_archive

from archive import db as archive_db

CHECK_NAMES = ("reports_found", "error_rate", "finished", "trap_limits", "report_count", "jurisdiction_found")


def synthetic_archive(
    path, sources: int = 3000, runs: int = 30, failed: int = 15, warn: int = 45, never_crawled: int = 5
) -> dict:
    """A real archive (``open_db``) with ``sources`` × ``runs`` crawl_run_sources rows, quickly
    (executemany). At their latest run the first ``failed`` sources failed and the next ``warn``
    warned; every 100th source missed the last run (its latest is the one before). A few more
    sources are recorded but were never crawled. Returns what the latest runs should show."""
    rnd = random.Random(42)
    db = archive_db.open_db(path)
    db.conn.executemany(
        "INSERT INTO crawl_runs (id, started_at, ended_at, status, exit_code, sources, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r,
                f"2024-01-{1 + r % 28:02d}T03:17:00+00:00",
                f"2024-01-{1 + r % 28:02d}T05:17:00+00:00",
                "failed",
                1,
                "[]",
                f"crawl run {r} failed: {sources} sources; "
                + "; ".join(f"src{i:04d}: 1 report pages, 8 in the previous run" for i in range(failed)),
            )
            for r in range(1, runs + 1)
        ],
    )
    keys = [f"src{i:04d}" for i in range(sources)]
    latest: dict[str, dict] = {}

    def row(run: int, i: int, key: str, status: str, rate: float) -> tuple:
        checks = [
            {"check": name, "status": "ok", "detail": f"{name}: all well, nothing to report here"}
            for name in CHECK_NAMES
        ]
        if status != "ok":
            checks[1 if status == "failed" else 3] = {
                "check": "error_rate" if status == "failed" else "trap_limits",
                "status": "fail" if status == "failed" else "warn",
                "detail": f"{key} went wrong in run {run}",
            }
        return (run, key, status, 40, 20, 1, 0, 0, 19, 0, 0, 0, rate, 0.95, 0.98, json.dumps(checks))

    rows = []
    for i, key in enumerate(keys):
        last = runs - 1 if i % 100 == 50 else runs
        for run in range(1, last + 1):
            if run == last:
                status = "failed" if i < failed else "warn" if i < failed + warn else "ok"
                rate = round(rnd.random() * (0.9 if status == "failed" else 0.1), 4)
                latest[key] = {"run_id": run, "status": status, "error_rate": rate}
            else:
                status, rate = rnd.choice(("ok", "ok", "ok", "warn", "failed")), round(rnd.random() * 0.2, 4)
            rows.append(row(run, i, key, status, rate))
    db.conn.executemany(
        "INSERT INTO crawl_run_sources (run_id, source, status, pages, reports, new, changed, updated, unchanged,"
        " not_modified, gone, errors, error_rate, jurisdiction_found, year_found, checks)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    never = [f"zz-new{i}" for i in range(never_crawled)]
    db.conn.executemany(
        "INSERT INTO sources (key, name, digest, toml) VALUES (?, ?, 'd', '')", [(k, k) for k in keys + never]
    )
    db.conn.commit()
    db.close()
    rank = {"failed": 0, "warn": 1, "ok": 3}
    order = sorted(latest, key=lambda k: (rank[latest[k]["status"]], -latest[k]["error_rate"], k))
    return {"latest": latest, "worst_first": order, "never_crawled": never}


def test_status_at_3000_sources_counts_then_the_worst_first(tmp_path):
    path = tmp_path / "national.db"
    expected = synthetic_archive(path)
    r = run_archive("status", "--db", path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    # the counts and the last runs come first, as before (summaries cut: they name every failing source)
    assert lines[1].startswith("  captures   0") and lines[2].startswith("  documents  0")
    runs_at = lines.index("  last crawl runs")
    assert lines[runs_at + 1].startswith("    #30 ") and "chars: --all or --json)" in lines[runs_at + 1]
    assert len(lines[runs_at + 1]) < 450
    health_at = lines.index("  sources at their last run (crawl_health), worst first")
    assert health_at > runs_at
    assert (
        lines[health_at + 1]
        == "    3,000 sources: 2,940 ok, 45 warn, 15 failed; 5 recorded but never crawled"
    )
    listed = [line.split()[0] for line in lines[health_at + 2 :] if line.startswith("    src")]
    assert listed == expected["worst_first"][:20]  # the 15 failed (highest error rate first), then 5 warn
    assert [expected["latest"][k]["status"] for k in listed] == ["failed"] * 15 + ["warn"] * 5
    assert f"    {listed[0]:<20} run #30 failed " in r.stdout
    assert f"      fail: error_rate: {listed[0]} went wrong in run 30" in r.stdout
    assert lines[-1] == (
        "    … 2,980 more sources (40 warn, 2,940 ok): the crawl_health view in Datasette"
        " (archive serve), archive status --all, or --json"
    )
    # a source that missed the last run shows its latest one
    assert expected["latest"]["src0050"]["run_id"] == 29

    r = run_archive("status", "--db", path, "--sources-shown", "3")
    listed = [line.split()[0] for line in r.stdout.splitlines() if line.startswith("    src")]
    assert listed == expected["worst_first"][:3]
    assert "    … 2,997 more sources (12 failed, 45 warn, 2,940 ok): " in r.stdout

    r = run_archive("status", "--db", path, "--all")
    listed = [line.split()[0] for line in r.stdout.splitlines() if line.startswith("    src")]
    assert listed == expected["worst_first"] and "more sources" not in r.stdout
    assert "    never crawled: zz-new0, zz-new1, zz-new2, zz-new3, zz-new4" in r.stdout

    info = json.loads(run_archive("status", "--db", path, "--json").stdout)
    assert [h["source"] for h in info["health"]] == expected["worst_first"]  # every source, worst first
    assert info["health_counts"] == {"ok": 2940, "warn": 45, "failed": 15}
    assert info["never_crawled"] == expected["never_crawled"]
    assert info["runs"][0]["summary"].count("src") == 15  # whole in --json


def test_a_small_archive_lists_every_source(tmp_path):
    path = tmp_path / "small.db"
    expected = synthetic_archive(path, sources=3, runs=2, failed=1, warn=0, never_crawled=0)
    r = run_archive("status", "--db", path)
    assert "    3 sources: 2 ok, 0 warn, 1 failed" in r.stdout
    listed = [line.split()[0] for line in r.stdout.splitlines() if line.startswith("    src")]
    assert listed == expected["worst_first"] and listed[0] == "src0000" and len(listed) == 3
    assert "more sources" not in r.stdout and "chars: --all" not in r.stdout


def test_crawl_health_view_worst_first_served_by_the_index(tmp_path):
    path = tmp_path / "a.db"
    expected = synthetic_archive(path, sources=300, runs=4, failed=3, warn=6)
    rows = q(path, "SELECT source, run_id, status FROM crawl_health")
    assert [s for s, _, _ in rows] == expected["worst_first"]
    assert all(run == expected["latest"][s]["run_id"] for s, run, _ in rows)
    plan = " ".join(r[3] for r in q(path, "EXPLAIN QUERY PLAN SELECT * FROM crawl_health"))
    assert "COVERING INDEX idx_crawl_run_sources_source_run_id" in plan, plan
    assert "PRIMARY KEY" in plan or "sqlite_autoindex_crawl_run_sources" in plan, plan


def test_an_archive_at_version_3_gets_the_new_view_and_index(tmp_path):
    path = tmp_path / "v3.db"
    db = archive_db.open_db(path, migrate_schema=False)
    for step in archive_db.MIGRATIONS[:3]:  # the archive as the code of migration 3 left it
        step(db)
    db.execute("PRAGMA user_version = 3")
    db.conn.executemany(
        "INSERT INTO crawl_runs (id, started_at, status) VALUES (?, '2024-01-01', 'ok')", [(1,), (2,)]
    )
    db.conn.executemany(
        "INSERT INTO crawl_run_sources (run_id, source, status, error_rate) VALUES (?, ?, ?, ?)",
        [
            (1, "a", "failed", 0.5),
            (2, "a", "ok", 0.0),
            (2, "b", "ok", 0.1),
            (2, "c", "warn", 0.0),
            (1, "d", "failed", 0.2),
            (2, "e", "failed", 0.3),
        ],
    )
    db.conn.commit()
    assert "ORDER BY" not in q(path, "SELECT sql FROM sqlite_master WHERE name = 'crawl_health'")[0][0]
    assert archive_db.migrate(db) == [4]
    db.close()
    assert q(path, "PRAGMA user_version") == [(archive_db.SCHEMA_VERSION,)]
    assert q(path, "SELECT source, run_id, status FROM crawl_health") == [
        ("e", 2, "failed"),
        ("d", 1, "failed"),
        ("c", 2, "warn"),
        ("b", 2, "ok"),
        ("a", 2, "ok"),
    ]
    assert q(path, "SELECT name FROM sqlite_master WHERE name = 'idx_crawl_run_sources_source_run_id'")
    con = sqlite3.connect(path)
    assert con.execute("SELECT * FROM crawl_health").description is not None
    con.close()


def test_datasette_first_page_of_crawl_health_shows_the_problems_and_the_status_facet(tmp_path):
    from archive.publish import make_datasette

    path = tmp_path / "a.db"
    expected = synthetic_archive(path, sources=300, runs=3, failed=4, warn=10)
    ds = make_datasette(str(path))
    data = asyncio.run(ds.client.get("/archive/crawl_health.json?_shape=objects&_size=20")).json()
    assert [r["source"] for r in data["rows"]] == expected["worst_first"][:20]
    assert [r["status"] for r in data["rows"][:5]] == ["failed"] * 4 + ["warn"]
    facet = {v["value"]: v["count"] for v in data["facet_results"]["status"]["results"]}
    assert facet == {"ok": 286, "warn": 10, "failed": 4}
    html = asyncio.run(ds.client.get("/archive/crawl_health")).text
    assert "Worst first" in html
