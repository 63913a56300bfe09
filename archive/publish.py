"""Datasette over the archive, always served as the database named ``archive``.

Datasette only ever reads the archive: its connections are ``mode=ro`` URIs on the live file (never
``immutable``: crawls write it while it is served, in WAL mode, and readers see each commit), and
the database object refuses writes. ``public=True`` (``archive serve --public``) is for a server on
the internet: no arbitrary SQL (the ``execute-sql`` permission is denied to everyone; the canned
queries of metadata.json still run), no download of the whole .db file, only GET and HEAD requests,
and robots told to stay away (``/robots.txt`` disallows everything, every response carries
``X-Robots-Tag: noindex``). Table pages, row pages, facets, search and CSV/JSON stay open, with
their work bounded so that no visitor stalls the others: tighter SQL time limits and more SQL
threads (``PUBLIC_SETTINGS``), at most ``MAX_FACETS`` ``_facet=`` and ``MAX_WORDS`` search words a
request, ``CSV_STREAMS_AT_ONCE`` whole-table CSV streams at a time; Datasette's introspection pages
(``/-/databases.json`` shows the file's path, ``/-/versions.json`` the software) answer 404.
"""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from archive.db import connect_readonly
from archive.export import default_out_dir
from archive.search import MAX_WORDS, words
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
    # Every query a visitor can make Datasette run (a table's ?_search=, ?_sort=, filters, a page
    # of a CSV stream) and the search page's own stop after 2 s: a 10-common-word search on
    # 3,000 reports takes ~1 s. (Local serving keeps 5 s for slow ad-hoc SQL.)
    "sql_time_limit_ms": 2000,
    # A request uses one SQL thread at a time (Datasette runs a page's queries one after the
    # other): with Datasette's 3, three slow visitors hold them all and every cheap page queues
    # behind them. 6 threads: 2 searches (the search page's own limit) and 2 CSV streams
    # (CSV_STREAMS_AT_ONCE) leave 2 for everyone else. SQLite releases the GIL while it works.
    "num_sql_threads": 6,
    # each requested facet is a GROUP BY over the matching rows, one after the other: 7 (the most a
    # request may ask for, MAX_FACETS) of 0.5 s at most is 3.5 s of one thread
    "facet_time_limit_ms": 500,
}
# ``_facet=`` parameters a public request may carry: the documents table's description links its
# seven facets (every column worth counting); more is only more GROUP BYs
MAX_FACETS = 7
_FACET_PARAMS = ("_facet", "_facet_array", "_facet_date")
# whole-table CSV streams (``?_stream=on``) at a time: each one is a query per page of rows for as
# long as the download lasts (the documents table is gigabytes); the dumps of /-/downloads are the
# way to get everything
CSV_STREAMS_AT_ONCE = 2
# rows a CSV stream reads a query at a time (whatever its ``_size``): Datasette writes each page of
# rows out on the event loop in one go, and 1,000 reports of 30 K characters each kept every other
# request waiting for seconds; pages of 100 give it back between pages (same rows, same CSV)
CSV_STREAM_ROWS = 100
# Datasette's introspection pages: a visitor needs none of them (the metadata shows on every page)
# and some say what is no one's business on the internet: the file's path (databases), the path
# of the dumps (metadata), the software's versions, the settings, the threads and their queries
HIDDEN_PATHS = frozenset(
    f"/-/{name}{ext}"
    for name in ("databases", "metadata", "versions", "plugins", "settings", "threads", "actor", "config")
    for ext in ("", ".json")
) | frozenset(f"/-/{name}" for name in ("auth-token", "permissions", "messages", "allow-debug", "patterns"))
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
    db_path: str,
    *,
    public: bool = False,
    settings: dict | None = None,
    exports: str | None = None,
    search_time_limit_ms: int | None = None,
):
    """A configured Datasette instance over ``db_path`` (the file must exist); ``settings`` override
    Datasette settings (``max_returned_rows``, ``sql_time_limit_ms`` …); ``exports``: the folder of
    ``archive export``'s dumps (default: exports/ beside the archive), listed at /-/downloads;
    ``search_time_limit_ms``: the search page's time limit (default: ``sql_time_limit_ms``)."""
    from datasette.app import Datasette

    if not Path(db_path).exists():
        raise FileNotFoundError(f"no archive at {db_path}: run 'archive crawl' or 'archive demo' first")
    probe = connect_readonly(db_path)  # not an archive, empty: NotAnArchive before anything is served
    if probe.note:
        logger.warning("%s", probe.note)
    probe.close()
    templates = DATASETTE_DIR / "templates"
    plugins = DATASETTE_DIR / "plugins"
    metadata = load_metadata(public, exports or str(default_out_dir(db_path)))
    if search_time_limit_ms is not None:  # read by plugins/pages.py
        metadata.setdefault("plugins", {})["archive-search"] = {"time_limit_ms": search_time_limit_ms}
    ds = Datasette(
        [],
        metadata=metadata,
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
    noindex`` header on every response, 405 for any method but GET and HEAD, 404 for Datasette's
    introspection pages (``HIDDEN_PATHS``), 400 for a request with more than ``MAX_FACETS``
    ``_facet=`` parameters or a ``_search`` of more than ``MAX_WORDS`` words, and 503 for a CSV
    stream while ``CSV_STREAMS_AT_ONCE`` are running — one clear line each, before any SQL; a CSV
    stream reads ``CSV_STREAM_ROWS`` rows a query."""
    streams = 0

    async def wrapped(scope, receive, send):
        nonlocal streams
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
        path, head = scope["path"], scope["method"] == "HEAD"
        if path == "/robots.txt":
            await _respond(send, 200, ROBOTS_TXT, headers, body=not head)
            return
        if path.rstrip("/") in HIDDEN_PATHS:
            await _respond(send, 404, b"Not found\n", headers, body=not head)
            return
        args = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
        refusal = _refusal(args)
        if refusal:
            await _respond(send, 400, refusal.encode() + b"\n", headers, body=not head)
            return
        stream = path.endswith(".csv") and any(k == "_stream" and v not in ("", "0", "off") for k, v in args)
        if stream and streams >= CSV_STREAMS_AT_ONCE:
            message = (
                f"Busy: {CSV_STREAMS_AT_ONCE} whole-table CSV downloads are running; try again in a few minutes,"
                " or take the dumps listed at /-/downloads\n"
            )
            await _respond(send, 503, message.encode(), [*headers, (b"retry-after", b"60")], body=not head)
            return

        async def send_tagged(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-robots-tag"]
                message = {**message, "headers": [*kept, *headers]}
            await send(message)

        if stream:
            kept = [(k, v) for k, v in args if k != "_size"]
            scope = {**scope, "query_string": urlencode([*kept, ("_size", str(CSV_STREAM_ROWS))]).encode()}
        streams += stream
        try:
            await app(scope, receive, send_tagged)
        finally:
            streams -= stream

    return wrapped


def _refusal(args: list[tuple[str, str]]) -> str | None:
    """Why a public request's parameters ask for too much work, or None."""
    facets = sum(1 for k, _ in args if k in _FACET_PARAMS)
    if facets > MAX_FACETS:
        return f"Too many facets: at most {MAX_FACETS} _facet= parameters a request (this one has {facets})"
    for key, value in args:
        if key == "_search" or key.startswith("_search_"):
            n = len(words(value))
            if n > MAX_WORDS:
                return (
                    f"Too many words in {key}: a search takes at most {MAX_WORDS} words separated by spaces"
                    f" (this one has {n})"
                )
    return None


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


class PortUnavailable(OSError):
    """The address to serve on cannot be listened on (another server has the port, or no such host)."""


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port``, for ``serve``: bound here rather than by uvicorn so
    that a busy port is one clear error before anything is printed or crawled (uvicorn logs the
    errno, then exits 3), and so that ``archive demo`` holds the port through its crawl."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is no obstacle
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "the port is in use (another server?)" if exc.errno == 98 else (exc.strerror or str(exc))
        raise PortUnavailable(f"cannot listen on {host}:{port}: {reason}") from None
    return sock


def make_app(db_path: str, *, public: bool = False, **options):
    """The ASGI application ``serve`` runs: Datasette (``make_datasette`` with ``options``) started
    up, wrapped by ``public_app`` when ``public``."""
    ds = make_datasette(db_path, public=public, **options)
    _run_sync(ds.invoke_startup)
    app = ds.app()
    return public_app(app) if public else app


def serve(
    db_path: str,
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    public: bool = False,
    exports: str | None = None,
    sock: socket.socket | None = None,
) -> None:
    """Serve until interrupted, on ``sock`` (from ``listen``) or else on ``host``:``port``
    (``PortUnavailable`` when that cannot be listened on)."""
    import uvicorn

    sock = sock or listen(host, port)
    config = uvicorn.Config(
        make_app(db_path, public=public, exports=exports), log_level="warning", lifespan="on", workers=1
    )
    uvicorn.Server(config).run(sockets=[sock])


def _run_sync(coro_func):
    import asyncio

    return asyncio.run(coro_func())
