"""The page types passed to clean_document."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ParsedPage:
    """A page decoded and parsed once (``parse_page``): the spider reads its continuation links,
    then the cleaner extracts from the same tree (which extraction consumes: ``take_root``)."""

    text: str
    codec: str | None
    mojibake: bool
    root: object | None  # lxml tree, or None when the text is not HTML
    encoding: str | None = None  # the codec that was forced (a source's ``encoding``), if any

    def take_root(self):
        root, self.root = self.root, None
        return root


@dataclass
class RawPage:
    body: bytes
    url: str
    content_type: str | None = None  # the HTTP Content-Type header, if any
    parsed: ParsedPage | None = None  # the spider's decode and parse of this body, when it made one
