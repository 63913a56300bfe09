"""Text tidying that keeps the report faithful: whitespace only, plus re-joining paragraphs
that the page layout broke mid-sentence. No punctuation or width conversion."""

from __future__ import annotations

import functools
import html
import re
import unicodedata

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009\u200a\u202f\u205f\x0b\x0c]+")
_ALL_WS = re.compile(r"\s+")

TERMINAL = "。！？!?…；;：:”’」』）)】>》~～—"
_MID_SENTENCE_END = "，、,（(“‘《"
# List markers and heading numbers: a line starting so is its own paragraph.
_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.．)）](?!\d)|"
    r"第[一二三四五六七八九十百\d]+[章节部分条篇]|[①-⑳]|[■□●◆◇▲△★☆※·•\-—－]|附件|各位代表|同志们)"
)
_ASCII_PUNCT = re.compile(r"[,;!?](?!\d)")
# Patterns over CJK ranges are avoided on purpose: compiling one costs ~3 ms at every process
# start (sre builds a bitmap of the range), and the CLI starts a process per page.


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def ascii_punct_after_cjk(s: str) -> int:
    """How many , ; ! ? follow a CJK ideograph (sentence punctuation typed half-width)."""
    n = 0
    for m in _ASCII_PUNCT.finditer(s):
        i = m.start()
        if i and "\u4e00" <= s[i - 1] <= "\u9fff":
            n += 1
    return n


def has_sentence(s: str) -> bool:
    """The line carries sentence punctuation (full-width, or half-width after Chinese)."""
    for c in "，。！？；":
        if c in s:
            return True
    return ascii_punct_after_cjk(s) > 0


class _CJKMatcher:
    """Drop-in for the few ``_CJK.match``/``.search`` uses, without a CJK regex."""

    @staticmethod
    def match(s: str) -> bool:
        return bool(s) and "\u4e00" <= s[0] <= "\u9fff"

    @staticmethod
    def search(s: str) -> bool:
        return any("\u4e00" <= c <= "\u9fff" for c in s)


_CJK = _CJKMatcher()


# An entity left as text by a page that escaped its HTML twice (``&amp;nbsp;`` shows ``&nbsp;``):
# named (``&ldquo;``) or numeric (``&#12289;``, ``&#x3001;``), the semicolon required.
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def tidy_line(line: str) -> str:
    """Decode entities a twice-escaped page left as text, remove zero-width characters, collapse
    spaces (NBSP, U+3000 …), drop indentation."""
    if "&" in line:
        line = _ENTITY.sub(lambda m: html.unescape(m.group()), line)
    line = _ZERO_WIDTH.sub("", line)
    line = _SPACES.sub(" ", line)
    return line.strip()


def split_lines(text: str) -> list[str]:
    out = []
    for raw in text.splitlines():
        t = tidy_line(raw)
        if t:
            out.append(t)
    return out


def _looks_continuation(prev: str, nxt: str) -> bool:
    if not prev or not nxt or len(prev) < 12:
        return False
    last = prev[-1]
    if last in TERMINAL:
        return False
    if _MARKER.match(nxt):
        return False
    if last in _MID_SENTENCE_END:
        return bool(_CJK.search(prev[-6:] + nxt[:6]))
    # A line ending in the middle of a word: only for long prose lines, never headings.
    if _MARKER.match(prev) or not _CJK.match(last) or not _CJK.match(nxt[0]):
        return False
    punct = sum(prev.count(c) for c in "，。；")
    return len(prev) >= 30 and punct >= 2 and (len(nxt) >= 20 and any(c in nxt for c in "，。；"))


def join_broken(lines: list[str]) -> list[str]:
    """Re-join paragraphs the layout broke mid-sentence (the line has no end punctuation and
    the next one continues it). Headings and list items are left alone."""
    out: list[str] = []
    for line in lines:
        if out and _looks_continuation(out[-1], line):
            sep = " " if (out[-1][-1].isascii() and out[-1][-1].isalnum() and line[0].isascii()) else ""
            out[-1] = out[-1] + sep + line
        else:
            out.append(line)
    return out


def is_truncated(lines: list[str]) -> bool:
    """The text stops mid-sentence: the last line is prose without end punctuation."""
    if not lines:
        return False
    last = lines[-1]
    if last[-1] in TERMINAL or last[-1] in "\"'":
        return False
    if last[-1] in _MID_SENTENCE_END:
        return True
    return (
        len(last) >= 15
        and any(c in last for c in "，。、；")
        and bool(_CJK.match(last[-1]) or last[-1].isalnum())
    )


_MASK = re.compile(r"[*＊]+")


def masked_chars(text: str) -> int:
    """Characters replaced by * (word filters): runs of * touching a CJK character."""
    n = 0
    for m in _MASK.finditer(text):
        a, b = m.start(), m.end()
        before = text[a - 1] if a else ""
        after = text[b] if b < len(text) else ""
        if (before and _CJK.match(before)) or (after and _CJK.match(after)):
            # A bullet at the start of a line is not a mask.
            if (a == 0 or text[a - 1] == "\n") and after == " ":
                continue
            n += b - a
    return n


def text_hash(text: str) -> str:
    """sha256 hex of the text after NFKC and with all whitespace removed (exact dedupe key)."""
    import hashlib

    text = text or ""
    if not text.isascii():  # ASCII is its own NFKC
        text = unicodedata.normalize("NFKC", _fold_compatibility(text))
    # str.split() and the regex \s split at the same characters (both are str.isspace)
    return hashlib.sha256("".join(text.split()).encode("utf-8")).hexdigest()


@functools.cache
def _compatibility_table():
    """For each BMP character: does it stand for other characters that are already in NFKC form
    (full-width forms, the ideographic space, …, compatibility ideographs)?"""
    import numpy as np

    table = np.zeros(0x10000, dtype=bool)
    for o in range(0x10000):
        c = chr(o)
        d = unicodedata.normalize("NFKD", c)
        table[o] = d != c and d == unicodedata.normalize("NFKC", c)
    return table


def _fold_compatibility(text: str) -> str:
    """``text`` with the characters of ``_compatibility_table`` replaced by their decompositions:
    the same NFKC (which decomposes every character fully before composing), and Chinese text is
    then mostly in NFKC form already, which ``unicodedata.normalize`` sees at once (quick check)
    instead of decomposing and recomposing every character."""
    import numpy as np

    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    present = np.unique(cps[_compatibility_table()[cps & 0xFFFF] & (cps <= 0xFFFF)])
    if present.size > 64:  # one pass over the text each: let NFKC do it
        return text
    for o in present.tolist():
        c = chr(o)
        text = text.replace(c, unicodedata.normalize("NFKD", c))
    return text


def norm_key(text: str) -> str:
    """Comparison key for lines: NFKC, no whitespace."""
    return _ALL_WS.sub("", unicodedata.normalize("NFKC", text))
