"""Per-source boilerplate learned from many pages of one source.

A line (or a short string glued to the end/start of lines, such as " - 吉林市人民政府" after
a heading) that recurs on many pages of the same source is furniture of that source. Report
text repeats across documents too (the same report republished, common phrases), so only
short strings are learned, and never a line that reads like a sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .normalize import ascii_punct_after_cjk, norm_key

MAX_LINE = 40  # longer lines are never learned
MAX_GLUED = 24
EDGE = 6  # page chrome sits at the edges of the extracted text: only the first and
# last EDGE lines are learned from and cleaned, never the middle of a report
_SENTENCE = re.compile(r"[。！？；]|，.*，")
# The skeleton every report shares (各位代表：, 一、…, （二）…, lines that introduce a list) recurs
# across a source's reports just like chrome does; it is never learned.
_REPORT_SHAPE = re.compile(
    r"^(各位代表|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十]+[章节部分篇]"
    r"|\d{1,2}[.、．]\D|[—–-]{1,2}\s*\d{4}年)|[：:]$"
)


def edges(lines: list[str]) -> list[str]:
    """The first and last EDGE lines: where a page's chrome can be learned and removed."""
    return lines if len(lines) <= 2 * EDGE else lines[:EDGE] + lines[-EDGE:]


# a site name glued to a heading: "标题 - 网站名", "标题_网站名", "标题｜网站名"; a bare "-" is
# not a separator (phone numbers, dates, 0431-82902222)
_GLUE_SEP = re.compile(r"(\s*(?:_|\||｜|--|—+|－)\s*|\s+-\s+)")
_CJK2 = re.compile(r"[\u4e00-\u9fff].*[\u4e00-\u9fff]")


def _bodyish(s: str) -> bool:
    return (
        bool(_SENTENCE.search(s))
        or ascii_punct_after_cjk(s) > 1
        or len(s) > MAX_LINE
        or bool(_REPORT_SHAPE.search(s.strip()))
    )


def learn_boilerplate(docs: list[list[str]], *, min_docs: int = 3, min_share: float = 0.3) -> list[dict]:
    """Learn what recurs across many pages of one source.

    ``docs``: for each page, the lines around its text — what the chrome rules removed and the
    text's ``edges`` — not the middle of the text, which is report, not furniture.

    Returns [{"text", "kind": "line"|"glued", "count"}], most frequent first.
    """
    n = len(docs)
    if n < min_docs:
        return []
    need = max(min_docs, int(n * min_share + 0.999))
    line_count: Counter = Counter()
    glued_count: Counter = Counter()
    shown: dict[str, str] = {}
    for lines in docs:
        seen_l: set[str] = set()
        seen_g: set[str] = set()
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            k = norm_key(line)
            if k and k not in seen_l:
                seen_l.add(k)
                shown.setdefault("L" + k, line)
            parts = _GLUE_SEP.split(line)
            # parts = [head, sep, seg, sep, seg …]; a glued suffix is sep + last segment.
            if len(parts) >= 3:
                suffix = "".join(parts[-2:])
                prefix = "".join(parts[:2])
                for kind, s, rest in (("s", suffix, "".join(parts[:-2])), ("p", prefix, "".join(parts[2:]))):
                    core = s.strip(" _|｜-—－")
                    if (
                        2 <= len(core) <= MAX_GLUED
                        and len(rest.strip()) >= 2
                        and _CJK2.search(core)
                        and not _bodyish(core)
                    ):
                        key = kind + s
                        if key not in seen_g:
                            seen_g.add(key)
        line_count.update(seen_l)
        glued_count.update(seen_g)
    out: list[dict] = []
    for k, c in line_count.items():
        line = shown["L" + k]
        if c >= need and not _bodyish(line):
            out.append({"text": line, "kind": "line", "count": c})
    for key, c in glued_count.items():
        if c >= need:
            out.append({"text": key[1:], "kind": "glued", "count": c})
    out.sort(key=lambda d: (-d["count"], d["kind"], d["text"]))
    return out


@lru_cache(maxsize=64)
def _learned_sets(learned: tuple[tuple[str, str], ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The keys of the learned lines and the glued strings, longest first: made once per learned
    set (a crawl cleans every page of a source with the same one)."""
    keys = frozenset(norm_key(text) for text, kind in learned if kind == "line" and text)
    glued = tuple(
        sorted({text for text, kind in learned if kind == "glued" and text.strip()}, key=len, reverse=True)
    )
    return keys, glued


def apply_learned(lines: list[str], learned: list[dict]) -> tuple[list[str], list[dict]]:
    """Remove learned lines and glued strings. Returns (kept, removed with rule 'learned')."""
    line_keys, glued = _learned_sets(tuple((d.get("text") or "", d.get("kind", "line")) for d in learned))
    kept: list[str] = []
    removed: list[dict] = []
    n = len(lines)
    for i, line in enumerate(lines):
        if EDGE <= i < n - EDGE:  # the middle of the text is never touched
            kept.append(line)
            continue
        if norm_key(line) in line_keys:
            removed.append({"line": line, "rule": "learned"})
            continue
        for g in glued:
            gs = g.strip()
            if line.endswith(gs) and len(line) > len(gs) + 1:
                cut = line[: len(line) - len(gs)].rstrip()
                # the glued string came with its separator; drop a dangling one too
                cut = re.sub(r"\s*(?:_|\||｜|--|—+|－|-)$", "", cut).rstrip()
                removed.append({"line": line[len(cut) :].strip(), "rule": "learned"})
                line = cut
                break
            if line.startswith(gs) and len(line) > len(gs) + 1:
                cut = re.sub(r"^(?:_|\||｜|--|—+|－|-)\s*", "", line[len(gs) :].lstrip())
                removed.append({"line": line[: len(line) - len(cut)].strip(), "rule": "learned"})
                line = cut
                break
        if line:
            kept.append(line)
    return kept, removed
