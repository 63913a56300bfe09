"""``-s NAME=VALUE``: settings given on the command line, checked before anything runs.

Scrapy takes any text for any name and fails (or not) once the crawl is running: ``-s
DOWNLOAD_DELAY=abc`` is a traceback in the log, a crawl that fetched nothing, a run recorded as
failed, and the baseline of the next run. So a value is checked against the type of the name's
default (the project's, ``crawler.settings``, else Scrapy's): a whole number for an int (a number
for the few read as one: timeouts, days, seconds), a finite number for a float, 0/1/true/false
for a bool, a JSON object for a dict, a JSON array or comma-separated names for a list; a name
whose default is a text or None takes any text. An unknown name is refused, with the closest
known names: a misspelt limit (``DEPTH_LIMT=5``) would otherwise be silently ignored, under cron
every night. A bad setting is a usage error (exit 2, one line, no run recorded).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable

# an int default, read as a float (getfloat): a decimal value is right for these
READ_AS_NUMBER = {
    "DOWNLOAD_TIMEOUT",
    "DNS_TIMEOUT",
    "CLOSESPIDER_TIMEOUT_NO_ITEM",
    "ARCHIVE_REVISIT_DAYS",
    "ARCHIVE_SOURCE_MAX_SECONDS",
}
# names Scrapy reads without a default in scrapy.settings.default_settings
EXTRA_NAMES = {"CONCURRENT_REQUESTS_PER_IP": 0}
# set by ``archive crawl`` itself, from its options (--db, --sources) or for the run
RESERVED = {
    "ARCHIVE_DB": "use --db",
    "ARCHIVE_SOURCES": "use --sources",
    "ARCHIVE_CRAWL_RUN_ID": "archive crawl sets it for its run",
    "ARCHIVE_LOCK_HELD": "archive crawl takes the lock itself",
}


class SettingError(ValueError):
    """A ``-s NAME=VALUE`` that cannot be used (exit code 2 at the CLI)."""


def defaults() -> dict:
    """Every known setting's default: Scrapy's, then the project's over them."""
    from scrapy.settings import default_settings

    import crawler.settings as project

    out = dict(EXTRA_NAMES)
    for module in (default_settings, project):
        out.update({k: getattr(module, k) for k in dir(module) if k.isupper() and not k.startswith("_")})
    return out


def parse_overrides(items: Iterable[str], reserved: dict[str, str] | None = None) -> dict:
    """``NAME=VALUE`` texts → {NAME: value of the default's type}. Raises SettingError."""
    known = defaults()
    reserved = RESERVED if reserved is None else reserved
    out = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SettingError(f"--set wants NAME=VALUE, not {item!r}")
        if name in reserved:
            raise SettingError(f"setting {name} cannot be set with -s: {reserved[name]}")
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.75)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise SettingError(f"unknown setting {name}{hint}: not a Scrapy or project setting")
        out[name] = convert(name, text, known[name])
    return out


def convert(name: str, text: str, default):
    """``text`` as a value of ``default``'s type, or SettingError saying what the name takes."""

    def bad(wants: str):
        return SettingError(f"setting {name} wants {wants}, not {text!r}")

    value = text.strip()
    if isinstance(default, bool):
        if value in ("1", "True", "true"):
            return True
        if value in ("0", "False", "false"):
            return False
        raise bad("a boolean (true/false, 1/0)")
    if isinstance(default, int | float):
        as_int = isinstance(default, int) and name not in READ_AS_NUMBER
        try:
            number = int(value) if as_int else float(value)
        except ValueError:
            raise bad("a whole number" if as_int else "a number") from None
        if not as_int and not math.isfinite(number):
            raise bad("a finite number")
        return number
    if isinstance(default, dict):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise bad('a JSON object ({"name": value, …})')
        return parsed
    if isinstance(default, list | tuple):
        if value.startswith("["):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if not isinstance(parsed, list):
                raise bad('a JSON array (["a", "b"]) or names separated by commas')
            return parsed
        return [part.strip() for part in value.split(",") if part.strip()]
    return text  # a text, or a name whose default is None: any text
