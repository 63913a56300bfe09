"""The reading pages (archive/datasette/plugins/pages.py) over a real crawled archive, through
Datasette's test client: search, document, raw capture, map, charts — checked against SQL."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
import zlib

import lxml.html
import pytest
from conftest import q

from archive.search import fts_query


@pytest.fixture(scope="module")
def ds(crawled):
    from archive.publish import make_datasette

    return make_datasette(str(crawled["db"]))


def get(ds, path):
    async def go():
        return await ds.client.get(path)

    return asyncio.run(go())


def page(ds, path, status=200):
    r = get(ds, path)
    assert r.status_code == status, (path, r.status_code, r.text[:500])
    return r, lxml.html.fromstring(r.text)


def count_containing(db, *words, canonical=False):
    where = " AND ".join("instr(text, ?) > 0" for _ in words)
    if canonical:
        where += " AND duplicate_kind IS NULL"
    return q(db, f"SELECT COUNT(*) FROM documents WHERE {where}", *words)[0][0]


def result_ids(tree):
    return [int(li.get("data-id")) for li in tree.cssselect("ol.search-results li.result")]


# search -------------------------------------------------------------------------------------------
def test_search_counts_every_document_containing_the_query_ranked_by_bm25(ds, crawled):
    db = crawled["db"]
    truth = {r[0] for r in q(db, "SELECT id FROM documents WHERE instr(text, '人参') > 0")}
    assert 2 <= len(truth) <= 20  # the demo has a handful: all on one page
    _, tree = page(ds, "/-/search?q=人参")
    assert int(tree.cssselect(".search-count .total")[0].get("data-total")) == len(truth)
    ids = result_ids(tree)
    assert set(ids) == truth and len(ids) == len(truth)
    # ranked: the page's order is bm25's, best first
    bm25 = [
        r[0]
        for r in q(
            db,
            "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? ORDER BY bm25(documents_fts), rowid",
            fts_query("人参"),
        )
    ]
    assert ids == bm25
    scores = [float(li.get("data-score")) for li in tree.cssselect("li.result")]
    assert scores == sorted(scores, reverse=True)
    # each result: title linked to its document page, jurisdiction, year, source, kind
    for li in tree.cssselect("li.result"):
        doc_id = int(li.get("data-id"))
        title, province, city, year, source = q(
            db, "SELECT title, province, city, year, source FROM documents WHERE id = ?", doc_id
        )[0]
        link = li.cssselect("h2 a")[0]
        assert link.get("href") == f"/-/document/{doc_id}" and link.text_content() == (
            title or "无标题 (untitled)"
        )
        meta = li.cssselect(".result-meta")[0].text_content()
        assert (city or province) in meta and str(year) in meta and source in meta
        assert li.cssselect(".kind")


def test_search_with_two_words_finds_documents_with_both(ds, crawled):
    db = crawled["db"]
    both = count_containing(db, "冰雪", "旅游")
    assert 0 < both < count_containing(db, "旅游")
    _, tree = page(ds, "/-/search?q=冰雪 旅游")
    assert int(tree.cssselect(".total")[0].get("data-total")) == both
    for doc_id in result_ids(tree):
        text = q(db, "SELECT text FROM documents WHERE id = ?", doc_id)[0][0]
        assert "冰雪" in text and "旅游" in text


def test_search_highlights_up_to_three_passages_with_marks(ds, crawled):
    _, tree = page(ds, "/-/search?q=冰雪 旅游")
    results = tree.cssselect("li.result")
    assert results
    for li in results:
        snippets = li.cssselect("p.snippet")
        assert 1 <= len(snippets) <= 3
        marks = [m.text_content() for m in li.cssselect("p.snippet mark")]
        assert marks and set(marks) <= {"冰雪", "旅游"}
        # a passage is a piece of the document's text (ellipses and line breaks aside)
        text = q(crawled["db"], "SELECT text FROM documents WHERE id = ?", int(li.get("data-id")))[0][0]
        flat = text.replace("\n", " ")
        for s in snippets:
            assert s.text_content().strip("…") in flat


def test_search_canonical_toggle_is_one_click(ds, crawled):
    db = crawled["db"]
    all_copies, canonical = count_containing(db, "旅游"), count_containing(db, "旅游", canonical=True)
    assert canonical < all_copies  # the demo has duplicates mentioning 旅游
    _, tree = page(ds, "/-/search?q=旅游")
    assert int(tree.cssselect(".total")[0].get("data-total")) == all_copies
    toggle = tree.cssselect("a.canonical-toggle")[0]
    assert f"({canonical})" in toggle.text_content()
    _, tree2 = page(ds, toggle.get("href"))
    assert int(tree2.cssselect(".total")[0].get("data-total")) == canonical
    kinds = {q(db, "SELECT duplicate_kind FROM documents WHERE id = ?", i)[0][0] for i in result_ids(tree2)}
    assert kinds == {None}
    back = tree2.cssselect("a.canonical-toggle")[0]
    assert "canonical" not in back.get("href") and f"({all_copies})" in back.text_content()


def test_search_pages_through_every_result_once(ds, crawled):
    db = crawled["db"]
    truth = {r[0] for r in q(db, "SELECT id FROM documents WHERE instr(text, '生态') > 0")}
    assert len(truth) > 20
    seen, path = [], "/-/search?q=生态"
    while path:
        _, tree = page(ds, path)
        assert len(result_ids(tree)) <= 20
        seen += result_ids(tree)
        nxt = tree.cssselect(".pagination a[rel=next]")
        path = nxt[0].get("href") if nxt else None
    assert len(seen) == len(set(seen)) and set(seen) == truth
    for past in (999, 10**30):  # past the end: no error, a way back
        _, tree = page(ds, f"/-/search?q=生态&page={past}")
        assert result_ids(tree) == [] and "last page" in tree.text_content()


@pytest.mark.parametrize("query", ["", "%20%20", "%E3%80%80"])  # nothing, spaces, an ideographic space
def test_empty_query_shows_the_form(ds, query):
    _, tree = page(ds, f"/-/search?q={query}")
    assert tree.cssselect("form[role=search] input[name=q]")
    assert not tree.cssselect(".search-count") and not tree.cssselect("li.result")


# an archive with hostile text ---------------------------------------------------------------------
HOSTILE = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def hostile(crawled, tmp_path_factory):
    """A copy of the crawled archive where one report's page changed: its new text, title and
    source name carry markup, stored through the crawl's own functions (a new capture, a new
    version of the document; the old one kept in document_versions)."""
    from archive.db import DOCUMENT_FIELDS, open_db, save_capture, save_document, utcnow
    from archive.publish import make_datasette
    from archive.search import index_documents

    path = tmp_path_factory.mktemp("hostile") / "archive.db"
    src = sqlite3.connect(crawled["db"])
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    db = open_db(path)
    doc_id, url, source = db.execute(
        "SELECT id, url, source FROM documents WHERE duplicate_kind IS NULL AND doc_type = 'report' AND pages = 1"
        " AND encoding = 'gb18030' ORDER BY id LIMIT 1"
    ).fetchone()
    row = db.execute(f"SELECT {', '.join(DOCUMENT_FIELDS)} FROM documents WHERE id = ?", [doc_id]).fetchone()
    cleaned = dict(zip(DOCUMENT_FIELDS, row, strict=True))
    old_text = cleaned["text"]
    cleaned["removed"] = json.loads(cleaned["removed"] or "[]")
    cleaned["text"] = old_text + f"\n新增段落 {HOSTILE} 人参 {HOSTILE_ATTR}"
    cleaned["title"] = f"{cleaned['title']} {HOSTILE}"
    cleaned["source_name"] = f"来源{HOSTILE_ATTR}"
    body = f"<html><body><h1>{cleaned['title']}</h1><p>{cleaned['text']}</p></body></html>".encode()
    capture_id, _ = save_capture(
        db,
        url=url,
        requested_url=url,
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
        body=body,
        fetched_at=utcnow(),
        source=source,
        crawl_run_id=None,
        encoding="utf-8",
    )
    _, state = save_document(
        db,
        url=url,
        source=source,
        cleaned=cleaned,
        text_hash=hashlib.sha256(cleaned["text"].encode()).hexdigest(),
        capture_ids=[capture_id],
    )
    index_documents(db, [doc_id])  # the writer's step after the store
    db.conn.commit()
    db.close()
    assert state == "changed"
    return {
        "ds": make_datasette(str(path)),
        "db": path,
        "id": doc_id,
        "old_text": old_text,
        "capture_id": capture_id,
        "body": body,
    }


def test_hostile_text_is_escaped_everywhere(hostile):
    ds, doc_id = hostile["ds"], hostile["id"]
    for path in (
        "/-/search?q=alert(1)",
        "/-/search?q=人参",
        f"/-/document/{doc_id}",
        "/archive/documents?_search=alert",
        f"/archive/documents/{doc_id}",
    ):
        r = get(ds, path)
        assert r.status_code == 200, path
        assert "<script>alert(1)" not in r.text and "<img src=x" not in r.text, path
        assert "&lt;script&gt;" in r.text, path
    # the search page found it, and marks the match inside the escaped text
    r, tree = page(ds, "/-/search?q=alert(1)")
    assert result_ids(tree) == [doc_id]
    assert "&lt;script&gt;<mark>alert(1)</mark>&lt;/script&gt;" in r.text
    # the document page shows the text as text: the paragraph reads exactly what was stored
    _, tree = page(ds, f"/-/document/{doc_id}")
    paragraphs = [p.text_content() for p in tree.cssselect(".report-text p")]
    assert f"新增段落 {HOSTILE} 人参 {HOSTILE_ATTR}" in paragraphs
    assert HOSTILE in tree.cssselect("h1")[0].text_content()
    assert HOSTILE_ATTR in tree.cssselect("textarea#citation")[0].text_content()
    assert not tree.xpath("//img") and all(
        not s.text or "alert" not in s.text for s in tree.xpath("//script")
    )


def test_document_page_lists_earlier_versions(hostile):
    ds, doc_id = hostile["ds"], hostile["id"]
    (version,) = q(hostile["db"], "SELECT version FROM documents WHERE id = ?", doc_id)[0]
    old = q(hostile["db"], "SELECT version, capture_ids FROM document_versions WHERE document_id = ?", doc_id)
    assert version == 2 and [v for v, _ in old] == [1]
    _, tree = page(ds, f"/-/document/{doc_id}")
    links = [a.get("href") for a in tree.cssselect("ul.versions a")]
    assert f"/-/document/{doc_id}?version=1" in links
    assert all(f"/-/capture/{c}" in links for c in json.loads(old[0][1]))
    _, tree = page(ds, f"/-/document/{doc_id}?version=1")
    assert "version 1" in tree.cssselect(".notice")[0].text_content()
    assert [p.text_content() for p in tree.cssselect(".report-text p")] == [
        line.strip() for line in hostile["old_text"].split("\n") if line.strip()
    ]
    page(ds, f"/-/document/{doc_id}?version=7", status=404)


def test_capture_is_served_as_sandboxed_text_never_html(hostile, crawled):
    ds = hostile["ds"]
    r = get(ds, f"/-/capture/{hostile['capture_id']}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert "sandbox" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.content == hostile["body"] and b"<script>alert(1)" in r.content
    r = get(ds, f"/-/capture/{hostile['capture_id']}?download=1")
    assert r.headers["content-disposition"].startswith("attachment")
    assert "html" not in r.headers["content-type"] and r.content == hostile["body"]
    # a GBK page: the stored bytes, decompressed, labelled with their own charset
    cid, blob, compression = q(
        crawled["db"],
        "SELECT id, body, compression FROM captures WHERE encoding = 'gb18030' AND status = 200 LIMIT 1",
    )[0]
    r = get(ds, f"/-/capture/{cid}")
    assert r.headers["content-type"] == "text/plain; charset=gb18030"
    assert compression == "zlib" and r.content == zlib.decompress(blob)
    assert "政府" in r.content.decode("gb18030")


# the document page --------------------------------------------------------------------------------
def test_document_page_reads_as_paragraphs_with_metadata_sources_copies_and_citation(ds, crawled):
    db = crawled["db"]
    # a report with copies elsewhere: the group of an excerpt/near/exact duplicate
    (canonical,) = q(
        db, "SELECT canonical_id FROM documents WHERE duplicate_kind IS NOT NULL ORDER BY id LIMIT 1"
    )[0]
    cols = [
        "id",
        "title",
        "text",
        "province",
        "city",
        "admin_code",
        "admin_level",
        "year",
        "session",
        "speaker",
        "publish_date",
        "source_name",
        "source",
        "url",
        "version",
    ]
    doc = dict(
        zip(cols, q(db, f"SELECT {', '.join(cols)} FROM documents WHERE id = ?", canonical)[0], strict=True)
    )
    _, tree = page(ds, f"/-/document/{canonical}")
    paragraphs = [p.text_content() for p in tree.cssselect(".report-text p")]
    assert paragraphs == [line.strip() for line in doc["text"].split("\n") if line.strip()]
    assert len(paragraphs) > 5
    assert tree.cssselect("h1")[0].text_content() == doc["title"]
    meta = tree.cssselect("dl.document-meta")[0].text_content()
    for key in (
        "title",
        "province",
        "city",
        "admin_code",
        "admin_level",
        "year",
        "session",
        "speaker",
        "publish_date",
        "source_name",
        "source",
    ):
        assert doc[key] and str(doc[key]) in meta, key
    assert tree.cssselect("a.original-url")[0].get("href") == doc["url"]
    captures = [
        r[0]
        for r in q(
            db,
            "SELECT capture_id FROM document_captures WHERE document_id = ? AND current = 1 ORDER BY page",
            canonical,
        )
    ]
    assert [a.get("href") for a in tree.cssselect("a.capture-link")] == [f"/-/capture/{c}" for c in captures]
    copies = {
        r[0]
        for r in q(db, "SELECT id FROM documents WHERE canonical_id = ? AND id != ?", canonical, canonical)
    }
    links = {a.get("href") for a in tree.cssselect("ul.copies a")}
    assert links == {f"/-/document/{c}" for c in copies}
    citation = tree.cssselect("#citation-text")[0].text_content()
    (fetched,) = q(db, "SELECT fetched_at FROM captures WHERE id = ?", captures[0])[0]
    for part in (
        doc["title"],
        str(doc["year"]),
        doc["source_name"],
        doc["url"],
        fetched[:10],
        f"document {canonical}",
        doc["city"],
    ):
        assert part in citation, part
    assert tree.cssselect("textarea#citation")[0].text_content() == citation
    assert tree.cssselect("button[data-copy=citation]")
    # a copy links back to its canonical document
    copy_id = min(copies)
    _, tree = page(ds, f"/-/document/{copy_id}")
    assert f"/-/document/{canonical}" in {a.get("href") for a in tree.cssselect(".document-byline a")}


def test_multi_page_report_links_every_page_capture(ds, crawled):
    doc_id, pages = q(crawled["db"], "SELECT id, pages FROM documents WHERE pages > 1 ORDER BY id LIMIT 1")[0]
    _, tree = page(ds, f"/-/document/{doc_id}")
    assert len(tree.cssselect("a.capture-link")) == pages


@pytest.mark.parametrize(
    "path",
    [
        "/-/document/999999",
        "/-/document/abc",
        "/-/capture/999999",
        "/-/capture/x",
        "/-/document/99999999999999999999999",
        "/-/capture/-99999999999999999999999",
    ],
)
def test_unknown_ids_are_404(ds, path):
    r = get(ds, path)
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


# links from Datasette's own pages ---------------------------------------------------------------
def test_home_table_and_row_pages_link_to_the_reading_pages(ds, crawled):
    _, tree = page(ds, "/")
    hrefs = {a.get("href") for a in tree.cssselect("a")}
    assert {"/-/search", "/-/map", "/-/charts"} <= hrefs
    assert tree.cssselect("form[action='/-/search'] input[name=q]")
    _, tree = page(ds, "/archive/reports")  # the canonical copies' view: titles link too
    assert tree.cssselect("form[action='/-/search'] input[name=q]")
    canonical = {
        r[0]
        for r in q(
            crawled["db"], "SELECT id FROM documents WHERE duplicate_kind IS NULL AND title IS NOT NULL"
        )
    }
    assert {a.get("href") for a in tree.cssselect("td.col-title a")} == {
        f"/-/document/{i}" for i in canonical
    }
    _, tree = page(ds, "/archive/documents")
    assert tree.cssselect("form[action='/-/search'] input[name=q]")
    doc_ids = {r[0] for r in q(crawled["db"], "SELECT id FROM documents WHERE title IS NOT NULL")}
    title_links = {a.get("href") for a in tree.cssselect("td.col-title a")}
    assert title_links == {f"/-/document/{i}" for i in doc_ids}
    _, tree = page(ds, "/archive/documents/1")
    assert tree.cssselect(".archive-read a")[0].get("href") == "/-/document/1"


# the map ------------------------------------------------------------------------------------------
def test_map_has_a_point_per_jurisdiction_with_coordinates(ds, crawled):
    from pipelines.cleaning import admin

    rows = q(
        crawled["db"],
        "SELECT admin_code, SUM(duplicate_kind IS NULL AND doc_type = 'report')"
        " FROM documents WHERE admin_code IS NOT NULL GROUP BY admin_code",
    )
    located = {code: n for code, n in rows if (d := admin.lookup(code)) and d.longitude is not None}
    assert len(located) >= 10
    _, tree = page(ds, "/-/map")
    svg = tree.cssselect("#map-china svg")[0]
    circles = svg.cssselect("circle.juris")
    assert {c.get("data-code"): int(c.get("data-reports")) for c in circles} == located
    assert len(circles) == len(located)
    for c in circles:
        name = admin.lookup(c.get("data-code")).name
        assert name in c.cssselect("title")[0].text_content()
        assert f"{located[c.get('data-code')]} canonical reports" in c.cssselect("title")[0].text_content()
        x, y = float(c.get("cx")), float(c.get("cy"))
        assert 0 < x < float(svg.get("width")) and 0 < y < float(svg.get("height"))
        assert c.getparent().tag == "a" and "admin_code=" + c.get("data-code") in c.getparent().get("href")
    # the area grows with the count; east is right, north is up
    by_code = {c.get("data-code"): c for c in circles}
    radius = {code: float(c.get("r")) for code, c in by_code.items()}
    most, least = max(located, key=located.get), min(located, key=located.get)
    assert located[most] > located[least] and radius[most] > radius[least]
    east = max(located, key=lambda c: admin.lookup(c).longitude)
    north = max(located, key=lambda c: admin.lookup(c).latitude)
    assert float(by_code[east].get("cx")) == max(float(c.get("cx")) for c in circles)
    assert float(by_code[north].get("cy")) == min(float(c.get("cy")) for c in circles)
    assert tree.cssselect(".map-legend svg circle")


# the charts ---------------------------------------------------------------------------------------
def test_charts_have_a_bar_per_year_and_province_and_the_coverage_grid(ds, crawled):
    db = crawled["db"]
    per_year = dict(q(db, "SELECT year, COUNT(*) FROM documents WHERE year IS NOT NULL GROUP BY year"))
    _, tree = page(ds, "/-/charts")
    bars = {int(g.get("data-year")): g for g in tree.cssselect("#per-year g.year-bar")}
    years = range(min(per_year), max(per_year) + 1)
    assert sorted(bars) == list(years)
    heights = {}
    for y, g in bars.items():
        assert int(g.get("data-documents")) == per_year.get(y, 0)
        heights[y] = sum(float(r.get("height")) for r in g.cssselect("rect.bar"))
    top = max(per_year, key=per_year.get)
    for y, n in per_year.items():  # bar heights proportional to the counts
        assert heights[y] == pytest.approx(heights[top] * n / per_year[top], abs=0.2)
    table = {
        r.cssselect("th")[0].text_content(): [int(td.text_content()) for td in r.cssselect("td")]
        for r in tree.cssselect("#per-year table tbody tr")
    }
    assert {int(k): v[2] for k, v in table.items() if k.isdigit() and v[2]} == per_year
    per_province = dict(
        q(db, "SELECT province, COUNT(*) FROM documents WHERE province IS NOT NULL GROUP BY province")
    )
    shown = {
        g.cssselect("text.label")[0].text_content(): int(g.get("data-documents"))
        for g in tree.cssselect("#per-province g.province-bar")
    }
    assert {k: v for k, v in shown.items() if k in per_province} == per_province
    # coverage: a cell per jurisdiction and year, empty ones marked
    cells = q(
        db,
        "SELECT admin_code, year, COUNT(*) FROM documents WHERE duplicate_kind IS NULL"
        " AND doc_type = 'report' AND year IS NOT NULL AND admin_code IS NOT NULL GROUP BY 1, 2",
    )
    grid = tree.cssselect("#coverage-jurisdictions tbody tr")
    assert len(grid) == len({c for c, _, _ in cells})
    assert sum(len(r.cssselect("td.has")) for r in grid) == len(cells)
    assert sum(len(r.cssselect("td.gap")) for r in grid) == len(grid) * len(years) - len(cells)
    filled = sorted(int(td.text_content()) for r in grid for td in r.cssselect("td.has"))
    assert filled == sorted(n for _, _, n in cells)
    assert re.search(r"\d+ empty cells", tree.cssselect("#coverage-jurisdictions caption")[0].text_content())
    assert tree.cssselect("#coverage-provinces tbody tr")
