"""``/-/downloads``: the dated dumps ``archive export`` wrote, published by ``archive serve``.

The page lists the newest dump (``latest.json``: each file's table, rows, size and SHA-256) and the
older dated folders; ``/-/downloads/<YYYY-MM-DD>/<file>`` serves a file of a dump, and only a file
its ``manifest.json`` lists (nothing else in the folder is reachable), gzip as ``application/gzip``
attachments so a browser saves them instead of showing bytes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response, asgi_send_file

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TYPES = {
    ".gz": "application/gzip",
    ".csv": "text/csv; charset=utf-8",
    ".jsonl": "application/x-ndjson",
    ".json": "application/json",
}


def exports_dir(datasette) -> Path | None:
    folder = (datasette.plugin_config("archive-downloads") or {}).get("dir")
    return Path(folder) if folder else None


def _manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def dumps(datasette) -> list[dict]:
    """Every complete dump (a dated folder with a manifest), newest first."""
    root = exports_dir(datasette)
    if root is None or not root.is_dir():
        return []
    out = []
    for folder in sorted((p for p in root.iterdir() if p.is_dir() and DAY.match(p.name)), reverse=True):
        manifest = _manifest(folder)
        if manifest:
            out.append({"date": folder.name, **manifest})
    return out


async def downloads_page(datasette, request):
    found = dumps(datasette)
    return Response.html(
        await datasette.render_template(
            "archive_downloads.html",
            {
                "dumps": found,
                "latest": found[0] if found else None,
                "metadata": datasette.metadata(),
                "base": datasette.urls.path("-/downloads/"),
            },
            request=request,
        )
    )


async def download_file(datasette, request, send):
    day, name = request.url_vars["day"], request.url_vars["name"]
    root = exports_dir(datasette)
    manifest = _manifest(root / day) if root is not None and DAY.match(day) else None
    listed = {f["name"] for f in (manifest or {}).get("files", [])} | (
        {"manifest.json"} if manifest else set()
    )
    if name not in listed:
        await Response.text("not found", status=404).asgi_send(send)
        return
    path = root / day / name
    suffix = path.suffix.lower()
    headers = {"content-disposition": f'attachment; filename="{day}-{name}"'} if suffix == ".gz" else {}
    await asgi_send_file(
        send, str(path), content_type=TYPES.get(suffix, "application/octet-stream"), headers=headers
    )


@hookimpl
def register_routes():
    return [
        (r"^/-/downloads$", downloads_page),
        (r"^/-/downloads/(?P<day>[0-9-]+)/(?P<name>[A-Za-z0-9_.-]+)$", download_file),
    ]


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path("-/downloads"), "label": "下载 Downloads"}]
