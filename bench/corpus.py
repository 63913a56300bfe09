"""A synthetic, streamed corpus of report-like documents for the dedupe benchmark.

Every document is a ~20 KB (6,500–7,000 characters) Chinese government work report: the usual
skeleton (一、…工作回顾 / 二、…工作安排 / 三、政府自身建设), sentences from the demo site's phrase
banks (``tools/build_demo_site.py``, imported read-only), clauses of the real seed reports
(``tests/fixtures/seeds``) with their numbers and place names replaced,
and generated local content (roads, villages, companies, projects, numbers).

What makes it hard:

* stock text: documents of the same province and year share the province-year formulations and
  the year's national formulations (measured: ~20–40 % of their shingles);
* hard negatives: every jurisdiction reports for several years, with its own recurring names and
  set phrases; every province reports every year, sharing its province-year text with its cities;
* planted duplicates (~10 % of the documents): copies of an earlier document, exact, with ``*``
  damage, truncated, a section excerpt, re-laid-out, or with a few sentence edits;
* metadata is missing (city, year, admin code all None) on 10 % of the originals and 30 % of the
  copies, as on aggregator pages, so a metadata guard cannot settle every hard negative.

Deterministic for a given (n, seed); a generator yields one document at a time: a copy is made
by regenerating its original (cheap), never by keeping texts around.
"""

from __future__ import annotations

import heapq
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

