"""Build the labelled deduplication test set: ``tests/fixtures/dedupe/labelled.jsonl``.

Deterministic (fixed seed).  Sources of text:

* the demo site (``archive/demo/site``): every report page cleaned with the real cleaner
  (``pipelines.cleaning``); pages of one ``report_id`` form one labelled group;
* the three real seed captures (``tests/fixtures/seeds``), raw, with the chrome the capture kept;
* variants generated here from a group's best copy: chrome swaps, ``*`` damage, truncation,
  section excerpts, layout breaks, small edits, exact copies on other sources;
* hard negatives (each its own group): the same jurisdiction's report of another year, the
  province's report of a year next to its cities' reports, reports of two cities sharing long
  national formulations verbatim, and section excerpts of reports whose full text is not in the
  set, all made with the demo generator's report composer plus shared stock paragraphs.

Usage: ``python tools/build_dedupe_set.py`` (rewrites the fixture and its README statistics).
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import build_demo_site as demo  # noqa: E402

from pipelines.cleaning import clean_document, clean_page, text_hash  # noqa: E402
from pipelines.cleaning.normalize import is_truncated, masked_chars  # noqa: E402
from pipelines.cleaning.rawpage import RawPage  # noqa: E402

SEED = 20240611
SITE = ROOT / "archive" / "demo" / "site"
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
OUT_DIR = ROOT / "tests" / "fixtures" / "dedupe"
OUT = OUT_DIR / "labelled.jsonl"
DEMO_BASE = "http://demo.local"
FIELDS = (
    "id",
    "group",
    "kind",
    "variant",
    "url",
    "source",
    "title",
    "text",
    "city",
    "province",
    "year",
    "admin_code",
    "doc_type",
    "masked_chars",
    "truncated",
    "mojibake",
)


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------
@dataclass
class Doc:
    id: str
    group: str
    kind: str
    variant: str
    url: str
    source: str
    title: str
    text: str
    city: str | None
    province: str | None
    year: int | None
    admin_code: str | None
    doc_type: str
    masked_chars: int = 0
    truncated: bool = False
    mojibake: bool = False

    def row(self) -> dict:
        return {k: getattr(self, k) for k in FIELDS}

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def derive(
    base: Doc,
    *,
    id: str,
    kind: str,
    variant: str,
    url: str,
    source: str,
    lines: list[str],
    title: str | None = None,
    truncated: bool | None = None,
) -> Doc:
    text = "\n".join(ln for ln in lines if ln.strip())
    if truncated is None:  # a copy of a truncated text stays truncated, whatever chrome follows it
        truncated = base.truncated or is_truncated(text.split("\n"))
    return Doc(
        id,
        base.group,
        kind,
        variant,
        url,
        source,
        title or base.title,
        text,
        base.city,
        base.province,
        base.year,
        base.admin_code,
        base.doc_type,
        masked_chars(text),
        truncated,
        base.mojibake,
    )


def from_cleaned(d: dict, *, id: str, group: str, kind: str, variant: str, url: str, source: str) -> Doc:
    return Doc(
        id,
        group,
        kind,
        variant,
        url,
        source,
        d["title"] or "",
        d["text"],
        d["city"],
        d["province"],
        d["year"],
        d["admin_code"],
        d["doc_type"] or "report",
        d["masked_chars"],
        bool(d["truncated"]),
        bool(d["mojibake"]),
    )


# ---------------------------------------------------------------------------------------------
# Demo pages and seeds
# ---------------------------------------------------------------------------------------------
def clean_demo_page(entry: dict) -> dict:
    path = entry["path"]
    body = (SITE / path.lstrip("/")).read_bytes()
    pages = [RawPage(body, DEMO_BASE + path, entry.get("content_type"))]
    if entry["variant"] == "split-part":  # the continuation page is not in the manifest
        cont = SITE / path.lstrip("/").replace(".html", "_1.html")
        pages.append(
            RawPage(
                cont.read_bytes(), DEMO_BASE + path.replace(".html", "_1.html"), entry.get("content_type")
            )
        )
    return clean_document(pages)


def seed_capture(name: str) -> list[str]:
    """A seed capture as the cleaner of a naive aggregator keeps it: every non-empty line, chrome
    included (real text)."""
    text = (SEEDS / name).read_text(encoding="utf-8")
    out = []
    for ln in text.split("\n"):
        ln = ln.strip().replace("\u3000", " ")
        if ln and (not out or ln != out[0]):  # the capture repeats its first header line
            out.append(ln)
    return out


# ---------------------------------------------------------------------------------------------
# Variant operations (text level)
# ---------------------------------------------------------------------------------------------
CHROME_TOP = (
    "{title}",
    "来源：{paper}",
    "{date} 来源：{paper} 作者：记者 {name}",
    "您当前的位置：首页 > 政务公开 > 政府工作报告",
    "【字体：大 中 小】 打印本页 关闭窗口",
    "发布时间：{date} 浏览次数：{n}",
    "{site}",
    "分享到：微信 微博 QQ空间",
)
CHROME_BOTTOM = (
    "责任编辑：{name}",
    "（来源：{paper}）",
    "本文来源：{site}",
    "扫一扫在手机打开当前页",
    "【纠错】 【责任编辑：{name}】",
    "{site} 版权所有，未经授权禁止转载",
    "相关阅读：{title}解读",
    "原标题：{title}",
)
PAPERS = ("吉林日报", "城市晚报", "新文化报", "江城日报", "通化日报", "长春日报", "四平日报")
SITES = ("大学网·范文中心", "第一范文网", "公文易文库", "东北新闻网", "中国吉林网", "范文先生网", "学习啦")
EDITORS = ("王丽", "张博", "刘畅", "陈晓雪", "李明哲", "赵一鸣")


def chrome_swap(d: Doc, rng: random.Random) -> list[str]:
    """The same report cleaned from another site's page: 1-3 short chrome lines the cleaner kept."""
    fill = {
        "title": d.title or f"{d.year}年政府工作报告",
        "paper": rng.choice(PAPERS),
        "site": rng.choice(SITES),
        "name": rng.choice(EDITORS),
        "date": f"{d.year}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}",
        "n": str(rng.randint(30, 9000)),
    }
    n = rng.randint(1, 3)
    top = rng.sample(CHROME_TOP, rng.randint(0, n))
    bottom = rng.sample(CHROME_BOTTOM, n - len(top))
    lines = d.lines
    if rng.random() < 0.3 and lines[0].startswith("——"):
        lines = lines[1:]  # the other site's cleaner dropped the session line
    return [t.format(**fill) for t in top] + lines + [t.format(**fill) for t in bottom]


