"""Values as the reading pages take and show them: request arguments as integers, addresses a link
may point to, a jurisdiction's name."""

from __future__ import annotations

from urllib.parse import urlsplit


def jurisdiction(province: str | None, city: str | None) -> str:
    parts = [p for p in (province, city) if p]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    return " ".join(parts)


def to_int(value, default: int | None = None) -> int | None:
    """``value`` as an integer SQLite can bind (a 64-bit one), else ``default``."""
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return n if -(2**63) <= n < 2**63 else default


def web_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) address a link may point to (imported files have paths)."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None