YEARS = tuple(range(2012, 2026))
PROVINCES = (
    ("北京市", "11"),
    ("天津市", "12"),
    ("河北省", "13"),
    ("山西省", "14"),
    ("内蒙古自治区", "15"),
    ("辽宁省", "21"),
    ("吉林省", "22"),
    ("黑龙江省", "23"),
    ("上海市", "31"),
    ("江苏省", "32"),
    ("浙江省", "33"),
    ("安徽省", "34"),
    ("福建省", "35"),
    ("江西省", "36"),
    ("山东省", "37"),
    ("河南省", "41"),
    ("湖北省", "42"),
    ("湖南省", "43"),
    ("广东省", "44"),
    ("广西壮族自治区", "45"),
    ("海南省", "46"),
    ("重庆市", "50"),
    ("四川省", "51"),
    ("贵州省", "52"),
    ("云南省", "53"),
    ("西藏自治区", "54"),
    ("陕西省", "61"),
    ("甘肃省", "62"),
    ("青海省", "63"),
    ("宁夏回族自治区", "64"),
    ("新疆维吾尔自治区", "65"),
)
PLACE_CHARS = (
    "安宝北滨昌长城川大德东丰福阜固广桂海汉和河鹤红华怀淮黄惠吉济江金晋靖九康兰乐临凌龙隆"
    "鲁洛茂梅蒙南宁平普齐庆泉仁荣瑞山上邵沈石寿双顺泗松太泰天通潼万望威文武西溪仙祥新兴许"
    "阳伊宜永余玉元岳云泽漳镇中舟庄遵荔柳榆桐枣杉柏桃梨樟枫莲兰菊竹峰岭岗崖湾洲津浦沙泗涧"
    "源泉湖潭塘池渠溪浦陵原坪坝屯营堡寨关口门台楼阁亭林苑丘阜邑郡都嘉清明光辉盛昌荣富"
)
INDUSTRIES = (
    "汽车零部件",
    "新能源",
    "光伏",
    "风电装备",
    "生物医药",
    "新材料",
    "电子信息",
    "装备制造",
    "食品加工",
    "现代物流",
    "文化旅游",
    "数字经济",
    "冰雪经济",
    "农产品加工",
    "纺织服装",
    "精细化工",
    "钢铁深加工",
    "有色金属",
    "绿色建材",
    "智能家居",
    "新能源汽车",
    "新型储能",
    "氢能",
    "集成电路",
    "软件信息服务",
    "电子商务",
    "跨境电商",
    "健康养老",
    "中医药",
    "特色种植",
    "现代畜牧",
    "水产养殖",
    "林下经济",
    "茶产业",
    "中药材",
    "乳制品",
    "白酒酿造",
    "陶瓷",
    "轨道交通装备",
    "通用航空",
    "船舶制造",
    "工业机器人",
    "人工智能",
    "大数据",
    "云计算",
    "物联网",
    "北斗应用",
    "节能环保",
    "再生资源",
    "现代金融",
    "会展经济",
    "商贸流通",
    "康养旅游",
    "研学旅游",
    "体育产业",
    "家政服务",
    "预制菜",
    "精品民宿",
    "稀土新材料",
    "石墨深加工",
)
PRODUCTS = (
    "水稻",
    "玉米",
    "大豆",
    "小麦",
    "马铃薯",
    "茶叶",
    "柑橘",
    "苹果",
    "葡萄",
    "蓝莓",
    "食用菌",
    "中药材",
    "生猪",
    "肉牛",
    "肉羊",
    "奶牛",
    "小龙虾",
    "花生",
    "油菜",
    "辣椒",
    "蔬菜",
    "蚕桑",
    "花卉",
)
VERBS = (
    "加快推进",
    "全面启动",
    "建成投用",
    "开工建设",
    "改造提升",
    "高标准建设",
    "有序推进",
    "扎实推进",
    "统筹推进",
    "全力推动",
    "加快实施",
    "集中实施",
    "谋划推进",
    "深入实施",
    "稳步推进",
)
WORKS = (
    "提升改造",
    "拓宽改造",
    "延伸",
    "综合整治",
    "雨污分流改造",
    "立面改造",
    "提档升级",
    "路网连通",
    "管网改造",
    "亮化美化",
    "海绵城市改造",
    "快速化改造",
)
FACILITIES = (
    "污水处理厂",
    "体育中心",
    "人民医院新院区",
    "文化馆",
    "图书馆",
    "职业教育园区",
    "物流园",
    "综合客运枢纽",
    "垃圾焚烧发电厂",
    "供水厂",
    "第二中学",
    "实验小学",
    "养老服务中心",
    "妇幼保健院",
    "疾控中心",
    "便民服务中心",
    "全民健身中心",
    "科创中心",
    "数据中心",
    "冷链物流中心",
)
LOCAL_TEMPLATES = (
    "{verb}{road}{work}工程，完成投资{f:0.3-9}亿元，新增道路{f:1-30}公里。",
    "{road}、{road}等{n:3-30}条道路完成{work}，{village}等{n:4-40}个老旧小区改造全面完工。",
    "{company}年产{n:2-80}万吨{ind}项目建成投产，预计年产值{n:3-90}亿元、税收{f:0.2-9}亿元。",
    "{proj}一期主体完工，{company}、{company}等{n:3-20}户企业签约入驻，带动就业{n:200-6000}人。",
    "在{village}建成{prod}标准化基地{n:2-40}万亩，亩均增收{n:300-3000}元。",
    "{verb}{name}{facility}项目，新增床位（学位）{n:200-3000}个。",
    "{village}被评为省级{title}，{village}、{village}获评市级示范村。",
    "全年实施{name}{facility}、{road}{work}等民生项目{n:20-120}项，完成投资{n:10-200}亿元。",
    "{company}获评国家级{honor}，{company}入选省级{honor}。",
    "{river}流域综合治理完成投资{f:1-20}亿元，{village}段河道水质稳定达到Ⅲ类标准。",
    "{proj}完成投资{f:1-40}亿元，{ind}产业集群产值突破{n:20-500}亿元。",
    "{name}至{name}高速公路{short}段开工建设，{road}至{name}互通立交建成通车。",
    "引进{company}等{ind}企业{n:3-30}户，协议投资{n:10-300}亿元，{proj}签约落地。",
    "开展“{name}{campaign}”专项行动，解决群众急难愁盼问题{n:100-3000}件。",
    "{village}、{village}等{n:3-20}个村集体经济收入突破{n:20-200}万元，{prod}产业带动{n:500-9000}户农民增收。",
    "新建改建{road}等城市道路{n:5-40}条，打通“断头路”{n:2-15}条，新增停车泊位{n:800-9000}个。",
    "{name}{facility}投入使用，{name}{facility}主体完工，{village}{facility}开工建设。",
    "{company}{ind}智能工厂建成投用，生产效率提高{pct:10-45}%，产品不良率下降{pct:5-30}%。",
    "开通{short}至{name}、{name}的城际公交线路{n:2-9}条，{village}等偏远村屯实现客车直达。",
    "{sight}景区完成{work}，新增{name}、{name}等旅游线路{n:2-10}条，接待游客增长{pct:5-40}%。",
    "推动{park}与{name}{ind}产业园合作共建，新落地项目{n:3-30}个、总投资{n:10-300}亿元。",
    "{village}土地整治项目新增耕地{n:500-9000}亩，{village}高标准农田项目通过验收。",
    "{company}完成股份制改造，{company}在{board}挂牌，直接融资{f:0.5-20}亿元。",
    "全力推进{proj}建设，{road}综合管廊、{name}变电站等配套工程同步实施。",
)
TITLES = (
    "美丽乡村示范村",
    "乡村治理示范村",
    "文明村镇",
    "卫生村",
    "森林乡村",
    "民主法治示范村",
    "旅游重点村",
)
HONORS = (
    "专精特新“小巨人”企业",
    "绿色工厂",
    "智能制造示范工厂",
    "技术创新示范企业",
    "农业产业化重点龙头企业",
    "服务型制造示范企业",
    "知识产权优势企业",
    "高新技术企业",
)
CAMPAIGNS = ("我为群众办实事", "暖心服务", "优化营商环境", "清河行动", "净化家园", "项目攻坚", "服务企业周")
BOARDS = ("北交所", "新三板", "区域股权市场", "深交所创业板", "上交所科创板")
ROAD_SUFFIX = ("路", "大街", "大道", "街", "公路", "大桥")
VILLAGE_SUFFIX = ("村", "镇", "乡", "社区", "街道")
COMPANY_SUFFIX = ("有限公司", "股份有限公司", "集团", "科技有限公司")
PROJ_SUFFIX = ("产业园", "产业基地", "示范区", "物流港", "科技城", "双创园", "数字产业园")
SEED_PLACES = (
    "通化",
    "吉林",
    "长春",
    "四平",
    "延边",
    "白山",
    "松原",
    "辽源",
    "白城",
    "梅河口",
    "集安",
    "东北",
)
DUP_KINDS = (
    ("exact", 0.15),
    ("stars", 0.2),
    ("truncated", 0.15),
    ("excerpt", 0.15),
    ("layout", 0.15),
    ("edits", 0.15),
    ("layout+stars", 0.05),
)
KIND_CODES = {k: i for i, k in enumerate(("original", *(k for k, _ in DUP_KINDS)))}
SOURCES = ("gov", "news", "agg", "blog")
META_MISSING_ORIGINAL = 0.10  # share of documents without city / year / admin code
META_MISSING_COPY = 0.30

