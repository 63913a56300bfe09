"""Continuation pages of a multi-page article (下一页 / 2 3 4 / t2018_123_1.html / index_1.html).

A continuation URL must be derived from this page's own URL (same directory, same file stem
plus a page number, or the same path with a page parameter), and the page itself must read
as an article, not a list: that keeps list pagination and prev/next-article links out.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

_PAGER_TEXT = re.compile(
    r"^[\s\[【(（]*(?:\d{1,3}|下一页|下页|后页|第\s*\d{1,3}\s*页|尾页|末页|>|»|›|>>)[\s\]】)）]*$"
)
_NOT_PAGER = re.compile(r"上一篇|下一篇|较旧|较新|上一条|下一条|前一篇|后一篇|返回")
_TRS_PAGER = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([^'\"]+)['\"]\s*,\s*['\"]([^'\"]+)['\"]"
)
_PAGE_PARAM = ("page", "p", "pn", "pageno", "pagenum", "pageindex", "curpage", "currentpage", "pg")


def _stem(path: str) -> tuple[str, str, str, int | None]:
    """(dir, stem without page number, extension, page number or None) of a URL path."""
    d, _, name = path.rpartition("/")
    base, dot, ext = name.rpartition(".")
    if not dot:
        base, ext = name, ""
    m = re.match(r"^(.*?)[_-](\d{1,3})$", base)
    if m:
        return d, m.group(1), ext, int(m.group(2))
    return d, base, ext, None


def _page_no(url: str, here: str) -> tuple[int, bool] | None:
    """(page number, whether ``here`` is page 0 of that numbering) if ``url`` is a page of the
    same article as ``here``, else None."""
    a, b = urlsplit(url), urlsplit(here)
    if a.netloc.lower() != b.netloc.lower():
        return None
    if a.path == b.path:
        qa, qb = dict(parse_qsl(a.query)), dict(parse_qsl(b.query))
        for key in list(qa):
            if key.lower() in _PAGE_PARAM and qa[key].isdigit():
                rest_a = {k: v for k, v in qa.items() if k != key}
                rest_b = {k: v for k, v in qb.items() if k != key}
                if rest_a == rest_b:
                    return int(qa[key]), key not in qb
        return None
    da, sa, ea, na = _stem(a.path)
    db, sb, eb, nb = _stem(b.path)
    if da != db or ea != eb or na is None:
        return None
    here_base = b.path.rpartition("/")[2].rpartition(".")[0] or b.path.rpartition("/")[2]
    if sa == here_base:
        return na, True
    if sa == sb:
        return na, nb is None
    return None


# over the page's bytes in lower case (a case-blind pattern is many times slower on 20 KB pages)
_EQUALS_DIGIT = re.compile(rb"=\d")
_PARAM_BEFORE = re.compile(rb"[?&;](?:" + b"|".join(p.encode() for p in _PAGE_PARAM) + rb")$")
_PARAM_LONGEST = max(map(len, _PAGE_PARAM)) + 1
_HREF_REFERENCE = re.compile(rb"""href\s*=\s*["']?[^"'>\s]*&#""")


def _has_page_param(low: bytes) -> bool:
    """Whether ``low`` holds ``?page=1``, ``&p=2``, … (each ``=digit`` is found by a literal scan
    and only then is the word before it looked at)."""
    for m in _EQUALS_DIGIT.finditer(low):
        i = m.start()
        if _PARAM_BEFORE.search(low, max(0, i - _PARAM_LONGEST), i):
            return True
    return False


def may_continue(body: bytes, url: str) -> bool:
    """False when the raw page cannot link a continuation page (so it need not be parsed for
    one): a continuation's address holds this page's file name, or its stem, followed by
    ``_N``/``-N``, or a page parameter (``?page=2``), or comes from TRS's ``createPageHTML``.
    True whenever in doubt (a non-ASCII or empty file name, a page not in an ASCII-compatible
    encoding, character references that could spell an address)."""
    low = body.lower()
    if b"createpagehtml" in low or _has_page_param(low):
        return True
    if b"\0" in body[:4096] or _HREF_REFERENCE.search(low):  # UTF-16/32; an address spelt with &#…;
        return True
    path = urlsplit(urldefrag(url)[0]).path
    name = path.rpartition("/")[2]
    here_base = name.rpartition(".")[0] or name
    _, stem, _, _ = _stem(path)
    if not here_base or not stem or not (here_base.isascii() and stem.isascii()):
        return True
    pattern = rb"(?:" + re.escape(here_base.encode()) + rb"|" + re.escape(stem.encode()) + rb")[_-]\d"
    return re.search(pattern, body) is not None


def _looks_like_article(root) -> bool:
    from .extract import extract

    ex = extract(root)
    content = ex.content
    chars = sum(b.chars for b in content)
    link = sum(b.link for b in content)
    punct = sum(b.punct for b in content)
    return chars >= 80 and link * 3 < chars and punct >= 2


def find_continuations(body: bytes, url: str, content_type: str | None = None, parsed=None) -> list[str]:
    """Absolute URLs of the further pages of this article, in order; [] if none."""
    from .decode import decode, is_binary
    from .extract import parse

    if parsed is not None:
        root = parsed.root
    else:
        if not body or is_binary(body):
            return []
        text, _, _ = decode(body, content_type)
        root = parse(text)
    if root is None:
        return []
    here = urldefrag(url)[0]
    base = here
    base_el = root.find(".//base")
    if base_el is not None and base_el.get("href"):
        base = urljoin(here, base_el.get("href"))
    found: dict[str, int] = {}
    here_is_first = False
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        label = "".join(a.itertext()).strip() or (a.get("title") or "")
        if _NOT_PAGER.search(label) or not _PAGER_TEXT.match(label):
            continue
        absu = urldefrag(urljoin(base, href))[0]
        if absu == here:
            continue
        got = _page_no(absu, here)
        if got is not None:
            found.setdefault(absu, got[0])
            here_is_first = here_is_first or got[1]
    # TRS: createPageHTML(count, current, "t2018_123", "html") writes the pager in script.
    for script in root.iter("script"):
        m = _TRS_PAGER.search(script.text or "")
        if m:
            count, current, prefix, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
            for i in range(current + 1, min(count, 200)):
                absu = urljoin(base, f"{prefix}_{i}.{ext}")
                if absu != here:
                    found.setdefault(absu, i)
                    here_is_first = here_is_first or current == 0
    if not found:
        return []
    _, _, _, here_no = _stem(urlsplit(here).path)
    q = dict(parse_qsl(urlsplit(here).query))
    for key, v in q.items():
        if key.lower() in _PAGE_PARAM and v.isdigit():
            here_no = int(v)
    if here_is_first or here_no is None:
        here_no = 0
    later = {u: n for u, n in found.items() if n > here_no}
    if not later or not _looks_like_article(root):
        return []
    return [u for u, _ in sorted(later.items(), key=lambda kv: kv[1])]
