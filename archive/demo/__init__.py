"""The bundled demo site (static pages imitating four kinds of report-publishing sites) and its server.

``from archive.demo import DemoServer, SITE_DIR, DEFAULT_PORT`` works; the names are loaded lazily so
that ``python -m archive.demo.server`` runs without a double-import warning.
"""

__all__ = ["DEFAULT_PORT", "SITE_DIR", "DemoServer"]


def __getattr__(name: str):
    if name in __all__:
        from archive.demo import server

        return getattr(server, name)
    raise AttributeError(f"module 'archive.demo' has no attribute {name!r}")
