"""Datasette over the archive, always served as the database named ``archive``."""

from __future__ import annotations

import json
from pathlib import Path

DATASETTE_DIR = Path(__file__).parent / "datasette"
SETTINGS = {
    "default_page_size": 50,
    "sql_time_limit_ms": 5000,
    "allow_csv_stream": True,
    "max_csv_mb": 0,
    "truncate_cells_html": 300,
}


def load_metadata() -> dict:
    return json.loads((DATASETTE_DIR / "metadata.json").read_text(encoding="utf-8"))


def make_datasette(db_path: str):
    """A configured Datasette instance over ``db_path`` (the file must exist)."""
    from datasette.app import Datasette
    from datasette.database import Database

    if not Path(db_path).exists():
        raise FileNotFoundError(f"no archive at {db_path}: run 'archive crawl' or 'archive demo' first")
    templates = DATASETTE_DIR / "templates"
    plugins = DATASETTE_DIR / "plugins"
    ds = Datasette(
        [],
        metadata=load_metadata(),
        settings=SETTINGS,
        template_dir=str(templates) if templates.is_dir() else None,
        plugins_dir=str(plugins) if plugins.is_dir() else None,
        static_mounts=[("static-archive", str(DATASETTE_DIR / "static"))],
    )
    if "_memory" in ds.databases:  # Datasette adds it when started without files
        ds.remove_database("_memory")
    ds.add_database(Database(ds, path=str(Path(db_path).resolve()), is_mutable=True), name="archive")
    return ds


def serve(db_path: str, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve until interrupted."""
    import uvicorn
    from datasette.utils.asgi import asgi_send  # noqa: F401  (import check: datasette installed)

    ds = make_datasette(db_path)
    _run_sync(ds.invoke_startup)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)


def _run_sync(coro_func):
    import asyncio

    return asyncio.run(coro_func())
