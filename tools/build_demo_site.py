#!/usr/bin/env python3
"""Write the bundled demo site (archive/demo/site) from templates, phrase banks and the seed texts.

The demo site imitates four kinds of sites that republish Chinese local government work reports
(政府工作报告), all served by ``archive.demo.server`` under one host, by path prefix:

  /gov/   a provincial portal on a TRS-like CMS (GBK article pages, one split over two pages)
  /news/  a regional news portal (UTF-8, breadcrumb, 来源 line, editor footer, 推荐阅读)
  /agg/   a 范文/大学网-style aggregator (GBK and UTF-8, 较旧一篇/较新一篇, disclaimer footer)
  /blog/  a personal blog (阅读：N次 line, tags, comment form, archive sidebar)

Real text comes from the three seed captures in ``tests/fixtures/seeds`` (body lines only); the other
reports are SYNTHETIC: generated from the phrase banks with a fixed random seed, attributed to
real jurisdictions of 吉林省 but to placeholder speakers (张某某 …). ``_manifest.json`` lists every
page a crawler should fetch and says which texts are synthetic.

Deterministic: running it twice gives identical bytes (no clocks, no mtimes, no set ordering).

The data lives in ``tools/demo_site_data``: ``jurisdictions.json`` (the places and their local
words), ``phrases.json`` (the phrase banks), ``templates/*.html`` (the four sites' pages, as
``string.Template``: ``${name}`` is filled in here) and ``css/*.css``. This file plans the site and
renders it from them.

Usage::

    .venv/bin/python tools/build_demo_site.py            # rewrite archive/demo/site
    .venv/bin/python tools/build_demo_site.py --out /tmp/site
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = ROOT / "archive" / "demo" / "site"
SEED_DIR = ROOT / "tests" / "fixtures" / "seeds"
DATA_DIR = Path(__file__).resolve().parent / "demo_site_data"
SEED = 20180111  # fixed seed of every random choice below
GENERATED = "2025-06-01T08:00:00+00:00"  # Last-Modified of the non-article files
PROVINCE = "吉林省"
ICP = "吉ICP备00000000号（演示）"
GOV_NAME = "吉林省人民政府门户网站（演示）"
NEWS_NAME = "吉网新闻（演示）"
AGG_NAME = "大学网·范文中心（演示）"
BLOG_NAME = "松江夜读（演示博客）"


def _data(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@cache
def _template(name: str) -> Template:
    return Template((DATA_DIR / "templates" / name).read_text(encoding="utf-8"))


def render(name: str, **values) -> str:
    """``templates/<name>`` filled in. A template's text is used as it is, final newline included: a
    page's body (``${body}``, ``${main}``) ends with its own newline."""
    return _template(name).substitute(values)


# ---------------------------------------------------------------------------------------------
# Jurisdictions (real names and GB/T 2260 codes; everything said about them below is invented)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Juris:
    name: str  # 四平市, 绿园区
    code: str  # 220300
    level: str  # prefecture / county / district
    short: str  # 四平
    industries: tuple[str, ...]
    sights: tuple[str, ...]
    parks: tuple[str, ...]
    rivers: tuple[str, ...]
    products: tuple[str, ...]
    gdp: float  # rough 亿元 scale of the economy in 2018 (only for plausible numbers)
    parent: str = ""  # 长春市 for 绿园区: used in the congress name
    scale: float = 1.0

    @property
    def head(self) -> str:
        if self.name.endswith("自治州"):
            return "州长"
        if self.level == "district":
            return "区长"
        if self.name.endswith("县"):
            return "县长"
        return "市长"

    @property
    def unit(self) -> str:  # 市 / 县 / 区 / 州
        return self.head[0]

    @property
    def full(self) -> str:  # the name used in the congress line
        return f"{self.parent}{self.name}" if self.level == "district" else self.name


_JURISDICTIONS = _data("jurisdictions.json")
J = {
    j.name: j
    for j in (
        Juris(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})
        for row in _JURISDICTIONS["jurisdictions"]
    )
}


# (届, 第几次会议) of each congress by year: invented but consistent (a new 届 every five years)
def congress_session(j: Juris, year: int) -> tuple[int, int]:
    base = 16 if j.level == "district" else (9 if j.level == "prefecture" else 18)
    base += int(j.code[-2:]) % 3
    if year >= 2022:
        return base + 1, year - 2021
    return base, year - 2016


CN_NUM = "零一二三四五六七八九十"


def cn(n: int) -> str:
    if n <= 10:
        return CN_NUM[n]
    if n < 20:
        return "十" + (CN_NUM[n - 10] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CN_NUM[tens] + "十" + (CN_NUM[ones] if ones else "")


# ---------------------------------------------------------------------------------------------
# Phrase banks (demo_site_data/phrases.json, where the placeholders are described): a topic is
# (short headings, long headings, sentences); a sentence may be (text, first_year, last_year).
# ---------------------------------------------------------------------------------------------
_PHRASES = _data("phrases.json")


def _topics(spec: dict) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], list]]:
    return {
        k: (
            tuple(v["short"]),
            tuple(v["long"]),
            [tuple(x) if isinstance(x, list) else x for x in v["sentences"]],
        )
        for k, v in spec.items()
    }


SURNAMES = _PHRASES["surnames"]
MATERIALS = tuple(_PHRASES["materials"])
REGIONS = tuple(_PHRASES["regions"])
FESTIVALS = tuple(_PHRASES["festivals"])
REVIEW = _topics(_PHRASES["review"])
PLAN = _topics(_PHRASES["plan"])
SELF_TITLES = tuple(_PHRASES["self_titles"])
SELF_BANK = {k: tuple(v) for k, v in _PHRASES["self_bank"].items()}
DIFFICULTIES = tuple(_PHRASES["difficulties"])
REVIEW_CONTEXT = {int(k): tuple(v) for k, v in _PHRASES["review_context"].items()}
PLAN_CONTEXT = {int(k): v for k, v in _PHRASES["plan_context"].items()}
GUIDES = tuple(_PHRASES["guides"])
PLAN_TAILS = tuple(_PHRASES["plan_tails"])
CLOSINGS = tuple(_PHRASES["closings"])
REVIEW_LEADS = tuple(_PHRASES["review_leads"])
PLAN_LEADS = tuple(_PHRASES["plan_leads"])
OPENINGS = tuple(_PHRASES["openings"])
NOTICE_LINES = list(_PHRASES["notice_lines"])  # a notice about the report, not a report
MANGLE = tuple(tuple(m) for m in _PHRASES["mangle"])  # a filter's replacements: (word, masked)


# ---------------------------------------------------------------------------------------------
# Synthetic report text
# ---------------------------------------------------------------------------------------------
@dataclass
class Report:
    report_id: str
    juris: Juris | None
    city: str
    year: int
    title: str  # e.g. 2021年四平市政府工作报告
    lines: list[str]  # body lines (paragraphs), header lines included
    synthetic: bool
    admin_code: str
    admin_level: str
    session_date: date
    part_two: int = 0  # index of the line "二、…工作安排" (0: unknown)
    part_three: int = 0  # index of the line "三、…" (0: unknown)
    speaker: str = ""


