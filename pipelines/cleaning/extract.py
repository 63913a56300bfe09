"""Density-based main-text extraction tuned for Chinese pages.

The page is flattened into text blocks (one per paragraph: <p>, <br>, block elements, table
rows), each with its length, the part of it inside links and its count of sentence
punctuation. Every block gets a weight: positive for prose (Chinese sentences carry ，。；！？),
negative for link lists and short unpunctuated labels. The blocks under any DOM element are
a contiguous range, so each element's score is a difference of prefix sums; the article is
the element with the highest score — the container that holds most prose and least chrome.
Known CMS containers (profiles.py) and per-source CSS selectors refine the choice.
"""

from __future__ import annotations

import functools
import re

from lxml import etree

from . import profiles
from .normalize import ascii_punct_after_cjk

# Elements whose content is never text of the page.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "select",
    "option",
    "optgroup",
    "textarea",
    "button",
    "input",
    "svg",
    "canvas",
    "template",
    "map",
    "audio",
    "video",
    "source",
    "head",
    "nav",
    "dialog",
    "datalist",
    "math",
    "menu",
)

# Elements that start and end a paragraph.
BLOCK_TAGS = frozenset(
    (
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "blockquote",
        "pre",
        "center",
        "form",
        "fieldset",
        "legend",
        "address",
        "figure",
        "figcaption",
        "hr",
        "body",
        "html",
        "details",
        "summary",
        "label",
        "marquee",
    )
)
# Block elements that may hold a whole article.
CONTAINER_TAGS = frozenset(
    (
        "div",
        "section",
        "article",
        "main",
        "td",
        "body",
        "table",
        "tbody",
        "form",
        "center",
        "blockquote",
        "font",
        "span",
        "dd",
        "li",
        "ul",
        "p",
    )
)
# Inside a table cell these mean the cell is layout, not data.
_LAYOUT_IN_CELL = frozenset(
    (
        "p",
        "div",
        "table",
        "br",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "section",
        "article",
        "dl",
    )
)

STRONG_PUNCT = "，。！？；"
_WS = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\ufeff\u2028\u2029]+")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_ASCII_SENT = re.compile(r"[a-z][.!?;,](?:\s|$)")
_DATETIME = re.compile(r"(?:19|20)\d\d[-/年.]\d{1,2}[-/月.]\d{1,2}日?\s*\d{1,2}:\d\d")
# C0 control characters but tab, newline and carriage return, and DEL: junk bytes, never text
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_NOT_JUNK = re.compile(r"[^\ufffd\x00-\x20\x7f\u3000\u00a0]")


class Block:
    """One paragraph of the page."""

    __slots__ = ("text", "chars", "link", "punct", "tag", "weight")

    def __init__(self, text: str, chars: int, link: int, punct: int, tag: str) -> None:
        self.text = text
        self.chars = chars  # non-space characters
        self.link = link  # non-space characters inside <a>
        self.punct = punct  # strong sentence punctuation
        self.tag = tag  # innermost block element
        self.weight = 0.0

    def __repr__(self) -> str:
        return f"Block({self.text[:30]!r}, chars={self.chars}, link={self.link}, w={self.weight:.1f})"


class Extraction:
    """Blocks of the page, the article's range among them, and what the page says about itself."""

    def __init__(
        self,
        blocks: list[Block],
        start: int,
        end: int,
        html_title: str | None = None,
        meta: dict | None = None,
    ) -> None:
        self.blocks = blocks
        self.start = start
        self.end = end
        self.title: str | None = None
        self.html_title = html_title
        self.meta = meta or {}
        self.node = None

    @property
    def content(self) -> list[Block]:
        return self.blocks[self.start : self.end]

    @property
    def before(self) -> list[Block]:
        return self.blocks[max(0, self.start - 15) : self.start]

    @property
    def after(self) -> list[Block]:
        return self.blocks[self.end : self.end + 15]


def _nonspace(s: str) -> int:
    return len(s) - s.count(" ")


