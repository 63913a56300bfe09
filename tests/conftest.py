"""Shared fixtures: the demo site on a real loopback port, a real crawl into a real SQLite file."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FAST = [
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackSite:
    """A threaded HTTP server on a free 127.0.0.1 port whose every GET goes to ``handle(h)``
    (subclasses serve their pages); ``with site:`` runs it. A client hanging up (a killed crawl,
    a reset) is not the server's business: it is not reported."""

    protocol = "HTTP/1.0"

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = site.protocol

            def log_message(self, *a):
                pass

            def do_GET(self):
                try:
                    site.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self.port = free_port()
        self.server = Server(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, h) -> None:
        raise NotImplementedError

    def send(
        self,
        h,
        status: int,
        body: bytes,
        headers: dict | None = None,
        ctype: str = "text/html; charset=utf-8",
    ) -> None:
        """Answer with ``body`` (a 304 has neither body nor Content-Length)."""
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status != 304:
            h.wfile.write(body)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def run_archive(*args, cwd=None, env=None, timeout=300, **kw) -> subprocess.CompletedProcess:
    """Run the real ``archive`` command (the installed entry point's module) in a subprocess."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("ARCHIVE_DB", None) if env is None or "ARCHIVE_DB" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", *map(str, args)],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


def q(db, sql, *args) -> list[tuple]:
    """Rows of a query on a real SQLite file (a fresh connection, closed after)."""
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


@contextlib.contextmanager
def served(db, *options: str, timeout: float = 30):
    """A real ``archive serve`` (with ``options``, e.g. ``--public``) on a free port; yields its base
    URL once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "serve", "--db", str(db), *options, "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=5).read()
                break
            except urllib.error.HTTPError:  # it answers (a public server hides /-/versions.json)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.fixture(scope="session")
def manifest() -> list[dict]:
    from archive.demo.server import SITE_DIR

    return json.loads((Path(SITE_DIR) / "_manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_site():
    """The bundled demo site on a free loopback port, and a sources file pointing at it."""
    from archive.cli import demo_sources_file
    from archive.demo.server import DemoServer

    port = free_port()
    server = DemoServer(port=port).start()
    try:
        with demo_sources_file(port) as sources:
            yield {"base_url": server.base_url, "port": port, "sources": sources}
    finally:
        server.stop()


@pytest.fixture(scope="session")
def crawled(demo_site, tmp_path_factory):
    """One real crawl of the whole demo site into a fresh archive."""
    db = tmp_path_factory.mktemp("crawl") / "archive.db"
    result = run_archive("crawl", "--db", db, "--sources", demo_site["sources"], *FAST)
    return {"db": db, "result": result, **demo_site}
