"""The project's measure of extraction quality: how much of a page's true text an extractor kept,
and how much of what it kept is true text. The quality gate (tests/test_quality.py) and the
benchmark against other extractors (bench/bench_extract.py) both score with these functions.

Line-level, on text NFKC-normalised with all whitespace removed; lines shorter than 2 characters
are ignored:

  recall    = characters of truth lines found in the output / characters of truth lines
  precision = characters of output lines found in the truth  / characters of output lines

macro-averaged over pages, F1 from the averages. Truth lines that are themselves page chrome
(责任编辑/编辑/来源/纠错) are not required.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

CHROME_IN_TRUTH = re.compile(r"^(【?责任编辑|编辑[:：]|【纠错】|来源[:：]|\[责任编辑)")


def norm(s: str) -> str:
    """NFKC with every whitespace character removed."""
    return "".join(unicodedata.normalize("NFKC", s).split())


def lines(s: str) -> list[str]:
    """The normalised lines of ``s`` that have at least 2 characters."""
    return [n for n in (norm(x) for x in s.splitlines()) if len(n) >= 2]


def precision_recall(truth: str, got: str) -> tuple[float, float]:
    """(precision, recall) of one extracted text ``got`` against the page's ``truth``."""
    truth_lines = [x for x in lines(truth) if not CHROME_IN_TRUTH.match(x)]
    got_lines, truth_all, got_all = lines(got), norm(truth), norm(got)
    recall = sum(len(x) for x in truth_lines if x in got_all) / (sum(map(len, truth_lines)) or 1)
    got_chars = sum(map(len, got_lines))
    precision = sum(len(x) for x in got_lines if x in truth_all) / got_chars if got_chars else 0.0
    return precision, recall


def macro(scores: Iterable[tuple[float, float]]) -> tuple[float, float, float]:
    """(precision, recall, F1) macro-averaged over pages' ``(precision, recall)``."""
    scores = list(scores)
    if not scores:
        raise ValueError("no pages scored")
    p = sum(s[0] for s in scores) / len(scores)
    r = sum(s[1] for s in scores) / len(scores)
    return p, r, 2 * p * r / (p + r or 1)
