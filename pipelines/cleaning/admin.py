"""China's administrative divisions (GB/T 2260): lookup by code and fast name spotting in text.

The data is ``data/admin_divisions.csv`` (built by ``tools/build_admin_data.py`` from the cpca
packages, see ``data/README.md``). Everything is loaded once, lazily, on first use; spotting names
in a text is one pass of an Aho-Corasick automaton over every name (``ahocorasick_rs``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

try:  # Rust Aho-Corasick automaton: ~2 ms for a 40 KB report; the regex fallback is ~100x slower
    import ahocorasick_rs
except ImportError:  # pragma: no cover - exercised only without the dependency
    ahocorasick_rs = None

DATA_FILE = Path(__file__).with_name("data") / "admin_divisions.csv"
LEVELS = ("national", "province", "prefecture", "county", "district")

# What is cut off a full name to get the short name people write (吉林省 → 吉林, 延边朝鲜族自治州 → 延边,
# 内蒙古自治区 → 内蒙古); the name keeps at least two characters.
_SHORT_RE = re.compile(
    r"^(.{2,}?)(?:特别行政区|(?:维吾尔|壮族|回族)?自治区|(?:[\u4e00-\u9fff]{1,6}?族)*自治[州县旗]"
    r"|地区|林区|特区|新区|省|市|县|区|旗|盟)$"
)


@dataclass(frozen=True, slots=True)
class Division:
    """One division. ``province``/``prefecture`` are the full names of its parents (``province``
    is its own name for a province; ``prefecture`` is None for provinces, prefectures and the
    counties/districts directly under a province or municipality)."""

    code: str
    name: str
    short: str
    level: str
    province: str | None
    prefecture: str | None
    longitude: float | None
    latitude: float | None
    current: bool = True
    approx_coords: bool = False

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self) -> str | None:
        if self.level in ("county", "district"):
            pref = self.code[:4] + "00"
            return pref if _index().by_code.get(pref) else None
        return self.code if self.level == "prefecture" else None

    def within(self, other: Division) -> bool:
        """True when ``other`` is this division or one of its parents."""
        if other.code == self.code:
            return True
        if other.level == "province":
            return self.code[:2] == other.code[:2] and self.level != "province"
        if other.level == "prefecture":
            return self.code[:4] == other.code[:4] and self.level in ("county", "district")
        return False


@dataclass(frozen=True, slots=True)
class Mention:
    """A division name found in a text: ``full`` when the full name was written (通化市), not a
    short one (通化); ``divisions`` lists every division the surface may mean, current first."""

    start: int
    end: int
    surface: str
    full: bool
    divisions: tuple[Division, ...]


class _Index:
    def __init__(self, rows: Iterable[dict]):
        rows = list(rows)
        names = {r["code"]: r["name"] for r in rows if r["current"] == "1"}
        old_names = {r["code"]: r["name"] for r in rows if r["current"] != "1"}
        self.by_code: dict[str, Division] = {}
        self.old_by_code: dict[str, Division] = {}
        for r in rows:
            code, current = r["code"], r["current"] == "1"
            level = r["level"]
            table = names if current else {**names, **old_names}
            province = table.get(code[:2] + "0000")
            prefecture = table.get(code[:4] + "00") if level in ("county", "district") else None
            div = Division(
                code=code,
                name=r["name"],
                short=short_name(r["name"]),
                level=level,
                province=province,
                prefecture=prefecture,
                longitude=float(r["lng"]) if r["lng"] else None,
                latitude=float(r["lat"]) if r["lat"] else None,
                current=current,
                approx_coords=r["approx"] == "1",
            )
            (self.by_code if current else self.old_by_code)[code] = div
        full: dict[str, list[Division]] = {}
        for div in self.by_code.values():
            full.setdefault(div.name, []).append(div)
        for div in self.old_by_code.values():  # old names only where no current division has them
            if div.name not in full or not full[div.name][0].current:
                full.setdefault(div.name, []).append(div)
        aliases = {(r["code"], r["current"] == "1"): r["alias"] for r in rows}
        short: dict[str, list[Division]] = {}
        for div in [*self.by_code.values(), *self.old_by_code.values()]:
            s = aliases[div.code, div.current]
            if not s or s in full:
                continue
            if not div.current and any(d.current for d in short.get(s, ())):
                continue
            short.setdefault(s, []).append(div)
        rank = {lvl: i for i, lvl in enumerate(LEVELS)}
        self.full = {
            k: tuple(sorted(v, key=lambda d: (not d.current, rank[d.level], d.code))) for k, v in full.items()
        }
        self.short = {
            k: tuple(sorted(v, key=lambda d: (not d.current, rank[d.level], d.code)))
            for k, v in short.items()
        }
        self.automaton = self.regex = None
        self.patterns = [(k, True, v) for k, v in self.full.items()]
        self.patterns += [(k, False, v) for k, v in self.short.items()]
        if ahocorasick_rs is not None:
            self.automaton = ahocorasick_rs.AhoCorasick(
                [p[0] for p in self.patterns], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
            )
        else:
            self.regex = re.compile(_trie_regex([*self.full, *self.short]))


def short_name(name: str) -> str:
    """吉林省 → 吉林, 延边朝鲜族自治州 → 延边, 通化县 → 通化; names too short to cut stay whole."""
    m = _SHORT_RE.match(name)
    return m[1] if m else name


def _trie_regex(words: Iterable[str]) -> str:
    """One regex alternation shaped as a trie: at each position the engine follows one branch per
    character, and longer names win over their prefixes (通化县 over 通化)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?" if len(branches) == 1 and len(body) > 1 else body + "?"
        return body

    return emit(trie)


