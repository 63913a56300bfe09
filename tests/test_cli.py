"""The CLI around the crawl: export, status, sources check, demo, scrapy from the repo root, docs."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest
from conftest import REPO, free_port, run_archive

pytestmark = pytest.mark.slow  # the demo, scrapy list and scrapy crawl as processes

COMMANDS = [
    "demo",
    "crawl",
    "serve",
    "clean",
    "import",
    "reprocess",
    "export",
    "status",
    "dedupe",
    "sources list",
    "sources check",
]


def test_export_writes_csv_and_jsonl(crawled, tmp_path):
    out = tmp_path / "dump"
    r = run_archive(
        "export", "--db", crawled["db"], "--out", out, "--format", "csv", "--format", "jsonl", "--no-gzip"
    )
    assert r.returncode == 0, r.stderr
    out = out / "latest"  # dated dumps: <out>/YYYY-MM-DD/, <out>/latest points at the newest
    con = sqlite3.connect(crawled["db"])
    n_docs = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    with open(out / "documents.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n_docs
    assert {"id", "url", "title", "text", "city", "year", "canonical_id", "duplicate_kind"} <= set(rows[0])
    jl = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["id"] for d in jl] == [int(r["id"]) for r in rows]
    caps = list(csv.DictReader(open(out / "captures.csv", encoding="utf-8", newline="")))
    assert "body" not in caps[0] and len(caps) == con.execute("SELECT COUNT(*) FROM captures").fetchone()[0]
    r = run_archive("export", "--db", crawled["db"], "--out", out, "--table", "nope")
    assert r.returncode == 2


def test_status_shows_counts_and_runs(crawled):
    r = run_archive("status", "--db", crawled["db"], "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    con = sqlite3.connect(crawled["db"])
    assert info["documents"] == con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert info["runs"][0]["status"] == "ok"
    r = run_archive("status", "--db", crawled["db"])
    assert "documents" in r.stdout and "demo-gov" in r.stdout
    assert run_archive("status", "--db", "/nonexistent/x.db").returncode == 2


def test_dedupe_recomputes_exact_groups(crawled, tmp_path):
    import shutil

    db = tmp_path / "d.db"
    shutil.copy(crawled["db"], db)
    con = sqlite3.connect(db)
    before = con.execute("SELECT id, canonical_id, duplicate_kind FROM documents ORDER BY id").fetchall()
    con.execute("UPDATE documents SET canonical_id = id, duplicate_kind = NULL")
    con.commit()
    r = run_archive(
        "dedupe", "--db", db, "--sources", crawled["sources"]
    )  # official sources: as the crawl had
    assert r.returncode == 0, r.stderr
    assert (
        con.execute("SELECT id, canonical_id, duplicate_kind FROM documents ORDER BY id").fetchall() == before
    )


def test_sources_check_shows_what_would_be_followed_and_archived(demo_site, manifest):
    r = run_archive("sources", "check", "demo-gov", "--sources", demo_site["sources"])
    assert r.returncode == 0, r.stderr
    archive_block = r.stdout.split("  archive (")[1].split("  follow (")[0]
    follow_block = r.stdout.split("  follow (")[1].split("  ignore (")[0]
    gov_reports = [m["path"] for m in manifest if m["site"] == "gov"]
    assert any(demo_site["base_url"] + p in archive_block for p in gov_reports)
    assert "index_1.html" in follow_block
    assert run_archive("sources", "check", "nope", "--sources", demo_site["sources"]).returncode == 2


def test_demo_no_serve_builds_the_archive(tmp_path):
    db = tmp_path / "x.db"
    r = run_archive("demo", "--no-serve", "--db", db, "--port", free_port())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "crawl run 1 ok" in r.stdout
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM documents").fetchone()[0] >= 40


def test_scrapy_list_and_crawl_from_repo_root(demo_site, tmp_path):
    env = {**os.environ, "ARCHIVE_SOURCES": demo_site["sources"], "ARCHIVE_DB": str(tmp_path / "s.db")}
    scrapy = [sys.executable, "-m", "scrapy.cmdline"]
    r = subprocess.run([*scrapy, "list"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert r.stdout.split() == ["demo-agg", "demo-blog", "demo-gov", "demo-news"], r.stderr[-1500:]
    r = subprocess.run(
        [*scrapy, "crawl", "demo-blog", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    con = sqlite3.connect(tmp_path / "s.db")
    assert con.execute("SELECT COUNT(*) FROM documents WHERE source = 'demo-blog'").fetchone()[0] > 0


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command):
    r = run_archive(*command.split(), "--help")
    assert r.returncode == 0 and "Example" in r.stdout, r.stdout
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"archive {command}\b", readme), f"'archive {command}' is not in the README"
