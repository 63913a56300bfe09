"""``scrapy list``: the configured sources' spiders; with none, how to configure them (stderr)."""

from __future__ import annotations

import sys

from scrapy.commands import list as scrapy_list
from scrapy.spiderloader import get_spider_loader

EXIT_USAGE = 2


class Command(scrapy_list.Command):
    def run(self, args, opts) -> None:
        loader = get_spider_loader(self.settings)
        problem = getattr(loader, "problem", lambda: None)()
        if problem:
            print(problem, file=sys.stderr)
            if loader.error:  # a sources file that cannot be read is bad configuration
                self.exitcode = EXIT_USAGE
            return
        super().run(args, opts)
