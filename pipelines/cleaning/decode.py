"""Bytes → text for Chinese pages: BOM, HTTP header, <meta charset>, then what decodes cleanly.

GBK and GB2312 are always decoded as GB18030 (a superset, so no character is lost). When the
header and the page disagree, the candidate that decodes strictly and reads as Chinese wins.
Nothing is decoded with replacement characters silently: the result says so (``mojibake``).
"""

from __future__ import annotations

import codecs
import re

import numpy as np

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)

# Codec aliases as seen on Chinese sites → the codec to use.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "gb_2312": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "gb18030": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "iso-ir-58": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode": "utf-8",
    "utf-16": "utf-16",
    # Latin-1 declarations on Chinese pages are nearly always wrong; windows-1252 is what
    # browsers use for them, and it only wins if nothing Chinese decodes.
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Characters typical of UTF-8 read as GBK (锟斤拷 etc.) or as Latin-1 (Ã, â€).
_MOJIBAKE = re.compile(
    r"锟斤拷|烫烫烫|屯屯屯|[ÃÂâ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|"
    r"[鍙鐨锛鏈鍦涓嶆槸€]{3}"
)


# Python's gb18030 follows GB18030-2005 for a few code points that browsers (WHATWG) and
# GB18030-2022 decode to real characters; the most common is 0xA3A0, an ideographic space.
_GB_FIXES = {0xE5E5: "\u3000", 0xE7C7: "\u1e3f"}
_GB_FIXES.update({0xE78D + i: chr(0xFE10 + i) for i in range(10)})


_PUA = re.compile("[\ue000-\ue8ff]")


def _fix_gb(text: str) -> str:
    if _PUA.search(text):
        return text.translate(_GB_FIXES)
    return text


def _drop_stray(exc: UnicodeError) -> tuple[str, int]:
    """Error handler: a lone lead byte cut off by ASCII (a truncated character) is dropped;
    anything else becomes U+FFFD, which the caller then flags."""
    if isinstance(exc, UnicodeDecodeError):
        obj, start, end = exc.object, exc.start, exc.end
        if end - start == 1 and (end >= len(obj) or obj[end] < 0x80):
            return "", end
        return "\ufffd", end
    raise exc


codecs.register_error("zfgz-stray", _drop_stray)


_MOJIBAKE_HINT = re.compile("[ÃÂâ锟烫屯鍙鐨锛鏈鍦涓嶆槸€]")


def normalize_codec(name: str | None) -> str | None:
    """Map a declared charset name to the Python codec we decode it with (None if unknown)."""
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        codec = codecs.lookup(key).name
    except LookupError:
        return None
    return _ALIASES.get(codec, codec)