@cache
def _index() -> _Index:
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        return _Index(csv.DictReader(fh))


def lookup(code: str | int | None) -> Division | None:
    """The division with this GB/T 2260 code (6 digits, or 12 as cpca writes them); current
    divisions first, then ones abolished or renamed since (e.g. 220381 公主岭市 under 四平)."""
    if code is None:
        return None
    code = str(code).strip()[:6]
    idx = _index()
    return idx.by_code.get(code) or idx.old_by_code.get(code)


def by_name(name: str) -> tuple[Division, ...]:
    """Every division a full or short name may mean (朝阳区 → Beijing's and Changchun's)."""
    idx = _index()
    return idx.full.get(name) or idx.short.get(name) or ()


def all_divisions(current_only: bool = True) -> list[Division]:
    idx = _index()
    divs = list(idx.by_code.values())
    if not current_only:
        divs += idx.old_by_code.values()
    return divs


# Division names that are everyday words in report prose (老城区 改造, 城区 绿化, 矿区 治理):
# they count only right after their parent's name (洛阳市老城区, 阳泉城区).
GENERIC_NAMES = frozenset({"城区", "郊区", "矿区", "老城区", "新城区", "市中区", "新区"})


def _named_by_parent(text: str, m: Mention) -> bool:
    before = text[max(0, m.start - 6) : m.start]
    return any(
        d.prefecture and (d.prefecture in before or short_name(d.prefecture) in before) for d in m.divisions
    )


def find_divisions(text: str) -> list[Mention]:
    """Every division name in ``text``, left to right, longest match first, no overlaps."""
    found = _find_divisions(text)
    return [m for m in found if m.surface not in GENERIC_NAMES or _named_by_parent(text, m)]


def _find_divisions(text: str) -> list[Mention]:
    idx = _index()
    if idx.automaton is not None:
        pats = idx.patterns
        return [
            Mention(start, end, *pats[i]) for i, start, end in idx.automaton.find_matches_as_indexes(text)
        ]
    out = []
    full, short = idx.full, idx.short
    for m in idx.regex.finditer(text):
        s = m.group()
        divs = full.get(s)
        if divs is not None:
            out.append(Mention(m.start(), m.end(), s, True, divs))
        else:
            out.append(Mention(m.start(), m.end(), s, False, short[s]))
    return out
