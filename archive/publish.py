"""Datasette over the archive, always served as the database named ``archive``.

Datasette only ever reads the archive: its connections are ``mode=ro`` URIs on the live file (never
``immutable``: crawls write it while it is served, in WAL mode, and readers see each commit), and
the database object refuses writes. ``public=True`` (``archive serve --public``) is for a server on
the internet: no arbitrary SQL (the ``execute-sql`` permission is denied to everyone; the canned
queries of metadata.json still run), no download of the whole .db file, only GET and HEAD requests,
and robots told to stay away (``/robots.txt`` disallows everything, every response carries
``X-Robots-Tag: noindex``). Table pages, row pages, facets, search and CSV/JSON stay open.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from archive.db import connect_readonly
from archive.export import default_out_dir
from pipelines import document

logger = logging.getLogger(__name__)

DATASETTE_DIR = Path(__file__).parent / "datasette"
SETTINGS = {
    "default_page_size": 50,
    "sql_time_limit_ms": 5000,
    # CSV "stream all rows": the whole documents table, full texts included, whatever its size
    # (Datasette streams it page by page, so memory stays flat)
    "allow_csv_stream": True,
    "max_csv_mb": 0,
    "truncate_cells_html": 300,
    # a facet is a GROUP BY over the table: cheap on an indexed column (province, city, year, source),
    # a scan of documents on the others — give those time on a 100k-document archive, and stop there
    "facet_time_limit_ms": 1000,
    # suggestions run a query per column on every table page: too costly on a large archive
    "suggest_facets": False,
}
# Default sort orders (metadata.json) are on unique columns only for tables: Datasette 0.65 adds
# the primary-key tie-breaker to ORDER BY from the second page on, not on the first, so paging
# (and CSV "stream all rows") by a column with ties skips and repeats rows. Views page by offset:
# ``reports`` sorts by year.
PUBLIC_SETTINGS = {
    "allow_download": False,  # no /archive.db: the file is large and includes the raw captures
    "default_allow_sql": False,
}
ROBOTS_TXT = b"User-agent: *\nDisallow: /\n"
ROBOTS_TAG = b"noindex, nofollow"


def load_metadata(public: bool = False, exports: str | None = None) -> dict:
    metadata = json.loads((DATASETTE_DIR / "metadata.json").read_text(encoding="utf-8"))
    # the documents table's columns are described where they are declared (pipelines/document.py)
    metadata["databases"]["archive"]["tables"]["documents"]["columns"] = dict(document.DESCRIPTIONS)
    if public:
        metadata["allow_sql"] = False  # nobody, not even a signed-in actor, runs their own SQL
    if exports:  # the dumps folder /-/downloads publishes (plugins/downloads.py)
        metadata.setdefault("plugins", {})["archive-downloads"] = {"dir": str(Path(exports).resolve())}
    return metadata


def _read_only_database_class():
    from datasette.database import Database

    class ReadOnlyDatabase(Database):
        """A mutable (live) file read through ``mode=ro`` connections; any write is refused."""

        def connect(self, write=False):

            if write:
                raise PermissionError("the archive is served read-only")
            # mode=ro, or immutable on a read-only mount (archive.db.connect_readonly)
            conn = connect_readonly(self.path, check_same_thread=False)
            self._all_file_connections.append(conn)
            return conn

        async def execute_write_fn(self, fn, block=True):
            raise PermissionError("the archive is served read-only")

    return ReadOnlyDatabase


def make_datasette(
    db_path: str, *, public: bool = False, settings: dict | None = None, exports: str | None = None
):
    """A configured Datasette instance over ``db_path`` (the file must exist); ``settings`` override
    Datasette settings (``max_returned_rows``, ``sql_time_limit_ms`` …); ``exports``: the folder of
    ``archive export``'s dumps (default: exports/ beside the archive), listed at /-/downloads."""
    from datasette.app import Datasette

    if not Path(db_path).exists():
        raise FileNotFoundError(f"no archive at {db_path}: run 'archive crawl' or 'archive demo' first")
    probe = connect_readonly(db_path)  # not an archive, empty: NotAnArchive before anything is served
    if probe.note:
        logger.warning("%s", probe.note)
    probe.close()
    templates = DATASETTE_DIR / "templates"
    plugins = DATASETTE_DIR / "plugins"
    ds = Datasette(
        [],
        metadata=load_metadata(public, exports or str(default_out_dir(db_path))),
        settings={**SETTINGS, **(PUBLIC_SETTINGS if public else {}), **(settings or {})},
        template_dir=str(templates) if templates.is_dir() else None,
        plugins_dir=str(plugins) if plugins.is_dir() else None,
        static_mounts=[("static-archive", str(DATASETTE_DIR / "static"))],
    )
    if "_memory" in ds.databases:  # Datasette adds it when started without files
        ds.remove_database("_memory")
    database = _read_only_database_class()(ds, path=str(Path(db_path).resolve()), is_mutable=True)
    ds.add_database(database, name="archive")
    return ds


def public_app(app):
    """ASGI wrapper for a public server: ``/robots.txt`` disallowing everything, an ``X-Robots-Tag:
    noindex`` header on every response, and 405 for any method but GET and HEAD."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = [(b"x-robots-tag", ROBOTS_TAG)]
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(
                send,
                405,
                b"Method not allowed: this archive is read-only\n",
                [*headers, (b"allow", b"GET, HEAD")],
            )
            return
        if scope["path"] == "/robots.txt":
            await _respond(send, 200, ROBOTS_TXT, headers, body=scope["method"] == "GET")
            return

        async def send_tagged(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-robots-tag"]
                message = {**message, "headers": [*kept, *headers]}
            await send(message)

        await app(scope, receive, send_tagged)

    return wrapped


async def _respond(send, status: int, content: bytes, headers: list, body: bool = True) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content if body else b""})


def serve(
    db_path: str,
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    public: bool = False,
    exports: str | None = None,
) -> None:
    """Serve until interrupted."""
    import uvicorn

    ds = make_datasette(db_path, public=public, exports=exports)
    _run_sync(ds.invoke_startup)
    app = ds.app()
    uvicorn.run(
        public_app(app) if public else app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        workers=1,
    )


def _run_sync(coro_func):
    import asyncio

    return asyncio.run(coro_func())