_TOKEN = re.compile(r"\{(\w+)(?::([\d.]+)-([\d.]+))?\}")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_SENT = re.compile(r"[^。；！？]*[。；！？]")


def _demo():
    """The demo site's phrase banks (read-only import of tools/build_demo_site.py)."""
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import build_demo_site as demo
    finally:
        sys.path.pop(0)
    return demo


DEMO = _demo()


def _bank(spec: dict) -> list[tuple[tuple, tuple, list]]:
    return [(short, long_, bank) for short, long_, bank in spec.values()]


REVIEW = _bank(DEMO.REVIEW)
PLAN = _bank(DEMO.PLAN)


def _seed_clauses() -> list[str]:
    folder = REPO / "tests" / "fixtures" / "seeds"
    out = []
    for path in sorted(folder.glob("*.txt")):
        for c in re.split(r"[。；！？\n]", path.read_text(encoding="utf-8")):
            c = c.strip()
            if 8 <= len(c) <= 90 and sum("\u4e00" <= ch <= "\u9fff" for ch in c) >= 0.7 * len(c):
                out.append(c)
    return out


SEED_CLAUSES = _seed_clauses()


@dataclass(frozen=True)
class Juris:
    index: int  # -1 - province index for a province
    name: str
    short: str
    unit: str  # 省 市 县 区
    province: int
    code: str
    industries: tuple[str, ...]
    products: tuple[str, ...]
    parks: tuple[str, ...]
    sights: tuple[str, ...]
    rivers: tuple[str, ...]
    roads: tuple[str, ...]
    villages: tuple[str, ...]
    companies: tuple[str, ...]
    projects: tuple[str, ...]
    scale: float

    @property
    def is_province(self) -> bool:
        return self.index < 0