class Filler:
    TOKEN = re.compile(r"\{(\w+)(?::([\d.]+)-([\d.]+))?\}")

    def __init__(self, rng: random.Random, j: Juris, year: int):
        self.rng, self.j, self.year = rng, j, year

    def number(self, kind: str, lo: float, hi: float) -> str:
        rng = self.rng
        scale = self.j.scale if kind in ("N", "F") else 1.0
        if kind in ("n", "N"):
            lo_i, hi_i = max(1, round(lo * scale)), max(2, round(hi * scale))
            return str(rng.randint(min(lo_i, hi_i - 1), hi_i))
        value = rng.uniform(lo * scale, hi * scale)
        text = f"{value:.1f}"
        return text[:-2] if text.endswith(".0") and kind == "pct" else text

    def word(self, key: str) -> str:
        j, rng = self.j, self.rng
        table = {
            "ind": j.industries,
            "park": j.parks,
            "sight": j.sights,
            "river": j.rivers,
            "prod": j.products,
            "material": MATERIALS,
            "region": REGIONS,
            "festival": FESTIVALS,
        }
        if key == "ind2":
            return rng.choice([i for i in j.industries if i != self._last_ind] or list(j.industries))
        if key in table:
            value = rng.choice(table[key])
            if key == "ind":
                self._last_ind = value
            return value
        if key == "short":
            return j.short
        if key == "unit":
            return j.unit
        if key == "party":
            return j.unit + "委"
        if key == "prev":
            return str(self.year - 1)
        raise KeyError(key)

    _last_ind = ""

    def fill(self, template: str) -> str:
        def repl(m: re.Match) -> str:
            kind, lo, hi = m.group(1), m.group(2), m.group(3)
            if lo is not None:
                return self.number(kind, float(lo), float(hi))
            return self.word(kind)

        return self.TOKEN.sub(repl, template)


def _usable(bank: list, year: int) -> list[str]:
    out = []
    for item in bank:
        if isinstance(item, tuple):
            text, first, last = item
            if first <= year <= last:
                out.append(text)
        else:
            out.append(item)
    return out


