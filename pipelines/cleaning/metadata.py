"""Report metadata from title, text and URL: what kind of page, which government delivered the
report, for which session year, who read it and when.

Evidence, strongest first: the header line (``2018年1月17日在吉林市第十六届人民代表大会第三次会议上``),
the title (``2018年吉林市政府工作报告``), the speaker line (``通化市市长 刘化文``), then the text's
own words: headings (``二、2023年工作安排``), how it names itself (``全市``, ``我代表市人民政府``) and
which real divisions it names most. Every pattern below is compiled once; the only full-text
passes are the division automaton (see ``admin.find_divisions``) and a few anchored regexes.
"""

from __future__ import annotations

import re
from collections import Counter

from pipelines import document
from pipelines.cleaning import admin
from pipelines.cleaning.admin import Division

META_KEYS = document.META_KEYS  # the metadata fields of the document record

_NUM = r"[〇零○一二三四五六七八九十百\d]"
_DATE = (
    r"(?P<y>\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
    r"\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
# "…在吉林市第十六届人民代表大会第三次会议上", "在第十四届全国人民代表大会第一次会议上", "在市十六届人大三次会议上"
_HEADER_RE = re.compile(
    rf"(?:{_DATE}\s*)?在\s*(?P<juris>[^\s，。、；在]{{0,30}}?)\s*"
    rf"(?P<session>第?{_NUM}+\s*届\s*(?:全国)?\s*人(?:民代表)?大(?:会)?\s*(?:常务委员会|常委会)?\s*"
    rf"第?{_NUM}+\s*次(?:全体)?\s*会议)"
)
_SESSION_RE = re.compile(
    rf"(?P<session>第?{_NUM}+\s*届\s*(?:全国)?\s*人(?:民代表)?大(?:会)?\s*第?{_NUM}+\s*次(?:全体)?\s*会议)"
)
_ROLE = r"(?:代理|代|常务副|副)?(?:总理|省长|市长|州长|盟长|县长|区长|旗长|主席)"
# a speaker line: "市长刘非", "国务院总理 李强", "… 会议上 市长刘化文", "通化市人民政府市长：刘化文"
_SPEAKER_LINE_RE = re.compile(
    rf"(?:^|[\s　—―\-:：）)])(?P<pre>[^\s　]{{0,24}}?)(?P<role>{_ROLE})\s*[:：]?\s*"
    r"(?P<name>[\u4e00-\u9fff](?:[\s　]{0,2}[\u4e00-\u9fff]){1,3})\s*$"
)
# in news: "市长刘非作政府工作报告", "代市长王某代表市人民政府作工作报告"
_SPEAKER_NEWS_RE = re.compile(
    rf"(?P<role>{_ROLE})(?P<name>[\u4e00-\u9fff]{{2,3}}?)(?:同志)?(?:代表[^，。\n]{{1,12}}?)?(?:作|做)了?(?:政府)?工作报告"
)
_ROLE_HINT = {
    "总理": "国",
    "省长": "省",
    "主席": "自治区",
    "市长": "市",
    "州长": "州",
    "盟长": "盟",
    "县长": "县",
    "区长": "区",
    "旗长": "旗",
}
_REPRESENT_RE = re.compile(r"我代表(国务院|[^，。\n]{0,8}?([省市县区州盟旗])(?:人民)?政府)")
_SELF_RE = re.compile(r"[全我本]([省市县区州盟旗])")
_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0}