def _name(rng: random.Random, k: int = 2) -> str:
    return "".join(rng.choice(PLACE_CHARS) for _ in range(k))


def _juris_words(rng: random.Random, short: str) -> dict:
    inds = tuple(rng.sample(INDUSTRIES, 4))
    return dict(
        industries=inds,
        products=tuple(rng.sample(PRODUCTS, 3)),
        parks=(f"{short}经济开发区", f"{short}{rng.choice(('高新区', '工业园区', '产业园区'))}"),
        sights=tuple(
            _name(rng) + rng.choice(("山", "湖", "古镇", "湿地公园", "风景区", "森林公园")) for _ in range(3)
        ),
        rivers=tuple(_name(rng, 1) + rng.choice(("河", "江", "溪")) for _ in range(2)),
        roads=tuple(_name(rng) + rng.choice(ROAD_SUFFIX) for _ in range(10)),
        villages=tuple(_name(rng) + rng.choice(VILLAGE_SUFFIX) for _ in range(12)),
        companies=tuple(_name(rng) + rng.choice(inds) + rng.choice(COMPANY_SUFFIX) for _ in range(8)),
        projects=tuple(_name(rng) + rng.choice(inds) + rng.choice(PROJ_SUFFIX) for _ in range(6)),
    )


@lru_cache(maxsize=64)
def province(pi: int, seed: int) -> Juris:
    name, code = PROVINCES[pi]
    rng = random.Random(f"{seed}:province:{pi}")
    short = name[:3] if name.startswith(("内蒙古", "黑龙江")) else name[:2]
    return Juris(
        -1 - pi,
        name,
        short,
        name[-1] if name[-1] in "省市" else "区",
        pi,
        code + "0000",
        scale=3.0,
        **_juris_words(rng, short),
    )


@lru_cache(maxsize=8192)
def juris(ji: int, seed: int) -> Juris:
    rng = random.Random(f"{seed}:juris:{ji}")
    pi = ji % len(PROVINCES)
    short = _name(rng, rng.choice((2, 2, 2, 3)))
    unit = rng.choice("市市县县县区")
    code = f"{PROVINCES[pi][1]}{ji // len(PROVINCES) % 10000:04d}"
    return Juris(
        ji,
        short + unit,
        short,
        unit,
        pi,
        code,
        scale=rng.choice((0.3, 0.5, 1.0, 1.5)),
        **_juris_words(rng, short),
    )


class Filler:
    def __init__(self, rng: random.Random, j: Juris, year: int):
        self.rng, self.j, self.year = rng, j, year

    def _word(self, key: str) -> str:
        j, rng = self.j, self.rng
        fresh = rng.random() < 0.5
        if key in ("ind", "ind2"):
            return rng.choice(j.industries)
        if key == "road":
            return _name(rng) + rng.choice(ROAD_SUFFIX) if fresh else rng.choice(j.roads)
        if key == "village":
            return _name(rng) + rng.choice(VILLAGE_SUFFIX) if fresh else rng.choice(j.villages)
        if key == "company":
            return (
                (_name(rng) + rng.choice(INDUSTRIES) + rng.choice(COMPANY_SUFFIX))
                if fresh
                else rng.choice(j.companies)
            )
        if key == "proj":
            return rng.choice(j.projects)
        simple = {
            "park": j.parks,
            "sight": j.sights,
            "river": j.rivers,
            "prod": j.products,
            "material": DEMO.MATERIALS,
            "region": DEMO.REGIONS,
            "festival": DEMO.FESTIVALS,
            "verb": VERBS,
            "work": WORKS,
            "facility": FACILITIES,
            "title": TITLES,
            "honor": HONORS,
            "campaign": CAMPAIGNS,
            "board": BOARDS,
        }
        if key in simple:
            return rng.choice(simple[key])
        if key == "name":
            return _name(rng)
        if key == "short":
            return j.short
        if key == "unit":
            return j.unit
        if key == "party":
            return j.unit + "委"
        if key == "prev":
            return str(self.year - 1)
        raise KeyError(key)

    def _repl(self, m: re.Match) -> str:
        kind, lo, hi = m.group(1), m.group(2), m.group(3)
        if lo is None:
            return self._word(kind)
        lo_f, hi_f = float(lo), float(hi)
        if kind in ("N", "F"):
            lo_f, hi_f = lo_f * self.j.scale, hi_f * self.j.scale
        if kind in ("n", "N"):
            return str(self.rng.randint(max(1, int(lo_f)), max(2, int(hi_f))))
        text = f"{self.rng.uniform(lo_f, hi_f):.1f}"
        return text[:-2] if text.endswith(".0") else text

    def fill(self, template: str) -> str:
        return _TOKEN.sub(self._repl, template)

    def seed_clause(self) -> str:
        """A real clause with its numbers and place names replaced."""
        rng = self.rng
        c = rng.choice(SEED_CLAUSES)
        c = _DIGITS.sub(lambda m: str(rng.randint(2, 9 * 10 ** max(0, len(m.group()) - 1))), c)
        for p in SEED_PLACES:
            if p in c:
                c = c.replace(p, self.j.short)
        return c + "。"

    def bank(self, bank: list) -> str:
        while True:
            item = self.rng.choice(bank)
            if isinstance(item, tuple):
                text, first, last = item
                if not first <= self.year <= last:
                    continue
                item = text
            return self.fill(item)

    def local(self) -> str:
        return self.fill(self.rng.choice(LOCAL_TEMPLATES))

    def any_bank(self) -> str:
        return self.bank(self.rng.choice(REVIEW + PLAN)[2])


