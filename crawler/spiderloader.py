"""One spider per configured source: ``scrapy list`` shows them, ``scrapy crawl KEY`` runs one.

The sources come from ``ARCHIVE_SOURCES`` (a file or a folder; default crawler/config/sources.toml,
which ships empty). A bad or empty sources file does not stop Scrapy from starting: ``problem``
says, in one line, what is wrong and how to point at sources, and the project's ``list`` and
``crawl`` commands (crawler/commands) print it instead of nothing or a traceback.
"""

from __future__ import annotations

from scrapy import Request, Spider

from crawler.sources import SourceError, load_sources, sources_path
from crawler.spiders.report import ReportSpider

HOW = "set ARCHIVE_SOURCES=PATH (a sources file or folder) or use `archive crawl --sources PATH`"


def spider_class(source) -> type[ReportSpider]:
    """A ReportSpider subclass bound to one source (what ``scrapy crawl KEY`` instantiates)."""
    return type(
        f"Spider_{source.key.replace('-', '_')}",
        (ReportSpider,),
        {"name": source.key, "sources": {source.key: source}},
    )


class SourceSpiderLoader:
    def __init__(self, settings):
        self.path = sources_path(settings.get("ARCHIVE_SOURCES"))
        self.error: str | None = None  # why the sources could not be read
        try:
            self.sources = load_sources(self.path)
        except SourceError as exc:
            self.sources, self.error = {}, str(exc)
        self._spiders = {key: spider_class(src) for key, src in self.sources.items()}

    @classmethod
    def from_settings(cls, settings):
        return cls(settings)

    def problem(self, spider_name: str | None = None) -> str | None:
        """Why no spider (or not ``spider_name``) can run, in one line that says how to point at
        sources; None when nothing is wrong."""
        if self.error:
            return f"{self.error}: fix it, or {HOW}"
        if not self.sources:
            return f"no sources configured in {self.path}: {HOW}"
        if spider_name is not None and spider_name not in self._spiders:
            return f"no source {spider_name!r} in {self.path} (sources: {', '.join(sorted(self._spiders))}): {HOW}"
        return None

    def load(self, spider_name: str) -> type[Spider]:
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(self.problem(spider_name)) from None

    def list(self) -> list[str]:
        return sorted(self._spiders)

    def find_by_request(self, request: Request) -> list[str]:
        return [k for k, s in self.sources.items() if s.classify(request.url)]
