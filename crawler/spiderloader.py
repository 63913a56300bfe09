"""One spider per configured source: ``scrapy list`` shows them, ``scrapy crawl KEY`` runs one."""

from __future__ import annotations

from scrapy import Request, Spider

from crawler.sources import load_sources
from crawler.spiders.report import ReportSpider


def spider_class(source) -> type[ReportSpider]:
    """A ReportSpider subclass bound to one source (what ``scrapy crawl KEY`` instantiates)."""
    return type(
        f"Spider_{source.key.replace('-', '_')}",
        (ReportSpider,),
        {"name": source.key, "sources": {source.key: source}},
    )


class SourceSpiderLoader:
    def __init__(self, settings):
        self.sources = load_sources(settings.get("ARCHIVE_SOURCES"))
        self._spiders = {key: spider_class(src) for key, src in self.sources.items()}

    @classmethod
    def from_settings(cls, settings):
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def list(self) -> list[str]:
        return sorted(self._spiders)

    def find_by_request(self, request: Request) -> list[str]:
        return [k for k, s in self.sources.items() if s.classify(request.url)]