# doc_type evidence
_INTERP_TITLE_RE = re.compile(
    r"解读|图解|一图|图读|读懂|看懂|数说|图说|图文|长图|漫画|动画|H5|划重点|速览|要点|问答"
)
_NEWS_TITLE_RE = re.compile(
    r"开幕|闭幕|召开|举行|隆重|听取|审议|热议|讨论|代表|委员|提出|指出|明确|聚焦|关键词|看点|亮点|金句|新闻|"
    r"发布会|记者|两会|写入|点赞|解码|透视|里的|中的|勾勒|描绘|擘画|部署|释放|信号|频|说"
)
# notices and calls about a report (征集意见的公告, 会议通知) are neither the report nor news of it
_NOTICE_TITLE_RE = re.compile(r"(?:公告|通知|通告|启事|公示|公开征集[^\n]{0,30})$")
_ABOUT_TITLE_RE = re.compile(r"工作报告|人代会|人大|两会|人民代表大会|政府工作|报告")
_REPORT_TITLE_RE = re.compile(
    r"(?:^|年|市|省|州|县|区|旗|盟|院)\s*政府工作报告\s*"
    r"(?:[（(【\[]?(?:全文|摘要|摘登|节选|要点|第[一二三四五六七八九十\d]+(?:部分|页)|[上中下]篇?)[）)】\]]?)?\s*$"
)
_REPORT_MARKERS = (
    re.compile(r"(?:^|\n)\s*各位代表"),
    re.compile(r"我代表[^，。\n]{0,14}(?:政府|国务院)[^。\n]{0,8}向大会(?:作|做)?报告"),
    re.compile(r"请予审议"),
    re.compile(r"(?:^|\n)[^\n]{0,12}(?:工作回顾|回顾)[^\n]{0,12}(?:\n|$)"),
    re.compile(
        r"(?:^|\n)[^\n]{0,14}(?:工作安排|主要任务|重点工作|工作任务|总体要求|预期目标)[^\n]{0,10}(?:\n|$)"
    ),
    re.compile(r"过去的?一年|过去五年|今后五年"),
    re.compile(r"政府自身建设|加强政府建设|建设人民满意的政府"),
)
_NEWS_MARKERS = (
    re.compile(r"记者|本报讯|讯[（(]|新华社|通讯员|报道"),
    re.compile(r"报告(?:提出|指出|明确|强调|显示)"),
    re.compile(r"(?:作|做)了?(?:政府)?工作报告"),
    re.compile(r"开幕|闭幕|听取|审议了?|热议"),
)

# year evidence: headings of the plan (→ that year) and of the review (→ the next year)
_YEAR_HEADING_RE = re.compile(
    r"([12][09]\d{2})\s*年的?(?:政府)?(?:(?P<review>工作回顾)|工作安排|主要工作|重点工作|工作任务|主要任务|目标任务|"
    r"主要预期目标|预期目标|工作的总体要求|总体要求|政府工作的总体要求|经济社会发展的?主要预期目标)"
)
_REVIEW2_RE = re.compile(r"回顾([12][09]\d{2})\s*年")
_RANGE_BEFORE = frozenset("到至—-~～")  # "到2025年主要目标" is a plan's horizon, not its year
_TITLE_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年[^，。]{0,20}?(?:政府)?工作报告")
_ANY_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")


def extract_metadata(
    *, title: str | None, text: str, url: str | None = None, publish_date: str | None = None
) -> dict:
    """Metadata of one cleaned document; every key of ``META_KEYS``, ``None`` when unknown."""
    title = (title or "").strip()
    text = text or ""
    head, head_lines = _head(text)
    out = dict.fromkeys(META_KEYS)

    header = _HEADER_RE.search(title + "\n" + head) if "届" in title + head else None
    speaker = _speaker(head_lines)
    mentions_report = "工作报告" in title or "政府工作报告" in text
    if speaker is None and mentions_report:
        m = _SPEAKER_NEWS_RE.search(title + "\n" + text[:4000])
        if m:
            speaker = (m["role"], m["name"], (title + "\n" + text[:4000])[max(0, m.start() - 16) : m.start()])

    doc_type = _doc_type(title, text, header is not None)
    out["doc_type"] = doc_type
    if header:
        out["session"] = re.sub(r"\s+", "", header["session"])
        if header["y"]:
            out["delivery_date"] = _date(header["y"], header["m"], header["d"])
    elif doc_type in ("news", "interpretation"):
        m = _SESSION_RE.search(title) or _SESSION_RE.search(text[:3000])
        if m:
            out["session"] = re.sub(r"\s+", "", m["session"])
    if speaker:
        out["speaker_role"], out["speaker"] = speaker[0], speaker[1]

    if doc_type != "other":
        level, div = _jurisdiction(title, text, head, header, speaker)
        if level == "national":
            out["admin_level"] = "national"
        elif div is not None:
            out["admin_code"] = div.code
            out["admin_level"] = div.level
            out["province"] = div.province
            out["city"] = None if div.level == "province" else div.name
    out["year"] = _year(title, text, out["delivery_date"], publish_date, doc_type)
    return out