# pools of set text: fixed sentences shared by every document that draws from them -------------
@lru_cache(maxsize=32)
def national_pool(year: int, seed: int) -> tuple[str, ...]:
    rng = random.Random(f"{seed}:national:{year}")
    f = Filler(rng, province(0, seed), year)
    ctx = [c.replace("{prev}", str(year - 1)) for c in DEMO.REVIEW_CONTEXT.get(year, ())]
    ctx += [DEMO.PLAN_CONTEXT[year] + "。"] if year in DEMO.PLAN_CONTEXT else []
    out = [c if c.endswith("。") else c + "我们坚持稳中求进工作总基调。" for c in ctx]
    while len(out) < 50:
        out.append(rng.choice((f.seed_clause, f.any_bank))())
    return tuple(out)


@lru_cache(maxsize=512)
def province_year_pool(pi: int, year: int, seed: int) -> tuple[str, ...]:
    rng = random.Random(f"{seed}:py:{pi}:{year}")
    f = Filler(rng, province(pi, seed), year)
    return tuple(rng.choice((f.local, f.any_bank, f.seed_clause, f.local))() for _ in range(60))


@lru_cache(maxsize=64)
def province_pool(pi: int, seed: int) -> tuple[str, ...]:
    """Year-invariant slogans of a province."""
    rng = random.Random(f"{seed}:pslogan:{pi}")
    p = province(pi, seed)
    out = []
    for _ in range(12):
        n = rng.choice("一二三四五六七八九")
        a, b = rng.sample(INDUSTRIES, 2)
        out.append(
            rng.choice(
                (
                    f"深入实施“{n}{_name(rng)}{_name(rng)}”发展战略，全面落实{p.name}委{p.name[-1]}政府决策部署。",
                    f"加快建设{a}强{p.unit}和{b}强{p.unit}，奋力谱写{p.short}高质量发展新篇章。",
                    f"坚持“{_name(rng)}{_name(rng)}、{_name(rng)}{_name(rng)}”工作导向，推动{p.short}全面振兴取得新突破。",
                    f"全力打造{a}、{b}两个千亿级产业集群，构建具有{p.short}特色的现代化产业体系。",
                )
            )
        )
    return tuple(out)


@lru_cache(maxsize=4096)
def juris_pool(ji: int, seed: int) -> tuple[str, ...]:
    """Year-invariant set text of a jurisdiction (its recurring programmes and phrasing)."""
    rng = random.Random(f"{seed}:jpool:{ji}")
    f = Filler(rng, juris(ji, seed), 2018)
    return tuple(rng.choice((f.local, f.local, f.any_bank))() for _ in range(60))


# one original document ---------------------------------------------------------------------
@dataclass
class Original:
    lines: list[str]
    title: str
    j: Juris
    year: int
    part_two: int
    part_three: int


def _cn(n: int) -> str:
    return DEMO.cn(n)


