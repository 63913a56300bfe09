"""The bundled demo site: a small static HTTP server with a few deliberate quirks.

The site (``archive/demo/site``, written by ``tools/build_demo_site.py``) imitates four kinds of
real sites that republish government work reports. ``_routes.toml`` in the site root adds what a
plain file server cannot express:

* ``[redirects]``  ``"/old.html" = { to = "/new.html", status = 301 }`` (loops are allowed);
* ``[headers]``    ``"/page.html" = { "Content-Type" = "text/html; charset=utf-8" }`` exact headers,
  e.g. a GBK page announced as UTF-8, as some portals do;
* ``[status]``     ``"/page.html" = 500`` answer with that status (the file's bytes if it exists,
  else a small HTML body for errors and an empty body otherwise);
* ``[last_modified]`` ``"/page.html" = "2021-01-20T09:12:00+08:00"``, and ``[site] last_modified``
  for every other file: Last-Modified never depends on file mtimes, so answers are reproducible.

Files and folders whose name starts with ``_`` (and the site's README.md) are never served. ``.html`` files are sent as
``text/html`` without a charset, like many real portals: the page's own ``<meta>`` decides.
Every 200 answer carries an ETag (hash of the bytes) and honours If-None-Match and
If-Modified-Since with 304.

Usage::

    with DemoServer(port=0) as server:          # port 0: any free port
        urllib.request.urlopen(server.base_url + "/gov/zfgzbg/index.html")

    python -m archive.demo.server --port 8950   # serve in the foreground
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import html
import posixpath
import threading
import tomllib
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

SITE_DIR = Path(__file__).parent / "site"
DEFAULT_PORT = 8950
DEFAULT_HOST = "127.0.0.1"
ROUTES_FILE = "_routes.toml"
FALLBACK_LAST_MODIFIED = datetime(2025, 1, 1, tzinfo=UTC)
HIDDEN_NAMES = {"README.md"}  # the site's own documentation, like every "_…" file, is not served

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "application/javascript",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}


def _parse_time(value) -> datetime:
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(str(value))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0)


class Routes:
    """The special behaviour described by ``_routes.toml`` (all tables optional)."""

    def __init__(self, data: dict | None = None):
        data = data or {}
        self.redirects: dict[str, tuple[str, int]] = {}
        for path, rule in (data.get("redirects") or {}).items():
            if isinstance(rule, str):
                self.redirects[path] = (rule, 301)
            else:
                self.redirects[path] = (rule["to"], int(rule.get("status", 301)))
        self.headers: dict[str, dict[str, str]] = {
            path: {str(k): str(v) for k, v in hdrs.items()}
            for path, hdrs in (data.get("headers") or {}).items()
        }
        self.status: dict[str, int] = {}
        for path, rule in (data.get("status") or {}).items():
            self.status[path] = int(rule["status"] if isinstance(rule, dict) else rule)
        site = data.get("site") or {}
        self.default_last_modified = (
            _parse_time(site["last_modified"]) if "last_modified" in site else FALLBACK_LAST_MODIFIED
        )
        self.last_modified: dict[str, datetime] = {
            path: _parse_time(value) for path, value in (data.get("last_modified") or {}).items()
        }

    @classmethod
    def load(cls, root: Path) -> Routes:
        path = Path(root) / ROUTES_FILE
        if not path.exists():
            return cls()
        return cls(tomllib.loads(path.read_text(encoding="utf-8")))


def _small_page(status: int, title: str, message: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{status} {html.escape(title)}</title></head>\n"
        f"<body><h1>{status} {html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>\n"
    ).encode()


class DemoRequestHandler(BaseHTTPRequestHandler):
    server_version = "ArchiveDemo/1.0"
    protocol_version = "HTTP/1.1"

    # quiet: no line on stderr per request
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    @property
    def root(self) -> Path:
        return self.server.root  # type: ignore[attr-defined]

    @property
    def routes(self) -> Routes:
        return self.server.routes  # type: ignore[attr-defined]

    def do_HEAD(self):  # noqa: N802 - http.server naming
        self._answer(send_body=False)

    def do_GET(self):  # noqa: N802 - http.server naming
        self._answer(send_body=True)

    # -- helpers -------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def _error(self, status: int, title: str, message: str, send_body: bool) -> None:
        body = _small_page(status, title, message)
        self._send(status, body, {"Content-Type": "text/html; charset=utf-8"}, send_body)

    def _resolve(self, path: str) -> Path | None:
        """The file for a URL path, or None (missing, hidden or outside the root)."""
        parts = [p for p in path.split("/") if p]
        if any(p.startswith(("_", ".")) or p in HIDDEN_NAMES for p in parts):
            return None
        target = self.root.joinpath(*parts) if parts else self.root
        if target.is_dir():
            target = target / "index.html"
        try:
            target.resolve().relative_to(self.root.resolve())
        except ValueError:
            return None
        return target if target.is_file() else None

    def _answer(self, send_body: bool) -> None:
        raw_path = urlsplit(self.path).path or "/"
        path = posixpath.normpath(unquote(raw_path))
        if raw_path.endswith("/") and path != "/":
            path += "/"
        if not path.startswith("/"):
            path = "/" + path
        routes = self.routes

        if path in routes.redirects:
            target, status = routes.redirects[path]
            body = _small_page(status, "Moved", f"Moved to {target}")
            self._send(
                status, body, {"Location": target, "Content-Type": "text/html; charset=utf-8"}, send_body
            )
            return

        parts = [p for p in path.split("/") if p]
        if (
            parts
            and not path.endswith("/")
            and not any(p.startswith(("_", ".")) for p in parts)
            and self.root.joinpath(*parts).is_dir()
        ):
            self._send(301, b"", {"Location": path + "/"}, send_body)
            return
        file = self._resolve(path)

        status = routes.status.get(path, 200)
        if file is None:
            if path in routes.status:
                body = _small_page(status, "Error", "The server could not answer.") if status >= 400 else b""
                self._send(status, body, {"Content-Type": "text/html; charset=utf-8"}, send_body)
                return
            self._error(404, "Not Found", f"No page at {raw_path}", send_body)
            return

        body = file.read_bytes()
        headers = {"Content-Type": CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")}
        headers.update(routes.headers.get(path, {}))
        if status != 200:
            self._send(status, body, headers, send_body)
            return

        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        modified = routes.last_modified.get(path, routes.default_last_modified)
        headers["ETag"] = etag
        headers["Last-Modified"] = email.utils.format_datetime(modified, usegmt=True)
        if self._not_modified(etag, modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", headers["Last-Modified"])
            self.end_headers()
            return
        self._send(200, body, headers, send_body)

    def _not_modified(self, etag: str, modified: datetime) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return modified <= since
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, root: Path, routes: Routes):
        self.root = root
        self.routes = routes
        super().__init__(address, DemoRequestHandler)


class DemoServer:
    """The demo site served from a daemon thread. ``port=0`` picks a free port."""

    def __init__(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, root: str | Path = SITE_DIR):
        self.host = host
        self.port = port
        self.root = Path(root)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _bind(self) -> _Server:
        if not self.root.is_dir():
            raise FileNotFoundError(f"demo site folder not found: {self.root}")
        try:
            return _Server((self.host, self.port), self.root, Routes.load(self.root))
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"cannot serve the demo site on {self.host}:{self.port}: {exc.strerror or exc} "
                f"(is another demo server or program using port {self.port}? choose another with --port)",
            ) from exc

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        self._httpd = self._bind()
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"demo-site-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def serve_forever(self, announce: bool = False) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C)."""
        self._httpd = self._bind()
        self.port = self._httpd.server_address[1]
        if announce:
            print(f"Demo site on {self.base_url}/ (Ctrl-C to stop)", flush=True)
        try:
            self._httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m archive.demo.server",
        description="Serve the bundled demo site in the foreground. Example: "
        "python -m archive.demo.server --port 8950",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s)")
    parser.add_argument("--root", default=str(SITE_DIR), help="site folder (default: the bundled site)")
    args = parser.parse_args(argv)
    try:
        DemoServer(args.host, args.port, args.root).serve_forever(announce=True)
    except OSError as exc:
        parser.exit(2, f"error: {exc.strerror or exc}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
