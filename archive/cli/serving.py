"""`archive serve`: Datasette over the archive."""

from __future__ import annotations

from pathlib import Path

import click

from archive.cli.base import (
    EXIT_USAGE,
    db_option,
    fail,
    main,
)
from archive.publish import PortUnavailable, listen
from archive.publish import serve as serve_datasette


# serve ----------------------------------------------------------------------------------------
def _serve(db_path, host, port, sock):
    if not Path(db_path).exists():
        fail(f"no archive at {db_path}: run 'archive crawl' or 'archive demo' first", EXIT_USAGE)
    click.echo(f"Datasette: http://{host}:{port}/archive  (Ctrl-C to stop)")
    serve_datasette(db_path, host=host, port=port, sock=sock)


@main.command()
@db_option
@click.option(
    "--host", default=None, help="Interface to listen on.  [default: 127.0.0.1; 0.0.0.0 with --public]"
)
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
@click.option(
    "--public",
    is_flag=True,
    help="For a public server: all interfaces (unless --host), read-only, no arbitrary SQL (canned queries "
    "still run), no .db download, robots.txt and X-Robots-Tag keep search engines out.",
)
@click.option(
    "--exports",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of 'archive export' dumps listed at /-/downloads (default: exports/ beside the archive).",
)
def serve(db_path, host, port, public, exports):
    """Browse, facet, search and download the archive in Datasette (database name: archive).

    The archive is read through read-only connections while crawls keep writing it. Without
    --public, custom SQL is allowed (on 127.0.0.1 by default).

    \b
    Example:
      archive serve --db archive.db --port 8001
      archive serve --db /srv/zfgzbg/archive.db --public --port 8001   # behind a reverse proxy
    """
    host = host or ("0.0.0.0" if public else "127.0.0.1")
    if not Path(db_path).exists():
        fail(f"no archive at {db_path}: run 'archive crawl' or 'archive demo' first", EXIT_USAGE)
    try:  # before the URL is printed: a busy port is a usage error, one line
        sock = listen(host, port)
    except PortUnavailable as exc:
        fail(f"{exc}: choose another with --port N", EXIT_USAGE)
    click.echo(
        f"Datasette{' (public: read-only, no custom SQL)' if public else ''}: "
        f"http://{host}:{port}/archive  (Ctrl-C to stop)"
    )
    serve_datasette(db_path, host=host, port=port, public=public, exports=exports, sock=sock)
