"""Scrapy's request dupefilter, except for redirect hops.

A redirect hop is judged by REDIRECT_MAX_TIMES, not by the dupefilter: a redirect loop
(A → B → A) must reach the report's errback as ``redirect_loop`` (and be archived as a failed
capture), not vanish silently because A was seen.
"""

from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter


class RedirectAwareDupeFilter(RFPDupeFilter):
    def request_seen(self, request) -> bool:
        if request.meta.get("redirect_urls"):
            return False
        return super().request_seen(request)
