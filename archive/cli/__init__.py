"""The ``archive`` command. It only parses arguments and calls the library (archive/*, pipelines/*).

One module per kind of work: ``crawling`` (crawl, demo), ``serving`` (serve), ``exporting``
(export, status), ``maintenance`` (index, dedupe), ``ingesting`` (clean, import, reprocess),
``sourcing`` (sources list, check); ``base`` holds the group, the shared options and the
errors-to-one-line rule. Importing this package registers every command on ``main``.
"""

from archive.cli import crawling, exporting, ingesting, maintenance, serving, sourcing  # noqa: F401 - they register their commands
from archive.cli.base import EXIT_FAILED, EXIT_OK, EXIT_USAGE, environment_error, fail, main
from archive.cli.crawling import demo_sources_file

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "demo_sources_file", "environment_error", "fail", "main"]
