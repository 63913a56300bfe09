"""``scrapy crawl KEY``: Scrapy's, but an unknown key, or no sources at all, is one line on
stderr (how to point at sources) and exit 2, not a KeyError's traceback. Checked before the
crawler process starts (and logs its banner)."""

from __future__ import annotations

import sys

from scrapy.commands import crawl as scrapy_crawl
from scrapy.spiderloader import get_spider_loader

EXIT_USAGE = 2


class Command(scrapy_crawl.Command):
    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)  # -s, -O …: the settings the loader reads
        if len(args) == 1:
            problem = getattr(get_spider_loader(self.settings), "problem", None)
            line = problem(args[0]) if problem else None
            if line:
                print(line, file=sys.stderr)
                sys.exit(EXIT_USAGE)