def block_weight(b: Block) -> float:
    n = b.chars
    if not n:
        return 0.0
    good = n - b.link
    if b.link * 2 > n:
        return -float(n)
    if b.tag == "pre":
        return good * 0.5
    if b.punct or _ASCII_SENT.search(b.text):
        return good * (1.0 + min(b.punct, 8) * 0.05) - b.link
    if good >= 40:
        return good * 0.3 - b.link
    return -0.5 * good - b.link - 1.0


def _junk(text: str) -> bool:
    """Replacement characters (undecodable bytes) with at most as many stray characters that
    such bytes happen to make (à, ÿ), and no ideograph, letter or digit of ASCII: junk."""
    rest = _NOT_JUNK.findall(text)
    if len(rest) > text.count("\ufffd"):
        return False
    return not any("\u4e00" <= c <= "\u9fff" or (c.isascii() and c.isalnum()) for c in rest)


def _soft(b: Block) -> bool:
    return b.link * 2 < b.chars and b.chars <= 60 and b.tag not in ("td", "th", "li", "tr")


def parse(text: str):
    """Parse decoded HTML into an lxml tree (None if there is nothing to parse)."""
    text = _XML_DECL.sub("", text, count=1)
    # libxml2 stops or restructures at control characters (junk bytes between paragraphs)
    text = _CONTROL.sub("", text)
    if not text.strip():
        return None
    parser = etree.HTMLParser(
        remove_comments=True, remove_pis=True, encoding="utf-8", no_network=True, recover=True, huge_tree=True
    )
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root


def _meta(root) -> dict:
    out: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("name") or m.get("property") or m.get("itemprop") or m.get("http-equiv") or "").lower()
        val = (m.get("content") or "").strip()
        if key and val and key not in out:
            out[key] = val
    t = root.find(".//title")
    if t is not None:
        out["<title>"] = _WS.sub(" ", "".join(t.itertext())).strip()
    return out


# class/id tokens of page furniture: comments, sharing, breadcrumbs, footers, related links,
# navigation, ads. Matched against whole tokens of class and id split at - _ and spaces.
CHROME_TOKENS = frozenset(
    (
        "comment",
        "comments",
        "commentlist",
        "commentbox",
        "pinglun",
        "replies",
        "respond",
        "discuss",
        "liuyan",
        "share",
        "sharebox",
        "bdshare",
        "fenxiang",
        "breadcrumb",
        "breadcrumbs",
        "crumb",
        "crumbs",
        "footer",
        "copyright",
        "banquan",
        "sidebar",
        "related",
        "relate",
        "xgxw",
        "xgwz",
        "recommend",
        "recommends",
        "tuijian",
        "advert",
        "advertisement",
        "adsbygoogle",
        "guanggao",
        "nav",
        "navbar",
        "navigation",
        "subnav",
        "topnav",
        "menu",
        "submenu",
        "toolbar",
        "login",
        "qrcode",
        "erweima",
        "gotop",
        "backtop",
        "reward",
    )
)
_TOKEN_SPLIT = re.compile(r"[-_\s]+")
_CITATION = re.compile(r"^\s*\[\s*\d+(?:\s*[-–,]\s*\d+)*\s*\]\s*$")


# Only boxes are dropped by class: a <span class="hljs-comment"> in code is text.
_CHROME_BOXES = frozenset(
    (
        "div",
        "section",
        "aside",
        "ul",
        "ol",
        "dl",
        "table",
        "tr",
        "td",
        "footer",
        "form",
        "p",
        "li",
        "nav",
        "header",
        "center",
    )
)
_COMMENT_TOKENS = frozenset(
    ("comment", "comments", "commentlist", "commentbox", "pinglun", "replies", "respond", "discuss", "liuyan")
)


def _chrome_class(el) -> float:
    """Largest share of the page's text a chrome element may hold to be dropped (0: not chrome).
    Comment threads can outweigh the article, other furniture cannot."""
    share = 0.0
    for attr in ("class", "id"):
        v = el.get(attr)
        if v:
            for tok in _TOKEN_SPLIT.split(v.lower()):
                if tok in _COMMENT_TOKENS:
                    return 0.9
                if tok in CHROME_TOKENS:
                    share = 0.5
    return share


