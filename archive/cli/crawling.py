"""`archive crawl` and `archive demo`."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

import click

from archive.cli.base import (
    EXIT_OK,
    EXIT_USAGE,
    db_option,
    fail,
    main,
    sources_option,
)
from archive.cli.serving import _serve
from archive.demo.server import DemoServer
from archive.lock import EXIT_LOCKED, LockBusy
from archive.publish import PortUnavailable, listen


# crawl ----------------------------------------------------------------------------------------
def _crawl(db_path, sources_file, names, overrides=None, max_error_rate=0.25, log_dir=None, verbose=False):
    from archive.crawl import run_crawl
    from crawler.sources import SourceError

    try:
        return run_crawl(
            db_path,
            sources_file=sources_file,
            names=list(names) or None,
            overrides=overrides,
            max_error_rate=max_error_rate,
            log_dir=log_dir,
            verbose=verbose,
        )
    except LockBusy as exc:
        fail(str(exc), EXIT_LOCKED)
    except SourceError as exc:
        fail(str(exc), EXIT_USAGE)


@main.command()
@click.argument("names", nargs=-1, metavar="[SOURCE...]")
@db_option
@sources_option
@click.option(
    "--max-error-rate",
    default=0.25,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Fail (exit 1) when a source's failed requests exceed this share.",
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy or project setting, as with 'scrapy crawl -s' (repeatable); the value "
    "must fit the setting's type, an unknown name is refused (exit 2).",
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of the per-run log files (default: logs/ beside the archive).",
)
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's log on stderr too.")
def crawl(names, db_path, sources_file, max_error_rate, settings, log_dir, verbose):
    """Crawl the configured sources (all by default) into the archive.

    Cron-safe: takes the archive's lock (exit 75 if another writer holds it), records a
    crawl_runs row (and a crawl_run_sources row per source, with its checks), writes Scrapy's
    log to a file per run and prints a one-line summary. Pages already archived are revalidated
    (conditional GET), not fetched again. Exit 1 when errors pass the threshold, a source that
    had reports before yields none, or yields less than half the report pages of its last run.

    \b
    Example:
      archive crawl --db /srv/reports/archive.db
      archive crawl demo-gov --sources crawler/config/demo_sources.toml --db demo.db
    """
    from crawler.overrides import SettingError, parse_overrides

    try:  # checked before the lock and the run's row: a bad value is a usage error, not a failed run
        overrides = {"ARCHIVE_PROGRESS": sys.stderr.isatty(), **parse_overrides(settings)}
    except SettingError as exc:
        fail(str(exc), EXIT_USAGE)
    result = _crawl(db_path, sources_file, names, overrides, max_error_rate, log_dir, verbose)
    click.echo(result.summary)
    sys.exit(result.exit_code)


# demo -----------------------------------------------------------------------------------------
@main.command()
@click.option(
    "--db",
    "db_path",
    default="demo.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to build the demo archive.",
)
@click.option(
    "--site-port", default=8950, show_default=True, help="Port of the bundled demo site (stored URLs use it)."
)
@click.option("--port", "old_site_port", type=int, default=None, hidden=True)  # --site-port's old name
@click.option("--serve-port", default=8001, show_default=True, help="Port for Datasette (after the crawl).")
@click.option("--no-serve", is_flag=True, help="Stop after the crawl (don't start Datasette).")
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's log on stderr.")
def demo(db_path, site_port, old_site_port, serve_port, no_serve, verbose):
    """Serve the bundled demo site on 127.0.0.1, crawl it, then browse it in Datasette.

    Datasette's port (--serve-port) is taken before the crawl: when it is in use, the demo stops
    at once (exit 2).

    \b
    Example:
      archive demo                          # then open http://127.0.0.1:8001/archive
      archive demo --serve-port 8002 --site-port 8951
      archive demo --no-serve --db /tmp/demo.db
    """
    port = site_port if old_site_port is None else old_site_port
    sock = None
    if not no_serve:
        try:
            sock = listen("127.0.0.1", serve_port)
        except PortUnavailable as exc:
            fail(f"{exc}: choose Datasette's port with --serve-port N (or --no-serve)", EXIT_USAGE)
    overrides = {
        "ARCHIVE_PROGRESS": sys.stderr.isatty(),
        # the demo site is ours and local: no need to be slow
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "CONCURRENT_REQUESTS": 16,
    }
    try:
        server = DemoServer(port=port).start()
    except OSError as exc:
        fail(
            f"cannot start the demo site on 127.0.0.1:{port}: {exc}: choose its port with --site-port N",
            EXIT_USAGE,
        )
    click.echo(f"demo site: {server.base_url}/")
    try:
        with demo_sources_file(port) as sources_file:
            result = _crawl(db_path, sources_file, (), overrides, verbose=verbose)
    finally:
        server.stop()
    click.echo(result.summary)
    if result.exit_code != EXIT_OK or no_serve:
        sys.exit(result.exit_code)
    _serve(db_path, "127.0.0.1", serve_port, sock)


@contextlib.contextmanager
def demo_sources_file(port: int):
    """The demo's sources file; for a port other than 8950, a temporary copy pointing there."""
    from crawler.sources import DEMO_SOURCES

    if port == 8950:
        yield str(DEMO_SOURCES)
        return
    text = DEMO_SOURCES.read_text(encoding="utf-8").replace("127.0.0.1:8950", f"127.0.0.1:{port}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo_sources.toml"
        path.write_text(text, encoding="utf-8")
        yield str(path)