def declared_charsets(body: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """(charset from the HTTP header, charset from <meta>/<?xml?> in the first 4 KB)."""
    header = None
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        header = normalize_codec(m.group(1)) if m else None
    head = body[:4096]
    m = _META_CHARSET.search(head) or _XML_DECL.search(head)
    meta = normalize_codec(m.group(1).decode("ascii", "ignore")) if m else None
    return header, meta


def _level1() -> np.ndarray:
    """For each basic ideograph U+4E00–U+9FA5: is it a GB2312 level-1 character (its GBK lead
    byte 0xB0–0xD7)? Every one of them is two bytes in GBK."""
    leads = np.frombuffer("".join(map(chr, range(0x4E00, 0x9FA6))).encode("gb18030"), dtype=np.uint8)[0::2]
    assert leads.size == 0x9FA6 - 0x4E00
    return (leads >= 0xB0) & (leads <= 0xD7)


_LEVEL1 = _level1()


def _cjk_stats(text: str) -> tuple[float, int]:
    """(``_cjk_quality``, the number of ideographs U+4E00–U+9FFF in the first 30,000 characters)."""
    cps = np.frombuffer(text[:30000].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    hz = cps[(cps >= 0x4E00) & (cps <= 0x9FFF)]
    sample = hz[:1500]
    sample = sample[sample <= 0x9FA5]
    if sample.size < 20:
        return 1.0, int(hz.size)
    return int(_LEVEL1[sample - 0x4E00].sum()) / int(sample.size), int(hz.size)


def _cjk_quality(text: str) -> float:
    """Share of CJK ideographs (in a sample) that are common GB2312 level-1 characters.

    The sample: the first 1,500 ideographs U+4E00–U+9FFF of the first 30,000 characters, of
    which those up to U+9FA5 (GBK's basic ideographs) count. Real Chinese text scores ~0.9+;
    bytes decoded with the wrong CJK codec score far lower. Returns 1.0 when the sample has
    fewer than 20 ideographs.
    """
    return _cjk_stats(text)[0]


def _reads_chinese(text: str) -> bool:
    """The text reads as Chinese: its ideographs are common ones (``_cjk_quality``) and
    outnumber its replacement characters (another codec's bytes read as UTF-8 give few)."""
    quality, hanzi = _cjk_stats(text)
    return quality >= 0.6 and hanzi > text[:30000].count("\ufffd")


def looks_mojibake(text: str, *, quality: float | None = None) -> bool:
    """True if the text carries replacement characters or typical wrong-codec sequences.
    ``quality``: the text's ``_cjk_quality`` when the caller has it already."""
    if "\ufffd" in text:
        return True
    if _MOJIBAKE_HINT.search(text[:50000]) and _MOJIBAKE.search(text[:50000]):
        return True
    return (_cjk_quality(text) if quality is None else quality) < 0.6


def is_binary(body: bytes) -> str | None:
    """Name of a non-text format served as a page (PDF, Office, images, archives), else None."""
    head = body[:8]
    for magic, kind in (
        (b"%PDF", "pdf"),
        (b"PK\x03\x04", "zip"),
        (b"\xd0\xcf\x11\xe0", "ole"),
        (b"\x89PNG", "png"),
        (b"\xff\xd8\xff", "jpeg"),
        (b"GIF8", "gif"),
        (b"\x1f\x8b", "gzip"),
        (b"Rar!", "rar"),
        (b"7z\xbc\xaf", "7z"),
    ):
        if head.startswith(magic):
            return kind
    sample = body[:2048]
    if sample.count(b"\x00") > len(sample) // 10 and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return None


def decode(
    body: bytes, content_type: str | None = None, encoding: str | None = None
) -> tuple[str, str, bool]:
    """Decode page bytes. Returns (text, codec used, mojibake flag).

    Order: an explicit ``encoding`` argument, BOM, UTF-8 (strict), the declared charsets
    (header, then meta), GB18030, Big5; the first that decodes strictly and reads as Chinese
    wins. When none decodes strictly, the declared charset wins if its errors are few (< 5 %
    of the characters) and its text reads as Chinese; else the codec with the fewest errors
    among those whose text reads as Chinese (charset-normalizer is consulted then).
    """
    if not body:
        return "", encoding or "utf-8", False
    if encoding:
        codec = normalize_codec(encoding) or encoding
        text = body.decode(codec, "replace")
        if codec == "gb18030":
            text = _fix_gb(text)
        return text, codec, looks_mojibake(text)
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, "replace")
            return text, codec, "\ufffd" in text
    header, meta = declared_charsets(body, content_type)
    # A strict UTF-8 decode of non-ASCII bytes is almost never an accident.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8", looks_mojibake(text)
    candidates: list[str] = []
    for c in (header, meta, "gb18030", "big5hkscs"):
        if c and c != "utf-8" and c not in candidates:
            candidates.append(c)
    # Single-byte Western codecs decode anything: try them only after the CJK codecs.
    candidates.sort(key=lambda c: c in ("cp1252", "latin-1", "iso8859-1"))
    fallback = None
    for c in candidates:
        try:
            text = body.decode(c)
        except (UnicodeDecodeError, LookupError):
            continue
        if c == "cp1252" or c.startswith("iso8859"):
            fallback = fallback or (text, c)
            continue
        quality = _cjk_quality(text)
        if quality >= 0.6:
            if c == "gb18030":
                text = _fix_gb(text)  # one character for one, none of them an ideograph: same quality
            return text, c, looks_mojibake(text, quality=quality)
        fallback = fallback or (text, c)
    if fallback and not fallback[1].startswith(("cp1252", "iso8859")):
        return fallback[0], fallback[1], True
    # Nothing decodes strictly. A page damaged here and there (junk bytes, a cut character)
    # is read in its declared charset when that gives few errors and reads as Chinese: the
    # wrong CJK codec often gives fewer U+FFFD, but its text is mojibake.
    for c in dict.fromkeys(x for x in (header, meta) if x and x not in ("cp1252", "utf-16")):
        try:
            text = body.decode(c, "zfgz-stray")
        except LookupError:
            continue
        bad = text.count("\ufffd")
        if bad < 0.05 * len(text) and _reads_chinese(text):
            return (_fix_gb(text) if c == "gb18030" else text), c, bad > 0
    # Else the codec with the fewest errors among those whose text reads as Chinese, and say so.
    decoded = []
    for c in [x for x in candidates if x not in ("cp1252",)] + ["utf-8"]:
        text = body.decode(c, "zfgz-stray")
        decoded.append((text, c, text.count("\ufffd")))
    chinese = [d for d in decoded if _reads_chinese(d[0])]
    best = None
    for d in chinese or decoded:
        if best is None or d[2] < best[2]:
            best = d
    assert best is not None
    if best[2] * 1000 > len(best[0]):
        try:
            from charset_normalizer import from_bytes
        except ImportError:  # pragma: no cover - optional
            from_bytes = None
        if from_bytes is not None:
            match = from_bytes(body).best()
            if match is not None and match.encoding:
                codec = normalize_codec(match.encoding) or match.encoding
                text = body.decode(codec, "replace")
                if text.count("\ufffd") < best[2] and (not chinese or _reads_chinese(text)):
                    best = (text, codec, text.count("\ufffd"))
    if (
        fallback
        and best[2] > 0
        and fallback[1].startswith(("cp1252", "iso8859"))
        and not any("\u4e00" <= c <= "\u9fff" for c in best[0][:20000])
    ):
        return fallback[0], fallback[1], looks_mojibake(fallback[0])
    # A handful of broken bytes in a long page is damage, not a wrong codec.
    text = _fix_gb(best[0]) if best[1] == "gb18030" else best[0]
    return text, best[1], best[2] > 0