def make_original(j: Juris, year: int, seed: int, copy_seed: str = "") -> Original:
    rng = random.Random(f"{seed}:doc:{j.index}:{year}{copy_seed}")
    f = Filler(rng, j, year)
    prov = province(j.province, seed)
    target = rng.randint(6500, 7000)
    pools = {
        "national": list(national_pool(year, seed)),
        "py": list(province_year_pool(j.province, year, seed)),
        "pinv": list(province_pool(j.province, seed)),
        "juris": list(juris_pool(j.index, seed)) if not j.is_province else [],
    }
    for p in pools.values():
        rng.shuffle(p)
    if j.is_province:
        weights = (("bank", 18), ("py", 34), ("pinv", 6), ("national", 12), ("seed", 8), ("local", 22))
    else:
        weights = (
            ("bank", 12),
            ("juris", 32),
            ("py", 16),
            ("pinv", 3),
            ("national", 7),
            ("seed", 6),
            ("local", 24),
        )
    kinds = [k for k, w in weights for _ in range(w)]

    def sentence(bank: list) -> str:
        k = rng.choice(kinds)
        if k in pools:
            if pools[k]:
                return pools[k].pop()
            k = "local"
        if k == "bank":
            return f.bank(bank)
        if k == "seed":
            return f.seed_clause()
        return f.local()

    gov = f"{j.unit}人民政府"
    head = {"省": "省长", "市": "市长", "县": "县长", "区": "区长"}[j.unit]
    lines = [
        f"——{year}年{rng.randint(1, 2)}月{rng.randint(1, 28)}日在{j.name}第{_cn(rng.randint(8, 19))}届人民代表大会"
        f"第{_cn(rng.randint(1, 6))}次会议上",
        f"{head}　{rng.choice(DEMO.SURNAMES)}{_name(rng)}",
        "各位代表：",
        rng.choice(DEMO.OPENINGS).replace("{gov}", gov).replace("{cppcc}", f"{j.unit}政协"),
        f"一、{year - 1}年工作回顾",
        rng.choice(pools["national"] or ["过去的一年，"])
        + f"在{j.unit}委的坚强领导下，全{j.unit}上下团结奋斗，"
        + f"全年实现地区生产总值{rng.uniform(80, 9000) * j.scale:.1f}亿元，增长{rng.uniform(1, 9):.1f}%；"
        + f"规模以上工业增加值增长{rng.uniform(1, 12):.1f}%；固定资产投资增长{rng.uniform(1, 15):.1f}%。",
    ]
    if lead := rng.choice(DEMO.REVIEW_LEADS):
        lines.append(lead)
    review = rng.sample(REVIEW, rng.randint(5, 6))
    plan = rng.sample(PLAN, rng.randint(5, 6))
    # the tail first, so that the body can fill up to the target length
    tail = [rng.choice(DEMO.SELF_TITLES), "打铁必须自身硬。政府系统必须以更高标准、更严要求加强自身建设。"]
    for h in rng.sample(list(DEMO.SELF_BANK), rng.randint(2, 4)):
        s1, s2 = DEMO.SELF_BANK[h]
        tail.append(f"{h}。" + f.fill(s1) + f.fill(s2))
    tail.append(f.fill(rng.choice(DEMO.CLOSINGS)).replace(f"{j.unit}委", f"{j.unit}委"))
    mid = [
        "在肯定成绩的同时，我们也清醒地看到，发展中还存在一些困难和问题："
        + "；".join(rng.sample(DEMO.DIFFICULTIES, rng.randint(3, 5)))
        + "。对此，我们将采取有力措施切实加以解决。",
        f"二、{year}年工作安排",
        (
            DEMO.PLAN_CONTEXT.get(year, f"今年是{prov.short}发展的关键之年")
            + "。政府工作的总体要求是："
            + rng.choice(DEMO.GUIDES)
            + "，"
            + "，".join(f.fill(t) for t in rng.sample(DEMO.PLAN_TAILS, 3))
            + (pools["pinv"].pop() if pools["pinv"] else "。")
        ),
        f"主要预期目标是：地区生产总值增长{rng.choice(('5', '5.5', '6', '6.5', '7', '7.5', '8'))}%左右，"
        + f"固定资产投资增长{rng.randint(5, 12)}%，城乡居民人均可支配收入增长与经济增长基本同步。",
        rng.choice(DEMO.PLAN_LEADS),
    ]
    sections = [
        [f"（{_cn(i + 1)}）{f.fill(rng.choice(long_ if i % 2 else short))}", bank, []]
        for i, (short, long_, bank) in enumerate(review)
    ]
    plan_sections = [
        [f"（{_cn(i + 1)}）{f.fill(rng.choice(long_ if i % 2 else short))}", bank, []]
        for i, (short, long_, bank) in enumerate(plan)
    ]
    total = (
        sum(map(len, lines))
        + sum(map(len, tail))
        + sum(map(len, mid))
        + sum(len(s[0]) for s in sections + plan_sections)
    )
    both = sections + plan_sections
    i = 0
    while total < target:
        sec = both[i % len(both)]
        para = "".join(sentence(sec[1]) for _ in range(rng.randint(3, 6)))
        sec[2].append(para)
        total += len(para)
        i += 1
    for head_line, _, paras in sections:
        lines.append(head_line)
        lines.extend(paras)
    lines.append(mid[0])
    part_two = len(lines)
    lines.extend(mid[1:])
    for head_line, _, paras in plan_sections:
        lines.append(head_line)
        lines.extend(paras)
    part_three = len(lines)
    lines.extend(tail)
    title = f"{year}年{j.name}政府工作报告" if rng.random() < 0.8 else "政府工作报告"
    return Original(lines, title, j, year, part_two, part_three)