SENSITIVE = (
    "习近平",
    "党中央",
    "疫情",
    "新冠",
    "信访",
    "扫黑除恶",
    "黑恶",
    "腐败",
    "廉洁",
    "四风",
    "维稳",
    "宗教",
    "民族",
    "边境",
    "国家安全",
    "意识形态",
    "政治",
    "专政",
    "群体性",
    "上访",
    "总书记",
    "核心",
    "毛泽东",
    "邓小平",
    "纪检",
    "监察",
    "巡视",
    "群众",
)


def star_damage(d: Doc, rng: random.Random, n_words: int, speaker: str | None = None) -> list[str]:
    """A word filter: ``n_words`` spans (sensitive words first, names, then 2-4 character spans)
    replaced by ``*`` per character or by ``**``."""
    lines = list(d.lines)
    spans: list[tuple[int, int, int]] = []  # (line, start, end)
    taken: set[tuple[int, int]] = set()

    def free(i: int, a: int, b: int) -> bool:
        return all((i, k) not in taken for k in range(a - 1, b + 1))

    def take(i: int, a: int, b: int) -> None:
        spans.append((i, a, b))
        taken.update((i, k) for k in range(a, b))

    words = list(SENSITIVE) + ([speaker] if speaker else [])
    hits = []
    for w in words:
        for i, ln in enumerate(lines):
            for m in re.finditer(re.escape(w), ln):
                hits.append((i, m.start(), m.end()))
    rng.shuffle(hits)
    for i, a, b in hits:
        if len(spans) >= n_words:
            break
        if free(i, a, b):
            take(i, a, b)
    guard = 0
    while len(spans) < n_words and guard < 10000:
        guard += 1
        i = rng.randrange(len(lines))
        ln = lines[i]
        k = rng.randint(2, 4)
        if len(ln) < 20:
            continue
        a = rng.randrange(0, len(ln) - k)
        seg = ln[a : a + k]
        if all("\u4e00" <= c <= "\u9fff" for c in seg) and free(i, a, a + k):
            take(i, a, a + k)
    for i, a, b in sorted(spans, key=lambda s: (s[0], -s[1])):
        mask = "**" if rng.random() < 0.4 else "*" * (b - a)
        lines[i] = lines[i][:a] + mask + lines[i][b:]
    return lines


def truncate(d: Doc, rng: random.Random) -> list[str]:
    """Cut at 40-90% of the characters, mid-sentence."""
    text = d.text
    cut = int(len(text) * rng.uniform(0.4, 0.9))
    while cut < len(text) - 1 and (text[cut - 1] in "。！？：；\n" or text[cut] in "\n，。"):
        cut += 1
    out = text[:cut].rstrip()
    if rng.random() < 0.3:
        out += rng.choice(("……", "…（未完）", "……(更多内容请下载附件)"))
    return out.split("\n")


CHAPTER = re.compile(r"^[一二三四五六七八九十]、")


def chapters(lines: list[str]) -> list[tuple[int, int]]:
    starts = [i for i, ln in enumerate(lines) if CHAPTER.match(ln)]
    return [(a, starts[k + 1] if k + 1 < len(starts) else len(lines)) for k, a in enumerate(starts)]


def section_excerpt(d: Doc, rng: random.Random, which: int | None = None) -> list[str] | None:
    """Only one chapter: 二、…工作安排 by default (the one newspapers print), else a random one."""
    chs = chapters(d.lines)
    if len(chs) < 2:
        return None
    if which is None:
        which = 1 if rng.random() < 0.7 else rng.choice([0, len(chs) - 1])
    a, b = chs[min(which, len(chs) - 1)]
    return d.lines[a:b]


def layout_breaks(d: Doc, rng: random.Random, page_numbers: bool = False) -> list[str]:
    """Paragraphs broken into 2-3 lines at arbitrary points (a PDF or a narrow column)."""
    out: list[str] = []
    page, since = 1, 0
    for ln in d.lines:
        if len(ln) > 40 and rng.random() < 0.8:
            k = rng.randint(1, 2)
            cuts = sorted(rng.sample(range(8, len(ln) - 4), k))
            parts = [ln[a:b] for a, b in zip([0] + cuts, cuts + [len(ln)], strict=True)]
        else:
            parts = [ln]
        for p in parts:
            out.append(p)
            since += len(p)
            if page_numbers and since > 900:
                page += 1
                since = 0
                out.append(rng.choice(("— {} —", "-{}-", "第{}页")).format(page))
    return out


ASCII_PUNCT = str.maketrans("，。；：！？（）、“”", ',.;:!?(),""')
SENT = re.compile(r"[^。！？]*[。！？]")
NUM = re.compile(r"\d+(?:\.\d+)?")