def _holds_article(el, total: int) -> bool:
    """A <nav> or <header> left unclosed swallows the article after it (in libxml2's tree as in
    a browser's): it holds most of the page's text, or blocks of long sentences."""
    text = "".join("".join(el.itertext()).split())
    if len(text) * 2 > total:
        return True
    for d in el.iter("p", "article", "main"):
        t = "".join("".join(d.itertext()).split())
        if len(t) >= 80 and sum(t.count(c) for c in STRONG_PUNCT) >= 2:
            return True
    return False


# compiled once (root.xpath compiles its expression at every call)
_WITH_CLASS_OR_ID = etree.XPath("//*[@class or @id]")
_STYLED_HIDDEN = etree.XPath(
    "//*[contains(@style,'none') or contains(@style,'hidden') or contains(@style,'NONE')]"
)
_HIDDEN_ATTR = etree.XPath("//*[@hidden]|//*[@aria-hidden='true']")


def _strip(root) -> None:
    total = None
    navs = [el for el in root.iter("nav") if el.getparent() is not None]
    if navs:
        total = len("".join("".join(root.itertext()).split())) or 1
        swallowing = [el for el in navs if _holds_article(el, total)]
        for el in swallowing:
            el.tag = "zfgz-unwrap"  # kept, its children in its place: not dropped as navigation
        if swallowing:
            etree.strip_tags(root, "zfgz-unwrap")
    etree.strip_elements(root, *DROP_TAGS, with_tail=False)
    # Citation markers ([4]) in <sup>.
    for el in root.iter("sup"):
        if el.getparent() is not None and _CITATION.match("".join(el.itertext())):
            _remove_keep_tail(el)
    for el in _WITH_CLASS_OR_ID(root):
        if el.tag not in _CHROME_BOXES or el.getparent() is None:
            continue
        share = _chrome_class(el)
        if not share:
            continue
        if total is None:
            total = len("".join("".join(root.itertext()).split())) or 1
        text = "".join("".join(el.itertext()).split())
        if len(text) < share * total and not (el.tag in ("nav", "header") and _holds_article(el, total)):
            _remove_keep_tail(el)
    # Hidden elements: their tail text still belongs to the page.
    for el in _STYLED_HIDDEN(root):
        if _HIDDEN.search(el.get("style", "")) and el.getparent() is not None and _small(el):
            _remove_keep_tail(el)
    for el in _HIDDEN_ATTR(root):
        if el.getparent() is not None and el.tag not in ("html", "body") and _small(el):
            _remove_keep_tail(el)


def _small(el) -> bool:
    """Hidden widgets are small or link lists; a hidden article (shown by script) is neither."""
    text = "".join("".join(el.itertext()).split())
    if len(text) < 200:
        return True
    links = sum(len("".join("".join(a.itertext()).split())) for a in el.iter("a"))
    return links * 2 > len(text)


