"""/-/downloads: the dumps of ``archive export`` published by ``archive serve`` (test client over a
real crawled archive and a real export)."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import shutil

from conftest import run_archive


def test_downloads_page_lists_and_serves_the_latest_dump(crawled, tmp_path):
    from archive.publish import make_datasette

    db = tmp_path / "archive.db"
    shutil.copy(crawled["db"], db)
    r = run_archive("export", "--db", db)
    assert r.returncode == 0, r.stderr
    latest = json.loads((tmp_path / "exports" / "latest.json").read_text(encoding="utf-8"))
    ds = make_datasette(str(db))

    async def go():
        page = await ds.client.get("/-/downloads")
        assert page.status_code == 200
        for f in latest["files"]:
            assert f"/-/downloads/{latest['date']}/{f['name']}" in page.text
        home = await ds.client.get("/")
        assert "/-/downloads" in home.text
        canonical = next(f for f in latest["files"] if f["name"] == "documents-canonical.csv.gz")
        got = await ds.client.get(f"/-/downloads/{latest['date']}/{canonical['name']}")
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/gzip"
        assert got.headers["content-disposition"].startswith("attachment")
        assert hashlib.sha256(got.content).hexdigest() == canonical["sha256"]
        rows = gzip.decompress(got.content).decode("utf-8").count("\n")
        assert rows > canonical["rows"]  # a header and a line per row at least
        for bad in ("secret.txt", "..%2Farchive.db", "manifest.json.bak", "..%2F..%2Farchive.db"):
            answer = await ds.client.get(f"/-/downloads/{latest['date']}/{bad}", follow_redirects=True)
            assert answer.status_code == 404 and b"SQLite format" not in answer.content, bad
        (tmp_path / "exports" / latest["date"] / "secret.txt").write_text("not listed")
        assert (await ds.client.get(f"/-/downloads/{latest['date']}/secret.txt")).status_code == 404
        assert (await ds.client.get("/-/downloads/1999-01-01/documents.csv.gz")).status_code == 404

    asyncio.run(go())


def test_downloads_page_without_a_dump_says_how_to_make_one(crawled, tmp_path):
    from archive.publish import make_datasette

    db = tmp_path / "archive.db"
    shutil.copy(crawled["db"], db)
    ds = make_datasette(str(db))

    async def go():
        page = await ds.client.get("/-/downloads")
        assert page.status_code == 200 and "archive export" in page.text

    asyncio.run(go())