def small_edit(d: Doc, rng: random.Random) -> list[str]:
    """A few sentences removed or reworded, a number or two changed."""
    lines = list(d.lines)
    long_ = [i for i, ln in enumerate(lines) if len(SENT.findall(ln)) >= 2]
    for i in rng.sample(long_, min(len(long_), rng.randint(1, 2))):  # drop a sentence
        sents = SENT.findall(lines[i])
        drop = rng.randrange(len(sents))
        lines[i] = "".join(s for k, s in enumerate(sents) if k != drop) + lines[i][len("".join(sents)) :]
    numbered = [i for i, ln in enumerate(lines) if NUM.search(ln) and i > 2]
    for i in rng.sample(numbered, min(len(numbered), rng.randint(1, 3))):  # change a number
        ms = list(NUM.finditer(lines[i]))
        m = rng.choice(ms)
        v = m.group()
        new = (
            f"{float(v) + rng.choice((-0.2, 0.1, 0.3)):.1f}" if "." in v else str(int(v) + rng.randint(1, 9))
        )
        lines[i] = lines[i][: m.start()] + new + lines[i][m.end() :]
    swaps = (("进一步", "更好"), ("加快", "加速"), ("全面", "全力"), ("持续", "不断"), ("推动", "推进"))
    for a, b in rng.sample(swaps, 2):  # reword
        cands = [i for i, ln in enumerate(lines) if a in ln]
        if cands:
            i = rng.choice(cands)
            lines[i] = lines[i].replace(a, b, 1)
    return lines


# ---------------------------------------------------------------------------------------------
# Hard negatives: the composer, a province, and shared stock formulations
# ---------------------------------------------------------------------------------------------
class Province(demo.Juris):
    @property
    def head(self) -> str:
        return "省长"


JILIN_PROVINCE = Province(
    "吉林省",
    "220000",
    "province",
    "吉林",
    ("汽车", "石油化工", "医药健康", "冰雪旅游"),
    ("长白山", "查干湖", "净月潭"),
    ("长春新区", "中韩（长春）国际合作示范区"),
    ("松花江", "图们江"),
    ("玉米", "人参"),
    11500,
    scale=5.0,
)

# National formulations a city copies verbatim (real report phrasing of the years, re-typed).
STOCK = {
    "early": [
        "必须清醒看到，我国经济已由高速增长阶段转向高质量发展阶段，正处在转变发展方式、优化经济结构、转换增长动力的攻关期，"
        "必须坚持质量第一、效益优先，以供给侧结构性改革为主线，推动经济发展质量变革、效率变革、动力变革，提高全要素生产率。",
        "做好今年工作，要坚持稳中求进工作总基调，坚持新发展理念，坚持推动高质量发展，坚持以供给侧结构性改革为主线，"
        "全面做好稳就业、稳金融、稳外贸、稳外资、稳投资、稳预期工作，保持经济持续健康发展和社会大局稳定。",
        "我们要增强“四个意识”、坚定“四个自信”、做到“两个维护”，坚决在思想上政治上行动上同以习近平同志为核心的党中央保持高度一致，"
        "把党的领导贯穿政府工作全过程，确保党中央、国务院和省委、省政府决策部署落地见效。",
        "坚持以人民为中心的发展思想，尽力而为、量力而行，着力解决人民群众最关心最直接最现实的利益问题，"
        "扎实做好保障和改善民生工作，不断增强人民群众获得感、幸福感、安全感。",
    ],
    "late": [
        "高举习近平新时代中国特色社会主义思想伟大旗帜，全面贯彻党的二十大精神，深入贯彻习近平总书记视察吉林重要讲话重要指示精神，"
        "完整、准确、全面贯彻新发展理念，服务和融入新发展格局，着力推动高质量发展，坚持稳中求进工作总基调，"
        "统筹发展和安全，更好统筹疫情防控和经济社会发展，全面深化改革开放，大力提振市场信心。",
        "坚决扛稳维护国家粮食安全重任，全面落实粮食安全党政同责，深入实施藏粮于地、藏粮于技战略，"
        "稳定粮食播种面积，加强高标准农田建设，实施黑土地保护工程，推动农业大省向农业强省跨越。",
        "深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”、做到“两个维护”，"
        "把学习贯彻党的二十大精神作为首要政治任务，推动党中央决策部署和省委工作要求在政府系统落地生根。",
        "坚持以人民为中心的发展思想，扎实推进共同富裕，健全基本公共服务体系，兜牢兜准兜实民生底线，"
        "着力解决好人民群众急难愁盼问题，让现代化建设成果更多更公平惠及全体人民。",
        "全面落实全面从严治党主体责任，严格落实中央八项规定及其实施细则精神，驰而不息纠治“四风”，"
        "坚决反对形式主义、官僚主义，持之以恒正风肃纪反腐，加强审计监督和统计监督，努力建设人民满意的政府。",
    ],
}


def grams(text: str, n: int = 5) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + n] for i in range(max(0, len(t) - n + 1))}


def containment(a: str, b: str) -> float:
    """Share of a's 5-grams found in b."""
    ga = grams(a)
    return len(ga & grams(b)) / max(1, len(ga))


def jaccard(a: str, b: str) -> float:
    ga, gb = grams(a), grams(b)
    return len(ga & gb) / max(1, len(ga | gb))


def local_words(j: demo.Juris) -> list[str]:
    return [j.name, j.short, *j.industries, *j.sights, *j.parks, *j.rivers, *j.products]


def compose(j: demo.Juris, year: int, month: int, day: int) -> list[str]:
    r = demo.make_report(j, year, month, day)
    lines = [ln.replace("\u3000", " ") for ln in r.lines]
    if isinstance(j, Province):
        lines = [
            ln.replace("在省委、省政府和省委的坚强领导下", "在党中央、国务院和省委的坚强领导下")
            .replace("市政协", "省政协")
            .replace("全市", "全省")
            .replace("市委", "省委")
            for ln in lines
        ]
    return lines