def _paragraphs(rng: random.Random, fill: Filler, bank: list, year: int, n_paras: int) -> list[str]:
    sentences = _usable(bank, year)
    rng.shuffle(sentences)
    k = min(len(sentences), rng.randint(3, 5) * n_paras)
    chosen = sentences[:k]
    out, per = [], max(2, len(chosen) // n_paras)
    for i in range(n_paras):
        part = chosen[i * per : (i + 1) * per] if i < n_paras - 1 else chosen[i * per :]
        if part:
            out.append("".join(fill.fill(s) for s in part))
    return out


def make_report(j: Juris, year: int, month: int, day: int) -> Report:
    rid = f"{year}-{j.code}"
    rng = random.Random(f"{SEED}:{rid}")
    fill = Filler(rng, j, year)
    prev = year - 1
    jie, ci = congress_session(j, year)
    unit = j.unit
    speaker = rng.choice(SURNAMES) + "某某"
    gov = f"{unit}人民政府"
    cppcc = {"州": "州政协", "县": "县政协", "区": "区政协"}.get(unit, "市政协")
    lines: list[str] = []
    title_style = rng.random()
    lines.append(f"——{year}年{month}月{day}日在{j.full}第{cn(jie)}届人民代表大会第{cn(ci)}次会议上")
    lines.append(f"{j.head}　{speaker}" if title_style < 0.5 else f"{j.full}{j.head}　{speaker}")
    lines.append("各位代表：")
    lines.append(fill.fill(rng.choice(OPENINGS).replace("{gov}", gov).replace("{cppcc}", cppcc)))
    lines.append(rng.choice((f"一、{prev}年工作回顾", f"一、{prev}年工作回顾", f"一、{prev}年政府工作回顾")))

    # review intro with headline figures
    g = round(j.gdp * (1.055 ** (prev - 2018)) * rng.uniform(0.95, 1.05), 1)
    growth = {
        2018: (4, 6.5),
        2019: (2, 6),
        2020: (1, 3),
        2021: (5, 8),
        2022: (-1.5, 3),
        2023: (5, 7),
        2024: (4, 6),
    }[prev]
    figures = [
        f"全年实现地区生产总值{g}亿元，增长{rng.uniform(*growth):.1f}%",
        f"规模以上工业增加值增长{rng.uniform(1, 9):.1f}%",
        f"固定资产投资增长{rng.uniform(3, 12):.1f}%",
        f"社会消费品零售总额增长{rng.uniform(1, 9):.1f}%",
        f"地方级财政收入完成{g * rng.uniform(0.04, 0.08):.1f}亿元，增长{rng.uniform(1, 10):.1f}%",
        f"城镇和农村常住居民人均可支配收入分别增长{rng.uniform(3, 7):.1f}%和{rng.uniform(5, 9):.1f}%",
    ]
    keep = [figures[0]] + rng.sample(figures[1:], rng.randint(3, 5))
    ctx = rng.choice(REVIEW_CONTEXT[year]).replace("{prev}", str(prev))
    lines.append(
        ctx
        + rng.choice(("在省委、省政府和{p}的坚强领导下，", "在{p}的坚强领导下，")).replace("{p}", unit + "委")
        + rng.choice(
            ("全{u}上下团结奋斗、攻坚克难，", "我们坚定信心、迎难而上，", "我们紧紧依靠全{u}人民，")
        ).replace("{u}", unit)
        + rng.choice(
            ("经济社会发展取得新成效。", "圆满完成了年初确定的主要目标任务。", "经济运行稳中有进、进中向好。")
        )
        + "；".join(keep)
        + "。"
    )
    lead = rng.choice(REVIEW_LEADS)
    if lead:
        lines.append(lead)
    long_heads = rng.random() < 0.5
    topics = list(REVIEW)
    rng.shuffle(topics)
    n_review = rng.randint(4, 6)
    for i, topic in enumerate(topics[:n_review]):
        short, long_, bank = REVIEW[topic]
        head = fill.fill(rng.choice(long_ if long_heads else short))
        lines.append(f"（{cn(i + 1)}）{head}")
        lines.extend(_paragraphs(rng, fill, bank, year, rng.choice((1, 1, 2))))
    probs = rng.sample(DIFFICULTIES, rng.randint(3, 5))
    lines.append(
        rng.choice(
            (
                "在肯定成绩的同时，我们也清醒地看到，发展中还存在一些困难和问题：",
                "同时，我们也清醒认识到，当前还面临不少困难和挑战：",
                "我们也深知，工作中还有不少差距和不足：",
            )
        )
        + "；".join(probs)
        + "。"
        + rng.choice(
            (
                "对此，我们将高度重视，采取有力措施切实加以解决。",
                "我们一定直面问题，认真加以解决。",
                "对这些问题，我们将在今后工作中努力解决。",
            )
        )
    )
    part_two = len(lines)
    lines.append(rng.choice((f"二、{year}年工作安排", f"二、{year}年工作安排", f"二、{year}年重点工作")))
    tails = rng.sample(PLAN_TAILS, 3)
    lines.append(
        PLAN_CONTEXT[year]
        + "。政府工作的总体要求是："
        + rng.choice(GUIDES)
        + "，全面贯彻党的"
        + ("十九大" if year < 2023 else "二十大")
        + "精神，"
        + "，".join(fill.fill(t) for t in tails)
        + rng.choice(
            ("，奋力推动{s}高质量发展。", "，努力开创{s}全面振兴新局面。", "，确保经济社会持续健康发展。")
        ).replace("{s}", j.short)
    )
    plan_g = {
        2019: (6, 7),
        2020: (5.5, 6.5),
        2021: (6, 8),
        2022: (6, 7),
        2023: (6, 7.5),
        2024: (5.5, 6.5),
        2025: (5, 6),
    }[year]
    gdp_target = rng.choice([x / 2 for x in range(int(plan_g[0] * 2), int(plan_g[1] * 2) + 1)])
    gdp_text = f"{gdp_target:g}"
    targets = [
        f"规模以上工业增加值增长{rng.randint(5, 10)}%",
        f"固定资产投资增长{rng.randint(6, 12)}%",
        f"社会消费品零售总额增长{rng.randint(5, 9)}%",
        f"地方级财政收入增长{rng.randint(3, 8)}%",
        "城乡居民人均可支配收入增长与经济增长基本同步",
        f"城镇登记失业率控制在{rng.choice(('4', '4.5', '5.5'))}%以内",
        "单位地区生产总值能耗完成省下达目标",
        f"外贸进出口总额增长{rng.randint(3, 15)}%",
    ]
    lasts = [
        f"城镇新增就业{max(1, round(rng.uniform(0.5, 6) * j.scale * 10) / 10):g}万人以上",
        f"粮食总产量稳定在{max(5, round(rng.uniform(15, 90) * j.scale))}亿斤以上",
        f"空气质量优良天数比例保持在{rng.randint(85, 93)}%以上",
    ]
    chosen = rng.sample(targets, rng.randint(3, 6)) + [rng.choice(lasts)]
    lines.append(f"主要预期目标是：地区生产总值增长{gdp_text}%左右，" + "，".join(chosen) + "。")
    lines.append(rng.choice(PLAN_LEADS))
    topics = list(PLAN)
    rng.shuffle(topics)
    long_heads = rng.random() < 0.5
    for i, topic in enumerate(topics[: rng.randint(5, 7)]):
        short, long_, bank = PLAN[topic]
        head = fill.fill(rng.choice(long_ if long_heads else short))
        lines.append(f"（{cn(i + 1)}）{head}")
        lines.extend(_paragraphs(rng, fill, bank, year, 1))
    part_three = len(lines)
    lines.append(rng.choice(SELF_TITLES))
    lines.append(
        rng.choice(
            (
                "打铁必须自身硬。面对新形势新任务，政府系统必须以更高标准、更严要求加强自身建设。",
                "新征程对政府工作提出了新的更高要求，我们将始终牢记人民政府为人民。",
                "政府工作的成效，最终要靠落实来体现、由群众来评判。",
            )
        )
    )
    for head in rng.sample(list(SELF_BANK), rng.randint(2, 4)):
        s1, s2 = SELF_BANK[head]
        lines.append(f"{head}。" + fill.fill(s1) + fill.fill(s2))
    lines.append(fill.fill(rng.choice(CLOSINGS)))

    title = rng.choice((f"{year}年{j.full}政府工作报告", f"{year}年{j.name}政府工作报告", "政府工作报告"))
    if j.level == "district" and title != "政府工作报告":
        title = f"{year}年{j.full}政府工作报告"
    return Report(
        rid,
        j,
        j.name,
        year,
        title,
        lines,
        True,
        j.code,
        j.level,
        date(year, month, day),
        part_two,
        part_three,
        speaker,
    )


# ---------------------------------------------------------------------------------------------
# Real text: the three seed captures (body lines only, chrome removed)
# ---------------------------------------------------------------------------------------------
def _seed_lines(name: str) -> list[str]:
    text = (SEED_DIR / name).read_text(encoding="utf-8")
    return text.split("\n")


def load_seeds() -> dict[str, Report]:
    tonghua = _seed_lines("000_dbcc9ea6e1c44f24.txt")
    jilin = _seed_lines("001_94c300e1a2ca0804.txt")
    th23 = _seed_lines("002_3d2c4c437c53b37a.txt")
    body000 = [ln.strip() for ln in tonghua[11:42] if ln.strip()]
    r000 = Report(
        "2018-220500",
        None,
        "通化市",
        2018,
        "政府工作报告",
        [tonghua[7].strip()] + body000,
        False,
        "220500",
        "prefecture",
        date(2018, 1, 5),
        part_two=1,
    )
    body001 = [ln for ln in jilin[5:] if ln.strip()]
    r001 = Report(
        "2018-220200",
        None,
        "吉林市",
        2018,
        jilin[0].strip(),
        body001,
        False,
        "220200",
        "prefecture",
        date(2018, 1, 17),
    )
    r001.part_two = body001.index("二、2018年工作安排")
    r001.part_three = body001.index("三、加快建设人民满意的服务型政府")
    body002 = [ln for ln in th23[:19] if ln.strip()]
    r002 = Report(
        "2023-220500",
        None,
        "通化市",
        2023,
        "2023年通化市政府工作报告",
        body002,
        False,
        "220500",
        "prefecture",
        date(2023, 1, 9),
    )
    r002.part_two = body002.index("二、2023年工作安排")
    return {"000": r000, "001": r001, "002": r002}


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------
@dataclass
class Page:
    path: str
    site: str
    variant: str
    doc_type: str
    title: str
    published: datetime
    lines: list[str] = field(default_factory=list)
    report: Report | None = None
    encoding: str | None = "utf-8"
    status: int = 200
    content_type: str | None = None  # header override (None: the server's default)
    redirect_to: str | None = None
    pages: list[str] = field(default_factory=list)
    about: str | None = None  # report_id a news/interpretation page is about
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def report_id(self) -> str | None:
        if self.doc_type != "report" or self.report is None or self.variant in ("dead", "loop"):
            return None
        return self.report.report_id


PREF = _JURISDICTIONS["prefecture_of"]


def station(city: str) -> str:
    if city in PREF:
        return PREF[city] + "站"
    return (J[city].short if city in J else city[:2]) + "站"


def _when(rng: random.Random, day: date, lo: int, hi: int) -> datetime:
    d = day + timedelta(days=rng.randint(lo, hi))
    return datetime(d.year, d.month, d.day, rng.randint(8, 17), rng.choice((0, 5, 12, 20, 30, 36, 45, 50)))


def mangle(lines: list[str]) -> list[str]:
    out = []
    for ln in lines:
        for word, masked in MANGLE:
            ln = ln.replace(word, masked)
        out.append(ln)
    return out


def news_about(r: Report, when: datetime) -> list[str]:
    """A short 人大开幕 news article that mentions the report (synthetic)."""
    j = r.juris
    assert j is not None
    rng = random.Random(f"{SEED}:news:{r.report_id}")
    jie, ci = congress_session(j, r.year)
    target = next(ln for ln in r.lines if ln.startswith("主要预期目标是"))
    heads = [ln.split("）", 1)[1] for ln in r.lines[r.part_two : r.part_three] if ln.startswith("（")]
    total = rng.randint(260, 420) if j.level == "prefecture" else rng.randint(160, 260)
    return [
        f"{r.session_date.month}月{r.session_date.day}日上午，{j.full}第{cn(jie)}届人民代表大会第{cn(ci)}次会议"
        f"在{j.short}隆重开幕。大会应到代表{total}名，实到{total - rng.randint(3, 19)}名，符合法定人数。",
        f"大会听取了{j.head}{r.speaker}代表{j.unit}人民政府所作的政府工作报告。报告全面回顾了{r.year - 1}年工作，"
        f"对{r.year}年政府工作作出部署。",
        "报告提出，" + target.replace("主要预期目标是：", "今年经济社会发展的主要预期目标是："),
        "报告强调，今年要重点抓好" + "、".join(heads[:4]) + "等方面工作。",
        f"会议还书面审查了{j.full}{r.year - 1}年国民经济和社会发展计划执行情况与{r.year}年计划草案的报告、"
        f"{r.year - 1}年预算执行情况与{r.year}年预算草案的报告。",
        "与会代表认为，政府工作报告实事求是、主题鲜明，目标任务切实可行，是一个求真务实、催人奋进的好报告。",
    ]


def interpretation_of(r: Report) -> list[str]:
    """A 图解/解读 page derived from a report (synthetic)."""
    review = next(ln for ln in r.lines if "地区生产总值" in ln and "亿元" in ln)
    figures = review.split("。", 1)[-1] if "全年实现" not in review.split("。", 1)[0] else review
    figures = figures[figures.find("全年实现") :].rstrip("。").split("；")
    target = next(ln for ln in r.lines if ln.startswith("主要预期目标是"))
    heads = [ln.split("）", 1)[1] for ln in r.lines[r.part_two : r.part_three] if ln.startswith("（")]
    out = [
        f"【图解】一图读懂{r.title if r.title != '政府工作报告' else str(r.year) + '年' + r.city + '政府工作报告'}",
        f"{r.year - 1}年成绩单",
    ]
    out += [f"◆{f}" for f in figures]
    out.append(f"{r.year}年主要预期目标")
    out += [f"◆{t}" for t in target.replace("主要预期目标是：", "").rstrip("。").split("，")]
    out.append(f"{r.year}年重点工作")
    out += [f"◆{h}" for h in heads]
    out.append("（制图：吉林省人民政府门户网站（演示）编辑部）")
    return out


def plan_site() -> list[Page]:
    seeds = load_seeds()
    rng = random.Random(f"{SEED}:plan")
    pages: list[Page] = []
    used: set[tuple[str, int]] = set()

    def rep(name: str, year: int, month: int, day: int) -> Report:
        assert (name, year) not in used, (name, year)
        used.add((name, year))
        return make_report(J[name], year, month, day)

    # ---- gov: TRS-like portal, GBK article pages -----------------------------------------------

    def gov_path(when: datetime) -> str:
        return "?gov"

    gov_reports = [
        rep(*a)
        for a in (
            ("长春市", 2019, 1, 15),
            ("吉林市", 2020, 1, 8),
            ("四平市", 2021, 1, 12),
            ("辽源市", 2022, 1, 10),
            ("通化市", 2024, 1, 16),
            ("白山市", 2021, 1, 19),
            ("松原市", 2023, 2, 14),
            ("白城市", 2022, 1, 6),
            ("延边朝鲜族自治州", 2024, 1, 23),
            ("集安市", 2020, 1, 6),
            ("梅河口市", 2023, 1, 5),
            ("公主岭市", 2022, 1, 4),
            ("绿园区", 2021, 1, 7),
            ("抚松县", 2025, 1, 9),
            ("朝阳区", 2024, 1, 11),
        )
    ]
    for r in sorted(gov_reports, key=lambda r: r.session_date):
        when = _when(rng, r.session_date, 2, 12)
        pages.append(Page(gov_path(when), "gov", "full", "report", r.title, when, r.lines, r, "gbk"))
    lying = next(p for p in pages if p.report and p.report.report_id.startswith("2021-220600"))
    lying.content_type = "text/html; charset=utf-8"
    lying.notes = "GBK bytes and <meta charset=gb2312>, but the HTTP header claims UTF-8"
    mangle_source = next(p for p in pages if p.report and p.report.report_id.startswith("2022-220400"))

    dup = rep("吉林市", 2022, 1, 14)
    when = _when(rng, dup.session_date, 1, 4)
    pages.append(
        Page(
            gov_path(when),
            "gov",
            "full",
            "report",
            dup.title,
            when,
            dup.lines,
            dup,
            "gbk",
            notes="the same report is on /news/ (identical body) and as an excerpt on /agg/",
        )
    )
    split = rep("松原市", 2020, 1, 14)
    when = _when(rng, split.session_date, 2, 6)
    pages.append(
        Page(
            gov_path(when),
            "gov",
            "split-part",
            "report",
            split.title,
            when,
            split.lines[: split.part_two],
            split,
            "gbk",
            notes="page 1 of 2: TRS pager links to the _1.html continuation",
            extra={"continuation_lines": split.lines[split.part_two :]},
        )
    )
    interp_src = next(p for p in pages if p.report and p.report.report_id.startswith("2021-220300")).report
    when = _when(rng, interp_src.session_date, 3, 8)
    il = interpretation_of(interp_src)
    pages.append(
        Page(
            gov_path(when),
            "gov",
            "interpretation",
            "interpretation",
            il[0],
            when,
            il[1:],
            interp_src,
            "gbk",
            about=interp_src.report_id,
            notes="图解 of the 2021 四平 report, under the report URL pattern",
        )
    )
    when = datetime(2021, 12, 1, 10, 30)
    pages.append(
        Page(
            gov_path(when),
            "gov",
            "other",
            "other",
            "关于公开征集2022年政府工作报告意见建议的公告",
            when,
            NOTICE_LINES,
            None,
            "gbk",
            notes="a notice about the report, not a report",
        )
    )
    when = datetime(2019, 2, 20, 9, 0)
    pages.append(
        Page(
            "/gov/zfgzbg/201902/t20190220_4404.html",
            "gov",
            "dead",
            "report",
            "2019年辽源市政府工作报告",
            when,
            [],
            None,
            None,
            status=404,
            notes="listed, but the page is gone (404)",
            extra={"city": "辽源市", "year": 2019, "code": "220400", "level": "prefecture"},
        )
    )

    # ---- news: regional news portal, UTF-8 --------------------------------------------------------

    def news_path(when: datetime) -> str:
        return "?news"

    r000 = seeds["000"]
    pages.append(
        Page(
            "/news/2018/0111/2577763.html",
            "news",
            "excerpt",
            "report",
            r000.title,
            datetime(2018, 1, 11, 9, 20),
            r000.lines,
            r000,
            "utf-8",
            notes="real text (seed 000): part two of the 2018 通化 report",
            extra={"editor": "姜春起", "source": "通化日报", "subtitle": True, "article_id": "2577763"},
        )
    )
    news_reports = [
        rep(*a)
        for a in (
            ("通化市", 2021, 1, 14),
            ("白山市", 2023, 1, 5),
            ("延吉市", 2022, 1, 6),
            ("珲春市", 2021, 2, 24),
            ("敦化市", 2024, 1, 8),
            ("长春市", 2025, 1, 6),
            ("白城市", 2020, 1, 9),
        )
    ]
    for r in news_reports:
        when = _when(rng, r.session_date, 0, 3)
        pages.append(Page(news_path(when), "news", "full", "report", r.title, when, r.lines, r, "utf-8"))
    when = _when(rng, dup.session_date, 0, 1)
    pages.append(
        Page(
            news_path(when),
            "news",
            "duplicate",
            "report",
            dup.title,
            when,
            dup.lines,
            dup,
            "utf-8",
            notes="same body text as the /gov/ copy, different chrome",
        )
    )
    red = rep("辽源市", 2021, 1, 20)
    when = _when(rng, red.session_date, 0, 2)
    pages.append(
        Page(
            news_path(when),
            "news",
            "redirect",
            "report",
            red.title,
            when,
            red.lines,
            red,
            "utf-8",
            status=301,
            notes="listing links to an old URL that answers 301",
        )
    )
    about = news_reports[0]
    when = datetime(about.session_date.year, about.session_date.month, about.session_date.day, 11, 48)
    jie, ci = congress_session(about.juris, about.year)
    pages.append(
        Page(
            news_path(when),
            "news",
            "news",
            "news",
            f"{about.juris.full}第{cn(jie)}届人民代表大会第{cn(ci)}次会议开幕",
            when,
            news_about(about, when),
            about,
            "utf-8",
            about=about.report_id,
            notes="news about the congress that mentions the report",
        )
    )

    # ---- agg: aggregator, GBK and UTF-8 ----------------------------------------------------------

    def agg_path(when: datetime) -> str:
        return "?agg"

    r002 = seeds["002"]
    when = datetime(2023, 3, 2, 15, 6)
    pages.append(
        Page(
            agg_path(when),
            "agg",
            "excerpt",
            "report",
            "2023年通化市政府工作报告全文",
            when,
            r002.lines,
            r002,
            "utf-8",
            notes="real text (seed 002): cut off mid-sentence",
        )
    )
    for i, a in enumerate(
        (
            ("梨树县", 2021, 1, 5),
            ("磐石市", 2023, 1, 4),
            ("临江市", 2019, 1, 10),
            ("前郭尔罗斯蒙古族自治县", 2022, 1, 12),
            ("洮南市", 2024, 1, 15),
            ("四平市", 2025, 1, 14),
        )
    ):
        r = rep(*a)
        when = _when(rng, r.session_date, 15, 120)
        title = r.title if r.title != "政府工作报告" else f"{r.year}年{r.city}政府工作报告"
        enc = "gbk" if i % 2 == 0 else "utf-8"
        page = Page(agg_path(when), "agg", "full", "report", title + "全文", when, r.lines, r, enc)
        if a[0] == "临江市":
            page.content_type = "text/html; charset=gbk"
            page.notes = "GBK page with a truthful charset in the HTTP header"
        elif enc == "gbk":
            page.notes = "GBK page, no charset in the HTTP header: its <meta charset=gbk> decides"
        pages.append(page)
    when = _when(rng, dup.session_date, 20, 40)
    pages.append(
        Page(
            agg_path(when),
            "agg",
            "excerpt",
            "report",
            f"{dup.year}年吉林市政府工作报告（第二部分）",
            when,
            dup.lines[dup.part_two : dup.part_three],
            dup,
            "utf-8",
            notes="only part two of the report that is on /gov/ and /news/",
        )
    )
    src = mangle_source.report
    ml = mangle(src.lines)
    assert ml != src.lines
    when = _when(rng, src.session_date, 30, 60)
    pages.append(
        Page(
            agg_path(when),
            "agg",
            "mangled",
            "report",
            f"{src.year}年辽源市政府工作报告全文",
            when,
            ml,
            src,
            "utf-8",
            notes="words replaced by * / ** by a filter; same report as on /gov/",
            extra={"mangled": [w for w, _ in MANGLE if any(w in ln for ln in src.lines)]},
        )
    )
    when = datetime(2021, 2, 3, 16, 0)
    a_, b_ = "/agg/baogao/202102/990001.html", "/agg/baogao/202102/990002.html"
    pages.append(
        Page(
            a_,
            "agg",
            "loop",
            "report",
            "2021年舒兰市政府工作报告全文",
            when,
            [],
            None,
            None,
            status=302,
            redirect_to=b_,
            notes="redirect loop: 990001 → 990002 → 990001",
            extra={"city": "舒兰市", "year": 2021, "code": "220283", "level": "county"},
        )
    )

    # ---- blog: UTF-8 ---------------------------------------------------------------------------

    def blog_path() -> str:
        return "?blog"

    r001 = seeds["001"]
    pages.append(
        Page(
            blog_path(),
            "blog",
            "full",
            "report",
            r001.title,
            datetime(2018, 1, 31, 21, 14),
            r001.lines,
            r001,
            "utf-8",
            notes="real text (seed 001): one paragraph broken in two by the layout",
            extra={"meta_line": "2018年01月31日 阅读：76次  暂无评论 ", "blank_first": True},
        )
    )
    for a in (
        ("东丰县", 2023, 1, 6),
        ("吉林市", 2024, 1, 12),
        ("长春市", 2021, 1, 28),
        ("通化市", 2019, 1, 7),
        ("延边朝鲜族自治州", 2025, 1, 14),
    ):
        r = rep(*a)
        when = _when(rng, r.session_date, 5, 60)
        title = r.title if r.title != "政府工作报告" else f"{r.year}年{r.city}政府工作报告"
        pages.append(Page(blog_path(), "blog", "full", "report", title, when, r.lines, r, "utf-8"))
    assign_paths(pages, random.Random(f"{SEED}:ids"))
    return pages


def assign_paths(pages: list[Page], rng: random.Random) -> None:
    """Give pages planned with a placeholder path ("?site") ids that grow with the date, as CMSs do."""
    counters = {"gov": 3100, "news": 2577800, "agg": 38000, "blog": 120}
    steps = {"gov": (37, 420), "news": (400, 9000), "agg": (50, 3000), "blog": (3, 40)}
    for p in sorted(pages, key=lambda p: (p.published, p.site, p.title)):
        if not p.path.startswith("?"):
            continue
        site, when = p.site, p.published
        counters[site] += rng.randint(*steps[site])
        n = counters[site]
        if site == "gov":
            p.path = f"/gov/zfgzbg/{when:%Y%m}/t{when:%Y%m%d}_{n}.html"
        elif site == "news":
            p.path = f"/news/{when:%Y}/{when:%m%d}/{n}.html"
        elif site == "agg":
            p.path = f"/agg/baogao/{when:%Y%m}/{n}.html"
        else:
            p.path = f"/blog/archives/{n}.html"
        if p.variant == "split-part":
            p.pages = [p.path, p.path.replace(".html", "_1.html")]
        if p.variant == "redirect":
            p.redirect_to = p.path
            p.path = f"/news/old/{n}.html"


# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------
def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def is_heading(line: str) -> bool:
    return bool(HEADING.match(line)) and len(line) <= 40


def is_header_line(line: str) -> bool:
    return line.startswith(("——", "――")) or bool(
        re.match(r"^\S{0,16}(市长|州长|县长|区长)[　 ]\S+某某$", line)
    )


def gov_body(lines: list[str]) -> str:
    out = []
    for ln in lines:
        if is_header_line(ln):
            out.append(f'<p style="text-align: center">{esc(ln)}</p>')
        elif is_heading(ln):
            out.append(f"<p><strong>{esc(ln)}</strong></p>")
        else:
            out.append(f"<p>　　{esc(ln)}</p>")
    return "\n".join(out)


def _css(name: str) -> str:
    return (DATA_DIR / "css" / name).read_text(encoding="utf-8")


GOV_CSS = _css("gov.css")


def gov_frame(title: str, body: str, position: str, meta: str = "") -> str:
    return render(
        "gov_frame.html", title=esc(title), site=GOV_NAME, meta=meta, position=position, body=body, icp=ICP
    )


def gov_pager(paths: list[str], current: int) -> str:
    names = [p.rsplit("/", 1)[1] for p in paths]
    prev_ = names[max(current - 1, 0)]
    next_ = names[min(current + 1, len(names) - 1)]
    items = [f'<a href="{prev_}">上一页</a>']
    for i, name in enumerate(names):
        items.append(
            f'<span class="current">{i + 1}</span>' if i == current else f'<a href="{name}">{i + 1}</a>'
        )
    items.append(f'<a href="{next_}">下一页</a>')
    return '<div class="page" id="page">' + "\n".join(items) + "</div>"


def gov_article(p: Page, lines: list[str], pager: str = "", related: list[Page] = ()) -> str:
    source = (
        "吉林省人民政府办公厅（演示）"
        if p.doc_type == "other"
        else (f"{p.report.city}人民政府" if p.report else "本网")
    )
    if p.doc_type == "interpretation":
        source = "本网综合"
    meta = (
        f'<meta name="ColumnName" content="政府工作报告" />\n<meta name="ArticleTitle" content="{attr(p.title)}" />\n'
        f'<meta name="PubDate" content="{p.published:%Y-%m-%d %H:%M}" />\n'
        f'<meta name="ContentSource" content="{attr(source)}" />\n'
    )
    rel = "\n".join(f'<li><a href="{q.path}" target="_blank">{esc(q.title)}</a></li>' for q in related)
    body = render(
        "gov_article.html",
        title=esc(p.title),
        published=f"{p.published:%Y-%m-%d %H:%M}",
        source=esc(source),
        lines=gov_body(lines),
        pager=pager,
        related=rel,
    )
    position = (
        '<a href="/gov/index.html">首页</a> &gt; <a href="/gov/index.html#zwgk">政务公开</a> &gt; '
        '<a href="/gov/zfgzbg/index.html">政府工作报告</a>'
    )
    return gov_frame(f"{p.title}_政府工作报告_{GOV_NAME}", body, position, meta)


def list_pages(prefix: str, first: str, n: int, pattern: str) -> list[str]:
    return [first if i == 0 else prefix + pattern.format(i=i) for i in range(n)]


def gov_listing(items: list[Page], paths: list[str], i: int) -> str:
    lis = "\n".join(
        f'<li><a href="{p.path}" target="_blank" title="{attr(p.title)}">{esc(p.title)}</a><span>{p.published:%Y-%m-%d}</span></li>'
        for p in items
    )
    n = len(paths)
    pager = [f"<span>共{n}页</span>", f'<a href="{paths[0]}">首页</a>']
    pager.append(f'<a href="{paths[i - 1]}">上一页</a>' if i > 0 else "<span>上一页</span>")
    for k, path in enumerate(paths):
        pager.append(f'<span class="current">{k + 1}</span>' if k == i else f'<a href="{path}">{k + 1}</a>')
    pager.append(f'<a href="{paths[i + 1]}">下一页</a>' if i < n - 1 else "<span>下一页</span>")
    pager.append(f'<a href="{paths[-1]}">尾页</a>')
    body = render("gov_listing.html", items=lis, pager=" ".join(pager))
    position = '<a href="/gov/index.html">首页</a> &gt; <a href="/gov/index.html#zwgk">政务公开</a> &gt; 政府工作报告'
    return gov_frame(f"政府工作报告_{GOV_NAME}", body, position)


# ---- news ------------------------------------------------------------------------------------
NEWS_CSS = _css("news.css")


def news_frame(title: str, body: str) -> str:
    return render("news_frame.html", title=esc(title), site=NEWS_NAME, body=body, icp=ICP)


def news_body(lines: list[str]) -> str:
    out = []
    for ln in lines:
        if is_header_line(ln):
            out.append(f'<p style="text-align:center;text-indent:0">{esc(ln)}</p>')
        elif is_heading(ln):
            out.append(f"<p><strong>{esc(ln)}</strong></p>")
        else:
            out.append(f"<p>{esc(ln)}</p>")
    return "\n".join(out)


def news_article(p: Page, lines: list[str], recommend: list[Page], related: list[Page]) -> str:
    city = p.report.city if p.report else "吉林"
    st = station(city)
    editor = p.extra.get("editor") or (
        random.Random(f"{SEED}:ed:{p.title}{p.published}").choice(SURNAMES) + "某某"
    )
    source = p.extra.get("source") or (J[city].short + "日报（演示）" if city in J else "吉网新闻（演示）")
    art_id = p.extra.get("article_id") or (p.redirect_to or p.path).rsplit("/", 1)[1].split(".")[0]
    subtitle = ""
    if p.extra.get("subtitle"):
        subtitle = f'<h2 class="subtitle">{esc(lines[0])}</h2>\n'
        lines = lines[1:]
    rec = "\n".join(f'<li><a href="{q.path}">{esc(q.title)}</a></li>' for q in recommend)
    rel = "\n".join(
        f'<li><a href="{q.path}">{esc(q.title)}</a><span>{q.published:%m-%d}</span></li>' for q in related
    )
    body = render(
        "news_article.html",
        title=esc(p.title),
        station=st,
        editor=esc(editor),
        article_id=art_id,
        subtitle=subtitle,
        published=f"{p.published:%Y-%m-%d %H:%M}",
        source=esc(source),
        lines=news_body(lines),
        recommend=rec,
        related=rel,
    )
    return news_frame(f"{p.title}_要闻-{st}_{NEWS_NAME}", body)


def news_listing(items: list[Page], paths: list[str], i: int) -> str:
    lis = "\n".join(
        f'<li><h3><a href="{p.path}" target="_blank">{esc(p.title)}</a></h3>'
        f'<p class="summary">{esc(summary(p))}</p><span class="time">{p.published:%Y-%m-%d %H:%M}</span></li>'
        for p in items
    )
    nav = []
    if i > 0:
        nav.append(f'<a href="{paths[i - 1]}">上一页</a>')
    for k, path in enumerate(paths):
        nav.append(f"<span>{k + 1}</span>" if k == i else f'<a href="{path}">{k + 1}</a>')
    if i < len(paths) - 1:
        nav.append(f'<a href="{paths[i + 1]}">下一页</a>')
    return news_frame(f"要闻_{NEWS_NAME}", render("news_listing.html", items=lis, nav=" ".join(nav)))


def summary(p: Page) -> str:
    for ln in p.lines:
        if len(ln) > 30 and not is_header_line(ln):
            return ln[:60] + "……"
    return p.title


# ---- agg -------------------------------------------------------------------------------------
AGG_CSS = _css("agg.css")
AGG_CREDIT = "文章来源于:http://daxue.ljyz.com.cn 大学网"
AGG_DISCLAIMER = "网站内容来源于网络,其真实性与本站无关,请网友慎重判断"


def agg_frame(title: str, charset: str, main: str, hot: list[Page]) -> str:
    hots = "\n".join(f'<li><a href="{q.path}">{esc(q.title)}</a></li>' for q in hot)
    return render(
        "agg_frame.html",
        charset=charset,
        title=esc(title),
        site=AGG_NAME,
        main=main,
        hot=hots,
        disclaimer=AGG_DISCLAIMER,
    )


def agg_article(p: Page, older: Page | None, newer: Page | None, hot: list[Page], clicks: int) -> str:
    charset = "gbk" if p.encoding == "gbk" else "utf-8"
    paras = "\n".join(f"<p>{esc(ln)}</p>" for ln in p.lines)
    old_ = f'<a href="{older.path}">{esc(older.title)}</a>' if older else "没有了"
    new_ = f'<a href="{newer.path}">{esc(newer.title)}</a>' if newer else "没有了"
    main = render(
        "agg_article.html",
        title=esc(p.title),
        published=f"{p.published:%Y-%m-%d}",
        clicks=clicks,
        paras=paras,
        credit=AGG_CREDIT,
        disclaimer=AGG_DISCLAIMER,
        older=old_,
        newer=new_,
    )
    return agg_frame(f"{p.title}_政府工作报告_大学网", charset, main, hot)


def agg_listing(items: list[Page], paths: list[str], i: int, hot: list[Page]) -> str:
    lis = "\n".join(
        f'<li><a href="{p.path}" title="{attr(p.title)}">{esc(p.title)}</a><span>{p.published:%Y-%m-%d}</span></li>'
        for p in items
    )
    nav = [f'<a href="{paths[0]}">首页</a>']
    if i > 0:
        nav.append(f'<a href="{paths[i - 1]}">上一页</a>')
    for k, path in enumerate(paths):
        nav.append(f"<b>{k + 1}</b>" if k == i else f'<a href="{path}">{k + 1}</a>')
    if i < len(paths) - 1:
        nav.append(f'<a href="{paths[i + 1]}">下一页</a>')
    nav.append(f'<a href="{paths[-1]}">末页</a>')
    return agg_frame(
        "政府工作报告_大学网", "utf-8", render("agg_listing.html", items=lis, nav=" ".join(nav)), hot
    )


# ---- blog ------------------------------------------------------------------------------------
BLOG_CSS = _css("blog.css")


def blog_frame(title: str, main: str, latest: list[Page], archive: list[tuple[str, int]]) -> str:
    lat = "\n".join(f'<li><a href="{q.path}">{esc(q.title)}</a></li>' for q in latest)
    arc = "\n".join(f'<li><a href="/blog/">{esc(m)}</a> ({n})</li>' for m, n in archive)
    return render("blog_frame.html", title=esc(title), site=BLOG_NAME, main=main, latest=lat, archive=arc)


def blog_article(
    p: Page,
    reads: int,
    comments: int,
    prev_: Page | None,
    next_: Page | None,
    latest: list[Page],
    archive: list[tuple[str, int]],
) -> str:
    meta = p.extra.get("meta_line") or (
        f"{p.published:%Y年%m月%d日} 阅读：{reads}次  " + (f"{comments}条评论" if comments else "暂无评论")
    )
    paras = ["<p> </p>"] if p.extra.get("blank_first") else []
    paras += [f"<p>{esc(ln)}</p>" for ln in p.lines]
    city = p.report.city if p.report else "吉林"
    nav = []
    if prev_:
        nav.append(f'<span class="prev">上一篇：<a href="{prev_.path}">{esc(prev_.title)}</a></span>')
    if next_:
        nav.append(f'<span class="next">下一篇：<a href="{next_.path}">{esc(next_.title)}</a></span>')
    main = render(
        "blog_article.html",
        title=esc(p.title),
        meta=esc(meta),
        paras="\n".join(paras),
        city=esc(city),
        year=p.report.year if p.report else "",
        nav=" ".join(nav),
    )
    return blog_frame(f"{p.title} - {BLOG_NAME}", main, latest, archive)


def blog_listing(
    items: list[Page],
    paths: list[str],
    i: int,
    latest: list[Page],
    archive: list[tuple[str, int]],
    reads: dict[str, int],
) -> str:
    posts = "".join(
        render(
            "blog_post_summary.html",
            path=p.path,
            title=esc(p.title),
            published=f"{p.published:%Y年%m月%d日}",
            reads=reads[p.path],
            summary=esc(summary(p)),
        )
        for p in items
    )
    nav = []
    if i > 0:
        nav.append(f'<a href="{paths[i - 1]}">« 上一页</a>')
    if i < len(paths) - 1:
        nav.append(f'<a href="{paths[i + 1]}">下一页 »</a>')
    main = posts + f'<div class="pagenavi">{" ".join(nav)}</div>\n'
    return blog_frame(BLOG_NAME, main, latest, archive)


# ---------------------------------------------------------------------------------------------
# Site assembly
# ---------------------------------------------------------------------------------------------
def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def encode(text: str, encoding: str | None) -> bytes:
    if encoding == "gbk":
        return text.encode("gbk")  # strict: a character outside GBK is a bug in the templates
    return text.encode("utf-8")


def home_pages() -> dict[str, str]:
    root = render("home.html", gov=GOV_NAME, news=NEWS_NAME, agg=AGG_NAME, blog=BLOG_NAME)
    gov = gov_frame(GOV_NAME, render("gov_home.html"), '<a href="/gov/index.html">首页</a>')
    news = news_frame(NEWS_NAME, render("news_home.html"))
    agg = agg_frame(AGG_NAME, "utf-8", render("agg_home.html"), [])
    return {"/index.html": root, "/gov/index.html": gov, "/news/index.html": news, "/agg/index.html": agg}


def build_site() -> tuple[dict[str, bytes], list[dict], dict]:
    pages = plan_site()
    files: dict[str, bytes] = {}
    routes: dict = {
        "site": {"last_modified": GENERATED},
        "redirects": {},
        "headers": {},
        "status": {},
        "last_modified": {},
    }
    rng = random.Random(f"{SEED}:render")

    def put(path: str, text: str, encoding: str | None = "utf-8", when: datetime | None = None) -> None:
        assert path not in files, path
        files[path] = encode(text, encoding)
        if when is not None:
            routes["last_modified"][path] = when.strftime("%Y-%m-%dT%H:%M:00+08:00")

    def by_site(site: str) -> list[Page]:
        return sorted((p for p in pages if p.site == site), key=lambda p: (p.published, p.path), reverse=True)

    # ---- gov
    gov = by_site("gov")
    gov_live = [p for p in gov if p.status == 200]
    gov_pages = chunks(gov, 8)
    gov_paths = list_pages("/gov/zfgzbg/", "/gov/zfgzbg/index.html", len(gov_pages), "index_{i}.html")
    for i, items in enumerate(gov_pages):
        put(gov_paths[i], gov_listing(items, gov_paths, i), "gbk")
    for k, p in enumerate(gov_live):
        related = [q for q in gov_live if q is not p and q.doc_type == "report"][k % 5 : k % 5 + 3]
        if p.variant == "split-part":
            for n, path in enumerate(p.pages):
                lines = p.lines if n == 0 else p.extra["continuation_lines"]
                put(path, gov_article(p, lines, gov_pager(p.pages, n), related), "gbk", p.published)
        else:
            put(p.path, gov_article(p, p.lines, "", related), "gbk", p.published)
        if p.content_type:
            routes["headers"][p.path] = {"Content-Type": p.content_type}
    routes["status"]["/gov/zfgzbg/busy.html"] = 500  # not linked: a server error page
    routes["status"]["/blog/feed/empty.html"] = 200  # not linked: an empty 200 answer

    # ---- news
    news = by_site("news")
    news_live = [p for p in news if p.status == 200 or p.redirect_to]
    news_pages = chunks(news, 6)
    news_paths = list_pages("/news/list/", "/news/list/yaowen.html", len(news_pages), "yaowen_{i}.html")
    news_paths = [
        p.replace(f"yaowen_{i}.html", f"yaowen_{i + 1}.html") if i else p for i, p in enumerate(news_paths)
    ]
    for i, items in enumerate(news_pages):
        put(news_paths[i], news_listing(items, news_paths, i))
    linkable = [p for p in news_live if p.variant != "redirect"]
    for k, p in enumerate(news_live):
        others = [q for q in linkable if q is not p]
        recommend = others[k % 4 : k % 4 + 3]
        related = [q for q in others if q.report and p.report and q.report.year == p.report.year][
            :3
        ] or others[-2:]
        target = p.redirect_to or p.path
        put(target, news_article(p, p.lines, recommend, related), "utf-8", p.published)
        if p.redirect_to:
            routes["redirects"][p.path] = {"to": p.redirect_to, "status": 301}

    # ---- agg
    agg = by_site("agg")
    agg_live = [p for p in agg if p.status == 200]
    hot = agg_live[::2][:6]
    agg_pages = chunks(agg, 4)
    agg_paths = list_pages("/agg/baogao/", "/agg/baogao/index.html", len(agg_pages), "list_{i}.html")
    agg_paths = [
        p.replace(f"list_{i}.html", f"list_{i + 1}.html") if i else p for i, p in enumerate(agg_paths)
    ]
    for i, items in enumerate(agg_pages):
        put(agg_paths[i], agg_listing(items, agg_paths, i, hot))
    for k, p in enumerate(agg_live):
        newer = agg_live[k - 1] if k > 0 else None
        older = agg_live[k + 1] if k + 1 < len(agg_live) else None
        put(p.path, agg_article(p, older, newer, hot, rng.randint(80, 9000)), p.encoding, p.published)
        if p.content_type:
            routes["headers"][p.path] = {"Content-Type": p.content_type}
    for p in agg:
        if p.variant == "loop":
            routes["redirects"][p.path] = {"to": p.redirect_to, "status": p.status}
            routes["redirects"][p.redirect_to] = {"to": p.path, "status": p.status}

    # ---- blog
    blog = by_site("blog")
    reads = {p.path: rng.randint(30, 2400) for p in blog}
    comments = {p.path: rng.choice((0, 0, 1, 2, 3, 5)) for p in blog}
    months: dict[str, int] = {}
    for p in blog:
        key = f"{p.published:%Y年%m月}"
        months[key] = months.get(key, 0) + 1
    archive = sorted(months.items(), reverse=True)
    latest = blog[:5]
    blog_pages = chunks(blog, 4)
    blog_paths = ["/blog/index.html"] + [f"/blog/page/{i + 1}/index.html" for i in range(1, len(blog_pages))]
    link_paths = ["/blog/"] + [f"/blog/page/{i + 1}/" for i in range(1, len(blog_pages))]
    for i, items in enumerate(blog_pages):
        put(blog_paths[i], blog_listing(items, link_paths, i, latest, archive, reads))
    for k, p in enumerate(blog):
        newer = blog[k - 1] if k > 0 else None
        older = blog[k + 1] if k + 1 < len(blog) else None
        put(
            p.path,
            blog_article(p, reads[p.path], comments[p.path], older, newer, latest, archive),
            "utf-8",
            p.published,
        )

    # ---- chrome files
    for path, text in home_pages().items():
        put(path, text, "gbk" if path.startswith("/gov/") else "utf-8")
    put("/gov/css/style.css", GOV_CSS)
    put("/news/css/news.css", NEWS_CSS)
    put("/agg/css/agg.css", AGG_CSS)
    put("/blog/css/blog.css", BLOG_CSS)
    put("/robots.txt", "User-agent: *\nDisallow: /gov/zfgzbg/busy.html\n")

    manifest = [manifest_entry(p) for p in sorted(pages, key=lambda p: (p.site, p.path))]
    listings = {"gov": gov_paths, "news": news_paths, "agg": agg_paths, "blog": link_paths}
    return files, manifest, {"routes": routes, "listings": listings}


def manifest_entry(p: Page) -> dict:
    r = p.report
    if r is not None:
        city, year, level, code = r.city, r.year, r.admin_level, r.admin_code
    elif p.extra.get("city"):
        city, year, level, code = p.extra["city"], p.extra["year"], p.extra["level"], p.extra["code"]
    else:
        city = year = level = code = None
    province = PROVINCE
    if p.doc_type == "other":
        # not a report: no delivering jurisdiction (the archive leaves it null), only the year named
        city, year, level, code, province = None, 2022, None, None, None
    text_lines = p.lines + p.extra.get("continuation_lines", [])
    entry = {
        "path": p.path,
        "site": p.site,
        "source": f"demo-{p.site}",
        "report_id": p.report_id,
        "variant": p.variant,
        "doc_type": p.doc_type,
        "encoding": p.encoding or "utf-8",  # dead/loop: the server's own small UTF-8 answer
        "city": city,
        "province": province,
        "year": year,
        "admin_level": level,
        "admin_code": code,
        "synthetic": bool(r.synthetic) if r is not None else p.doc_type == "other",
        "title": p.title,
        "status": p.status,
        "publish_date": None if p.status not in (200, 301) else f"{p.published:%Y-%m-%d}",
        "content_type": (p.content_type or "text/html") if p.status in (200, 301) else None,
        "first_line": text_lines[0] if text_lines else None,
        "last_line": text_lines[-1] if text_lines else None,
    }
    if p.redirect_to:
        entry["redirect_to"] = p.redirect_to
    if p.variant == "redirect":
        entry["target"] = p.redirect_to  # the final URL a crawler stores the page under
    if p.pages:
        entry["pages"] = p.pages
    if p.about:
        entry["about_report_id"] = p.about
    if p.extra.get("mangled"):
        entry["mangled_words"] = p.extra["mangled"]
    if p.notes:
        entry["notes"] = p.notes
    return entry


def routes_toml(routes: dict) -> str:
    def s(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    out = [
        "# Written by tools/build_demo_site.py: special behaviour of the demo server (see archive/demo/server.py).",
        "",
        "[site]",
        f"last_modified = {s(routes['site']['last_modified'])}",
        "",
        "# old URLs and a redirect loop",
        "[redirects]",
    ]
    for path, rule in routes["redirects"].items():
        out.append(f"{s(path)} = {{ to = {s(rule['to'])}, status = {rule['status']} }}")
    out += [
        "",
        "# exact headers: a GBK page announced as UTF-8 (a lie), a GBK page announced truthfully",
        "[headers]",
    ]
    for path, hdrs in routes["headers"].items():
        inner = ", ".join(f"{s(k)} = {s(v)}" for k, v in hdrs.items())
        out.append(f"{s(path)} = {{ {inner} }}")
    out += [
        "",
        "# answers with another status (no file: a small error page, or an empty body for 200)",
        "[status]",
    ]
    for path, status in routes["status"].items():
        out.append(f"{s(path)} = {status}")
    out += [
        "",
        "# Last-Modified of article pages: their publication time (not the file mtime)",
        "[last_modified]",
    ]
    for path in sorted(routes["last_modified"]):
        out.append(f"{s(path)} = {s(routes['last_modified'][path])}")
    return "\n".join(out) + "\n"


def readme(manifest: list[dict], listings: dict) -> str:
    counts: dict[str, int] = {}
    for e in manifest:
        counts[e["site"]] = counts.get(e["site"], 0) + 1
    synthetic = sum(1 for e in manifest if e["synthetic"])
    real = [e for e in manifest if e["doc_type"] == "report" and not e["synthetic"] and e["first_line"]]
    lines = [
        "# The demo site",
        "",
        "Written by `tools/build_demo_site.py` (do not edit by hand; run the tool, it is deterministic) and served by",
        "`archive.demo.server` (`python -m archive.demo.server`, default http://127.0.0.1:8950/). This file and every",
        "name starting with `_` are not served.",
        "",
        "Four templates imitate four kinds of real sites that republish government work reports:",
        "",
        f"- `/gov/` — a provincial portal on a TRS-like CMS ({GOV_NAME}); GBK article pages "
        "(`<meta charset=gb2312>`, `text/html` header without charset), `div.TRS_Editor` inside `div.zoom`.",
        f"- `/news/` — a regional news portal ({NEWS_NAME}), UTF-8, breadcrumb, 来源 line, editor footer, 推荐阅读.",
        f"- `/agg/` — an aggregator ({AGG_NAME}), GBK and UTF-8, 较旧一篇/较新一篇, source credit and disclaimer.",
        f"- `/blog/` — a blog ({BLOG_NAME}), UTF-8, 阅读：N次 line, tags, comment form, archive sidebar.",
        "",
        "Listing pages: "
        + "; ".join(f"{k}: " + ", ".join(f"`{v}`" for v in vs) for k, vs in listings.items())
        + ".",
        "",
        "## Texts: real and SYNTHETIC",
        "",
        "Real text (body lines of the three seed captures in `tests/fixtures/seeds`): "
        + "; ".join(f"`{e['path']}` ({e['year']} {e['city']}, {e['variant']})" for e in real)
        + ".",
        "",
        f"All other texts ({synthetic} pages) are **synthetic**: generated from phrase banks with a fixed random seed.",
        "They name real jurisdictions of 吉林省 and plausible years, but the sentences, numbers and speakers",
        "(placeholders such as 张某某) are invented and say nothing true about those places. Each synthetic report",
        "is distinct (own sentences and numbers), so duplicate detection must only group the deliberate copies.",
        "",
        "## `_manifest.json`",
        "",
        "One object per page a crawler should fetch (listed on a listing page): `path`, `site`, `source` (the key in",
        "`crawler/config/demo_sources.toml`), `report_id` (the same id for the same report on several sites; null for",
        "pages that are not a report or have no text), `variant`, `doc_type` (as in `archive clean --json`),",
        "`encoding` (of the bytes served; for dead/loop the server's small UTF-8 answer), `city`, `province`, `year` (session year), `admin_level`, `admin_code`,",
        "`synthetic`, `title`, `status` (first answer), `publish_date`, `content_type` (header sent), `first_line` /",
        "`last_line` of the body text; plus `redirect_to` (redirect and loop), `target` (the final URL of a",
        "redirect: a crawler stores the page under it), `pages` (split report: all its pages in order),",
        "`about_report_id` (news/interpretation), `mangled_words`, `notes`.",
        "",
        "Variants: `full`; `duplicate` (same body as another site's copy); `excerpt` (part of a report); `split-part`",
        "(page 1 of a report split over two pages; the `_1.html` continuation is reached from its pager, not from the",
        "listing); `mangled` (words replaced by `*` by a filter); `dead` (listed, answers 404); `redirect` (listed old",
        "URL answering 301); `loop` (listed URL in a redirect loop); `news` (news about a congress mentioning a report);",
        "`interpretation` (图解); `other` (a notice under the report URL pattern that is not a report).",
        "",
        "Pages per site: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ".",
        "",
        "Not linked from anywhere, for tests of error handling: `/gov/zfgzbg/busy.html` (500) and",
        "`/blog/feed/empty.html` (200, empty body).",
        "",
    ]
    return "\n".join(lines)


def write_site(out: Path) -> dict:
    files, manifest, info = build_site()
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for path, data in sorted(files.items()):
        target = out / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (out / "_routes.toml").write_text(routes_toml(info["routes"]), encoding="utf-8")
    (out / "_manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (out / "README.md").write_text(readme(manifest, info["listings"]), encoding="utf-8")
    return {"files": len(files), "manifest": manifest, "listings": info["listings"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="example: python tools/build_demo_site.py --out /tmp/demo-site",
    )
    parser.add_argument("--out", default=str(SITE_DIR), help="folder to (re)write (default: %(default)s)")
    args = parser.parse_args(argv)
    result = write_site(Path(args.out))
    counts: dict[str, int] = {}
    for e in result["manifest"]:
        counts[e["site"]] = counts.get(e["site"], 0) + 1
    print(
        f"wrote {result['files']} files to {args.out}; manifest: {len(result['manifest'])} pages "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
