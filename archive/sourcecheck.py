"""``archive sources check``: what a source's patterns do with the links of a listing page."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from w3lib.encoding import html_to_unicode

from crawler import settings
from crawler.links import classify_links
from crawler.sources import Source


def fetch(url: str, timeout: float = 30) -> tuple[int, str | None, bytes]:
    req = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read(settings.DOWNLOAD_MAXSIZE)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type"), exc.read()


def check_source(source: Source, *, url: str | None = None, file_path: str | None = None) -> list[dict]:
    """One report per checked page: {url, status, links: {report, listing, ignored}} or {error}."""
    out = []
    if file_path:
        targets = [(url or Path(file_path).resolve().as_uri(), None)]
    else:
        targets = [(u, None) for u in ([url] if url else source.start_urls)]
    for target, _ in targets:
        try:
            if file_path:
                status, ctype, body = 200, None, Path(file_path).read_bytes()
            else:
                status, ctype, body = fetch(target)
        except (OSError, ValueError) as exc:
            out.append({"url": target, "status": "-", "error": str(exc)})
            continue
        _, text = html_to_unicode(ctype, body)
        entry = {"url": target, "status": status, "links": classify_links(source, text, target)}
        if status >= 400:
            entry["error"] = f"HTTP {status}"
        out.append(entry)
    return out