# copies ------------------------------------------------------------------------------------
def _stars(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(3, 30)):
        k = rng.randint(2, 4)
        at = rng.randrange(0, max(1, len(chars) - k))
        if "\n" in chars[at : at + k]:
            continue
        chars[at : at + k] = "*" * (k if rng.random() < 0.7 else 2)
    return "".join(chars)


def _layout(rng: random.Random, lines: list[str]) -> str:
    out = []
    for ln in lines:
        if len(ln) > 60 and rng.random() < 0.5:
            # hard wraps of the page layout, or a paragraph broken in two
            width = rng.randint(28, 45) if rng.random() < 0.5 else rng.randint(len(ln) // 3, len(ln) - 10)
            ln = "\n".join(ln[i : i + width] for i in range(0, len(ln), width))
        if rng.random() < 0.3:
            ln = "　　" + ln
        out.append(ln)
    return "\n\n".join(out) if rng.random() < 0.5 else "\n".join(out)


def _edits(rng: random.Random, f: Filler, lines: list[str]) -> list[str]:
    lines = list(lines)
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(5, len(lines))
        sents = _SENT.findall(lines[at]) or [lines[at]]
        k = rng.randrange(len(sents))
        op = rng.random()
        if op < 0.4:
            sents[k] = f.local()
        elif op < 0.7 and len(sents) > 1:
            del sents[k]
        else:
            sents[k] = _DIGITS.sub(lambda m: str(rng.randint(1, 999)), sents[k])
        lines[at] = "".join(sents)
    return lines


def make_copy(orig: Original, kind: str, rng: random.Random, seed: int) -> tuple[str, str, dict]:
    """(title, text, flags) of a copy of ``orig``."""
    lines, title, flags = orig.lines, orig.title, {"truncated": 0}
    f = Filler(rng, orig.j, orig.year)
    if kind == "excerpt":
        choice = rng.random()
        if choice < 0.4:
            lines = lines[orig.part_two : orig.part_three]
        elif choice < 0.7:
            lines = lines[: orig.part_two]
        else:  # a few consecutive paragraphs of ~1,000-2,500 characters
            start = rng.randrange(4, orig.part_three - 3)
            end, size, want = start, 0, rng.randint(1000, 2500)
            while end < len(lines) and size < want:
                size += len(lines[end])
                end += 1
            lines = lines[start:end]
        title = title + rng.choice(("（节选）", "（摘要）", "（第二部分）"))
    if kind == "edits":
        lines = _edits(rng, f, lines)
    if "layout" in kind:
        text = _layout(rng, lines)
    else:
        text = "\n".join(lines)
    if "stars" in kind:
        text = _stars(rng, text)
    if kind == "truncated":
        text = text[: int(len(text) * rng.uniform(0.4, 0.9))]
        flags["truncated"] = 1
    return title, text, flags


# the stream ----------------------------------------------------------------------------------
@dataclass
class Doc:
    id: int
    row: dict  # the documents row (without id)
    group: int  # true group: id of the original
    kind: str  # original / exact / stars / ...
    juris: int  # jurisdiction index (provinces: -1 - province index)
    province: int
    year: int


def plan_originals(n: int, seed: int) -> list[tuple[int, int]]:
    """(jurisdiction index, year) of the originals, in stream order (provinces: negative index)."""
    rng = random.Random(f"{seed}:plan:{n}")
    want = int(n / 1.11) + 50
    out = [(-1 - pi, y) for pi in range(len(PROVINCES)) for y in YEARS]
    ji = 0
    while len(out) < want:
        length = rng.randint(5, len(YEARS))
        first = rng.randint(0, len(YEARS) - length)
        out.extend((ji, y) for y in YEARS[first : first + length])
        ji += 1
    rng.shuffle(out)
    # spares, in case fewer copies than expected fall within the first n documents
    spare: list[tuple[int, int]] = []
    while len(spare) < n // 10 + 100:
        spare.extend((ji, y) for y in YEARS[rng.randint(0, 6) :])
        ji += 1
    rng.shuffle(spare)
    return out + spare


def documents(n: int, seed: int = 1) -> Iterator[Doc]:
    """Yield ``n`` documents, one at a time, with ids 1..n."""
    rng = random.Random(f"{seed}:stream:{n}")
    originals = iter(plan_originals(n, seed))
    pending: list[tuple[int, int, int, int, int, int]] = []  # (due, tiebreak, group, ji, year, copy no)
    kinds, weights = zip(*DUP_KINDS, strict=True)
    tick = 0
    doc_id = 0
    while doc_id < n:
        doc_id += 1
        if pending and pending[0][0] <= doc_id:
            _, _, group, ji, year, copy_no = heapq.heappop(pending)
            j = province(-1 - ji, seed) if ji < 0 else juris(ji, seed)
            orig = make_original(j, year, seed)
            crng = random.Random(f"{seed}:copy:{group}:{copy_no}")
            kind = crng.choices(kinds, weights)[0]
            title, text, flags = make_copy(orig, kind, crng, seed)
        else:
            ji, year = next(originals)
            j = province(-1 - ji, seed) if ji < 0 else juris(ji, seed)
            orig = make_original(j, year, seed)
            group, kind, flags = doc_id, "original", {"truncated": 0}
            title, text = orig.title, "\n".join(orig.lines)
            if rng.random() < 0.08:
                copies = rng.choices((1, 2, 3), (0.7, 0.2, 0.1))[0]
                for c in range(copies):
                    tick += 1
                    due = doc_id + rng.randint(1, max(50, n // 5))
                    heapq.heappush(pending, (due, tick, group, ji, year, c))
        row = {
            "url": f"https://{SOURCES[doc_id % 4]}.bench.example/{doc_id}.html",
            "source": f"bench-{SOURCES[doc_id % 4]}",
            "title": title,
            "text": text,
            "doc_type": "report",
            "city": None if j.is_province else j.name,
            "province": PROVINCES[j.province][0],
            "year": year,
            "admin_code": j.code,
            "admin_level": "province" if j.is_province else "county",
            "masked_chars": text.count("*"),
            "truncated": flags["truncated"],
            "mojibake": 0,
            "chars": len(text),
            "pages": 1,
        }
        # aggregator and blog copies often lack the metadata (no title, no date): the text alone decides
        if random.Random(f"{seed}:meta:{doc_id}").random() < (
            META_MISSING_ORIGINAL if kind == "original" else META_MISSING_COPY
        ):
            row.update(city=None, year=None, admin_code=None, admin_level=None)
        yield Doc(doc_id, row, group, kind, j.index, j.province, year)


if __name__ == "__main__":  # a quick look: python bench/corpus.py [N]
    import time

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    t0 = time.perf_counter()
    for d in documents(count):
        if count <= 3:
            print(d.row["title"], d.kind, d.group, len(d.row["text"]))
            print(d.row["text"][:1500])
    print(f"{count} docs in {time.perf_counter() - t0:.2f}s", file=sys.stderr)
