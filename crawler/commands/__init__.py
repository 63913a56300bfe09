"""The project's Scrapy commands (``COMMANDS_MODULE``): ``list`` and ``crawl`` as Scrapy's, but a
missing, empty or bad sources file is one line on stderr that says how to point at sources."""
