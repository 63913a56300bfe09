"""Apply the named chrome rules of rules.py to the lines of an extracted text."""

from __future__ import annotations

import re
from functools import lru_cache

from . import rules as R
from .normalize import has_sentence, norm_key

_SEPARATORS = re.compile(r"[\s|｜/·•:：,，、\-—_]+")


class _Sentence:
    search = staticmethod(has_sentence)


_SENTENCE = _Sentence()
# Outside the head of the text a date alone is body (a signature date): fields need a label.
_LABEL = re.compile(
    r"来源|阅读|阅览|访问|点击|浏览|发布|时间|日期|编辑|作者|评论|打印|关闭|字[体号]|次|收藏|分享|更新"
)


@lru_cache(maxsize=1)
def compiled() -> list[dict]:
    out = []
    for rule in R.RULES:
        r = dict(rule)
        if "pattern" in r:
            r["re"] = re.compile(r["pattern"])
        if "tokens" in r:
            r["re"] = re.compile("|".join(f"(?:{t})" for t in r["tokens"]))
        if "need" in r:
            r["need_re"] = re.compile(r["need"])
        out.append(r)
    return out


def _token_rule_hits(rule: dict, line: str, zone: str) -> bool:
    if len(line) > rule.get("max_len", 200):
        return False
    if zone != "head" and not _LABEL.search(line) and rule["name"] == "meta_line":
        return False
    if "need_re" in rule and not rule["need_re"].search(line):
        return False
    rest = rule["re"].sub(" ", line)
    rest = _SEPARATORS.sub("", rest)
    return len(rest) <= rule.get("rest", 0)


def match_line(line: str, zone: str) -> str | None:
    """Name of the first line/tokens rule that takes this line in this zone ('head', 'tail',
    'middle'), else None."""
    for rule in compiled():
        kind = rule["kind"]
        if len(line) > rule.get("max_len", 10_000):
            continue
        if kind == "line":
            scope = rule.get("scope", "any")
            if scope == "any" or (scope == "edge" and zone != "middle") or scope == zone:
                if rule["re"].search(line):
                    return rule["name"]
        elif kind == "tokens" and zone != "middle" or kind == "tokens" and len(line) <= 40:
            if _token_rule_hits(rule, line, zone):
                return rule["name"]
    return None


def _marker(kind: str, line: str) -> str | None:
    for rule in compiled():
        if rule["kind"] == kind and len(line) <= rule.get("max_len", 10_000) and rule["re"].search(line):
            return rule["name"]
    return None


def strip_chrome(
    lines: list[str], *, title: str | None = None, link_share: list[float] | None = None
) -> tuple[list[str], list[dict]]:
    """Remove chrome lines. Returns (kept lines, removed [{"line", "rule"}] in text order)."""
    n = len(lines)
    rule_of: list[str | None] = [None] * n
    if not n:
        return [], []
    # Breadcrumb near the top: it and everything above it are site header.
    for i in range(min(R.HEAD_LINES, n)):
        name = _marker("cut_head", lines[i])
        if name:
            for j in range(i):
                rule_of[j] = rule_of[j] or "header"
            rule_of[i] = name
    # Related links / comments / platform disclaimers near the end: they and all below are chrome.
    cut = None
    for rule in compiled():
        if rule["kind"] != "cut_tail":
            continue
        first = max(1, int(n * (1 - rule.get("zone", R.TAIL_ZONE))))
        for i in range(first, n):
            if len(lines[i]) <= rule.get("max_len", 10_000) and rule["re"].search(lines[i]):
                if cut is None or i < cut[0]:
                    cut = (i, rule["name"])
                break
    if cut:
        for j in range(cut[0], n):
            rule_of[j] = rule_of[j] or cut[1]
    # Title repeated at the top (alone, or glued to a site name / editor / article id).
    tkey = norm_key(title) if title else ""
    head_keys = [norm_key(x) for x in lines[: R.HEAD_LINES]]
    for i, k in enumerate(head_keys):
        if rule_of[i]:
            continue
        if tkey and (
            k == tkey
            or (
                k.startswith(tkey)
                and len(k) - len(tkey) <= 30
                and not _SENTENCE.search(lines[i][len(title or "") :])
            )
        ):
            rule_of[i] = "title"
        elif len(k) <= 60 and head_keys.count(k) > 1 and not _SENTENCE.search(lines[i]):
            rule_of[i] = "repeated"

    def link_heavy(i: int) -> bool:
        return bool(link_share) and link_share[i] > 0.5 and len(lines[i]) <= 200

    # Peel from the top, then from the bottom: chrome may be interleaved with up to EDGE
    # unmatched lines; a line of running prose ends the peel.
    for zone, order in (("head", range(n)), ("tail", range(n - 1, -1, -1))):
        misses = 0
        for i in order:
            if rule_of[i]:
                continue
            name = match_line(lines[i], zone) or ("links" if link_heavy(i) else None)
            if name:
                rule_of[i] = name
            elif _SENTENCE.search(lines[i]) and len(lines[i]) > 25:
                break
            else:
                misses += 1
                if misses > R.EDGE:
                    break
    # Anywhere: only the unmistakable shapes, and never a line of running prose.
    for i in range(n):
        if not rule_of[i] and not (len(lines[i]) > 40 and _SENTENCE.search(lines[i])):
            rule_of[i] = match_line(lines[i], "middle")
    kept = [x for x, r in zip(lines, rule_of, strict=True) if not r]
    removed = [{"line": x, "rule": r} for x, r in zip(lines, rule_of, strict=True) if r]
    return kept, removed
