"""Publishing with Datasette: metadata, navigation, the reports view, canned queries, downloads and
``archive serve --public`` — Datasette's own test client and real served ports over a real crawl."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import json
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest
from conftest import q, served

XSS = "<script>alert(1)</script><b>x</b>"
USER_TABLES = [
    "documents",
    "reports",
    "captures",
    "document_captures",
    "crawl_runs",
    "crawl_run_sources",
    "crawl_health",
    "document_versions",
    "boilerplate",
]
HIDDEN = {
    "dedupe_sketches",
    "dedupe_index",
    "dedupe_meta",
    "search_meta",
    "search_indexed",
    "documents_fts",
    "documents_fts_data",
    "documents_fts_idx",
    "documents_fts_docsize",
    "documents_fts_config",
}
DOC_FACETS = ["province", "city", "admin_level", "year", "source", "doc_type", "duplicate_kind"]
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def run(coro):
    return asyncio.run(coro)


def get(ds, path):
    return run(ds.client.get(path))


def rows_of(db, sql, *args) -> list[dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, args)]
    finally:
        con.close()


def copy_archive(src, dst):
    """A consistent copy of a (WAL) archive, migrated."""
    from archive.db import open_db

    with contextlib.closing(sqlite3.connect(src)) as a, contextlib.closing(sqlite3.connect(dst)) as b:
        a.backup(b)
    open_db(dst).conn.close()
    return dst


def served_public(db, timeout: float = 30):
    """A real ``archive serve --public`` (on 127.0.0.1: --host still wins) on a free port."""
    return served(db, "--public", "--host", "127.0.0.1", timeout=timeout)


def fetch(url, method="GET"):
    """(status, headers, body text) — HTTP errors included."""
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def ds(crawled):
    from archive.publish import make_datasette

    return make_datasette(str(crawled["db"]))


@pytest.fixture(scope="module")
def public_ds(crawled):
    from archive.publish import make_datasette

    return make_datasette(str(crawled["db"]), public=True)


# metadata and navigation -------------------------------------------------------------------------
def test_every_user_facing_table_and_column_is_described_in_chinese_and_english(ds, crawled):
    meta = get(ds, "/-/metadata.json").json()
    database = meta["databases"]["archive"]
    for text in (meta["title"], database["title"], database["description_html"]):
        assert CJK.search(text) and LATIN.search(text), text
    for name in USER_TABLES:
        table = database["tables"][name]
        description = table.get("description") or table.get("description_html")
        for text in (table["title"], description):
            assert CJK.search(text) and LATIN.search(text), (name, text)
        columns = [r[1] for r in q(crawled["db"], f"PRAGMA table_info({name})")]
        assert columns, name
        missing = [c for c in columns if c not in table.get("columns", {})]
        assert missing == [], (name, missing)
        for col in columns:
            text = table["columns"][col]
            assert CJK.search(text) and LATIN.search(text), (name, col, text)
    documents = database["tables"]["documents"]["columns"]
    assert {"version", "checked_at", "gone_at"} <= set(documents)
    # the descriptions are on the table page, and documents links to the canonical-only view
    page = get(ds, "/archive/documents").text
    assert "失效时间" in page and "1, 2, …" in page
    assert 'href="/archive/reports"' in page


def test_internal_tables_are_hidden_the_rest_listed(ds):
    tables = get(ds, "/archive.json").json()["tables"]
    hidden = {t["name"] for t in tables if t["hidden"]}
    shown = {t["name"] for t in tables if not t["hidden"]}
    assert hidden == HIDDEN
    assert {
        "documents",
        "captures",
        "document_captures",
        "document_versions",
        "crawl_runs",
        "crawl_run_sources",
        "boilerplate",
    } <= shown
    views = {v["name"] for v in get(ds, "/archive.json").json()["views"]}
    assert {"reports", "crawl_health"} <= views
    page = get(ds, "/archive").text
    assert "/archive/dedupe_index" not in page and "/archive/documents_fts_data" not in page
    assert "/archive/documents" in page and "/archive/boilerplate" in page


def test_facets_sort_and_label_columns(ds, crawled):
    # documents (every copy): no default facets (a search over 100k documents stays fast), the
    # description links them all; reports (canonical) shows them by default
    meta = get(ds, "/-/metadata.json").json()["databases"]["archive"]["tables"]["documents"]
    assert meta["facets"] == []
    link = re.search(r'href="(/archive/documents\?_facet=[^"]+)"', meta["description_html"]).group(1)
    assert link.split("?")[1] == "&".join(f"_facet={f}" for f in DOC_FACETS)
    data = get(
        ds, link.replace("/archive/documents?", "/archive/documents.json?_shape=objects&_size=max&")
    ).json()
    assert list(data["facet_results"]) == DOC_FACETS
    assert not data.get("facets_timed_out")
    kinds = Counter(
        r["duplicate_kind"] for r in rows_of(crawled["db"], "SELECT duplicate_kind FROM documents")
    )
    facet = {v["value"]: v["count"] for v in data["facet_results"]["duplicate_kind"]["results"]}
    assert facet == {k: n for k, n in kinds.items() if k is not None} and facet  # the demo has duplicates
    # documents: newest first; reports: by year, latest first (NULL years last)
    ids = [r["id"] for r in data["rows"]]
    assert ids == sorted((r["id"] for r in rows_of(crawled["db"], "SELECT id FROM documents")), reverse=True)
    years = [r["year"] for r in get(ds, "/archive/reports.json?_shape=objects&_size=max").json()["rows"]]
    known = [y for y in years if y is not None]
    assert known == sorted(known, reverse=True) and years[: len(known)] == known and len(set(known)) > 3
    reports = get(ds, "/archive/reports.json").json()
    assert list(reports["facet_results"]) == DOC_FACETS[:-1]
    captures = get(ds, "/archive/captures.json?_shape=objects").json()["rows"]
    assert [c["id"] for c in captures] == sorted((c["id"] for c in captures), reverse=True)
    db = ds.get_database("archive")
    assert run(db.label_column_for_table("documents")) == "title"
    assert run(db.label_column_for_table("captures")) == "url"


# the reports view --------------------------------------------------------------------------------
def test_reports_view_is_canonical_only_and_searchable(ds, crawled):
    canonical = rows_of(crawled["db"], "SELECT id, text FROM documents WHERE duplicate_kind IS NULL")
    every = rows_of(crawled["db"], "SELECT id FROM documents")
    assert len(canonical) < len(every)
    data = get(ds, "/archive/reports.json?_shape=objects&_size=max").json()
    assert data["is_view"]
    assert sorted(r["id"] for r in data["rows"]) == sorted(r["id"] for r in canonical)
    assert "duplicate_kind" not in data["columns"] and {"text", "title", "year", "city", "url"} <= set(
        data["columns"]
    )
    # ?_search= uses the Chinese index: exactly the canonical documents containing 人参
    expected = sorted(r["id"] for r in canonical if "人参" in r["text"])
    assert expected, "the demo archive mentions 人参"
    found = get(
        ds, "/archive/reports.json?_search=" + urllib.parse.quote("人参") + "&_shape=objects&_size=max"
    ).json()
    assert sorted(r["id"] for r in found["rows"]) == expected
    assert found["filtered_table_rows_count"] == len(expected)
    assert len(expected) < len(canonical)
    # facets combine with the search
    years = Counter(r["year"] for r in found["rows"] if r["year"] is not None)
    facet = {v["value"]: v["count"] for v in found["facet_results"]["year"]["results"]}
    assert facet == dict(years)
    # the table page has the search box and shows the matches
    page = get(ds, "/archive/reports?_search=" + urllib.parse.quote("人参"))
    assert page.status_code == 200
    assert re.search(r'<input[^>]*name="_search"', page.text)
    assert f"{len(expected)} row" in page.text


# canned queries ----------------------------------------------------------------------------------
def test_canned_query_city_reports_over_the_years(ds, crawled):
    docs = rows_of(crawled["db"], "SELECT * FROM documents")
    city = Counter(
        d["city"] for d in docs if d["duplicate_kind"] is None and d["doc_type"] == "report" and d["city"]
    ).most_common(1)[0][0]
    expected = {
        d["id"]
        for d in docs
        if d["city"] == city and d["duplicate_kind"] is None and d["doc_type"] == "report"
    }
    assert len(expected) >= 3
    rows = get(ds, "/archive/city_reports.json?_shape=array&city=" + urllib.parse.quote(city)).json()
    assert {r["id"] for r in rows} == expected
    assert [r["year"] for r in rows] == sorted(r["year"] for r in rows)
    assert {"id", "year", "title", "chars", "url"} <= set(rows[0])
    # a province: its own government's reports (no city)
    province = {
        (d["province"], d["id"])
        for d in docs
        if d["province"] and not d["city"] and d["duplicate_kind"] is None and d["doc_type"] == "report"
    }
    for name in {p for p, _ in province}:
        rows = get(ds, "/archive/city_reports.json?_shape=array&city=" + urllib.parse.quote(name)).json()
        assert {r["id"] for r in rows} == {i for p, i in province if p == name}


def test_canned_query_all_copies_of_a_report(ds, crawled):
    docs = rows_of(crawled["db"], "SELECT * FROM documents")
    copies = [d for d in docs if d["duplicate_kind"]]
    assert copies
    for copy in copies:
        group = {d["id"] for d in docs if d["canonical_id"] == copy["canonical_id"]}
        assert len(group) >= 2
        for member in group:  # any member's id gives the whole group, canonical first
            rows = get(ds, f"/archive/copies.json?_shape=array&id={member}").json()
            assert {r["id"] for r in rows} == group
            assert rows[0]["duplicate_kind"] is None and rows[0]["id"] == copy["canonical_id"]
            assert all(r["duplicate_kind"] for r in rows[1:])
            assert {"duplicate_kind", "source", "url", "chars"} <= set(rows[0])


def test_canned_query_reports_per_province_per_year(ds, crawled):
    docs = rows_of(crawled["db"], "SELECT province, year, duplicate_kind, doc_type FROM documents")
    expected = Counter(
        (d["province"], d["year"]) for d in docs if d["duplicate_kind"] is None and d["doc_type"] == "report"
    )
    rows = get(ds, "/archive/reports_per_province_year.json?_shape=array").json()
    assert {(r["province"], r["year"]): r["n"] for r in rows} == dict(expected)
    assert len(rows) == len(expected) and sum(r["n"] for r in rows) < len(docs)


# downloads ---------------------------------------------------------------------------------------
def test_paging_and_csv_streaming_return_every_row_once(crawled):
    """Every table and view, in its default order, paged through JSON ``next_url`` and streamed as
    CSV in pages of 7 rows: each row exactly once (a default sort with ties would break this)."""
    from archive.publish import make_datasette

    small = make_datasette(str(crawled["db"]), settings={"max_returned_rows": 7})
    for name in USER_TABLES:
        expected = Counter(tuple(r) for r in q(crawled["db"], f"SELECT * FROM {name}"))
        assert sum(expected.values()) > 7 or name in (
            "crawl_runs",
            "crawl_run_sources",
            "crawl_health",
            "document_versions",
        ), name
        nocol = "&_nocol=body" if name == "captures" else ""  # the raw bodies are not JSON
        rows, path = [], f"/archive/{name}.json?_size=7{nocol}"
        columns = [r[1] for r in q(crawled["db"], f"PRAGMA table_info({name})") if r[1] != "body"]
        while path:
            data = get(small, path).json()
            assert data["columns"][-len(columns) :] == columns, name
            rows += [tuple(r[-len(columns) :]) for r in data["rows"]]
            nxt = data["next_url"] and urllib.parse.urlsplit(data["next_url"])
            path = nxt and f"{nxt.path}?{nxt.query}"
        keep = [i for i, r in enumerate(q(crawled["db"], f"PRAGMA table_info({name})")) if r[1] != "body"]
        assert Counter(rows) == Counter(tuple(r[i] for i in keep) for r in expected.elements()), name
        body = get(small, f"/archive/{name}.csv?_stream=on&_size=max{nocol}").text
        assert len(list(csv.DictReader(io.StringIO(body)))) == sum(expected.values()), name
    streamed = get(small, "/archive/documents.csv?_stream=on&_size=max").text
    ids = [int(r["id"]) for r in csv.DictReader(io.StringIO(streamed))]
    assert sorted(ids) == sorted(r[0] for r in q(crawled["db"], "SELECT id FROM documents"))


def test_csv_stream_of_the_whole_documents_table_on_a_served_port(crawled):
    with served(crawled["db"]) as base:
        with urllib.request.urlopen(f"{base}/archive/documents.csv?_stream=on&_size=max", timeout=60) as resp:
            body = resp.read().decode("utf-8")
        status, _, settings = fetch(f"{base}/-/settings.json")
    settings = json.loads(settings)
    assert settings["allow_csv_stream"] is True and settings["max_csv_mb"] == 0
    got = {int(r["id"]): r for r in csv.DictReader(io.StringIO(body))}
    expected = {r["id"]: r for r in rows_of(crawled["db"], "SELECT id, title, text, removed FROM documents")}
    assert set(got) == set(expected)
    for doc_id, row in expected.items():  # full texts, not truncated, newlines and all
        assert got[doc_id]["text"] == (row["text"] or ""), doc_id
        assert got[doc_id]["removed"] == (row["removed"] or "")
    assert max(len(r["text"] or "") for r in expected.values()) > 10_000


# public mode -------------------------------------------------------------------------------------
def test_public_mode_refuses_sql_but_runs_canned_queries(ds, public_ds, crawled):
    sql = "/archive.json?sql=" + urllib.parse.quote("select count(*) as n from documents")
    assert get(ds, sql).status_code == 200
    assert get(public_ds, sql).status_code == 403
    assert get(public_ds, "/archive/documents.json?_where=" + urllib.parse.quote("1=1")).status_code == 403
    assert 'id="sql-editor"' in get(ds, "/archive").text
    assert 'id="sql-editor"' not in get(public_ds, "/archive").text
    rows = get(public_ds, "/archive/copies.json?_shape=array&id=1").json()
    assert rows and all(r["id"] for r in rows)
    assert get(public_ds, "/archive/reports.json?_search=" + urllib.parse.quote("人参")).json()["rows"]
    assert get(public_ds, "/archive.db").status_code == 403
    assert get(public_ds, "/-/settings.json").json()["allow_download"] is False


def test_the_served_archive_refuses_writes(public_ds, crawled):
    before = q(crawled["db"], "SELECT COUNT(*) FROM documents")[0][0]
    db = public_ds.get_database("archive")
    with pytest.raises(PermissionError):
        run(db.execute_write("DELETE FROM documents"))
    with pytest.raises(PermissionError):
        db.connect(write=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.connect().execute("DELETE FROM documents")
    assert q(crawled["db"], "SELECT COUNT(*) FROM documents")[0][0] == before


def test_archive_serve_public_on_a_real_port(crawled, tmp_path):
    from archive.db import open_db, save_document

    db = copy_archive(crawled["db"], tmp_path / "archive.db")
    with served_public(db) as base:
        status, headers, body = fetch(base + "/robots.txt")
        assert (status, body) == (200, "User-agent: *\nDisallow: /\n")
        status, headers, body = fetch(base + "/archive/reports")
        assert status == 200 and "noindex" in headers["X-Robots-Tag"]
        status, _, body = fetch(base + "/archive.json?sql=" + urllib.parse.quote("select * from documents"))
        assert status == 403
        status, headers, body = fetch(base + "/archive/reports_per_province_year.json?_shape=array")
        assert status == 200 and json.loads(body) and "noindex" in headers["X-Robots-Tag"]
        assert fetch(base + "/archive.db")[0] == 403
        assert fetch(base + "/archive/copies", method="POST")[0] == 405
        status, _, body = fetch(base + "/archive/documents.csv?_stream=on&_size=max")
        assert status == 200
        assert len(list(csv.DictReader(io.StringIO(body)))) == q(db, "SELECT COUNT(*) FROM documents")[0][0]

        # a crawl writes the live file while it is served, and the next request sees it
        def count():
            return json.loads(fetch(base + "/archive/documents.json?_size=0")[2])["filtered_table_rows_count"]

        before = count()
        writer = open_db(db)
        with writer.conn:
            save_document(
                writer,
                url="http://example.gov.cn/new.html",
                source="demo-gov",
                cleaned={"title": "新报告", "text": "各位代表：新的一年。"},
                text_hash=hashlib.sha256(b"x").hexdigest(),
                capture_ids=[1],
            )
        writer.conn.close()
        assert count() == before + 1


def test_archive_serve_without_public_allows_sql_on_loopback(crawled):
    with served(crawled["db"]) as base:
        assert base.startswith("http://127.0.0.1:")
        status, headers, body = fetch(
            base
            + "/archive.json?_shape=array&sql="
            + urllib.parse.quote("select count(*) as n from documents")
        )
        assert (
            status == 200
            and json.loads(body)[0]["n"] == q(crawled["db"], "SELECT COUNT(*) FROM documents")[0][0]
        )
        assert "X-Robots-Tag" not in headers
        assert fetch(base + "/robots.txt")[0] == 404


# crawled HTML is shown escaped -------------------------------------------------------------------
def test_crawled_html_is_escaped_everywhere(crawled, tmp_path):
    from archive.db import open_db, save_document
    from archive.publish import make_datasette
    from archive.search import index_documents

    db = copy_archive(crawled["db"], tmp_path / "archive.db")
    writer = open_db(db)
    with writer.conn:
        doc_id, _ = save_document(
            writer,
            url="http://example.gov.cn/xss.html",
            source="demo-gov",
            cleaned={
                "title": XSS,
                "text": f"{XSS}\n各位代表：人参{XSS}产业。",
                "province": XSS,
                "city": XSS,
                "doc_type": "report",
                "year": 2030,
                "source_name": XSS,
            },
            text_hash=hashlib.sha256(XSS.encode()).hexdigest(),
            capture_ids=[1],
        )
        index_documents(writer, [doc_id])  # the writer's step after the store
    writer.conn.close()
    city = urllib.parse.quote(XSS)
    ds = make_datasette(str(db), public=True)
    for path in [
        "/archive/documents",
        "/archive/documents?_facet=source_name",
        f"/archive/documents/{doc_id}",
        "/archive/reports",
        "/archive/reports?_search=" + urllib.parse.quote("人参"),
        f"/archive/city_reports?city={city}",
        f"/archive/copies?id={doc_id}",
        "/archive/reports_per_province_year",
        f"/archive/documents?city={city}",
    ]:
        r = get(ds, path)
        assert r.status_code == 200, path
        assert "<script>alert" not in r.text and "<b>x</b>" not in r.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, path  # the text is there, escaped
