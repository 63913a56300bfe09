"""The whole cleaning path for one document: decode → extract → chrome rules → learned
boilerplate → normalisation → flags → metadata."""

from __future__ import annotations

import re

from pipelines import document

from . import rules as R
from .boilerplate import apply_learned, edges
from .chrome import strip_chrome
from .decode import decode, is_binary, looks_mojibake
from .normalize import has_sentence, is_truncated, join_broken, masked_chars, norm_key, split_lines, tidy_line

RESULT_KEYS = document.RESULT_KEYS  # the cleaner's own keys (the document record)

_DATE_RE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d\d)(0[1-9]|1[0-2])([0-2]\d|3[01])(?!\d)")
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-/_]?(0[1-9]|1[0-2])[-/_]?([0-2]\d|3[01])(?!\d)")
_LABELED = re.compile(R.DATE_LABELED)
_SOURCE = [re.compile(p) for p in R.SOURCE_PATTERNS]
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|--|—+|－|\s-\s|::|·)\s*")


class _Sentence:
    search = staticmethod(has_sentence)


_SENTENCE = _Sentence()
_DATE_META = (
    "pubdate",
    "publishdate",
    "publish_date",
    "article:published_time",
    "og:release_date",
    "firstpublishedtime",
    "releasedate",
    "datepublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "sitepublishdate",
    "weibo:article:create_at",
    "ptime",
    "publishtime",
    "createdate",
)
_SOURCE_META = ("contentsource", "source", "og:article:source", "article:source", "sourcename")


def _is_text_input(url: str | None, content_type: str | None) -> bool:
    if content_type and content_type.split(";")[0].strip().lower() == "text/plain":
        return True
    path = (url or "").split("?")[0].split("#")[0].lower()
    return path.endswith(".txt")


def _valid_date(y: str, m: str, d: str) -> str | None:
    yi, mi, di = int(y), int(m), int(d)
    if 1990 <= yi <= 2100 and 1 <= mi <= 12 and 1 <= di <= 31:
        return f"{yi:04d}-{mi:02d}-{di:02d}"
    return None


def find_date(text: str, *, labeled_only: bool = False) -> str | None:
    m = _LABELED.search(text)
    if m:
        d = _DATE_RE.search(m.group("d"))
        if d:
            return _valid_date(*d.groups())
        d = _DATE_COMPACT.search(m.group("d"))
        if d:
            return _valid_date(*d.groups())
    if labeled_only:
        return None
    d = _DATE_RE.search(text)
    return _valid_date(*d.groups()) if d else None


def find_source(text: str) -> str | None:
    for rx in _SOURCE:
        m = rx.search(text)
        if m:
            v = m.group("v").strip("《》“”\"' 【】[]()（）:：")
            v = re.split(r"(?:作者|编辑|发布|时间|日期|浏览|点击|阅读|字号|责任)", v)[0].strip()
            if len(v) >= 2 and not re.fullmatch(r"[\d\s\-:/.]+", v) and not v.startswith("http"):
                return v
    return None


def _clean_title(t: str | None) -> str | None:
    if not t:
        return None
    t = tidy_line(t)
    return t or None


def title_from_html(ex) -> str | None:
    """The article's title: per-source selector, <meta ArticleTitle/og:title>, a heading or
    block just above the article that <title> starts with (or contains), the nearest
    h1/h2, else <title> minus the site-name part."""
    if ex.title:
        return _clean_title(ex.title)
    meta = ex.meta
    for key in ("articletitle", "og:title", "twitter:title", "dc.title"):
        v = _clean_title(meta.get(key))
        if v and 4 <= len(v) <= 150:
            return v
    html_title = _clean_title(meta.get("<title>")) or ""
    hkey = norm_key(html_title)
    near = list(ex.before) + list(ex.content[:3])
    best, best_rank = None, None
    for pos, b in enumerate(near):
        k = norm_key(b.text)
        if not (4 <= len(k) <= 150) or b.link * 2 > b.chars or not hkey or k not in hkey:
            continue
        # rank: <title> starts with it, then a heading tag, then closeness to the article
        rank = (hkey.startswith(k), b.tag in ("h1", "h2", "h3"), len(k) >= 8, pos)
        if best_rank is None or rank > best_rank:
            best, best_rank = b.text, rank
    if best:
        return _clean_title(best)
    for b in reversed(ex.before):
        if b.tag in ("h1", "h2") and 4 <= b.chars <= 80 and b.link * 2 < b.chars:
            return _clean_title(b.text)
    segments = [x for x in _TITLE_SPLIT.split(html_title) if x.strip()]
    if segments:
        first = segments[0]
        if len(first) < 6 and len(segments) > 1:
            first = max(segments, key=len)
        return _clean_title(first)
    v = _clean_title(meta.get("title"))
    return v if v and 4 <= len(v) <= 150 else None


