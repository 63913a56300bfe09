"""The archive's reading pages, served by Datasette (a plugin in the project's plugins directory).

``/-/search``        Chinese full-text search: results ranked by bm25, highlighted passages, the number
                     of matching documents, "canonical copies only" one click away, pagination
``/-/document/N``    a document to read: paragraphs, metadata, its pages and raw captures, the other
                     copies of the same report, earlier versions, a citation
``/-/capture/N``     the raw bytes of a capture as ``text/plain`` in a CSP sandbox, or as a download —
                     never as live HTML on the archive's origin
``/-/map``           the jurisdictions placed by the coordinates of their GB/T 2260 code (server-rendered
                     SVG: works offline)
``/-/charts``        documents per year and per province, coverage gaps (province × year and
                     jurisdiction × year grids)

Everything read from the archive is crawled text: it reaches the templates as plain strings, which
Jinja escapes; the SVG pictures are drawn by the templates from numbers computed by
``archive.datasette.maps`` and ``archive.datasette.charts``. This file holds the hooks and the route
handlers only (Datasette loads every file of the plugins folder as a plugin).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import sqlite3
import time
from urllib.parse import urlencode, urlsplit

from datasette import Response, hookimpl
from datasette.utils.asgi import NotFound
from markupsafe import Markup

from archive import search as zh_search
from archive.datasette import maps
from archive.datasette.charts import MAX_GRID_ROWS, MAX_YEARS, province_chart, shade, year_chart
from archive.datasette.paging import page_number, page_window
from archive.datasette.values import jurisdiction, to_int, web_url
from archive.db import decompress
from pipelines.cleaning import admin

DATABASE = "archive"
PER_PAGE = 20
MAX_QUERY = 200  # characters of a search query
MAX_WORDS = zh_search.MAX_WORDS  # words of a search query: more get a message, not a search
# Each result's passages come from this much of its text (the start): the database hands over no
# more, so a 7-million-character document costs what a report does.
SNIPPET_WINDOW = 100_000
# Searches running at once, each in one of Datasette's SQL threads (3 by default, more in public
# mode): the others stay free for every other page. Past SEARCHES_WAITING in line, a search is
# turned away with "busy" at once rather than queued behind minutes of work.
SEARCHES_AT_ONCE = 2
SEARCHES_WAITING = 8
# one copy of each work report: what the map, the charts and the coverage grid count
CANONICAL_REPORT = "duplicate_kind IS NULL AND doc_type = 'report'"
_CHARSET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,39}$")


# helpers -------------------------------------------------------------------------------------------
def _database(datasette):
    try:
        return datasette.get_database(DATABASE)
    except KeyError:
        raise NotFound(f"no database {DATABASE}") from None


async def _check(datasette, request, table: str = "documents") -> None:
    """The pages show what the table pages show: the same permissions (a 403 when denied)."""
    await datasette.ensure_permissions(
        request.actor, [("view-table", (DATABASE, table)), ("view-database", DATABASE), "view-instance"]
    )


def _table_url(datasette, table: str = "documents", **filters) -> str:
    url = datasette.urls.table(DATABASE, table)
    return url + ("?" + urlencode(filters) if filters else "")


def _canonical_filters(**extra) -> dict:
    return {**extra, "duplicate_kind__isnull": 1, "doc_type": "report"}


async def _render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    context.setdefault("metadata", datasette.metadata() or {})
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status)


# the search page ----------------------------------------------------------------------------------
class SearchRefused(Exception):
    """A search the server will not run (to the end): the message for the page, and its status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@contextlib.contextmanager
def time_limit(conn, ms: int):
    """Interrupt what ``conn`` runs once ``ms`` milliseconds have passed: SQLite calls the progress
    handler every N virtual-machine instructions, and a true answer stops the statement with
    ``sqlite3.OperationalError: interrupted`` (what Datasette's own ``sql_time_limit_ms`` does,
    which the search page's ``execute_fn`` does not get). Yields the test of the deadline: an
    interrupted FTS5 table can fail with another message ("vtable constructor failed")."""
    deadline = time.perf_counter() + ms / 1000

    def expired() -> bool:
        return time.perf_counter() >= deadline

    # every instruction for a tiny limit (tests), else about every 0.1 ms of work
    conn.set_progress_handler(expired, 1 if ms <= 20 else 1000)
    try:
        yield expired
    finally:
        conn.set_progress_handler(None, 0)


