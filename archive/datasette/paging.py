"""Pagination of the search results: the page asked for and the page links shown around it."""

from __future__ import annotations


def page_number(value, most: int = 100_000) -> int:
    """The page asked for: 1 when absent or not a number, at most ``most`` (past the end shows none)."""
    value = (value or "").strip()
    if not value.isdecimal():
        return 1
    return max(1, min(most, int(value[:7])))


def page_window(page: int, pages: int, around: int = 3) -> list[int]:
    shown = {1, pages, *range(max(1, page - around), min(pages, page + around) + 1)}
    return sorted(p for p in shown if 1 <= p <= pages)