def _empty_result(url: str | None, encoding: str | None, npages: int) -> dict:
    out = dict.fromkeys(RESULT_KEYS)
    out.update(
        url=url,
        text="",
        removed=[],
        encoding=encoding,
        masked_chars=0,
        truncated=False,
        mojibake=False,
        pages=npages,
    )
    return out


class _Page:
    __slots__ = (
        "lines",
        "links",
        "title",
        "removed",
        "date",
        "source",
        "encoding",
        "mojibake",
        "before",
        "around",
    )

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.links: list[float] | None = None
        self.title: str | None = None
        self.removed: list[dict] = []
        self.date: str | None = None
        self.source: str | None = None
        self.encoding: str | None = None
        self.mojibake = False
        self.before: list[str] = []
        self.around: list[str] = []  # the tidied lines before and after the content (page_context)


def _page_from_html(text: str, url: str, selectors, profile, root=None) -> _Page:
    from .extract import extract, parse

    page = _Page()
    if root is None:
        root = parse(text)
    if root is None:
        return page
    ex = extract(root, selectors=selectors, profile=profile)
    lines, links = [], []
    for b in ex.content:
        t = tidy_line(b.text)
        if t:
            lines.append(t)
            links.append(b.link / b.chars if b.chars else 0.0)
    page.lines, page.links = lines, links
    page.title = title_from_html(ex)
    page.before = [b.text for b in ex.before] + [b.text for b in ex.after[:8]]
    page.around = [t for t in (tidy_line(b.text) for b in (*ex.before, *ex.after)) if t]
    meta = ex.meta
    sel_date = meta.get("selector:date")
    if sel_date:
        page.date = find_date(sel_date)
    if not page.date:
        for key in _DATE_META:
            v = meta.get(key)
            if v:
                d = _DATE_RE.search(v) or _DATE_COMPACT.search(v)
                page.date = _valid_date(*d.groups()) if d else None
                if page.date:
                    break
    sel_src = meta.get("selector:source")
    if sel_src:
        page.source = find_source(sel_src) or tidy_line(sel_src) or None
    if not page.source:
        for key in _SOURCE_META:
            v = meta.get(key)
            if v and 2 <= len(v) <= 40 and not v.startswith("http"):
                page.source = tidy_line(v)
                break
    return page


def _page_from_txt(text: str) -> _Page:
    page = _Page()
    page.lines = split_lines(text)
    return page


def _title_from_lines(lines: list[str]) -> str | None:
    for line in lines[:3]:
        if 4 <= len(line) <= 60 and not _SENTENCE.search(line) and line[-1] not in "：:":
            return line
        break
    return None


