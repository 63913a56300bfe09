"""Main-text extraction and chrome removal for Chinese government / news pages.

Public API (others code against these names)::

    RawPage(body, url, content_type=None)
    clean_document(pages, *, selectors=None, profile=None, learned=None, encoding=None) -> dict
    clean_page(body, url, content_type=None, **kw) -> dict
    find_continuations(body, url, content_type=None, parsed=None) -> list[str]
    parse_page(body, content_type=None, encoding=None) -> ParsedPage | None
    learn_boilerplate(docs, *, min_docs=3, min_share=0.3) -> list[dict]
    text_hash(text) -> str

``clean_document`` returns exactly the keys ``url, title, text, publish_date, source_name,
removed, encoding, masked_chars, truncated, mojibake, pages`` plus what
``metadata.extract_metadata`` returns. Imports are light: lxml is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .rawpage import RawPage

__all__ = [
    "cleaning_options",
    "ParsedPage",
    "RawPage",
    "clean_document",
    "clean_page",
    "find_continuations",
    "learn_boilerplate",
    "parse_page",
    "rules_version",
    "text_hash",
]


def __getattr__(name: str):
    # RawPage (a dataclass) is imported on first use: `python -m pipelines.cleaning` and
    # crawls start faster without dataclasses/inspect.
    if name in ("RawPage", "ParsedPage"):
        from . import rawpage

        return getattr(rawpage, name)
    raise AttributeError(name)


def clean_document(
    pages: list[RawPage],
    *,
    selectors: dict | None = None,
    profile: str | None = None,
    learned: list[dict] | None = None,
    encoding: str | None = None,
    with_context: bool = False,
) -> dict:
    """Clean one article given its pages in order (multi-page reports are joined).

    ``selectors``: per-source CSS selectors ``{"content", "title", "date", "source"}``;
    ``profile``: a CMS profile name from profiles.py; ``learned``: boilerplate from
    ``learn_boilerplate`` for this source; ``encoding``: force a codec; ``with_context``: also
    the key ``context`` (the lines ``page_context`` gives, from the same parse).
    """
    from .core import clean_document as _clean

    return _clean(
        pages,
        selectors=selectors,
        profile=profile,
        learned=learned,
        encoding=encoding,
        with_context=with_context,
    )


def clean_page(body: bytes, url: str, content_type: str | None = None, **kw) -> dict:
    """Clean a single page: ``clean_document([RawPage(body, url, content_type)], **kw)``."""
    from .rawpage import RawPage

    return clean_document([RawPage(body, url, content_type)], **kw)


def learn_boilerplate(docs: list[list[str]], *, min_docs: int = 3, min_share: float = 0.3) -> list[dict]:
    """Lines and glued strings that recur across many pages of one source (see boilerplate.py)."""
    from .boilerplate import learn_boilerplate as _learn

    return _learn(docs, min_docs=min_docs, min_share=min_share)


def text_hash(text: str) -> str:
    """sha256 hex of the text after NFKC with all whitespace removed (exact-dedupe key)."""
    from .normalize import text_hash as _hash

    return _hash(text)


def cleaning_options(source) -> dict:
    """The keyword arguments a source gives the cleaner (``clean_document``, ``page_context``):
    its selectors, CMS profile and forced encoding (None: none)."""
    if source is None:
        return {"selectors": None, "profile": None, "encoding": None}
    return {"selectors": source.selectors, "profile": source.profile, "encoding": source.encoding}


_RULES_VERSION: list[str] = []


def rules_version() -> str:
    """A digest of the cleaner itself (this package's code and data): what a document was
    cleaned with. Any change to the rules gives another value, so a stored document is cleaned
    again rather than assumed current."""
    if not _RULES_VERSION:
        import hashlib
        from pathlib import Path

        digest = hashlib.sha256()
        here = Path(__file__).parent
        for f in sorted(
            p for p in here.rglob("*") if p.is_file() and p.suffix in (".py", ".csv", ".json", ".toml")
        ):
            digest.update(f.relative_to(here).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
        _RULES_VERSION.append(digest.hexdigest()[:16])
    return _RULES_VERSION[0]


def find_continuations(body: bytes, url: str, content_type: str | None = None, parsed=None) -> list[str]:
    """Absolute URLs of this article's continuation pages, in order (not ``url``); [] if none.
    ``parsed``: the page's ``parse_page`` (else it is decoded and parsed here)."""
    from .pages import find_continuations as _find

    return _find(body, url, content_type, parsed=parsed)


def parse_page(body: bytes, content_type: str | None = None, encoding: str | None = None):
    """The page decoded (as the cleaner decodes it, ``encoding`` forcing a codec) and parsed, to
    be shared by ``find_continuations`` and ``clean_document`` (``RawPage.parsed``); None for an
    empty or binary body."""
    from .decode import decode, is_binary
    from .extract import parse
    from .rawpage import ParsedPage

    if not body or is_binary(body):
        return None
    text, codec, bad = decode(body, content_type, encoding)
    return ParsedPage(text=text, codec=codec, mojibake=bad, root=parse(text), encoding=encoding)


def page_context(
    pages: list[RawPage],
    *,
    selectors: dict | None = None,
    profile: str | None = None,
    encoding: str | None = None,
) -> list[str]:
    """The lines a source's template puts around the text: each page's lines before and after the
    extracted content, plus the content's first and last lines. What ``learn_boilerplate`` reads."""
    from .core import page_context as _context

    return _context(pages, selectors=selectors, profile=profile, encoding=encoding)
