"""Scrapy settings for the report crawler.

Polite by default: robots.txt obeyed, AutoThrottle on, two requests at a time per site, an honest
user agent. ``archive crawl`` and ``scrapy crawl`` both use this module; the ``ARCHIVE_*`` settings
say where the archive and the sources are.
"""

import os

BOT_NAME = "zfgzbg-archive"

SPIDER_LOADER_CLASS = "crawler.spiderloader.SourceSpiderLoader"
COMMANDS_MODULE = "crawler.commands"  # list, crawl: a missing or empty sources file says how to set one
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = (
    "zfgzbg-archive/0.1 (research archive of government work reports; "
    "+https://github.com/zfgzbg-archive/zfgzbg-archive)"
)
ROBOTSTXT_OBEY = True

# One crawl runs every source: the total is shared by thousands of hosts, each of which still
# gets at most CONCURRENT_REQUESTS_PER_DOMAIN at a time, DOWNLOAD_DELAY apart (AutoThrottle).
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# broad-crawl settings (Scrapy's docs): the scheduler hands out requests of idle hosts first, and
# host names are resolved in more threads
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
REACTOR_THREADPOOL_MAXSIZE = 20
# items (and requests) of one response handled at a time: a report page yields one item, a listing
# page some dozens of requests; Scrapy's 100 made 100 asyncio tasks for every response (7 % of a
# crawl's CPU in a py-spy profile of bench_crawl_memory)
CONCURRENT_ITEMS = 8
# responses whose items are still in the pipelines (cleaning, waiting for the writer's commit):
# 1 MB of them, not Scrapy's 5 MB (each holds its page, its text and what learning reads: the
# backlog was most of a crawl's peak memory); fetching waits while the pipelines catch up
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024  # a report page larger than this is not a web page
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
REDIRECT_MAX_TIMES = 8
# Traps and limits (crawler/middlewares.py): links more than DEPTH_LIMIT hops from a start page,
# longer than URLLENGTH_LIMIT or whose path repeats a segment ARCHIVE_MAX_SEGMENT_REPEATS times are
# dropped (logged, counted as archive/skipped/*); report continuation pages are exempt from the depth.
# DOWNLOAD_MAXSIZE also bounds a compressed body once inflated (a gzip bomb is refused mid-way).
DEPTH_LIMIT = 100  # hops, pagination included: a pager showing 3 pages either side reaches ~300 listing pages
URLLENGTH_LIMIT = 1000
ARCHIVE_MAX_SEGMENT_REPEATS = 3
# Budgets (crawler/budget.py): DEPTH_LIMIT bounds depth, not breadth. Each source stops at this many
# requests (listing, report and continuation pages), follows at most this many listing pages, and
# stops this many seconds after its first request; a source's max_requests / max_listings /
# max_seconds override them (0: no limit). A source that reaches one gets a `budget` warning.
ARCHIVE_SOURCE_MAX_REQUESTS = 2000
ARCHIVE_SOURCE_MAX_LISTINGS = 300
ARCHIVE_SOURCE_MAX_SECONDS = 1800
# One hostile page: links taken (report and listing) per listing page, the rest not read
# (archive/skipped/links_cut); a page of more bytes than ARCHIVE_MAX_HTML_BYTES is stored raw but
# not parsed nor cleaned (archive/skipped/too_large: its tree would take ~45 times its size).
ARCHIVE_MAX_LINKS_PER_PAGE = 1000
ARCHIVE_MAX_HTML_BYTES = 8 * 1024 * 1024
# No request to a private, loopback, link-local … address unless the source says allow_private.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # one spider, many sources:
    "crawler.middlewares.SourceOffsite": 50,  # each request keeps to its own source's domains
    "crawler.middlewares.SourceBudgetGuard": 55,  # a source out of time: its queued requests dropped
    "crawler.middlewares.PrivateAddressGuard": 60,  # after the offsite check, before RobotsTxtMiddleware
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.CrawlLimits": 950,  # before DepthMiddleware (900) and UrlLengthMiddleware (800)
}
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("ARCHIVE_LOG_LEVEL", "INFO")

# extract (pure cleaning) → the archive's one writer: store, then its steps in order (dedupe:
# grouping works on stored rows, matched against the whole archive; the search index, per batch)
ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "archive.writer.ArchiveWriter": 300,
}
DEDUP_ENABLED = True
ARCHIVE_CLEAN_WORKERS = 0  # cleaning processes (``archive crawl`` sets CPUs - 1)
ARCHIVE_LEARN = True  # learn each source's recurring chrome as the crawl goes (archive.learning)
STATS_CLASS = "crawler.stats.SourceStatsCollector"  # counts per source (crawl_run_sources)
DUPEFILTER_CLASS = "crawler.dupefilter.RedirectAwareDupeFilter"
# what the spider asks before requesting a report page (crawler.revisit): the archive by default
ARCHIVE_REVISIT_CLASS = "archive.revisit.ArchiveRevisit"
EXTENSIONS = {
    "crawler.extensions.Progress": 500,
    "archive.scrapy_lock.WriterLock": 0,  # a plain ``scrapy crawl`` takes the archive's lock
}

# Where things go. ``archive crawl --db/--sources`` set these; ``scrapy crawl`` reads the environment.
ARCHIVE_DB = os.environ.get("ARCHIVE_DB", "archive.db")
ARCHIVE_SOURCES = os.environ.get("ARCHIVE_SOURCES")  # None: crawler/config/sources.toml
ARCHIVE_CRAWL_RUN_ID = None  # set by ``archive crawl``: captures point to their run
ARCHIVE_BATCH_SIZE = 200  # documents per SQLite transaction
# Archived report pages are revalidated with conditional GETs (ETag / Last-Modified of their stored
# capture); pages whose server sent neither are refetched only after this many days (a source's
# ``revisit_days`` overrides it; 0 refetches them every run). Listing pages are always fetched.
ARCHIVE_REVISIT_DAYS = 30
ARCHIVE_LOCK_HELD = False  # ``archive crawl`` holds <db>.lock itself; a plain ``scrapy crawl`` takes it
ARCHIVE_PROGRESS = False  # a progress line on stderr (``archive crawl`` on a terminal)

FEED_EXPORT_ENCODING = "utf-8"
# feeds (``scrapy crawl KEY -O items.jsonl``): each item as its document, the raw bytes left out
FEED_EXPORTERS = {
    "json": "crawler.exporters.JsonItemExporter",
    "jsonlines": "crawler.exporters.JsonLinesItemExporter",
    "jsonl": "crawler.exporters.JsonLinesItemExporter",
    "jl": "crawler.exporters.JsonLinesItemExporter",
    "csv": "crawler.exporters.CsvItemExporter",
    "xml": "crawler.exporters.XmlItemExporter",
    "marshal": "crawler.exporters.MarshalItemExporter",
    "pickle": "crawler.exporters.PickleItemExporter",
}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
