"""The search index's vectorised ``tokens`` and ``normalize`` give, for every input, the very
strings of the one-character-at-a-time definitions (an index built by either is the same index:
``TOKENIZER_VERSION`` did not change)."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest

from archive import search
from pipelines.cleaning.decode import decode

PAGES = Path(__file__).resolve().parent / "fixtures" / "realpages"


def _realpage_texts() -> list[tuple[str, str]]:
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((PAGES / "truth").glob("*.txt"))]
    texts += [(p.name, decode(p.read_bytes())[0]) for p in sorted((PAGES / "html").glob("*.html"))]
    return texts


def test_identical_on_every_realpage_text():
    texts = _realpage_texts()
    assert len(texts) >= 100
    for name, text in texts:
        assert search.tokens(text) == search._tokens_reference(text), name
        assert search.normalize(text) == search._normalize_reference(text), name


def test_identical_on_every_code_point():
    # each code point once, as the first and as the second of a pair, and alone between spaces
    everything = "".join(map(chr, range(0x110000)))
    assert search.tokens(everything) == search._tokens_reference(everything)
    assert search.normalize(everything) == search._normalize_reference(everything)
    spaced = " ".join(map(chr, range(0x2F00, 0x3100))) + " " + " ".join(map(chr, range(0x1F300, 0x1F400)))
    assert search.tokens(spaced) == search._tokens_reference(spaced)


KINDS = [
    "发展经济扶贫棚改人参冰雪旅游吉林市政府工作报告",  # CJK
    "ＧＤＰＡＢＣｘｙｚ０１２３４５％（），．：；！？",  # full-width forms
    "GDPabcXYZ0123456789",
    "，。、；：？！“”‘’（）《》【】—…·%$#@&*-_=+[]{}|\\/<>",
    " \u3000\xa0\t\n\r\x0b\x0c\x1c\x85\u2028\u2009\u202f",  # whitespace of every kind
    "𠀀𠀁𪚥😀🎉𝐀𝔸\U000e0001\U0010fffd",  # beyond the BMP: Extension B, emoji, maths, tags, private use
    "İΣσςẞßǅǈΐŉ\u0130\u1e9e",  # upper and lower case that are not one to one
    "e\u0301a\u0308\u0300\u20dd\u302a\u3099",  # combining marks
    "\ufffe\uffff\ufeff\ue000\uf8ff\ud800\udfff\x00\x7f",  # non-characters, private use, surrogates, controls
]


@pytest.mark.parametrize("seed", range(4))
def test_identical_on_random_mixtures(seed):
    rng = random.Random(seed)
    pool = "".join(KINDS)
    for _ in range(1500):
        n = rng.choice((1, 2, 3, 7, 40, 300))
        text = "".join(
            rng.choice(rng.choice(KINDS)) if rng.random() < 0.5 else rng.choice(pool) for _ in range(n)
        )
        assert search.tokens(text) == search._tokens_reference(text), repr(text)
        assert search.normalize(text) == search._normalize_reference(text), repr(text)


@pytest.mark.parametrize("text", ["", " ", "\u3000\n\t\xa0", "a", "发", "İ", "𠀀", "😀", "\ud800", "x\n"])
def test_identical_on_edges(text):
    assert search.tokens(text) == search._tokens_reference(text)
    assert search.normalize(text) == search._normalize_reference(text)


def test_what_is_indexed_is_pinned():
    p = chr(0xF0000 + ord("%"))
    e = search._END
    assert search.tokens("发展经济\u3000ＧＤＰ6％ 人") == f"发展 展经 经济 济{e} gd dp p6 6{p} {p}{e} 人{e}"
    assert search.tokens("İ𠀀") == f"İ𠀀 𠀀{e}"
    assert search.tokens("😀") == chr(0x100000 + ord("😀") % 0xFFFD) + e
    assert search.tokens(" \n ") == ""
    assert search.TOKENIZER_VERSION == f"2/unicode-{unicodedata.unidata_version}"