def clean_document(
    pages: list,
    *,
    selectors: dict | None = None,
    profile: str | None = None,
    learned: list[dict] | None = None,
    encoding: str | None = None,
    with_context: bool = False,
) -> dict:
    """Clean one article from its pages (in order). See the package docstring for the keys.
    ``with_context``: also return ``context``, the lines ``page_context`` gives for these pages
    (what boilerplate learning reads), made from the same parse."""
    if not pages:
        return _attach_metadata(_empty_result(None, encoding, 0))
    first = pages[0]
    all_lines: list[str] = []
    removed: list[dict] = []
    context: list[str] = []  # what page_context gives for these pages: what learning reads
    title = date = source = None
    codec = None
    moj = False
    for n, raw in enumerate(pages):
        body = raw.body or b""
        kind = is_binary(body)
        if kind:
            if n == 0:
                out = _empty_result(first.url, None, len(pages))
                return _attach_metadata(out)
            continue
        parsed = getattr(raw, "parsed", None)
        if parsed is not None and parsed.encoding != encoding:
            parsed = None  # decoded with another forced codec: not this cleaning's input
        if parsed is not None:
            text, used, bad = parsed.text, parsed.codec, parsed.mojibake
        else:
            text, used, bad = decode(body, raw.content_type, encoding)
        codec = codec or used
        moj = moj or bad
        if _is_text_input(raw.url, raw.content_type):
            page = _page_from_txt(text)
        else:
            page = _page_from_html(
                text, raw.url, selectors, profile, root=parsed.take_root() if parsed is not None else None
            )
        if n == 0:
            title = page.title
        context.extend(page.around)
        context.extend(edges(page.lines))
        page_removed_before = len(removed)
        kept, rem = strip_chrome(page.lines, title=title, link_share=page.links)
        removed.extend(rem)
        if learned:
            kept, rem = apply_learned(kept, learned)
            removed.extend(rem)
        if n == 0 and title is None and _is_text_input(raw.url, raw.content_type):
            t = _title_from_lines(kept)
            if t:
                title = t
                kept = kept[1:]
                removed.append({"line": t, "rule": "title"})
        # Date / source: from what the rules removed, then the lines around the article.
        if n == 0:
            date = page.date
            source = page.source
            pool = [r["line"] for r in removed[page_removed_before:]] + page.before
            if not date:
                for line in pool:
                    date = find_date(line, labeled_only=True)
                    if date:
                        break
            if not date:
                for line in pool:
                    if len(line) <= 80:
                        date = find_date(line)
                        if date:
                            break
            if not source:
                for line in pool:
                    if len(line) <= 120:
                        source = find_source(line)
                        if source:
                            break
            if not date:
                from urllib.parse import unquote

                d = _URL_DATE.search(unquote(raw.url or ""))
                if d:
                    date = _valid_date(*d.groups())
        elif kept and all_lines and norm_key(kept[0]) == norm_key(all_lines[-1]):
            removed.append({"line": kept[0], "rule": "repeated"})
            kept = kept[1:]
        all_lines.extend(kept)
    all_lines = join_broken(all_lines)
    text = "\n".join(all_lines)
    out = _empty_result(first.url, codec, len(pages))
    out.update(
        title=title,
        text=text,
        publish_date=date,
        source_name=source,
        removed=removed,
        masked_chars=masked_chars(text),
        truncated=is_truncated(all_lines),
        mojibake=moj or (bool(text) and looks_mojibake(text)),
    )
    out = _attach_metadata(out)
    if with_context:
        out["context"] = context
    return out


def _attach_metadata(out: dict) -> dict:
    from .metadata import extract_metadata

    try:
        meta = extract_metadata(
            title=out.get("title"),
            text=out.get("text") or "",
            url=out.get("url"),
            publish_date=out.get("publish_date"),
        )
    except Exception:  # noqa: BLE001 - metadata must never lose a cleaned document
        meta = {}
    for k, v in (meta or {}).items():
        if k not in RESULT_KEYS:
            out[k] = v
    return out


def page_context(
    pages: list, *, selectors: dict | None = None, profile: str | None = None, encoding: str | None = None
) -> list[str]:
    """Lines around the extracted text of each page (see ``pipelines.cleaning.page_context``)."""
    from .extract import extract, parse

    out: list[str] = []
    for raw in pages:
        body = raw.body or b""
        if is_binary(body):
            continue
        text, _, _ = decode(body, raw.content_type, encoding)
        if _is_text_input(raw.url, raw.content_type):
            out.extend(edges(split_lines(text)))
            continue
        root = parse(text)
        if root is None:
            continue
        ex = extract(root, selectors=selectors, profile=profile)
        around = [tidy_line(b.text) for b in ex.before] + [tidy_line(b.text) for b in ex.after]
        content = [t for t in (tidy_line(b.text) for b in ex.content) if t]
        out.extend(t for t in around if t)
        out.extend(edges(content))
    return out