# --------------------------------------------------------------------------- pieces


def _head(text: str) -> tuple[str, list[str]]:
    """The lines before the speech starts (before "各位代表"), at most 12 non-empty ones."""
    lines = []
    for line in text[:3000].split("\n"):
        s = line.strip()
        if not s:
            continue
        if s.startswith("各位代表") or len(lines) >= 12:
            break
        lines.append(s)
    return "\n".join(lines), lines


def _speaker(lines: list[str]) -> tuple[str, str, str] | None:
    for line in lines:
        if len(line) > 80:
            continue
        m = _SPEAKER_LINE_RE.search(line)
        if m:
            name = re.sub(r"[\s　]", "", m["name"])
            if name.endswith(("报告", "会议", "同志", "政府")):
                continue
            return m["role"], name, m["pre"]
    return None


def _doc_type(title: str, text: str, has_header: bool) -> str:
    report = 2 if has_header else 0
    for rx in _REPORT_MARKERS:  # enough evidence stops the search: most of a report is never scanned
        if report >= 5:
            break
        report += bool(rx.search(text))
    news = sum(1 for rx in _NEWS_MARKERS if rx.search(text[:6000]))
    cited = text.count("政府工作报告")
    title_about = bool(_ABOUT_TITLE_RE.search(title))
    if _INTERP_TITLE_RE.search(title) and (title_about or cited or report >= 3):
        return "interpretation"
    if _REPORT_TITLE_RE.search(title) and report >= 1:
        return "report"
    if _NOTICE_TITLE_RE.search(title) and report < 3:
        return "other"
    if _NEWS_TITLE_RE.search(title) and title_about and report < 5:
        return "news"
    if report >= 3 or (has_header and report >= 2):
        return "report"
    if (title_about and cited) or cited >= 3 or (cited >= 2 and news >= 2):
        return "news"
    return "other"


def _level_hint(text: str, head: str, speaker) -> str | None:
    """How the text names its own government: 国, 省, 自治区, 市, 州, 盟, 县, 区 or 旗."""
    if speaker:
        role = speaker[0].removeprefix("代理").removeprefix("代").removeprefix("常务").removeprefix("副")
        if role in _ROLE_HINT:
            return _ROLE_HINT[role]
    m = _REPRESENT_RE.search(text[:8000])
    if m:
        if m[1] == "国务院":
            return "国"
        if "自治区" in m[1]:
            return "自治区"
        return m[2]
    counts = Counter(_SELF_RE.findall(text, 0, 15000))
    if counts:
        return counts.most_common(1)[0][0]
    return None


def _fits(div: Division, hint: str | None) -> bool:
    if hint is None:
        return True
    name, level = div.name, div.level
    if hint == "省":
        return level == "province" and name.endswith("省")
    if hint == "自治区":
        return level == "province" and name.endswith("自治区")
    if hint == "市":
        return name.endswith("市") and level in ("province", "prefecture", "county")
    if hint in ("州", "盟"):
        return level == "prefecture" and name.endswith(hint) or (hint == "州" and name.endswith("地区"))
    if hint in ("县", "旗"):
        return level == "county" and name.endswith(hint)
    if hint == "区":
        return (
            level == "district"
            or (level == "county" and name.endswith("区"))
            or (level == "province" and name.endswith("自治区"))
        )
    return False


