"""`archive sources list|check`: the configured sources."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.cli.base import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    _resolved_sources,
    db_option,
    fail,
    main,
    sources_option,
)


# sources --------------------------------------------------------------------------------------
@main.group()
def sources():
    """List the configured sources, or dry-run one against its listing page.

    \b
    Example:
      archive sources list
      archive sources check demo-gov --sources crawler/config/demo_sources.toml
    """


@sources.command("list")
@sources_option
@db_option
def sources_list(sources_file, db_path):
    """List sources (key, name, start URLs): those of --sources, else, when the archive (--db)
    exists, the entries it recorded (and the sources file's for sources it has no record of),
    else the sources file's.

    \b
    Example:
      archive sources list --sources crawler/config/demo_sources.toml
      archive sources list --db demo.db
    """
    from crawler.sources import SourceError, load_sources, sources_path

    if not sources_file and Path(db_path).exists():
        from archive.sourcestore import archived_sources

        with _resolved_sources(db_path, None) as (db, found):
            recorded = set(archived_sources(db))
        for label, keys in (
            (f"{db_path} (recorded)", [k for k in found if k in recorded]),
            (str(sources_path(None)), [k for k in found if k not in recorded]),
        ):
            if keys:
                click.echo(f"# {label}")
            for key in keys:
                click.echo(f"{key}\t{found[key].name}\t{' '.join(found[key].start_urls)}")
        return
    try:
        found = load_sources(sources_file)
    except SourceError as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(f"# {sources_path(sources_file)}")
    for key, src in found.items():
        click.echo(f"{key}\t{src.name}\t{' '.join(src.start_urls)}")


@sources.command("check")
@click.argument("name")
@sources_option
@click.option("--url", help="Check this listing page instead of the source's start URLs.")
@click.option(
    "--file",
    "file_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Check a saved listing page (no network); use with --url for its address.",
)
@db_option
def sources_check(name, sources_file, url, file_path, db_path):
    """Dry run: which links of a listing page the source would follow and archive.

    Nothing is written. Fetches the page once (or reads --file). Without --sources, when the
    archive (--db) exists, checks the entry it recorded (as reprocess would use it). The crawl's
    address guard applies: a page on a private or loopback address is not fetched unless the
    source sets allow_private (exit 1, saying so), and links the crawl would refuse are marked.

    \b
    Example:
      archive sources check demo-gov --sources crawler/config/demo_sources.toml
      archive sources check demo-gov --db demo.db --file saved/index.html --url http://127.0.0.1:8950/gov/zfgzbg/
    """
    from archive.sourcecheck import check_source
    from crawler.sources import SourceError, load_sources

    if not sources_file and Path(db_path).exists():
        with _resolved_sources(db_path, None) as (_, found):
            pass
    else:
        try:
            found = load_sources(sources_file)
        except SourceError as exc:
            fail(str(exc), EXIT_USAGE)
    if name not in found:
        fail(f"unknown source {name!r} (known: {', '.join(sorted(found))})", EXIT_USAGE)
    if file_path and not url:
        # a saved page's links are resolved against the address it came from: the source's own
        starts = found[name].start_urls
        if not starts:
            fail("--file needs --url: the address the page was saved from", EXIT_USAGE)
        url = starts[0]
        click.echo(
            f"archive: reading {file_path} as {url} (the source's first start URL; --url to say otherwise)",
            err=True,
        )
    ok = True
    for report in check_source(found[name], url=url, file_path=file_path):
        click.echo(f"# {report['url']}  ({report['status']})")
        if report.get("error"):
            click.echo(f"  error: {report['error']}")
            ok = False
            continue
        refused = report.get("refused") or {}
        for kind, label in (("report", "archive"), ("listing", "follow"), ("ignored", "ignore")):
            links = report["links"][kind]
            click.echo(f"  {label} ({len(links)})")
            for link in links:
                click.echo(
                    f"    {link}" + (f"  (refused by the crawl: {refused[link]})" if link in refused else "")
                )
        if report["links"].get("cut"):
            click.echo(
                "  (links read no further: the crawl takes ARCHIVE_MAX_LINKS_PER_PAGE links of a page)"
            )
    sys.exit(EXIT_OK if ok else EXIT_FAILED)
