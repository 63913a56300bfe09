"""The archive: SQLite storage, crawl runs, deduplication, exports and publishing.

``archive.__version__`` is the installed distribution's version (``zfgzbg-archive``); in a source
tree that was never installed, the version its pyproject.toml says. It is looked up on first use:
importlib.metadata costs tens of milliseconds that a crawl's start need not pay.
"""

from __future__ import annotations

from pathlib import Path

DISTRIBUTION = "zfgzbg-archive"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        pass
    import tomllib

    try:
        with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as f:
            return tomllib.load(f)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        value = _version()
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