def share_with(
    lines: list[str], ref: list[str], j: demo.Juris, ref_words: list[str], rng: random.Random, target: float
) -> list[str]:
    """Replace paragraphs of ``lines`` by stock paragraphs of ``ref`` (no figures, nothing local),
    each in the same chapter and role (same opening words, else another stock paragraph), until
    ``target`` of the text's 5-grams occur in ``ref``."""
    out = list(lines)
    ref_text = "\n".join(ref)
    cands = []
    for c, (a, b) in enumerate(chapters(ref)):
        for k in range(a + 1, b):
            p = ref[k]
            if len(p) > 40 and stock(p, ref_words):
                cands.append((c, p))
    rng.shuffle(cands)
    for c, p in cands:
        if containment("\n".join(out), ref_text) >= target:
            break
        chs = chapters(out)
        if not chs or p in out:
            continue
        a, b = chs[min(c, len(chs) - 1)]
        body = [k for k in range(a + 1, b) if len(out[k]) > 40 and out[k] not in ref]
        slots = [k for k in body if out[k][:2] == p[:2]] or [k for k in body if stock(out[k], local_words(j))]
        if slots:
            out[rng.choice(slots)] = p
    return out


def stock(p: str, words: list[str]) -> bool:
    """A paragraph of stock phrasing: no figures, no local names, not a numbered heading."""
    return not re.search(r"\d", p) and not any(w and w in p for w in words) and not p.startswith("（")


def add_stock(lines: list[str], year: int, rng: random.Random, picks: list[int]) -> list[str]:
    """Insert national stock paragraphs (the same ones for both reports of a shared-formulations
    pair): the first one is the 总体要求 paragraph, the others go into the plan chapter."""
    bank = STOCK["late" if year >= 2023 else "early"]
    out = list(lines)
    plan = next((i for i, ln in enumerate(out) if CHAPTER.match(ln) and ln.startswith("二、")), len(out) // 2)
    if year >= 2023:
        # the 总体要求 paragraph itself is the stock one
        k = next((i for i in range(plan, len(out)) if "总体要求" in out[i]), plan + 1)
        head = out[k].split("政府工作的总体要求是：")[0] if "政府工作的总体要求是：" in out[k] else ""
        out[k] = head + "政府工作的总体要求是：" + bank[picks[0]]
        rest = picks[1:]
    else:
        rest = picks
    for n, p in enumerate(rest):
        out.insert(plan + 3 + 2 * n, bank[p])
    return out


def page_html(title: str, lines: list[str]) -> bytes:
    body = "\n".join(f"<p>{html.escape(ln)}</p>" for ln in lines)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f'<body><div class="article"><h1>{html.escape(title)}</h1>\n{body}\n</div></body></html>'
    ).encode()


def cleaned_new(lines: list[str], title: str, url: str, j: demo.Juris, year: int) -> dict:
    """Run a composed report through the real cleaner (as if crawled from a plain page)."""
    d = clean_page(page_html(title, lines), url, "text/html; charset=utf-8")
    d["title"] = d["title"] or title
    d["year"] = d["year"] or year
    d["admin_code"] = d["admin_code"] or j.code
    if isinstance(j, Province):
        d["province"], d["city"] = "吉林省", None
    else:
        d["province"] = d["province"] or "吉林省"
        d["city"] = d["city"] or j.name
    d["doc_type"] = "report"
    return d


# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------
def url_for(source: str, key: str) -> str:
    h = hashlib.sha1(f"{source}:{key}".encode()).hexdigest()[:8]
    hosts = {
        "gov-portal": "http://www.jl.gov.cn.demo/zw/zfgzbg/",
        "newspaper": "http://news.jlnews.demo/html/",
        "newspaper-2": "http://epaper.chengshiwanbao.demo/page/",
        "seed-capture": "http://seed.capture.demo/",
    }
    if source.startswith("aggregator-"):
        return f"http://www.fanwen{source.split('-')[1]}.demo/article/{h}.html"
    if source.startswith("city-portal"):
        return f"http://www.city-portal.demo/xxgk/{h}.html"
    return hosts.get(source, f"http://{source}.demo/") + f"{h}.html"


SOURCE_OF_SITE = {"gov": "gov-portal", "news": "newspaper", "agg": "aggregator-1", "blog": "blog"}
VARIANT_SOURCES = (
    "newspaper-2",
    "aggregator-2",
    "aggregator-3",
    "aggregator-4",
    "aggregator-5",
    "city-portal",
)