class _Gate:
    """At most ``size`` searches at once; when ``waiting`` more are in line, the next is refused."""

    def __init__(self, loop, size: int, waiting: int):
        self.loop, self.waiting, self.in_line = loop, waiting, 0
        self.semaphore = asyncio.Semaphore(size)

    @contextlib.asynccontextmanager
    async def slot(self):
        if self.semaphore.locked() and self.in_line >= self.waiting:
            raise SearchRefused(
                "服务器正忙：同时进行的检索太多，请稍后再试。 Too many searches are running right now: try again in a"
                " moment.",
                503,
            )
        self.in_line += 1
        try:
            await self.semaphore.acquire()
        finally:
            self.in_line -= 1
        try:
            yield
        finally:
            self.semaphore.release()


def _gate(datasette) -> _Gate:
    """The instance's gate (one per event loop: Datasette's test client runs each request in its own)."""
    loop = asyncio.get_running_loop()
    gate = getattr(datasette, "_archive_search_gate", None)
    if gate is None or gate.loop is not loop:
        gate = datasette._archive_search_gate = _Gate(loop, SEARCHES_AT_ONCE, SEARCHES_WAITING)
    return gate


def run_search(conn, q: str, words: list[str], *, page: int, canonical: bool, time_limit_ms: int):
    """(total, other total, [(document, bm25, passages)]) for one page, in a SQL thread: the
    queries under ``time_limit_ms`` (``SearchRefused`` when they need more), the passages from the
    first ``SNIPPET_WINDOW`` characters of each result, so that no step of a search is unbounded and
    none of it runs on the event loop."""
    try:
        with time_limit(conn, time_limit_ms) as expired:
            matches = zh_search.search_all(conn, q)
            chosen = [m for m in matches if m[2]] if canonical else matches
            other = len(matches) if canonical else sum(1 for m in matches if m[2])
            rows = chosen[(page - 1) * PER_PAGE : page * PER_PAGE]
            ids = [r[0] for r in rows]
            docs = {}
            if ids:
                cur = conn.execute(
                    "SELECT id, title, province, city, year, source, source_name, duplicate_kind, canonical_id,"
                    " doc_type, publish_date, chars, substr(text, 1, ?) AS text FROM documents"
                    f" WHERE id IN ({', '.join('?' * len(ids))})",
                    [SNIPPET_WINDOW, *ids],
                )
                names = [c[0] for c in cur.description]
                docs = {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
    except sqlite3.OperationalError:
        if not expired():
            raise
        seconds = f"{time_limit_ms / 1000:g}"
        raise SearchRefused(
            f"检索超时：超过 {seconds} 秒，已停止。请减少单字词，或改用更长的词。 This search needed more than {seconds} s"
            " and was stopped: use fewer one-character words, or longer words (a two-character word is a far"
            " cheaper lookup than two single characters).",
            400,
        ) from None
    found = [
        (docs[i], score, zh_search.highlight(docs[i].pop("text") or "", words, most=3))
        for i, score, _ in rows
        if i in docs
    ]
    return len(chosen), other, found


async def search_page(datasette, request):
    await _check(datasette, request)
    db = _database(datasette)
    q = (request.args.get("q") or "")[:MAX_QUERY]
    canonical = request.args.get("canonical") in ("1", "on", "true")
    page = page_number(request.args.get("page"))
    words = zh_search.words(q)
    context = {
        "q": q,
        "canonical": canonical,
        "words": words,
        "results": [],
        "total": None,
        "error": None,
        "page": page,
        "pages": 0,
        "per_page": PER_PAGE,
        "title": "全文检索 Search",
        "search_url": datasette.urls.path("-/search"),
        "table_search_url": _table_url(datasette, _search=q) if words else None,
    }

    def page_url(**changes) -> str:
        args = {"q": q, "canonical": "1" if canonical else None, "page": page, **changes}
        args = {k: v for k, v in args.items() if v not in (None, "", 1) or k == "q"}
        return context["search_url"] + "?" + urlencode(args)

    if len(words) > MAX_WORDS:
        context.update(
            error=f"检索词过多：最多 {MAX_WORDS} 个词（此次 {len(words)} 个）。 Too many words: a search takes at most"
            f" {MAX_WORDS} words separated by spaces (this one has {len(words)}); characters that belong"
            " together are one word (冰雪旅游, not 冰 雪 旅 游).",
            table_search_url=None,
        )
        return await _render(datasette, request, "archive_search.html", context, status=400)
    if words:
        # Datasette's own limit, unless the archive-search plugin configuration sets one
        config = datasette.plugin_config("archive-search") or {}
        limit_ms = config.get("time_limit_ms", datasette.setting("sql_time_limit_ms"))
        try:
            async with _gate(datasette).slot():
                total, other, rows = await db.execute_fn(
                    lambda conn: run_search(
                        conn, q, words, page=page, canonical=canonical, time_limit_ms=limit_ms
                    )
                )
        except SearchRefused as exc:
            context.update(error=str(exc))
            response = await _render(datasette, request, "archive_search.html", context, status=exc.status)
            if exc.status == 503:
                response.headers["Retry-After"] = "5"
            return response
        results = []
        for n, (doc, score, snippets) in enumerate(rows, start=(page - 1) * PER_PAGE + 1):
            results.append(
                {
                    **doc,
                    "rank": n,
                    "score": -score,
                    "jurisdiction": jurisdiction(doc["province"], doc["city"]),
                    "url": datasette.urls.path(f"-/document/{doc['id']}"),
                    "snippets": snippets,
                }
            )
        pages = max(1, math.ceil(total / PER_PAGE))
        context.update(
            results=results,
            total=total,
            other_total=other,
            pages=pages,
            toggle_url=page_url(canonical=None if canonical else "1", page=None),
            prev_url=page_url(page=page - 1) if page > 1 else None,
            next_url=page_url(page=page + 1) if page < pages else None,
            page_links=[(p, page_url(page=p)) for p in page_window(page, pages)],
            last_url=page_url(page=pages) if page > pages else None,
        )
    return await _render(datasette, request, "archive_search.html", context)


# the document page --------------------------------------------------------------------------------
async def document_page(datasette, request):
    await _check(datasette, request)
    db = _database(datasette)
    doc_id = to_int(request.url_vars["id"])
    rows = (
        (await db.execute("SELECT * FROM documents WHERE id = ?", [doc_id])).rows
        if doc_id is not None
        else []
    )
    if not rows:
        raise NotFound(f"no document {request.url_vars['id']} in the archive")
    doc = dict(rows[0])
    pages = [
        dict(r)
        for r in (
            await db.execute(
                "SELECT dc.page, dc.current, c.id, c.url, c.fetched_at, c.status, c.encoding, c.size, c.content_type,"
                " c.error FROM document_captures dc JOIN captures c ON c.id = dc.capture_id WHERE dc.document_id = ?"
                " ORDER BY dc.current IS 0, dc.page, c.id",
                [doc_id],
            )
        ).rows
    ]
    for p in pages:
        p["view_url"] = datasette.urls.path(f"-/capture/{p['id']}")
        p["download_url"] = p["view_url"] + "?download=1"
        p["web_url"] = web_url(p["url"])
    copies = (
        [
            dict(r)
            for r in (
                await db.execute(
                    "SELECT id, title, source, source_name, duplicate_kind, chars, url, year FROM documents"
                    " WHERE (canonical_id = ? OR id = ?) AND id != ? ORDER BY duplicate_kind IS NOT NULL, id",
                    [doc["canonical_id"], doc["canonical_id"], doc_id],
                )
            ).rows
        ]
        if doc["canonical_id"] is not None
        else []
    )
    for c in copies:
        c["doc_url"] = datasette.urls.path(f"-/document/{c['id']}")
    versions = [
        dict(r)
        for r in (
            await db.execute(
                "SELECT version, title, publish_date, valid_from, superseded_at, chars, capture_ids, text"
                " FROM document_versions WHERE document_id = ? ORDER BY version DESC",
                [doc_id],
            )
        ).rows
    ]
    for v in versions:
        try:
            ids = [int(i) for i in json.loads(v["capture_ids"] or "[]")]
        except (ValueError, TypeError):
            ids = []
        v["captures"] = [(i, datasette.urls.path(f"-/capture/{i}")) for i in ids]
        v["url"] = datasette.urls.path(f"-/document/{doc_id}") + "?" + urlencode({"version": v["version"]})
    shown = None
    want = to_int(request.args.get("version"))
    if want is not None and want != doc["version"]:
        shown = next((v for v in versions if v["version"] == want), None)
        if shown is None:
            raise NotFound(f"document {doc_id} has no version {want}")
    text = (shown or doc)["text"] or ""
    try:
        removed = [r for r in json.loads(doc["removed"] or "[]") if isinstance(r, dict)]
    except ValueError:
        removed = []
    first = next((p for p in pages if p["current"] != 0), pages[0] if pages else None)
    captured = (first["fetched_at"] or "")[:10] if first else ""
    place = jurisdiction(doc["province"], doc["city"])
    site = doc["source_name"] or (urlsplit(doc["url"]).hostname if doc["url"] else None) or doc["source"]
    archive_url = datasette.absolute_url(request, datasette.urls.path(f"-/document/{doc_id}"))
    citation = (
        ". ".join(
            p
            for p in [
                doc["title"] or "无标题 (untitled)",
                ", ".join(str(p) for p in (place, doc["year"]) if p),
                site,
                f"{doc['url']} (captured {captured})" if captured else doc["url"],
                f"zfgzbg-archive document {doc_id}, {archive_url}",
            ]
            if p
        )
        + "."
    )
    context = {
        "doc": doc,
        "title": doc["title"] or "无标题 (untitled)",
        "paragraphs": [line.strip() for line in text.split("\n") if line.strip()],
        "shown_version": shown,
        "versions": versions,
        "pages": pages,
        "current_pages": [p for p in pages if p["current"] != 0],
        "old_pages": [p for p in pages if p["current"] == 0],
        "copies": copies,
        "removed": removed,
        "citation": citation,
        "place": place,
        "original_url": web_url(doc["url"]),
        "site": site,
        "captured": captured,
        "row_url": datasette.urls.row(DATABASE, "documents", str(doc_id)),
        "canonical_url": datasette.urls.path(f"-/document/{doc['canonical_id']}")
        if doc["canonical_id"] not in (None, doc_id)
        else None,
        "search_url": datasette.urls.path("-/search"),
    }
    return await _render(datasette, request, "archive_document.html", context)


# the raw capture ----------------------------------------------------------------------------------
async def capture_view(datasette, request):
    """The stored bytes, decompressed. Shown as plain text (in its own charset) in a CSP sandbox with
    nosniff, or with ``?download=1`` (and for binary bodies) as an attachment: a crawled page never
    runs as HTML on the archive's origin."""
    await _check(datasette, request, "captures")
    db = _database(datasette)
    capture_id = to_int(request.url_vars["id"])
    rows = (
        (
            await db.execute(
                "SELECT id, body, compression, encoding, sniffed_type, content_type FROM captures WHERE id = ?",
                [capture_id],
            )
        ).rows
        if capture_id is not None
        else []
    )
    if not rows:
        raise NotFound(f"no capture {request.url_vars['id']} in the archive")
    row = rows[0]
    body = decompress(row["body"], row["compression"])
    headers = {
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
    encoding = row["encoding"] if row["encoding"] and _CHARSET.match(row["encoding"]) else None
    if request.args.get("download") or row["sniffed_type"]:
        ext = {"pdf": "pdf"}.get(
            (row["sniffed_type"] or "").split("/")[-1], "html" if not row["sniffed_type"] else "bin"
        )
        headers["Content-Disposition"] = f'attachment; filename="capture-{row["id"]}.{ext}"'
        return Response(body, headers=headers, content_type="application/octet-stream")
    content_type = "text/plain" + (f"; charset={encoding}" if encoding else "")
    return Response(body, headers=headers, content_type=content_type)


# the map ------------------------------------------------------------------------------------------
async def map_page(datasette, request):
    await _check(datasette, request)
    db = _database(datasette)
    rows = (
        await db.execute(
            "SELECT admin_code, MAX(province) AS province, MAX(city) AS city, MAX(admin_level) AS level,"
            f" COUNT(*) AS documents, SUM({CANONICAL_REPORT}) AS reports FROM documents"
            " WHERE admin_code IS NOT NULL AND admin_code != '' GROUP BY admin_code"
        )
    ).rows
    unplaced_docs = (
        await db.execute("SELECT COUNT(*) FROM documents WHERE admin_code IS NULL OR admin_code = ''")
    ).rows[0][0]
    places, unplaced = [], []
    for r in rows:
        div = admin.lookup(r["admin_code"])
        item = {
            "code": r["admin_code"],
            "documents": r["documents"],
            "reports": r["reports"] or 0,
            "name": (div.name if div else None) or r["city"] or r["province"] or r["admin_code"],
            "province": (div.province if div else None) or r["province"],
            "level": r["level"],
            "approx": bool(div and div.approx_coords),
            "link": _table_url(datasette, **_canonical_filters(admin_code=r["admin_code"])),
        }
        if div and div.longitude is not None and div.latitude is not None:
            item.update(lon=div.longitude, lat=div.latitude)
            places.append(item)
        else:
            unplaced.append(item)
    most = max((p["reports"] for p in places), default=0)
    for p in places:
        p["r"] = maps.radius(p["reports"], most)
    places.sort(key=lambda p: (-p["r"], p["code"]))  # big ones first: small ones stay clickable on top
    provinces = [d for d in admin.all_divisions() if d.level == "province" and d.longitude is not None]

    views = [
        {"id": "china", "caption": "全国 China", **maps.view(maps.CHINA, places, provinces, labels=False)}
    ]
    if places:
        box = maps.extent(places)
        if (box[1] - box[0]) < (maps.CHINA[1] - maps.CHINA[0]) / 2:
            views.append(
                {
                    "id": "zoom",
                    "caption": "放大 Close-up of the archive's jurisdictions",
                    **maps.view(box, places, provinces, labels=len(places) <= 60),
                }
            )
    legend = sorted({v for v in (1, max(1, most // 2), most) if v}) if most else []
    context = {
        "title": "地图 Map",
        "views": views,
        "places": sorted(places, key=lambda p: p["code"]),
        "unplaced": unplaced,
        "unplaced_docs": unplaced_docs,
        "most": most,
        "legend": [{"n": n, "r": maps.radius(n, most)} for n in legend],
        "charts_url": datasette.urls.path("-/charts"),
        "search_url": datasette.urls.path("-/search"),
    }
    return await _render(datasette, request, "archive_map.html", context)


# the charts ---------------------------------------------------------------------------------------
async def charts_page(datasette, request):
    await _check(datasette, request)
    db = _database(datasette)
    by_year = [
        dict(r)
        for r in (
            await db.execute(
                f"SELECT year, COUNT(*) AS documents, SUM({CANONICAL_REPORT}) AS reports FROM documents"
                " GROUP BY year ORDER BY year"
            )
        ).rows
    ]
    by_province = [
        dict(r)
        for r in (
            await db.execute(
                f"SELECT province, COUNT(*) AS documents, SUM({CANONICAL_REPORT}) AS reports FROM documents"
                " GROUP BY province ORDER BY COUNT(*) DESC, province"
            )
        ).rows
    ]
    cells = (
        await db.execute(
            "SELECT province, admin_code, MAX(city) AS city, year, COUNT(*) AS reports FROM documents"
            f" WHERE {CANONICAL_REPORT} AND year IS NOT NULL GROUP BY province, admin_code, year"
        )
    ).rows
    for r in by_year + by_province:
        r["reports"] = r["reports"] or 0
        r["others"] = r["documents"] - r["reports"]
    no_year = next((r for r in by_year if r["year"] is None), None)
    dated = [r for r in by_year if r["year"] is not None]
    years = list(range(dated[0]["year"], dated[-1]["year"] + 1))[-MAX_YEARS:] if dated else []
    counted = {r["year"]: r for r in dated}
    year_rows = [counted.get(y, {"year": y, "documents": 0, "reports": 0, "others": 0}) for y in years]

    year_chart_ = year_chart(year_rows, lambda r: _table_url(datasette, year=r["year"]))
    province_chart_ = province_chart(
        by_province,
        lambda r: _table_url(
            datasette, **({"province": r["province"]} if r["province"] else {"province__isnull": 1})
        ),
    )

    # coverage: canonical reports per province × year and per jurisdiction × year; empty cells are gaps
    prov_grid: dict[str, dict[int, int]] = {}
    juris: dict[str, dict] = {}
    for r in cells:
        prov = r["province"] or "（无省份）"
        prov_grid.setdefault(prov, {})
        prov_grid[prov][r["year"]] = prov_grid[prov].get(r["year"], 0) + r["reports"]
        if r["admin_code"]:
            j = juris.setdefault(
                r["admin_code"],
                {"code": r["admin_code"], "counts": {}, "province": r["province"], "city": r["city"]},
            )
            j["counts"][r["year"]] = j["counts"].get(r["year"], 0) + r["reports"]
    most_prov_cell = max((n for row in prov_grid.values() for n in row.values()), default=0)
    most_juris_cell = max((n for j in juris.values() for n in j["counts"].values()), default=0)

    def grid_row(label, counts, most, filters):
        return {
            "label": label,
            "total": sum(counts.get(y, 0) for y in years),
            "cells": [
                {
                    "year": y,
                    "n": counts.get(y, 0),
                    "color": shade(counts.get(y, 0), most),
                    "dark": counts.get(y, 0) > most / 2,
                    "link": _table_url(datasette, **_canonical_filters(year=y, **filters)),
                }
                for y in years
            ],
        }

    province_grid = [
        grid_row(
            p,
            prov_grid[p],
            most_prov_cell,
            {"province": p} if not p.startswith("（") else {"province__isnull": 1},
        )
        for p in sorted(prov_grid)
    ]
    juris_rows = sorted(juris.values(), key=lambda j: j["code"])[:MAX_GRID_ROWS]
    jurisdiction_grid = []
    for j in juris_rows:
        div = admin.lookup(j["code"])
        name = (div.name if div else None) or j["city"] or j["province"] or j["code"]
        jurisdiction_grid.append(
            {
                **grid_row(name, j["counts"], most_juris_cell, {"admin_code": j["code"]}),
                "code": j["code"],
                "province": j["province"],
            }
        )
    in_archive = {r["province"] for r in by_province if r["province"]}
    missing = sorted(
        d.name for d in admin.all_divisions() if d.level == "province" and d.name not in in_archive
    )
    context = {
        "title": "统计图 Charts",
        "year_chart": year_chart_,
        "province_chart": province_chart_,
        "no_year": no_year,
        "years": years,
        "province_grid": province_grid,
        "jurisdiction_grid": jurisdiction_grid,
        "jurisdictions_cut": max(0, len(juris) - MAX_GRID_ROWS),
        "missing_provinces": missing,
        "gaps": sum(1 for row in jurisdiction_grid for c in row["cells"] if not c["n"]),
        "map_url": datasette.urls.path("-/map"),
        "search_url": datasette.urls.path("-/search"),
    }
    return await _render(datasette, request, "archive_charts.html", context)


# hooks --------------------------------------------------------------------------------------------
@hookimpl
def register_routes():
    return [
        (r"^/-/search$", search_page),
        (r"^/-/document/(?P<id>[^/]+)$", document_page),
        (r"^/-/capture/(?P<id>[^/]+)$", capture_view),
        (r"^/-/map$", map_page),
        (r"^/-/charts$", charts_page),
    ]


@hookimpl
def menu_links(datasette):
    return [
        {"href": datasette.urls.path("-/search"), "label": "全文检索 Search"},
        {"href": datasette.urls.path("-/map"), "label": "地图 Map"},
        {"href": datasette.urls.path("-/charts"), "label": "统计图 Charts"},
    ]


@hookimpl
def extra_template_vars(datasette):
    return {
        "archive_pages": {
            "search": datasette.urls.path("-/search"),
            "map": datasette.urls.path("-/map"),
            "charts": datasette.urls.path("-/charts"),
            "document": datasette.urls.path("-/document/"),
        }
    }


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """A document's title links to its reading page (the id still links to the row)."""
    if database != DATABASE or column != "title" or table not in ("documents", "reports") or value is None:
        return None
    try:
        doc_id = int(row["id"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return Markup('<a href="{}" title="阅读 Read">{}</a>').format(
        datasette.urls.path(f"-/document/{doc_id}"), value
    )