def _remove_keep_tail(el) -> None:
    parent = el.getparent()
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def linearize(root) -> tuple[list[Block], list[tuple[object, int, int]], list]:
    """Flatten the tree into blocks.

    Also returns (element, first block, end block) for container elements, and a function
    that scores the best run of consecutive children of any element (see ``best_run``).
    """
    blocks: list[Block] = []
    nodes: list[tuple[object, int, int]] = []
    buf: list[str] = []
    link_chars = 0
    link_depth = 0
    block_stack: list[str] = ["body"]
    frames: list[list] = []  # [first block, child ranges]
    spans: list[tuple] = []  # (element, start, end, child ranges) of elements with content
    row_cells: set = set()
    pre_depth = 0

    def flush() -> None:
        nonlocal link_chars
        if buf:
            text = _WS.sub(" ", "".join(buf)).strip()
            buf.clear()
            if "\ufffd" in text and _junk(text):
                text = ""  # undecodable bytes between paragraphs: no paragraph of the page
            if text:
                n = _nonspace(text)
                p = 0
                for c in STRONG_PUNCT:
                    p += text.count(c)
                if p == 0:
                    p = ascii_punct_after_cjk(text)
                blocks.append(Block(text, n, min(link_chars, n), p, block_stack[-1]))
        link_chars = 0

    def add(s: str) -> None:
        nonlocal link_chars
        if pre_depth and "\n" in s:
            # preformatted text (code, poems, plain-text reports) keeps its lines
            for k, part in enumerate(s.split("\n")):
                if k:
                    flush()
                buf.append(part)
                if link_depth:
                    link_chars += len("".join(part.split()))
            return
        buf.append(s)
        if link_depth:
            link_chars += len("".join(s.split()))

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            if event == "end" and el.tail:
                add(el.tail)
            continue
        tag = tag.lower()
        if event == "start":
            if tag in BLOCK_TAGS:
                if tag in ("td", "th") and el in row_cells:
                    buf.append(" ")
                else:
                    flush()
                    block_stack.append(tag)
                if tag == "tr":
                    cells = [c for c in el if isinstance(c.tag, str) and c.tag in ("td", "th")]
                    if len(cells) > 1 and not any(
                        isinstance(d.tag, str) and d.tag in _LAYOUT_IN_CELL
                        for c in cells
                        for d in c.iterdescendants()
                    ):
                        row_cells.update(cells)
            elif tag == "a":
                link_depth += 1
            if tag in ("pre", "textarea", "xmp", "plaintext", "listing"):
                pre_depth += 1
            frames.append([len(blocks), []])
            if el.text:
                add(el.text)
        else:
            if tag in BLOCK_TAGS:
                if tag in ("td", "th") and el in row_cells:
                    buf.append(" ")
                else:
                    flush()
                    if len(block_stack) > 1:
                        block_stack.pop()
            elif tag == "br":
                flush()
            elif tag == "a":
                link_depth -= 1
            if tag in ("pre", "textarea", "xmp", "plaintext", "listing"):
                pre_depth -= 1
            start, kids = frames.pop()
            end = len(blocks)
            if end > start:
                if frames:
                    frames[-1][1].append((start, end))
                if tag in CONTAINER_TAGS:
                    nodes.append((el, start, end))
                if kids and (len(kids) > 1 or kids[0] != (start, end)):
                    spans.append((el, start, end, kids))
            if el.tail:
                add(el.tail)
    flush()
    return blocks, nodes, spans


def best_run(prefix: list[float], spans: list, nodes: list) -> tuple[float, int, int, object] | None:
    """The highest-scoring range of blocks made of consecutive children of one element
    (a whole element is the run of all its children). Ties go to the shorter range."""
    best: tuple[float, int, int, object] | None = None
    for el, s, e in nodes:
        sc = prefix[e] - prefix[s]
        if best is None or sc > best[0] or (sc == best[0] and e - s < best[2] - best[1]):
            best = (sc, s, e, el)
    for el, start, end, kids in spans:
        # segments: child ranges, and the parent's own text blocks between them
        segs: list[tuple[int, int]] = []
        pos = start
        for ks, ke in kids:
            if ks < pos:
                ks = pos
            if ke <= ks:
                continue
            segs.extend((b, b + 1) for b in range(pos, ks))
            segs.append((ks, ke))
            pos = ke
        segs.extend((b, b + 1) for b in range(pos, end))
        if len(segs) < 2:
            continue
        cur = 0.0
        cur_s = segs[0][0]
        for ss, se in segs:
            w = prefix[se] - prefix[ss]
            if cur <= 0:
                cur, cur_s = w, ss
            else:
                cur += w
            if best is None or cur > best[0] or (cur == best[0] and se - cur_s < best[2] - best[1]):
                best = (cur, cur_s, se, el)
    return best