def build() -> list[Doc]:
    rng = random.Random(SEED)
    manifest = json.loads((SITE / "_manifest.json").read_text(encoding="utf-8"))
    entries = [e for e in manifest if e["status"] == 200]
    reports = sorted({e["report_id"] for e in entries if e["report_id"]})
    docs: list[Doc] = []
    groups: dict[str, list[Doc]] = {}
    best: dict[str, Doc] = {}
    rid_group: dict[str, str] = {}

    # 1. the demo site's report pages, one group per report
    for gi, rid in enumerate(reports, 1):
        g = f"g{gi:02d}"
        rid_group[rid] = g
        members = [(e, clean_demo_page(e)) for e in entries if e["report_id"] == rid]
        rank = {"full": 0, "split-part": 0, "duplicate": 1, "excerpt": 2, "mangled": 3}
        members.sort(key=lambda m: (rank.get(m[0]["variant"], 9), m[0]["site"] != "gov", -len(m[1]["text"])))
        canon = members[0][1]
        for vi, (e, d) in enumerate(members):
            if vi == 0:
                kind = "canonical"
            elif text_hash(d["text"]) == text_hash(canon["text"]):
                kind = "exact"
            elif e["variant"] == "excerpt":
                kind = "excerpt"
            else:
                kind = "near"
            variant = (
                {
                    "full": "original",
                    "split-part": "original",
                    "duplicate": "exact-copy",
                    "excerpt": "section-excerpt",
                    "mangled": "star-damage",
                }[e["variant"]]
                if vi
                else "original"
            )
            doc = from_cleaned(
                d,
                id=f"{g}-v{vi}",
                group=g,
                kind=kind,
                variant=variant,
                url=DEMO_BASE + e["path"],
                source=SOURCE_OF_SITE[e["site"]],
            )
            docs.append(doc)
            groups.setdefault(g, []).append(doc)
        best[g] = groups[g][0]

    # 2. the seeds as captured (real text, chrome kept): another copy of their demo groups
    seed_groups = {
        "000_dbcc9ea6e1c44f24.txt": "2018-220500",
        "001_94c300e1a2ca0804.txt": "2018-220200",
        "002_3d2c4c437c53b37a.txt": "2023-220500",
    }
    for name, rid in seed_groups.items():
        g = rid_group[rid]
        lines = seed_capture(name)
        doc = derive(
            best[g],
            id=f"{g}-v{len(groups[g])}",
            kind="near",
            variant="chrome-swap:seed-capture",
            url=url_for("seed-capture", name),
            source="seed-capture",
            lines=lines,
        )
        doc.truncated = best[g].truncated
        docs.append(doc)
        groups[g].append(doc)

    # 3. generated variants of every demo group's best copy
    plans = [
        ("chrome-swap",),
        ("star-damage",),
        ("truncated",),
        ("section-excerpt",),
        ("layout-breaks",),
        ("small-edit",),
        ("exact-copy",),
        ("chrome-swap", "star-damage"),
        ("layout-breaks+page-numbers",),
        ("chrome-swap", "truncated"),
    ]
    k = 0
    for g in sorted(best):
        base = best[g]
        n_var = 1 if len(groups[g]) >= 3 else rng.choice((1, 2, 2, 3))
        used_sources = {d.source for d in groups[g]}
        for _ in range(n_var):
            plan = plans[k % len(plans)]
            k += 1
            src = (
                next(s for s in rng.sample(VARIANT_SOURCES, len(VARIANT_SOURCES)) if s not in used_sources)
                if len(used_sources) < len(VARIANT_SOURCES) + 4
                else rng.choice(VARIANT_SOURCES)
            )
            used_sources.add(src)
            doc = make_variant(base, plan, rng, id=f"{g}-v{len(groups[g])}", source=src)
            if doc is None:
                continue
            docs.append(doc)
            groups[g].append(doc)

    # 4. hard negatives
    docs += hard_negatives(rng, best, rid_group)

    # 3b. the kinds of damage added later (their own generator: the documents above stay the same)
    later = random.Random(SEED + 2)
    later_plans = [
        ("other-masks",),
        ("ascii-punctuation",),
        ("chapters-reordered",),
        ("middle-page",),
        ("ascii-punctuation", "chrome-swap"),
        ("other-masks", "truncated"),
    ]
    for k, g in enumerate(sorted(best)):
        if k % 2:
            continue
        plan = later_plans[(k // 2) % len(later_plans)]
        used_sources = {d.source for d in groups[g]}
        src = next((s for s in VARIANT_SOURCES if s not in used_sources), later.choice(VARIANT_SOURCES))
        doc = make_variant(best[g], plan, later, id=f"{g}-v{len(groups[g])}", source=src)
        if doc is not None:
            docs.append(doc)
            groups[g].append(doc)

    # 5. other documents of the demo site: news, interpretation, notice (never reports' copies)
    n = len({d.group for d in docs if d.group.startswith("h")})
    for e in entries:
        if e["doc_type"] in ("news", "interpretation", "other"):
            n += 1
            d = clean_demo_page(e)
            variant = {
                "news": "hard-negative:news-about-report",
                "interpretation": "hard-negative:interpretation",
                "other": "unrelated:notice",
            }[e["doc_type"]]
            docs.append(
                from_cleaned(
                    d,
                    id=f"h{n:02d}-v0",
                    group=f"h{n:02d}",
                    kind="canonical",
                    variant=variant,
                    url=DEMO_BASE + e["path"],
                    source=SOURCE_OF_SITE[e["site"]],
                )
            )

    # file order = a crawl's order: sources interleave, copies often come before the best copy
    order = random.Random(SEED + 1)
    order.shuffle(docs)
    return docs


def make_variant(base: Doc, plan: tuple[str, ...], rng: random.Random, *, id: str, source: str) -> Doc | None:
    lines = base.lines
    kind, trunc = "near", None
    name = "+".join(plan)
    for op in plan:
        cur = Doc(**{**base.__dict__, "text": "\n".join(lines)})
        if op == "chrome-swap":
            lines = chrome_swap(cur, rng)
        elif op == "star-damage":
            lines = star_damage(cur, rng, rng.randint(3, 30))
        elif op == "truncated":
            lines = truncate(cur, rng)
            kind, trunc = "excerpt", True
        elif op == "section-excerpt":
            ex = section_excerpt(cur, rng)
            if ex is None:
                lines = truncate(cur, rng)
                kind, trunc, name = "excerpt", True, "truncated"
            else:
                lines, kind = ex, "excerpt"
        elif op == "layout-breaks":
            lines = layout_breaks(cur, rng)
            kind = "exact"  # only whitespace differs: the normalised text is the same
        elif op == "layout-breaks+page-numbers":
            lines = layout_breaks(cur, rng, page_numbers=True)
        elif op == "small-edit":
            lines = small_edit(cur, rng)
        elif op == "exact-copy":
            kind = "exact"
        elif op == "other-masks":  # a filter that masks with ×, □, ■ or X instead of *
            mask = rng.choice("×□■X")
            lines = [ln.replace("*", mask) for ln in star_damage(cur, rng, rng.randint(5, 30))]
        elif op == "ascii-punctuation":  # OCR or a PDF's text layer: half-width punctuation throughout
            lines = [ln.translate(ASCII_PUNCT) for ln in lines]
        elif op == "chapters-reordered":  # an aggregator's re-layout: two chapters swapped
            chs = chapters(lines)
            if len(chs) < 3:
                return None
            (a1, b1), (a2, b2) = chs[1], chs[2]
            lines = lines[:a1] + lines[a2:b2] + lines[a1:b1] + lines[b2:]
        elif op == "middle-page":  # page 2 of 3 of a paginated copy, cut mid-paragraph
            text = cur.text
            lines = text[len(text) // 3 : 2 * len(text) // 3].strip().split("\n")
            kind = "excerpt"
    title = base.title
    if source.startswith("aggregator") and base.year and "全文" not in title:
        title = f"{base.year}年{base.city or ''}政府工作报告全文"
    if "section-excerpt" in name:
        title = rng.choice(("政府工作报告（节选）", "政府工作报告（第二部分）", "政府工作报告摘要"))
    doc = derive(
        base,
        id=id,
        kind=kind,
        variant=name,
        url=url_for(source, id),
        source=source,
        lines=lines,
        title=title,
        truncated=trunc,
    )
    if "section-excerpt" in name:  # an excerpt page names no place: metadata unknown
        doc.city = doc.province = doc.admin_code = None
    if kind == "exact":
        assert text_hash(doc.text) == text_hash(base.text), (id, name)
    elif text_hash(doc.text) == text_hash(base.text):
        doc.kind = "exact"
    return doc


def hard_negatives(rng: random.Random, best: dict[str, Doc], rid_group: dict[str, str]) -> list[Doc]:
    out: list[Doc] = []
    n = 0
    have = set(rid_group)

    def new_group() -> str:
        nonlocal n
        n += 1
        return f"h{n:02d}"

    def emit(
        j: demo.Juris,
        year: int,
        lines: list[str],
        variant: str,
        source: str,
        title: str | None = None,
        excerpt_of: bool = False,
        anonymous: bool = False,
    ) -> Doc:
        rid = f"{year}-{j.code}"
        assert rid not in have, rid  # one text per report: never a second, different text of one report
        have.add(rid)
        g = new_group()
        title = title or f"{year}年{j.name}政府工作报告" + ("（摘要）" if excerpt_of else "")
        url = url_for(source, f"{g}:{j.code}:{year}")
        d = cleaned_new(lines, title, url, j, year)
        doc = from_cleaned(
            d, id=f"{g}-v0", group=g, kind="canonical", variant=variant, url=url, source=source
        )
        if anonymous:  # an aggregator page naming no place: only the text can tell the report apart
            doc.city = doc.province = doc.admin_code = None
        out.append(doc)
        return doc

    def ref_of(rid: str) -> Doc:
        return best[rid_group[rid]]

    def ref_words(ref: Doc) -> list[str]:
        j = demo.J.get(ref.city or "")
        return local_words(j) if j else [ref.city or "", (ref.city or "")[:2]]

    # (a) the same jurisdiction's report of another year (next to one in the set)
    other_years = [
        ("磐石市", 2022, "2023-220284"),
        ("吉林市", 2021, "2022-220200"),
        ("吉林市", 2023, "2024-220200"),
        ("吉林市", 2025, "2024-220200"),
        ("通化市", 2020, "2021-220500"),
        ("通化市", 2022, "2021-220500"),
        ("长春市", 2020, "2019-220100"),
        ("长春市", 2024, "2025-220100"),
        ("白城市", 2021, "2022-220800"),
        ("辽源市", 2023, "2022-220400"),
        ("白山市", 2022, "2021-220600"),
        ("松原市", 2022, "2023-220700"),
        ("四平市", 2024, "2025-220300"),
        ("延边朝鲜族自治州", 2023, "2024-222400"),
        ("梅河口市", 2022, "2023-220581"),
    ]
    for city, year, ref_rid in other_years:
        j = demo.J[city]
        ref = ref_of(ref_rid)
        lines = compose(j, year, 1, rng.randint(6, 20))
        lines = share_with(lines, ref.lines, j, ref_words(ref), rng, rng.uniform(0.3, 0.4))
        emit(
            j, year, lines, "hard-negative:other-year", rng.choice(("gov-portal", "newspaper", "city-portal"))
        )

    # (a') real phrasing: 吉林市 2019 built around the real 2018 seed's stock paragraphs
    ref = ref_of("2018-220200")
    j = demo.J["吉林市"]
    lines = compose(j, 2019, 1, 15)
    real = [p for p in ref.lines if len(p) > 80 and not any(w in p for w in ("2017", "2018", "吉林", "江城"))]
    keep = rng.sample(real, min(len(real), 4))
    plan = next(i for i, ln in enumerate(lines) if ln.startswith("二、"))
    three = next(i for i, ln in enumerate(lines) if ln.startswith("三、"))
    lines = lines[: plan + 1] + keep[:2] + lines[plan + 1 : three + 1] + keep[2:] + lines[three + 1 :]
    doc = emit(
        j, 2019, lines, "hard-negative:other-year", "newspaper", title="2019年吉林市政府工作报告（全文）"
    )
    doc.variant = "hard-negative:other-year-real-phrasing"

    # (b) the province's report of a year, next to its capital's / its namesake city's report
    prov: dict[int, Doc] = {}
    for year, ref_rid in (
        (2019, "2019-220100"),
        (2020, "2020-220200"),
        (2021, "2021-220100"),
        (2022, "2022-220200"),
        (2024, "2024-220200"),
        (2025, "2025-220100"),
    ):
        ref = ref_of(ref_rid)
        lines = compose(JILIN_PROVINCE, year, 1, rng.randint(20, 28))
        lines = share_with(lines, ref.lines, JILIN_PROVINCE, ref_words(ref), rng, rng.uniform(0.3, 0.4))
        prov[year] = emit(
            JILIN_PROVINCE,
            year,
            lines,
            "hard-negative:province-same-year",
            "gov-portal",
            title=f"{year}年吉林省政府工作报告",
        )
    # copies of one province report: they must join the province, never the city
    p22 = prov[2022]
    for vi, (plan, src) in enumerate(
        (
            (("exact-copy",), "newspaper"),
            (("star-damage",), "aggregator-2"),
            (("section-excerpt",), "aggregator-3"),
        ),
        1,
    ):
        v = make_variant(p22, plan, rng, id=f"{p22.group}-v{vi}", source=src)
        out.append(v)

    # (c) two reports of one year sharing long national formulations verbatim
    pairs = [
        (("白城市", "集安市"), 2023),
        (("四平市", "敦化市"), 2023),
        (("松原市", "白城市"), 2024),
        (("敦化市", "珲春市"), 2022),
        (("磐石市", "公主岭市"), 2020),
        (("集安市", "临江市"), 2025),
    ]
    for (a, b), year in pairs:
        bank = STOCK["late" if year >= 2023 else "early"]
        picks = rng.sample(range(len(bank)), 3)
        la = add_stock(compose(demo.J[a], year, 1, rng.randint(5, 25)), year, rng, picks)
        lb = add_stock(compose(demo.J[b], year, 1, rng.randint(5, 25)), year, rng, picks)
        # and the two cities' clerks copied a few more paragraphs from each other's drafts
        lb = share_with(lb, la, demo.J[b], local_words(demo.J[a]), rng, rng.uniform(0.3, 0.4))
        # the second one as an aggregator printed it: no session line, no speaker, a bare title
        lb = lb[2:] if lb[0].startswith("——") else lb
        for city, lines, anon in ((a, la, False), (b, lb, True)):
            emit(
                demo.J[city],
                year,
                lines,
                "hard-negative:shared-formulations",
                "aggregator-5" if anon else rng.choice(("gov-portal", "newspaper", "city-portal")),
                title="政府工作报告" if anon else None,
                anonymous=anon,
            )

    # (d) a section excerpt of city A's report (A's full text is not in the set) next to city B's
    #     full report of the same year
    excerpts = [
        ("白山市", 2020, "2020-220200"),
        ("梅河口市", 2024, "2024-220500"),
        ("长春市", 2023, "2023-220284"),
        ("延吉市", 2021, "2021-220500"),
        ("四平市", 2020, "2020-220800"),
        ("辽源市", 2025, "2025-220300"),
    ]
    for city, year, ref_rid in excerpts:
        ref = ref_of(ref_rid)
        j = demo.J[city]
        full = compose(j, year, 1, rng.randint(5, 25))
        full = share_with(full, ref.lines, j, ref_words(ref), rng, rng.uniform(0.3, 0.4))
        chs = chapters(full)
        a, b = chs[1]
        emit(
            j,
            year,
            full[a:b],
            "hard-negative:excerpt-other-city",
            rng.choice(("newspaper", "aggregator-4")),
            title="政府工作报告（第二部分）",
            excerpt_of=True,
            anonymous=True,
        )
    return out


# ---------------------------------------------------------------------------------------------
# Statistics and output
# ---------------------------------------------------------------------------------------------
def statistics(docs: list[Doc]) -> list[tuple[str, int, float, float, float, float]]:
    by_group: dict[str, list[Doc]] = {}
    for d in docs:
        by_group.setdefault(d.group, []).append(d)
    rows: dict[str, list[tuple[float, float]]] = {}
    for members in by_group.values():
        canon = next(d for d in members if d.kind == "canonical")
        for d in members:
            if d is not canon:
                key = f"same group: {d.kind} ({d.variant.split(':')[0]})"
                rows.setdefault(key, []).append(
                    (jaccard(d.text, canon.text), containment(d.text, canon.text))
                )
    negs = [d for d in docs if d.group.startswith("h") and d.kind == "canonical" and d.doc_type == "report"]
    reports = [d for d in docs if d.kind == "canonical" and d.doc_type == "report"]
    for d in negs:
        # the most similar other report of the set (excerpts: containment in the other)
        others = [
            (jaccard(d.text, o.text), max(containment(d.text, o.text), containment(o.text, d.text)))
            for o in reports
            if o.group != d.group
        ]
        jac = max(o[0] for o in others)
        con = max(o[1] for o in others)
        rows.setdefault(f"hard negative vs most similar report ({d.variant.split(':', 1)[1]})", []).append(
            (jac, con)
        )
    # consecutive years of one jurisdiction and same-year reports among the demo groups themselves
    dem = [d for d in reports if d.group.startswith("g")]
    for a in dem:
        for b in dem:
            if a.id < b.id and a.city == b.city and a.year and b.year and abs(a.year - b.year) == 1:
                rows.setdefault("demo reports: same city, consecutive years", []).append(
                    (jaccard(a.text, b.text), max(containment(a.text, b.text), containment(b.text, a.text)))
                )
    table = []
    for key in sorted(rows):
        js = [r[0] for r in rows[key]]
        cs = [r[1] for r in rows[key]]
        table.append((key, len(rows[key]), min(js), max(js), min(cs), max(cs)))
    return table


README = """# Labelled deduplication set

`labelled.jsonl` is written by `tools/build_dedupe_set.py` (deterministic, seed {seed}); rerun it to
regenerate this file and the statistics below. `tests/test_dedupe_quality.py` loads it into a fresh
archive, runs the deduper and checks the grouping against the labels.

**The texts are mostly synthetic.** The demo-site reports and everything the generator composes are
invented text about real jurisdictions of 吉林省 (names and GB/T 2260 codes are real, figures,
projects and speakers are not). Only the three seed captures (`tests/fixtures/seeds`: 2018 通化市
part two, 2018 吉林市 full, 2023 通化市 excerpt) and the documents derived from them are real text.

## Fields

One JSON object per line: `id` (`g03-v2`), `group` (same group = same report), `kind` (relation to
the group's best copy: `canonical` | `exact` | `near` | `excerpt`), `variant` (what was done),
`url`, `source`, `title`, `text` (cleaned text, one paragraph per line), `city`, `province`,
`year`, `admin_code`, `doc_type`, `masked_chars`, `truncated`, `mojibake`. The file order is a
shuffled "crawl order": copies often come before the best copy.

## Groups

* `g01`–`g{ng:02d}`: one per report of the demo site (`archive/demo/site/_manifest.json`
  `report_id`). Members: every demo page of that report cleaned with the real cleaner (`original`;
  the demo's own `exact-copy`, `star-damage` and `section-excerpt` pages), the raw seed captures with
  their chrome lines (`chrome-swap:seed-capture`, real text), and variants generated from the
  group's best copy:
  * `chrome-swap`: 1–3 leftover chrome lines (title, 来源, editor, site name, share bar) at the top
    and/or bottom; sometimes the session line dropped — `near`;
  * `star-damage`: 3–30 words (sensitive words first: 习近平, 疫情, 信访…, then 2–4 character
    spans) replaced by `*` per character or `**`; `masked_chars` as the cleaner counts it — `near`;
  * `truncated`: cut at 40–90 % of the text mid-sentence (sometimes `……`/`…（未完）` appended),
    `truncated=true` — `excerpt`;
  * `section-excerpt`: one chapter only (mostly `二、…工作安排`), a bare title (`政府工作报告（节选）`)
    and no place metadata (`city`/`province`/`admin_code` null: the page names none) — `excerpt`;
  * `layout-breaks`: paragraphs broken into 2–3 lines at arbitrary points; the whitespace-free
    normalised text is unchanged, so it is labelled `exact`;
    `layout-breaks+page-numbers` adds page-number lines (`— 3 —`) — `near`;
  * `small-edit`: 1–2 sentences removed, 1–3 numbers changed, two words reworded — `near`;
  * `exact-copy`: the same text on another source — `exact`;
  * combinations (`chrome-swap+star-damage`, `chrome-swap+truncated`);
  * kinds added later, on every other group (their own random generator, so the documents above
    did not change): `other-masks` (a filter masking with ×, □, ■ or X instead of `*`) — `near`;
    `ascii-punctuation` (OCR or a PDF text layer: ，。；：！？（）、“” typed half-width) — `near`;
    `chapters-reordered` (chapters 二 and 三 swapped by an aggregator) — `near`; `middle-page`
    (page 2 of 3 of a paginated copy, cut mid-paragraph) — `excerpt`; and the combinations
    `ascii-punctuation+chrome-swap`, `other-masks+truncated`.
  A copy of a truncated text stays `truncated=true` (chrome after the cut does not make it whole).
  The canonical of each group is the demo's full page (gov portal first); for the seed groups whose
  only copies are excerpts, the longest copy. Chrome lines and page numbers are damage: a copy
  carrying them is never the canonical, although it is longer.
* `h01`–`h{nh:02d}`: hard negatives, each its own group (none may be merged with any other group):
  * `hard-negative:other-year`: the same jurisdiction's report of a year next to one in the set
    (demo composer), with 30–40 % of its 5-grams shared with that neighbour (stock paragraphs
    copied); `hard-negative:other-year-real-phrasing`: 吉林市 2019 carrying four real paragraphs of
    the 2018 seed;
  * `hard-negative:province-same-year`: 吉林省's report of a year in which 长春市 (the capital) or
    吉林市 (same short name 吉林!) has a report in the set, 30–40 % shared with it; the 2022
    province report has three copies of its own (exact, `*`-damaged, section excerpt) that must
    join the province, not the city;
  * `hard-negative:shared-formulations`: pairs of cities of one year whose reports carry the same
    national stock paragraphs verbatim (the 总体要求 paragraph 高举习近平新时代中国特色社会主义思想伟大旗帜…
    for 2023+, and 2–3 more), plus paragraphs copied between the drafts; the second report of each
    pair is an aggregator's copy without session line and speaker, with no place metadata, so only
    the text can keep it apart;
  * `hard-negative:excerpt-other-city`: the 二、 chapter of a city's report whose full text is not in
    the set, with stock paragraphs shared with another city's full report of the same year; bare
    title, no place metadata (only `year`);
  * `hard-negative:news-about-report`, `hard-negative:interpretation`, `unrelated:notice`: the demo
    site's news article, 图解 and notice.

## Counts

{counts}

## Similarity (character 5-grams of whitespace-free text)

Jaccard and containment (share of the first text's 5-grams found in the second; for hard
negatives the larger of the two directions) between each copy and its group's canonical, and
between each hard negative and the most similar report of another group (what the text alone
must keep apart when metadata is missing or not trusted):

| pair | n | Jaccard min | Jaccard max | containment min | containment max |
|---|---:|---:|---:|---:|---:|
{table}
"""


def main() -> None:
    docs = build()
    ids = [d.id for d in docs]
    assert len(ids) == len(set(ids))
    assert len({d.url for d in docs}) == len(docs)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d.row(), ensure_ascii=False) + "\n")
    by_group: dict[str, list[Doc]] = {}
    for d in docs:
        by_group.setdefault(d.group, []).append(d)
    variants: dict[str, int] = {}
    for d in docs:
        variants[d.variant] = variants.get(d.variant, 0) + 1
    kinds: dict[str, int] = {}
    for d in docs:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    hard = [d for d in docs if d.group.startswith("h")]
    counts = [
        f"* documents: {len(docs)}; groups: {len(by_group)}; groups with ≥2 members: "
        f"{sum(len(m) >= 2 for m in by_group.values())}",
        f"* hard-negative groups: {sum(g.startswith('h') for g in by_group)} ({len(hard)} documents)",
        "* kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
        "* variants: " + ", ".join(f"`{k}` {v}" for k, v in sorted(variants.items())),
    ]
    table = "\n".join(
        f"| {k} | {n} | {a:.3f} | {b:.3f} | {c:.3f} | {e:.3f} |" for k, n, a, b, c, e in statistics(docs)
    )
    (OUT_DIR / "README.md").write_text(
        README.format(
            seed=SEED,
            ng=sum(g.startswith("g") for g in by_group),
            nh=sum(g.startswith("h") for g in by_group),
            counts="\n".join(counts),
            table=table,
        ),
        encoding="utf-8",
    )
    print("\n".join(counts))
    print(table)


if __name__ == "__main__":
    main()