class _Context(Counter):
    """Weight of each division in the text, its children's mentions adding to provinces and
    prefectures (full names weigh 2, short names 1; an ambiguous name is shared). Filled on first
    use only: a header naming one division needs no scan of the text."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def __missing__(self, key):
        if self._text is not None:
            text, self._text = self._text, None
            _count(self, admin.find_divisions(text))
            if key in self:
                return self[key]
        return 0

    def items(self):
        self["000000"]  # noqa: B018 - fills the counts
        return super().items()


def _count(ctx: Counter, mentions) -> Counter:
    for m in mentions:
        w = (2.0 if m.full else 1.0) / len(m.divisions)
        for d in m.divisions:
            ctx[d.code] += w
            if d.level != "province":
                ctx[d.province_code] += w * 0.5
            if d.level in ("county", "district"):
                ctx[d.code[:4] + "00"] += w * 0.5
    return ctx


def _pick(cands, hint: str | None, ctx: Counter) -> Division | None:
    if not cands:
        return None
    fitting = [d for d in cands if _fits(d, hint)] or list(cands)
    if len(fitting) == 1:
        return fitting[0]
    return max(
        fitting,
        key=lambda d: (
            ctx[d.province_code] + ctx[d.code[:4] + "00"],
            d.current,
            -admin.LEVELS.index(d.level),
        ),
    )


def _resolve(s: str, hint: str | None, ctx: Counter, need_fit: bool = False) -> Division | None:
    """The most specific division a name string such as 长春市绿园区 names."""
    chosen = None
    for m in admin.find_divisions(s):
        if chosen is None:
            chosen = _pick(m.divisions, hint if not need_fit else None, ctx)
            continue
        inner = [d for d in m.divisions if d.within(chosen) and d.code != chosen.code]
        if inner:
            chosen = _pick(inner, hint, ctx)
    if chosen is not None and need_fit and not _fits(chosen, hint):
        return None
    return chosen


def _jurisdiction(title, text, head, header, speaker) -> tuple[str | None, Division | None]:
    hint = _level_hint(text, head, speaker)
    if header and "全国" in header["session"]:
        return "national", None
    if hint == "国" or re.search(r"国务院|全国人民代表大会", title + (speaker[2] if speaker else "")):
        return "national", None
    ctx = _Context(text)
    if header and header["juris"]:
        div = _resolve(header["juris"], hint, ctx)
        if div is not None:
            return div.level, div
    if title:
        div = _resolve(title, hint, ctx, need_fit=hint is not None)
        if div is not None:
            return div.level, div
    if speaker and speaker[2]:
        div = _resolve(speaker[2], hint, ctx, need_fit=hint is not None)
        if div is not None:
            return div.level, div
    # no name where one is expected: the division the text names most, at the level it speaks as
    best, best_score = None, 0.0
    for code, weight in ctx.items():
        div = admin.lookup(code)
        if div is None:
            continue
        score = weight * (1.0 if _fits(div, hint) else 0.2)
        if score > best_score:
            best, best_score = div, score
    if best is not None and best_score >= 2:
        return best.level, best
    return None, None


def _cn_int(s: str) -> int:
    if s.isdigit():
        return int(s)
    if len(s) == 4 and "十" not in s:  # 二〇一八
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    if "十" in s:  # 十七, 二十, 十
        a, _, b = s.partition("十")
        return (_CN_DIGIT[a] if a else 1) * 10 + (_CN_DIGIT[b] if b else 0)
    return _CN_DIGIT[s]


def _date(y: str, m: str, d: str) -> str | None:
    try:
        yy, mm, dd = _cn_int(y), _cn_int(m), _cn_int(d)
    except KeyError:
        return None
    if 1949 < yy < 2100 and 1 <= mm <= 12 and 1 <= dd <= 31:
        return f"{yy:04d}-{mm:02d}-{dd:02d}"
    return None


def _year(title: str, text: str, delivery_date, publish_date, doc_type: str) -> int | None:
    if delivery_date:
        return int(delivery_date[:4])
    m = _TITLE_YEAR_RE.search(title)
    if m:
        return int(m[1])
    if doc_type != "other":
        votes: Counter = Counter()
        for m in _YEAR_HEADING_RE.finditer(text):
            if m["review"]:
                votes[int(m[1]) + 1] += 2
            elif m.start() == 0 or text[m.start() - 1] not in _RANGE_BEFORE:
                votes[int(m[1])] += 2
        for m in _REVIEW2_RE.finditer(text):
            votes[int(m[1]) + 1] += 2
        if votes:
            return max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]
    if publish_date and re.match(r"\d{4}", publish_date):
        return int(publish_date[:4])
    m = _ANY_YEAR_RE.search(title)
    if m and doc_type != "other":
        return int(m[1])
    return None