def _first_of_listing(best: tuple, nodes: list, blocks: list[Block], prefix: list[float]) -> tuple:
    """A page listing several full posts (blog front page): keep the first post only.

    Posts are elements of the same tag and class, each scoring positive, separated by blocks
    with links (post titles, "comments" footers). Sections of one report have no link rows
    between them, so they are never split up.
    """
    bs, be = best[0], best[1]
    groups: dict[tuple, list[tuple[int, int]]] = {}
    for el, s, e in nodes:
        cls = el.get("class")
        if cls and bs <= s and e <= be and (s, e) != (bs, be) and prefix[e] - prefix[s] > 0:
            groups.setdefault((el.tag, cls), []).append((s, e))
    total = prefix[be] - prefix[bs]
    for members in groups.values():
        members.sort()
        flat = [m for i, m in enumerate(members) if i == 0 or m[0] >= members[i - 1][1]]
        if len(flat) < 2 or len(flat) != len(members):
            continue
        if sum(prefix[e] - prefix[s] for s, e in flat) < 0.6 * total:
            continue
        gaps_with_links = 0
        for (_, e1), (s2, _) in zip(flat, flat[1:], strict=False):
            if s2 > e1 and any(b.link * 2 > b.chars or _DATETIME.search(b.text) for b in blocks[e1:s2]):
                gaps_with_links += 1
        if gaps_with_links == len(flat) - 1:
            s, e = flat[0]
            return (s, e, best[2])
    return best


def _marker_match(el, markers) -> bool:
    cls = el.get("class")
    if cls:
        for token in cls.lower().split():
            if ("class", token) in markers:
                return True
    i = el.get("id")
    return bool(i and ("id", i.lower()) in markers)


@functools.lru_cache(maxsize=1024)
def _css_xpath(selector: str):
    """A source's CSS selector as a compiled XPath, once per selector (not once per page)."""
    from cssselect import GenericTranslator

    return etree.XPath(GenericTranslator().css_to_xpath(selector))


def _css(root, selector: str) -> list:
    try:
        return _css_xpath(selector)(root)
    except Exception:  # noqa: BLE001 - a bad configured selector must not stop cleaning
        return []


def extract(root, *, selectors: dict | None = None, profile: str | None = None) -> Extraction:
    meta = _meta(root)
    body = root.find(".//body")
    if body is None:
        body = root
    _strip(root)
    selected_title = None
    if selectors and selectors.get("title"):
        found = _css(root, selectors["title"])
        if found:
            selected_title = _WS.sub(" ", "".join(found[0].itertext())).strip() or None
    if selectors:
        for key in ("date", "source"):
            if selectors.get(key):
                found = _css(root, selectors[key])
                if found:
                    meta["selector:" + key] = _WS.sub(" ", "".join(found[0].itertext())).strip()
    blocks, nodes, spans = linearize(body)
    for b in blocks:
        b.weight = block_weight(b)
    prefix = [0.0]
    acc = 0.0
    for b in blocks:
        acc += b.weight
        prefix.append(acc)
    ex = Extraction(blocks, 0, 0, html_title=meta.get("<title>"), meta=meta)
    if not blocks:
        return ex
    chosen = None
    if selectors and selectors.get("content"):
        found = _css(root, selectors["content"])
        ids = {id(el) for el in found}
        ranges = [(s, e, el) for el, s, e in nodes if id(el) in ids]
        if ranges:
            s = min(r[0] for r in ranges)
            e = max(r[1] for r in ranges)
            chosen = (s, e, ranges[0][2])
    if chosen is None:
        found_best = best_run(prefix, spans, nodes)
        if found_best is None or found_best[0] <= 0:
            return ex
        best_score, bs, be, bel = found_best
        best = (bs, be, bel)
        markers = profiles.content_markers(profile)
        # Prefer a known CMS container inside the winner when it keeps most of its score.
        for el, s, e in nodes:
            if bs <= s and e <= be and (s, e) != (bs, be) and _marker_match(el, markers):
                sc = prefix[e] - prefix[s]
                if sc >= 0.75 * best_score and sc > 0:
                    best = (s, e, el)
                    break
        best = _first_of_listing(best, nodes, blocks, prefix)
        s, e = best[0], best[1]
        # Short plain blocks at the edges (headings, info lines) come along; the chrome
        # rules sort them out later.
        for _ in range(3):
            if s > 0 and _soft(blocks[s - 1]):
                s -= 1
        for _ in range(3):
            if e < len(blocks) and _soft(blocks[e]):
                e += 1
        chosen = (s, e, best[2])
    ex.start, ex.end, ex.node = chosen
    ex.title = selected_title
    return ex
