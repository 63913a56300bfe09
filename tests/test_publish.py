"""Datasette over the crawled archive: its test client, a real served port, CSV, a real browser."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import urllib.request

import pytest
from conftest import served

pytestmark = pytest.mark.slow  # real served ports and the browser


@pytest.fixture(scope="module")
def ds(crawled):
    from archive.publish import make_datasette

    return make_datasette(str(crawled["db"]))


def doc_count(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    finally:
        con.close()


def test_datasette_serves_archive_with_metadata(ds, crawled):
    import asyncio

    async def go():
        r = await ds.client.get("/-/databases.json")
        assert [d["name"] for d in r.json()] == ["archive"]
        r = await ds.client.get("/archive/documents.json?_shape=array&_size=max")
        assert r.status_code == 200
        assert len(r.json()) == doc_count(crawled["db"])
        r = await ds.client.get("/archive/documents.json?_facet=source&_facet=city&_facet=year")
        facets = r.json()["facet_results"]
        assert {"source", "city", "year"} <= set(facets)
        r = await ds.client.get("/-/metadata.json")
        meta = r.json()
        assert "政府工作报告" in meta["title"] or "工作报告" in meta["description_html"]
        assert meta["databases"]["archive"]["tables"]["reports"]["facets"][:2] == ["province", "city"]
        r = await ds.client.get("/static-archive/archive.css")
        assert r.status_code == 200 and "column-descriptions" in r.text
        r = await ds.client.get("/archive/documents.csv?_stream=on&_size=max")
        assert r.status_code == 200
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) == doc_count(crawled["db"])
        assert any("政府工作报告" in (row["title"] or "") or "政府工作报告" in row["text"] for row in rows)

    asyncio.run(go())


def test_archive_serve_on_a_real_port(crawled):
    with served(crawled["db"]) as base:
        with urllib.request.urlopen(f"{base}/archive/documents.csv?_stream=on&_size=max", timeout=30) as resp:
            body = resp.read().decode("utf-8")
        assert len(list(csv.DictReader(io.StringIO(body)))) == doc_count(crawled["db"])
        with urllib.request.urlopen(f"{base}/archive/documents.json?_shape=objects") as resp:
            assert resp.status == 200 and json.load(resp)["rows"]


def test_serve_without_archive_is_a_usage_error(tmp_path):
    from conftest import run_archive

    r = run_archive("serve", "--db", tmp_path / "nothing.db")
    assert r.returncode == 2 and "no archive" in r.stderr


def _chromium():
    import shutil

    return shutil.which("chromium") or (shutil.which("/usr/bin/chromium"))


@pytest.mark.skipif(
    not _chromium() and not os.environ.get("ARCHIVE_REQUIRE_BROWSER"),
    reason="Debian chromium not installed (scripts/test.sh installs it)",
)
def test_a_person_can_browse_documents_in_chromium(crawled, tmp_path):
    from playwright.sync_api import sync_playwright

    assert _chromium(), "chromium is required here (ARCHIVE_REQUIRE_BROWSER is set)"

    with served(crawled["db"]) as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/archive/documents?_facet=source&_facet=city&_facet=year")
            assert "documents" in page.title()
            assert page.locator(".facet-info").count() >= 3  # the three facets asked for
            body = page.inner_text("body")
            assert "地方政府工作报告档案" in body or "政府工作报告" in body
            assert "demo-gov" in body
            page.screenshot(path=str(tmp_path / "documents.png"), full_page=False)
            # the CSV link a person would click downloads the table
            link = page.locator("a[href*='.csv']").first
            assert ".csv" in link.get_attribute("href")
            browser.close()
