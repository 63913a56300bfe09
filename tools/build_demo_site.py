#!/usr/bin/env python3
"""Write the bundled demo site (archive/demo/site) from templates, phrase banks and the seed texts.

The demo site imitates four kinds of sites that republish Chinese local government work reports
(政府工作报告), all served by ``archive.demo.server`` under one host, by path prefix:

  /gov/   a provincial portal on a TRS-like CMS (GBK article pages, one split over two pages)
  /news/  a regional news portal (UTF-8, breadcrumb, 来源 line, editor footer, 推荐阅读)
  /agg/   a 范文/大学网-style aggregator (GBK and UTF-8, 较旧一篇/较新一篇, disclaimer footer)
  /blog/  a personal blog (阅读：N次 line, tags, comment form, archive sidebar)

Real text comes from the three seed captures in ``tests/fixtures/seeds`` (body lines only); the other
reports are SYNTHETIC: generated from the phrase banks below with a fixed random seed, attributed to
real jurisdictions of 吉林省 but to placeholder speakers (张某某 …). ``_manifest.json`` lists every
page a crawler should fetch and says which texts are synthetic.

Deterministic: running it twice gives identical bytes (no clocks, no mtimes, no set ordering).

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = ROOT / "archive" / "demo" / "site"
SEED_DIR = ROOT / "tests" / "fixtures" / "seeds"
SEED = 20180111  # fixed seed of every random choice below
GENERATED = "2025-06-01T08:00:00+00:00"  # Last-Modified of the non-article files
PROVINCE = "吉林省"
ICP = "吉ICP备00000000号（演示）"
GOV_NAME = "吉林省人民政府门户网站（演示）"
NEWS_NAME = "吉网新闻（演示）"
AGG_NAME = "大学网·范文中心（演示）"
BLOG_NAME = "松江夜读（演示博客）"


# ---------------------------------------------------------------------------------------------
# Jurisdictions (real names and GB/T 2260 codes; everything said about them below is invented)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Juris:
    name: str            # 四平市, 绿园区
    code: str            # 220300
    level: str           # prefecture / county / district
    short: str           # 四平
    industries: tuple[str, ...]
    sights: tuple[str, ...]
    parks: tuple[str, ...]
    rivers: tuple[str, ...]
    products: tuple[str, ...]
    gdp: float           # rough 亿元 scale of the economy in 2018 (only for plausible numbers)
    parent: str = ""     # 长春市 for 绿园区: used in the congress name
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


J = {j.name: j for j in [
    Juris("长春市", "220100", "prefecture", "长春", ("汽车", "轨道客车", "光电信息", "生物医药"),
          ("净月潭", "长影世纪城", "莲花山"), ("长春新区", "长春汽车经济技术开发区"), ("伊通河",),
          ("鲜食玉米", "优质水稻"), 7100, scale=2.5),
    Juris("吉林市", "220200", "prefecture", "吉林", ("石油化工", "碳纤维", "冰雪旅游", "农产品加工"),
          ("松花湖", "北大湖", "雾凇岛"), ("吉林高新区", "吉林经济技术开发区"), ("松花江",),
          ("万昌大米", "林下中药材"), 2300, scale=1.3),
    Juris("四平市", "220300", "prefecture", "四平", ("换热器", "农产品加工", "专用车", "生物化工"),
          ("二龙湖", "叶赫那拉城", "山门风景区"), ("四平红嘴经济技术开发区", "四平经济开发区"),
          ("条子河", "东辽河"), ("玉米", "梨树白猪"), 1150),
    Juris("辽源市", "220400", "prefecture", "辽源", ("袜业纺织", "新材料", "装备制造", "梅花鹿"),
          ("龙首山", "鴜鹭湖", "辽河源"), ("辽源经济开发区", "辽源高新区"), ("东辽河",),
          ("梅花鹿", "食用菌"), 760, scale=0.7),
    Juris("通化市", "220500", "prefecture", "通化", ("医药健康", "人参", "葡萄酒", "冶金"),
          ("龙湾", "玉皇山", "白鸡峰"), ("通化医药高新区", "二道江工业园"), ("浑江",),
          ("人参", "山葡萄"), 950, scale=0.8),
    Juris("白山市", "220600", "prefecture", "白山", ("矿泉水", "人参", "林下经济", "冰雪旅游"),
          ("长白山", "望天鹅", "仙人桥温泉"), ("白山经济开发区", "江源工业园"), ("鸭绿江", "浑江"),
          ("人参", "蓝莓"), 700, scale=0.6),
    Juris("松原市", "220700", "prefecture", "松原", ("石油化工", "新能源", "农产品加工", "生物制造"),
          ("查干湖", "龙华寺", "哈达山"), ("松原经济技术开发区", "松原石油化学工业循环经济园区"),
          ("松花江", "嫩江"), ("玉米", "花生"), 1450),
    Juris("白城市", "220800", "prefecture", "白城", ("风电光伏", "杂粮杂豆", "装备制造", "生态旅游"),
          ("向海", "莫莫格", "嫩江湾"), ("白城经济开发区", "白城工业园区"), ("洮儿河", "嫩江"),
          ("绿豆", "燕麦"), 650, scale=0.6),
    Juris("延边朝鲜族自治州", "222400", "prefecture", "延边", ("医药健康", "边境贸易", "食品", "文化旅游"),
          ("长白山", "防川", "帽儿山"), ("延吉高新区", "珲春国际合作示范区"), ("图们江", "布尔哈通河"),
          ("黄牛", "苹果梨"), 900, scale=0.9),
    Juris("集安市", "220582", "county", "集安", ("山葡萄冰酒", "人参", "边境旅游"),
          ("五女峰", "鸭绿江国境风景区"), ("集安经济开发区",), ("鸭绿江",), ("人参", "山葡萄"), 110,
          scale=0.25),
    Juris("梅河口市", "220581", "county", "梅河口", ("医药", "商贸物流", "食品加工"),
          ("鸡冠山", "东北不夜城"), ("梅河口经济开发区",), ("辉发河",), ("大米", "蔬菜"), 240, scale=0.35),
    Juris("公主岭市", "220184", "county", "公主岭", ("农产品加工", "汽车零部件", "现代农业"),
          ("南崴子湿地",), ("公主岭经济开发区",), ("东辽河",), ("玉米", "黄牛"), 360, parent="长春市",
          scale=0.35),
    Juris("绿园区", "220106", "district", "绿园", ("汽车零部件", "现代物流", "商贸服务"),
          ("长春西湖",), ("绿园经济开发区",), ("新凯河",), ("都市农业",), 420, parent="长春市", scale=0.3),
    Juris("朝阳区", "220104", "district", "朝阳", ("现代服务业", "数字经济", "科技服务"),
          ("南湖", "文化广场"), ("朝阳经济开发区",), ("伊通河",), ("都市农业",), 820, parent="长春市",
          scale=0.35),
    Juris("抚松县", "220621", "county", "抚松", ("人参", "矿泉水", "冰雪旅游"),
          ("长白山西坡", "仙人桥温泉"), ("抚松工业园区",), ("松花江",), ("人参", "林蛙"), 120, scale=0.2),
    Juris("延吉市", "222401", "county", "延吉", ("文化旅游", "商贸服务", "食品加工"),
          ("帽儿山", "中国朝鲜族民俗园"), ("延吉高新区",), ("布尔哈通河",), ("苹果梨", "黄牛"), 420,
          scale=0.35),
    Juris("珲春市", "222404", "county", "珲春", ("海洋经济", "边境贸易", "现代物流"),
          ("防川", "敬信湿地"), ("珲春边境经济合作区",), ("图们江",), ("海产品",), 180, scale=0.25),
    Juris("敦化市", "222403", "county", "敦化", ("医药健康", "木制品加工", "文化旅游"),
          ("六鼎山", "雁鸣湖"), ("敦化经济开发区",), ("牡丹江",), ("黑木耳", "大豆"), 150, scale=0.25),
    Juris("梨树县", "220322", "county", "梨树", ("农产品加工", "畜牧业", "农机装备"),
          ("偏脸城遗址",), ("梨树经济开发区",), ("东辽河",), ("玉米", "梨树白猪"), 210, scale=0.3),
    Juris("磐石市", "220284", "county", "磐石", ("冶金", "医药", "食品加工"),
          ("官马溶洞", "莲花山"), ("磐石经济开发区",), ("饮马河",), ("大米", "黑木耳"), 230, scale=0.3),
    Juris("临江市", "220681", "county", "临江", ("林下经济", "硅藻土", "边境旅游"),
          ("鸭绿江畔", "花山"), ("临江经济开发区",), ("鸭绿江",), ("人参", "五味子"), 80, scale=0.2),
    Juris("前郭尔罗斯蒙古族自治县", "220721", "county", "前郭", ("石油化工", "文化旅游", "农产品加工"),
          ("查干湖", "王府"), ("前郭经济开发区",), ("松花江",), ("查干湖鱼", "玉米"), 300, scale=0.3),
    Juris("洮南市", "220881", "county", "洮南", ("新能源", "杂粮杂豆", "农机装备"),
          ("四海湖",), ("洮南经济开发区",), ("洮儿河",), ("绿豆", "辣椒"), 150, scale=0.25),
    Juris("东丰县", "220421", "county", "东丰", ("梅花鹿", "农产品加工", "文化旅游"),
          ("东丰农民画馆",), ("东丰经济开发区",), ("梅河",), ("梅花鹿", "大米"), 110, scale=0.2),
]}

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


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"

# ---------------------------------------------------------------------------------------------
# Phrase banks. Placeholders: {n:a-b} integer, {N:a-b} integer scaled to the jurisdiction,
# {pct:a-b} / {f:a-b} one-decimal number, {F:a-b} scaled one-decimal number, and the local words
# {ind} {ind2} {park} {sight} {river} {prod} {short} {unit} {material} {region} {festival}.
# A bank item may be (text, first_year, last_year): used only for reports of those session years.
# ---------------------------------------------------------------------------------------------
MATERIALS = ("新型建材", "生物基材料", "饲料", "碳纤维复丝", "铝合金型材", "有机肥", "医用敷料",
             "玄武岩纤维", "精制大米", "保健食品", "变压器", "汽车内饰件", "复合肥", "中药饮片")
REGIONS = ("长三角", "珠三角", "京津冀", "浙江", "天津", "粤港澳大湾区", "山东半岛")
FESTIVALS = ("冰雪节", "避暑休闲季", "文化旅游节", "开江鱼美食节", "民俗文化节", "夜经济消费季",
             "马拉松赛", "采摘节")

REVIEW = {
    "invest": (
        ("抓项目扩投资", "项目建设提速增效", "有效投资持续扩大", "坚持项目为王"),
        ("坚持项目为王，有效投资稳中有进", "狠抓项目建设，发展后劲持续增强"),
        [
            "全年实施5000万元以上项目{N:60-300}个，其中亿元以上项目{N:25-140}个，完成投资{N:80-600}亿元。",
            "新开工项目{N:40-200}个、竣工投产{N:20-120}个，{ind}领域一批牵动性项目落地见效。",
            "建立领导包保、专班推进、周调度月通报机制，帮助项目解决用地、审批、融资等问题{n:60-380}个。",
            "开展春季项目集中开工和秋季项目观摩活动，项目开复工率达到{pct:88-99}%。",
            "争取中央预算内投资和地方政府专项债券资金{f:8-60}亿元，支持{N:20-90}个基础设施和公共服务项目。",
            "{park}新签约项目{n:12-60}个，协议引资{N:40-380}亿元，到位资金同比增长{pct:8-30}%。",
            "精准开展产业链招商和以商招商，全年引进域外资金{N:90-700}亿元，增长{pct:5-25}%。",
            "年产{n:3-50}万吨{material}、{n:50-400}兆瓦风光发电等项目建成投产，新增产值{N:10-90}亿元。",
            "组建重大项目前期工作专班，储备各类项目{N:200-900}个、总投资{N:800-5000}亿元。",
            "推行“拿地即开工”审批模式，{n:20-70}个项目实现当年签约、当年开工、当年投产。",
            "{material}产业园一期主体完工，{ind}配套项目{n:3-15}个同步入驻。",
        ],
    ),
    "industry": (
        ("加快产业转型", "工业经济稳中有进", "产业结构持续优化", "做强实体经济"),
        ("聚焦转型升级，产业结构加快优化", "坚持工业立{unit}，实体经济稳步壮大"),
        [
            "规模以上工业增加值增长{pct:2-9}%，{ind}产业实现产值{N:40-800}亿元。",
            "实施工业企业技术改造项目{N:30-150}个，新增规上工业企业{N:10-70}户。",
            "{ind}、{ind2}两大支柱产业稳中有升，新兴产业产值占规上工业比重提高到{pct:12-35}%。",
            "开展“稳企业保运行”专项行动，帮助企业解决用工、融资、物流等难题{n:100-900}个。",
            "建成数字化车间和智能工厂{n:5-40}个，企业上云用云数量达到{N:200-2000}户。",
            "新培育国家级专精特新“小巨人”企业{n:1-6}户、省级专精特新中小企业{n:8-60}户。",
            "{park}工业总产值突破{N:80-900}亿元，园区承载能力不断增强。",
            "落实减税降费和助企纾困政策，为市场主体减负{f:3-40}亿元。",
            "新增市场主体{N:6000-40000}户，总量达到{N:40000-400000}户，民营经济活力持续释放。",
            "推动传统产业“增品种、提品质、创品牌”，新增“吉字号”特色产品{n:5-40}个。",
            "{ind2}产业链条不断延伸，链上企业达到{n:30-180}户，本地配套率提高{pct:3-12}个百分点。",
        ],
    ),
    "service": (
        ("服务业提质扩容", "消费市场回暖向好", "文旅产业加快发展"),
        ("繁荣消费市场，服务业提质扩容", "推动文旅融合，旅游业加快复苏"),
        [
            "社会消费品零售总额完成{N:100-900}亿元，增长{pct:2-10}%。",
            "举办{sight}{festival}等节庆活动{n:10-60}场次，全年接待游客{N:300-3000}万人次，旅游收入{N:30-500}亿元。",
            ("发放政府消费券{f:0.3-6}亿元，直接拉动消费{N:5-40}亿元。", 2021, 2025),
            "新增限额以上商贸企业{n:20-120}户，电子商务交易额增长{pct:8-35}%。",
            "{sight}景区完成提档升级，新评定A级景区{n:2-9}家、乡村旅游重点村{n:3-15}个。",
            "物流园区建设加快推进，快递业务量增长{pct:10-40}%。",
            "金融机构各项贷款余额达到{N:300-3000}亿元，比年初增长{pct:4-12}%。",
            "夜间经济集聚区{n:3-12}处投入运营，步行街、美食街人气明显回升。",
            "房地产市场平稳运行，商品房销售面积{N:40-400}万平方米。",
            "{short}特色文创产品进入{n:20-90}家景区和商超，文化产业增加值增长{pct:5-15}%。",
        ],
    ),
    "agri": (
        ("乡村振兴扎实推进", "现代农业提质增效", "农业农村发展向好"),
        ("坚持农业优先发展，乡村振兴开局良好", "夯实三农基础，农村面貌持续改善"),
        [
            "粮食总产量达到{F:12-80}亿斤，{prod}种植面积稳定在{N:20-300}万亩。",
            "新建高标准农田{N:10-80}万亩，推广保护性耕作{N:30-500}万亩，黑土地保护利用成效明显。",
            "{prod}全产业链产值达到{N:20-300}亿元，省级以上农业产业化龙头企业达到{n:5-40}户。",
            ("巩固拓展脱贫攻坚成果，脱贫人口人均纯收入增长{pct:8-16}%，未发生规模性返贫。", 2022, 2025),
            ("精准脱贫攻坚有力推进，减少贫困人口{N:1000-20000}人，{n:5-60}个贫困村退出。", 2019, 2021),
            "改造农村户厕{N:3000-30000}户，创建美丽乡村示范村{n:10-80}个。",
            "新建改建农村公路{N:80-800}公里，行政村通客车率保持100%。",
            "农民专业合作社和家庭农场分别达到{N:1000-9000}个和{N:800-7000}个。",
            "肉牛饲养量达到{N:5-80}万头、生猪出栏{N:20-300}万头，畜牧业产值增长{pct:4-14}%。",
            "村集体经济收入10万元以上的村占比达到{pct:30-90}%，农村集体产权制度改革全面完成。",
            "{prod}获评国家地理标志保护产品，带动{N:2000-30000}户农民增收。",
        ],
    ),
    "reform": (
        ("改革攻坚纵深推进", "营商环境持续优化", "重点改革取得突破"),
        ("深化改革攻坚，营商环境持续改善", "以改革破难题，发展活力不断增强"),
        [
            "{n:180-1200}项政务服务事项实现“一网通办”，“最多跑一次”事项占比达到{pct:90-99}%。",
            "企业开办时间压缩至{f:0.5-2}个工作日以内，工程建设项目审批时间压减{pct:30-60}%。",
            ("国资国企改革三年行动任务完成率{pct:95-100}%，整合组建{n:2-6}户国有企业集团。", 2021, 2023),
            "推进“证照分离”改革全覆盖，清理取消证明事项{n:20-120}项。",
            "开展营商环境评价整改，受理办结涉企诉求{N:600-6000}件，满意率{pct:95-99.9}%。",
            "政府债务风险总体可控，完成年度债务化解任务{f:2-30}亿元。",
            "设立“办不成事”反映窗口，推出“一件事一次办”主题服务{n:20-90}项。",
            "新增普惠小微贷款{f:5-60}亿元，农村金融综合改革稳步推进。",
            "{park}完成管理体制改革，“管委会+公司”运营模式全面推行。",
        ],
    ),
    "open": (
        ("对外开放不断扩大", "开放合作步伐加快"),
        ("扩大开放合作，发展空间不断拓展",),
        [
            "外贸进出口总额完成{f:10-260}亿元，增长{pct:3-30}%。",
            "实际利用外资{n:1000-30000}万美元，新设外资企业{n:3-30}户。",
            "赴{region}等地开展招商推介活动{n:10-60}次，签约项目{n:20-120}个。",
            "对口合作深入开展，与{region}地区共建合作园区{n:1-3}个、合作项目{n:10-50}个。",
            "{park}获批省级开放平台，海关监管作业场所投入使用。",
            "跨境电商交易额增长{pct:20-80}%，新增外贸经营主体{n:10-80}户。",
        ],
    ),
    "tech": (
        ("创新动能加快集聚", "科技创新能力提升"),
        ("强化创新驱动，发展动能加快转换",),
        [
            "新认定高新技术企业{n:10-90}户，总数达到{N:80-700}户。",
            "技术合同成交额{f:2-60}亿元，增长{pct:10-50}%。",
            "与省内外高校院所开展科技合作项目{n:20-120}项，建成省级以上创新平台{n:5-40}个。",
            "引进各类人才{N:800-9000}名，其中高层次人才{n:40-400}名。",
            "全社会研发经费投入强度提高到{f:0.8-2.2}%。",
            "科技型中小企业评价入库{N:100-900}户，“科技贷”发放{f:1-15}亿元。",
            "{ind}领域攻克关键技术{n:5-30}项，获省科学技术奖{n:2-12}项。",
        ],
    ),
    "city": (
        ("城乡面貌明显改善", "城市功能持续完善"),
        ("推进城市更新，城乡面貌焕然一新", "完善基础设施，城市品质稳步提升"),
        [
            "实施城建重点工程{n:30-160}项，改造老旧小区{N:40-300}个，惠及居民{N:1-9}万户。",
            "新建改造城市道路{N:20-120}公里、供热管网{N:20-200}公里、排水管网{N:20-150}公里。",
            "{river}沿岸生态廊道建成开放，新增城市绿地{N:20-200}万平方米。",
            "常住人口城镇化率达到{pct:45-70}%，县城补短板项目加快实施。",
            "改造棚户区{N:500-9000}套，筹集保障性租赁住房{N:300-5000}套。",
            "新开通公交线路{n:3-20}条，新增公共停车泊位{N:800-9000}个。",
            ("5G基站累计达到{N:600-9000}个，城区和乡镇实现5G网络全覆盖。", 2021, 2025),
            "城市管理精细化水平提升，生活垃圾分类覆盖率达到{pct:60-100}%。",
        ],
    ),
    "eco": (
        ("生态环境持续改善", "污染防治攻坚有力"),
        ("坚持生态优先，绿色底色更加鲜明",),
        [
            "空气质量优良天数比例达到{pct:85-96}%，PM2.5平均浓度下降到{n:20-40}微克/立方米。",
            "{river}流域水质持续改善，国考断面水质优良比例达到{pct:80-100}%。",
            "完成植树造林{N:1-20}万亩，森林覆盖率达到{pct:30-80}%。",
            "全面落实河湖长制，清理整治“四乱”问题{n:50-600}处。",
            "中央和省生态环境保护督察反馈问题整改完成率{pct:90-100}%。",
            "淘汰燃煤小锅炉{n:20-300}台，城区集中供热率达到{pct:90-99}%。",
            "秸秆禁烧实现“零火点”，秸秆综合利用率达到{pct:85-95}%。",
        ],
    ),
    "people": (
        ("民生福祉不断增进", "社会事业全面进步", "保障改善民生"),
        ("坚持人民至上，民生福祉持续增进", "办好民生实事，群众获得感不断增强"),
        [
            "民生支出占一般公共预算支出比重达到{pct:75-85}%，承诺的{n:10-30}件民生实事全部完成。",
            "城镇新增就业{N:3000-60000}人，城镇登记失业率{pct:2.8-4.0}%。",
            "新建改扩建中小学和幼儿园{n:5-40}所，新增学位{N:1000-12000}个。",
            "县级医院能力提升工程加快实施，家庭医生签约服务覆盖率达到{pct:40-80}%。",
            "城乡居民基本养老保险参保率稳定在{pct:95-99}%以上，基本医疗保险参保{N:20-200}万人。",
            "发放各类救助资金{f:1-15}亿元，惠及困难群众{N:1-20}万人次。",
            "新建社区居家养老服务中心{n:5-60}个，养老机构床位达到{N:2000-20000}张。",
            "举办文化惠民演出{N:200-2000}场次，建成城市书房{n:5-40}个。",
            "全面落实农民工工资支付保障制度，追讨欠薪{f:0.2-3}亿元。",
        ],
    ),
    "safety": (
        ("社会大局和谐稳定", "安全防线守牢守稳"),
        ("统筹发展和安全，社会大局和谐稳定",),
        [
            "生产安全事故起数和死亡人数分别下降{pct:5-35}%和{pct:5-40}%，安全生产形势总体平稳。",
            "扫黑除恶常态化斗争深入开展，刑事案件发案率下降{pct:5-25}%。",
            "食品药品抽检合格率保持在{pct:97-99.5}%以上。",
            "信访积案化解率达到{pct:85-99}%，社会大局保持和谐稳定。",
            ("科学精准做好疫情防控，守住了不发生规模性疫情的底线。", 2021, 2023),
            "防汛抗旱、森林防火工作有力有效，全年未发生重大灾害事故。",
        ],
    ),
}

PLAN = {
    "invest": (
        ("全力扩大有效投资", "抓项目强支撑", "持续扩大有效投资"),
        ("坚持项目为王，全力扩大有效投资", "聚焦重大项目，夯实稳增长根基"),
        [
            "全年计划实施5000万元以上项目{N:70-350}个，完成投资{N:90-700}亿元以上。",
            "聚焦{ind}、新能源、新基建等领域，谋划储备项目{N:200-1000}个。",
            "全力争取中央和省各类资金，力争专项债券额度增长{pct:10-30}%以上。",
            "落实重大项目“专班+包保”机制，确保新开工项目{N:40-220}个、竣工项目{N:30-150}个。",
            "开展“招商引资攻坚年”活动，全年引进域外资金{N:100-800}亿元以上。",
            "围绕{ind}产业链上下游精准引进配套企业{n:10-50}户。",
            "推动{park}扩区调位，新建标准化厂房{N:5-40}万平方米。",
            "全年供应建设用地{N:1000-9000}亩，盘活闲置低效土地{N:300-3000}亩。",
        ],
    ),
    "industry": (
        ("加快构建现代产业体系", "推动工业提质增效", "做优做强实体经济"),
        ("加快转型升级，构建现代产业体系", "坚持工业立{unit}，推动实体经济高质量发展"),
        [
            "实施工业倍增计划，规上工业企业达到{N:200-1200}户。",
            "推动{ind}产业延链补链强链，力争产值突破{N:60-1000}亿元。",
            "加快发展{ind2}产业，培育产值超十亿元企业{n:2-12}户。",
            "实施“专精特新”企业培育工程，新增省级专精特新企业{n:10-50}户。",
            "推进数字化转型，新建智能工厂和数字化车间{n:5-30}个。",
            "落实惠企政策“免申即享”，为企业减负{f:3-30}亿元以上。",
            "开展银企对接活动{n:10-40}场次，新增企业贷款{N:20-200}亿元。",
            "新增市场主体{N:8000-50000}户，让民营企业敢干、敢闯、敢投。",
        ],
    ),
    "service": (
        ("促进消费扩容提质", "繁荣发展现代服务业", "做大做强文旅产业"),
        ("激发消费潜能，推动服务业扩容提质", "深化文旅融合，打响{short}旅游品牌"),
        [
            "力争社会消费品零售总额增长{pct:5-9}%。",
            "办好{sight}{festival}，全年接待游客{N:400-3500}万人次以上。",
            "加快{sight}景区提档升级，创建国家4A级以上旅游景区{n:1-3}家。",
            "培育夜经济、首店经济和直播电商，新增限上商贸企业{n:30-150}户。",
            "推进县域商业体系建设，实现乡镇商贸中心全覆盖。",
            "建设{short}综合物流枢纽和冷链物流基地，降低全社会物流成本。",
            "发展康养、研学、冰雪等业态，推出精品旅游线路{n:10-30}条。",
        ],
    ),
    "agri": (
        ("全面推进乡村振兴", "加快农业农村现代化"),
        ("坚持农业农村优先发展，全面推进乡村振兴",),
        [
            "全力抓好粮食生产，确保粮食总产量稳定在{F:15-100}亿斤以上。",
            "新建高标准农田{N:10-90}万亩，推广黑土地保护性耕作{N:50-600}万亩。",
            "做强{prod}特色产业，推动精深加工，产业链产值增长{pct:8-20}%。",
            "实施“千头牛”“万头猪”工程，肉牛饲养量增长{pct:10-30}%。",
            "开展农村人居环境整治提升行动，改造农村户厕{N:3000-30000}户。",
            ("巩固拓展脱贫攻坚成果同乡村振兴有效衔接，坚决守住不发生规模性返贫的底线。", 2021, 2025),
            ("坚决打赢脱贫攻坚战，确保剩余贫困人口全部脱贫。", 2019, 2020),
            "培育家庭农场{N:300-3000}个、农民合作社示范社{n:20-200}个。",
            "深化农村集体产权制度改革，村集体经济收入全部达到{n:5-20}万元以上。",
        ],
    ),
    "reform": (
        ("深化重点领域改革", "持续优化营商环境"),
        ("深化改革攻坚，打造一流营商环境",),
        [
            "持续深化“放管服”改革，推动{pct:95-100}%政务服务事项“全程网办”。",
            ("推行“高效办成一件事”，新增集成服务事项{n:20-80}项。", 2024, 2025),
            "深化国资国企改革，推动国有企业整合重组、提质增效。",
            "全面落实公平竞争审查制度，建设统一开放、竞争有序的市场体系。",
            "推行“清单制+告知承诺制”，工程建设项目审批时限压缩至{n:30-60}个工作日以内。",
            "健全政企沟通机制，建立涉企问题“接诉即办”闭环体系。",
            "加强政府债务管理，守住不发生系统性风险底线。",
            "稳妥推进农村宅基地、集体经营性建设用地入市等改革试点。",
        ],
    ),
    "open": (
        ("推动高水平对外开放", "扩大开放合作"),
        ("坚持开放带动，拓展合作发展新空间",),
        [
            "力争外贸进出口总额增长{pct:5-20}%。",
            "深度融入“一带一路”和东北亚区域合作，拓展俄日韩蒙等市场。",
            "深化与{region}地区交流合作，组织开展招商推介活动{n:10-40}次。",
            "加快建设{park}开放平台，争取设立保税物流中心。",
            "发展跨境电商和市场采购贸易，培育外贸新业态新模式。",
        ],
    ),
    "tech": (
        ("强化科技创新支撑", "加快建设人才高地"),
        ("坚持创新驱动，增强发展内生动力",),
        [
            "全社会研发经费投入增长{pct:8-20}%，新认定高新技术企业{n:15-100}户。",
            "深化与高校院所合作，推动科技成果本地转化{n:20-100}项。",
            "实施人才引育工程，全年引进各类人才{N:1000-8000}名。",
            "建设{ind}产业技术创新中心，争创省级以上研发平台{n:5-20}个。",
            "落实科技创新券政策，支持科技型中小企业发展壮大。",
        ],
    ),
    "city": (
        ("提升城市功能品质", "推进城乡融合发展"),
        ("实施城市更新行动，建设宜居韧性智慧城市",),
        [
            "实施城建重点工程{n:40-180}项，完成投资{N:20-200}亿元。",
            "改造老旧小区{N:40-300}个，更新燃气、供水、供热老旧管网{N:30-300}公里。",
            "推进{river}两岸综合治理，打造滨水休闲空间。",
            "加快海绵城市建设，提升城市防洪排涝能力。",
            "建设完整社区{n:5-30}个，新建城市公园和口袋公园{n:5-30}个。",
            "新增公共停车泊位{N:1000-8000}个，缓解老城区停车难问题。",
        ],
    ),
    "eco": (
        ("持续改善生态环境", "推动绿色低碳发展"),
        ("坚持绿色发展，守护好{short}的绿水青山",),
        [
            "深入打好蓝天、碧水、净土保卫战，空气质量优良天数比例保持在{pct:85-95}%以上。",
            "严格落实河湖长制和林长制，完成植树造林{N:1-15}万亩。",
            "推进秸秆综合利用，综合利用率达到{pct:88-95}%以上。",
            "加快清洁能源替代，新增清洁取暖面积{N:30-300}万平方米。",
            "推进{river}流域水生态保护修复，确保国考断面水质稳定达标。",
            "抓好中央和省生态环境保护督察反馈问题整改。",
        ],
    ),
    "people": (
        ("用心用情保障民生", "办好人民满意的社会事业"),
        ("坚持以人民为中心，持续增进民生福祉",),
        [
            "确保城镇新增就业{N:3000-60000}人以上。",
            "新建改扩建学校{n:5-30}所，新增学位{N:1000-10000}个。",
            "推进紧密型县域医共体建设，提升基层医疗服务能力。",
            "新增普惠性养老床位{N:200-3000}张，建设社区嵌入式养老服务设施{n:5-40}处。",
            "集中力量办好{n:10-30}件民生实事。",
            "提高城乡低保标准{pct:3-8}%，扩大城乡居民医保和养老保险覆盖面。",
            "建设城市书房和农家书屋，开展文化惠民活动{N:300-3000}场次。",
        ],
    ),
    "safety": (
        ("统筹发展和安全", "建设更高水平的平安{short}"),
        ("守牢安全底线，维护社会和谐稳定",),
        [
            "压实安全生产责任，坚决遏制重特大事故发生。",
            ("深入开展安全生产治本攻坚三年行动，动态清零重大事故隐患。", 2024, 2025),
            "加强食品药品安全监管，保障人民群众“舌尖上的安全”。",
            "推进常态化扫黑除恶斗争，建设更高水平的平安{short}。",
            "健全矛盾纠纷多元化解机制，化解信访积案{n:20-200}件。",
            "做好防汛抗旱、森林防火和地震防灾减灾工作。",
        ],
    ),
}

SELF_TITLES = ("三、全面加强政府自身建设", "三、加快建设人民满意的服务型政府", "三、持续加强政府自身建设",
               "三、努力建设人民满意政府", "三、以自我革命精神加强政府建设")
SELF_BANK = {
    "坚持政治引领": ("深入学习贯彻习近平新时代中国特色社会主义思想，坚决维护党中央权威和集中统一领导。",
                 "把党的领导贯穿政府工作各方面全过程，不折不扣落实党中央决策部署和省委工作要求。"),
    "坚持依法行政": ("自觉接受人大法律监督、工作监督和政协民主监督，认真办理人大代表建议和政协委员提案。",
                 "严格落实重大行政决策程序，全面推行行政执法“三项制度”。"),
    "坚持为民务实": ("大兴调查研究之风，力戒形式主义、官僚主义，让基层把更多精力用在抓落实上。",
                 "把群众满意作为第一标准，以钉钉子精神抓好各项任务落实。"),
    "坚持清正廉洁": ("严格落实全面从严治党主体责任，驰而不息纠治“四风”。",
                 "政府带头过紧日子，一般性支出压减{pct:5-15}%，把有限的资金用在发展紧要处和民生急需上。"),
    "提升行政效能": ("建立重点工作清单化管理、项目化推进机制，实行周调度、月通报、季讲评。",
                 "推进数字政府建设，政务数据共享率提高到{pct:80-98}%。"),
    "强化担当作为": ("健全容错纠错机制，为担当者担当、为干事者撑腰。",
                 "开展干部能力提升行动，增强推动高质量发展的本领。"),
}
DIFFICULTIES = (
    "经济总量偏小，产业结构不优，新动能培育还需加力", "项目储备质量不高，投资增长后劲不足",
    "科技创新能力较弱，高端人才短缺", "民营经济发展不充分，市场主体活力有待激发",
    "财政收支矛盾突出，债务风险防控压力较大", "城乡区域发展不够平衡，公共服务仍有短板",
    "生态环境保护任务依然繁重", "营商环境与群众期待还有差距", "一些干部担当作为不够，工作作风有待改进",
    "消费需求恢复偏慢，部分企业生产经营困难", "人口外流问题比较突出，劳动力结构性短缺",
)
REVIEW_CONTEXT = {
    2019: ("{prev}年是全面贯彻党的十九大精神的开局之年。", "过去的一年，面对复杂严峻的外部环境和经济下行压力，"),
    2020: ("{prev}年是新中国成立70周年，是决胜全面建成小康社会的关键之年。", "过去的一年，面对稳中有变、变中有忧的经济形势，"),
    2021: ("{prev}年是极不平凡的一年。面对突如其来的新冠肺炎疫情和严峻复杂的经济形势，", "过去的一年，是“十三五”规划收官之年，"),
    2022: ("{prev}年是中国共产党成立100周年，也是“十四五”开局之年。", "过去的一年，面对疫情散发和需求收缩、供给冲击、预期转弱三重压力，"),
    2023: ("{prev}年是党的二十大胜利召开之年，是极不平凡、殊为不易的一年。", "过去的一年，面对超预期因素冲击，"),
    2024: ("{prev}年是全面贯彻党的二十大精神的开局之年，是三年新冠疫情防控转段后经济恢复发展的一年。", "过去的一年，"),
    2025: ("{prev}年是实现“十四五”规划目标任务的关键一年。", "过去的一年，面对外部压力加大、内部困难增多的复杂严峻形势，"),
}
PLAN_CONTEXT = {
    2019: "今年是新中国成立70周年，是决胜全面建成小康社会的关键之年",
    2020: "今年是全面建成小康社会和“十三五”规划收官之年",
    2021: "今年是“十四五”开局之年，也是中国共产党成立100周年",
    2022: "今年将召开党的二十大，是进入全面建设社会主义现代化国家新征程的重要一年",
    2023: "今年是全面贯彻落实党的二十大精神的开局之年",
    2024: "今年是中华人民共和国成立75周年，是实现“十四五”规划目标任务的关键一年",
    2025: "今年是“十四五”规划收官之年，也是为“十五五”良好开局打牢基础的关键之年",
}
GUIDES = ("坚持以习近平新时代中国特色社会主义思想为指导", "高举习近平新时代中国特色社会主义思想伟大旗帜")
PLAN_TAILS = (
    "完整、准确、全面贯彻新发展理念，坚持稳中求进工作总基调", "全面落实省委、省政府部署和{party}工作要求",
    "统筹疫情防控和经济社会发展", "更好统筹发展和安全", "以高质量发展为主题，以供给侧结构性改革为主线",
    "深入实施“一主六双”高质量发展战略", "全力扩大有效需求，持续防范化解风险", "着力保障和改善民生",
)
CLOSINGS = (
    "各位代表！新征程催人奋进，新使命重任在肩。让我们更加紧密地团结在以习近平同志为核心的党中央周围，"
    "在省委、省政府和{party}的坚强领导下，锐意进取、真抓实干，为加快建设现代化新{short}而努力奋斗！",
    "各位代表！蓝图已经绘就，奋斗正当其时。让我们在{party}的坚强领导下，始终保持“拼”的精神、“抢”的意识、"
    "“实”的作风，全力以赴抓发展、惠民生、防风险，奋力谱写{short}高质量发展新篇章！",
    "各位代表！时代呼唤担当，实干成就未来。让我们勠力同心、攻坚克难，以更加昂扬的斗志、更加务实的作风，"
    "全面完成今年各项目标任务，为{short}全面振兴率先突破作出新的更大贡献！",
    "各位代表！奋斗创造历史，实干成就未来。我们将坚定信心、埋头苦干，奋力开创{short}振兴发展新局面，"
    "以优异成绩向全{unit}人民交出一份满意答卷！",
)
REVIEW_LEADS = ("一年来，我们主要做了以下工作：", "一年来，我们重点抓了以下几个方面工作：",
                "回顾过去一年，我们着力做了以下工作：", "")
PLAN_LEADS = ("为实现上述目标，重点抓好以下几个方面工作：", "围绕上述目标，今年将重点做好以下工作：",
              "做好今年工作，要突出抓好以下几个方面：")
OPENINGS = (
    "现在，我代表{gov}，向大会报告政府工作，请予审议，并请{cppcc}委员和其他列席人员提出意见。",
    "现在，我代表{gov}向大会报告工作，请予审议，并请{cppcc}委员提出意见。",
    "我代表{gov}向大会报告政府工作，请予审议，并请政协委员和列席人员提出意见。",
)


# ---------------------------------------------------------------------------------------------
# Synthetic report text
# ---------------------------------------------------------------------------------------------
@dataclass
class Report:
    report_id: str
    juris: Juris | None
    city: str
    year: int
    title: str               # e.g. 2021年四平市政府工作报告
    lines: list[str]          # body lines (paragraphs), header lines included
    synthetic: bool
    admin_code: str
    admin_level: str
    session_date: date
    part_two: int = 0         # index of the line "二、…工作安排" (0: unknown)
    part_three: int = 0       # index of the line "三、…" (0: unknown)
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
            "ind": j.industries, "park": j.parks, "sight": j.sights, "river": j.rivers,
            "prod": j.products, "material": MATERIALS, "region": REGIONS, "festival": FESTIVALS,
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
        part = chosen[i * per:(i + 1) * per] if i < n_paras - 1 else chosen[i * per:]
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
    growth = {2018: (4, 6.5), 2019: (2, 6), 2020: (1, 3), 2021: (5, 8), 2022: (-1.5, 3), 2023: (5, 7),
              2024: (4, 6)}[prev]
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
        ctx + rng.choice(("在省委、省政府和{p}的坚强领导下，", "在{p}的坚强领导下，")).replace("{p}", unit + "委")
        + rng.choice(("全{u}上下团结奋斗、攻坚克难，", "我们坚定信心、迎难而上，", "我们紧紧依靠全{u}人民，"))
        .replace("{u}", unit)
        + rng.choice(("经济社会发展取得新成效。", "圆满完成了年初确定的主要目标任务。",
                      "经济运行稳中有进、进中向好。"))
        + "；".join(keep) + "。"
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
        rng.choice(("在肯定成绩的同时，我们也清醒地看到，发展中还存在一些困难和问题：",
                    "同时，我们也清醒认识到，当前还面临不少困难和挑战：",
                    "我们也深知，工作中还有不少差距和不足："))
        + "；".join(probs) + "。"
        + rng.choice(("对此，我们将高度重视，采取有力措施切实加以解决。", "我们一定直面问题，认真加以解决。",
                      "对这些问题，我们将在今后工作中努力解决。"))
    )
    part_two = len(lines)
    lines.append(rng.choice((f"二、{year}年工作安排", f"二、{year}年工作安排", f"二、{year}年重点工作")))
    tails = rng.sample(PLAN_TAILS, 3)
    lines.append(
        PLAN_CONTEXT[year] + "。政府工作的总体要求是：" + rng.choice(GUIDES) + "，全面贯彻党的"
        + ("十九大" if year < 2023 else "二十大") + "精神，" + "，".join(fill.fill(t) for t in tails)
        + rng.choice(("，奋力推动{s}高质量发展。", "，努力开创{s}全面振兴新局面。", "，确保经济社会持续健康发展。"))
        .replace("{s}", j.short)
    )
    plan_g = {2019: (6, 7), 2020: (5.5, 6.5), 2021: (6, 8), 2022: (6, 7), 2023: (6, 7.5), 2024: (5.5, 6.5),
              2025: (5, 6)}[year]
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
    for i, topic in enumerate(topics[:rng.randint(5, 7)]):
        short, long_, bank = PLAN[topic]
        head = fill.fill(rng.choice(long_ if long_heads else short))
        lines.append(f"（{cn(i + 1)}）{head}")
        lines.extend(_paragraphs(rng, fill, bank, year, 1))
    part_three = len(lines)
    lines.append(rng.choice(SELF_TITLES))
    lines.append(rng.choice((
        "打铁必须自身硬。面对新形势新任务，政府系统必须以更高标准、更严要求加强自身建设。",
        "新征程对政府工作提出了新的更高要求，我们将始终牢记人民政府为人民。",
        "政府工作的成效，最终要靠落实来体现、由群众来评判。",
    )))
    for head in rng.sample(list(SELF_BANK), rng.randint(2, 4)):
        s1, s2 = SELF_BANK[head]
        lines.append(f"{head}。" + fill.fill(s1) + fill.fill(s2))
    lines.append(fill.fill(rng.choice(CLOSINGS)))

    title = rng.choice((f"{year}年{j.full}政府工作报告", f"{year}年{j.name}政府工作报告", "政府工作报告"))
    if j.level == "district" and title != "政府工作报告":
        title = f"{year}年{j.full}政府工作报告"
    return Report(rid, j, j.name, year, title, lines, True, j.code, j.level, date(year, month, day),
                  part_two, part_three, speaker)


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
    r000 = Report("2018-220500", None, "通化市", 2018, "政府工作报告",
                  [tonghua[7].strip()] + body000, False, "220500", "prefecture", date(2018, 1, 5),
                  part_two=1)
    body001 = [ln for ln in jilin[5:] if ln.strip()]
    r001 = Report("2018-220200", None, "吉林市", 2018, jilin[0].strip(), body001, False, "220200",
                  "prefecture", date(2018, 1, 17))
    r001.part_two = body001.index("二、2018年工作安排")
    r001.part_three = body001.index("三、加快建设人民满意的服务型政府")
    body002 = [ln for ln in th23[:19] if ln.strip()]
    r002 = Report("2023-220500", None, "通化市", 2023, "2023年通化市政府工作报告", body002, False, "220500",
                  "prefecture", date(2023, 1, 9))
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
    content_type: str | None = None      # header override (None: the server's default)
    redirect_to: str | None = None
    pages: list[str] = field(default_factory=list)
    about: str | None = None            # report_id a news/interpretation page is about
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def report_id(self) -> str | None:
        if self.doc_type != "report" or self.report is None or self.variant in ("dead", "loop"):
            return None
        return self.report.report_id


PREF = {"集安市": "通化", "梅河口市": "通化", "公主岭市": "长春", "绿园区": "长春", "朝阳区": "长春",
        "抚松县": "白山", "临江市": "白山", "延吉市": "延边", "珲春市": "延边", "敦化市": "延边",
        "梨树县": "四平", "磐石市": "吉林", "前郭尔罗斯蒙古族自治县": "松原", "洮南市": "白城",
        "东丰县": "辽源"}


def station(city: str) -> str:
    if city in PREF:
        return PREF[city] + "站"
    return (J[city].short if city in J else city[:2]) + "站"


def _when(rng: random.Random, day: date, lo: int, hi: int) -> datetime:
    d = day + timedelta(days=rng.randint(lo, hi))
    return datetime(d.year, d.month, d.day, rng.randint(8, 17), rng.choice((0, 5, 12, 20, 30, 36, 45, 50)))


MANGLE = (("习近平", "习**"), ("疫情", "疫*"), ("信访", "信*"), ("扫黑除恶", "扫**恶"))


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
    heads = [ln.split("）", 1)[1] for ln in r.lines[r.part_two:r.part_three] if ln.startswith("（")]
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
    figures = figures[figures.find("全年实现"):].rstrip("。").split("；")
    target = next(ln for ln in r.lines if ln.startswith("主要预期目标是"))
    heads = [ln.split("）", 1)[1] for ln in r.lines[r.part_two:r.part_three] if ln.startswith("（")]
    out = [f"【图解】一图读懂{r.title if r.title != '政府工作报告' else str(r.year) + '年' + r.city + '政府工作报告'}",
           f"{r.year - 1}年成绩单"]
    out += [f"◆{f}" for f in figures]
    out.append(f"{r.year}年主要预期目标")
    out += [f"◆{t}" for t in target.replace("主要预期目标是：", "").rstrip("。").split("，")]
    out.append(f"{r.year}年重点工作")
    out += [f"◆{h}" for h in heads]
    out.append("（制图：吉林省人民政府门户网站（演示）编辑部）")
    return out


NOTICE_LINES = [
    "为进一步增强政府工作报告起草工作的透明度，广泛听取社会各界意见建议，现就2022年政府工作报告面向社会公开征集意见建议。",
    "一、征集时间",
    "2021年12月1日至2021年12月20日。",
    "二、征集内容",
    "围绕推动经济高质量发展、扩大有效投资、促进消费、优化营商环境、保障和改善民生等方面，提出意见和建议。",
    "三、参与方式",
    "登录本网站“互动交流”栏目填写留言，或发送电子邮件至demo-zfgzbg@example.cn（演示地址）。",
    "四、有关要求",
    "意见建议应观点明确、内容具体，字数一般不超过1000字。我们将认真梳理研究，积极吸收采纳。",
    "吉林省人民政府办公厅（演示）",
    "2021年12月1日",
]


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

    gov_reports = [rep(*a) for a in (
        ("长春市", 2019, 1, 15), ("吉林市", 2020, 1, 8), ("四平市", 2021, 1, 12), ("辽源市", 2022, 1, 10),
        ("通化市", 2024, 1, 16), ("白山市", 2021, 1, 19), ("松原市", 2023, 2, 14), ("白城市", 2022, 1, 6),
        ("延边朝鲜族自治州", 2024, 1, 23), ("集安市", 2020, 1, 6), ("梅河口市", 2023, 1, 5),
        ("公主岭市", 2022, 1, 4), ("绿园区", 2021, 1, 7), ("抚松县", 2025, 1, 9), ("朝阳区", 2024, 1, 11),
    )]
    for r in sorted(gov_reports, key=lambda r: r.session_date):
        when = _when(rng, r.session_date, 2, 12)
        pages.append(Page(gov_path(when), "gov", "full", "report", r.title, when, r.lines, r, "gbk"))
    lying = next(p for p in pages if p.report and p.report.report_id.startswith("2021-220600"))
    lying.content_type = "text/html; charset=utf-8"
    lying.notes = "GBK bytes and <meta charset=gb2312>, but the HTTP header claims UTF-8"
    mangle_source = next(p for p in pages if p.report and p.report.report_id.startswith("2022-220400"))

    dup = rep("吉林市", 2022, 1, 14)
    when = _when(rng, dup.session_date, 1, 4)
    pages.append(Page(gov_path(when), "gov", "full", "report", dup.title, when, dup.lines, dup, "gbk",
                      notes="the same report is on /news/ (identical body) and as an excerpt on /agg/"))
    split = rep("松原市", 2020, 1, 14)
    when = _when(rng, split.session_date, 2, 6)
    pages.append(Page(gov_path(when), "gov", "split-part", "report", split.title, when,
                      split.lines[:split.part_two], split, "gbk", notes="page 1 of 2: TRS pager links to the _1.html continuation",
                      extra={"continuation_lines": split.lines[split.part_two:]}))
    interp_src = next(p for p in pages if p.report and p.report.report_id.startswith("2021-220300")).report
    when = _when(rng, interp_src.session_date, 3, 8)
    il = interpretation_of(interp_src)
    pages.append(Page(gov_path(when), "gov", "interpretation", "interpretation", il[0], when, il[1:],
                      interp_src, "gbk", about=interp_src.report_id,
                      notes="图解 of the 2021 四平 report, under the report URL pattern"))
    when = datetime(2021, 12, 1, 10, 30)
    pages.append(Page(gov_path(when), "gov", "other", "other", "关于公开征集2022年政府工作报告意见建议的公告",
                      when, NOTICE_LINES, None, "gbk", notes="a notice about the report, not a report"))
    when = datetime(2019, 2, 20, 9, 0)
    pages.append(Page("/gov/zfgzbg/201902/t20190220_4404.html", "gov", "dead", "report", "2019年辽源市政府工作报告",
                      when, [], None, None, status=404, notes="listed, but the page is gone (404)",
                      extra={"city": "辽源市", "year": 2019, "code": "220400", "level": "prefecture"}))

    # ---- news: regional news portal, UTF-8 --------------------------------------------------------

    def news_path(when: datetime) -> str:
        return "?news"

    r000 = seeds["000"]
    pages.append(Page("/news/2018/0111/2577763.html", "news", "excerpt", "report", r000.title,
                      datetime(2018, 1, 11, 9, 20), r000.lines, r000, "utf-8",
                      notes="real text (seed 000): part two of the 2018 通化 report",
                      extra={"editor": "姜春起", "source": "通化日报", "subtitle": True, "article_id": "2577763"}))
    news_reports = [rep(*a) for a in (
        ("通化市", 2021, 1, 14), ("白山市", 2023, 1, 5), ("延吉市", 2022, 1, 6), ("珲春市", 2021, 2, 24),
        ("敦化市", 2024, 1, 8), ("长春市", 2025, 1, 6), ("白城市", 2020, 1, 9),
    )]
    for r in news_reports:
        when = _when(rng, r.session_date, 0, 3)
        pages.append(Page(news_path(when), "news", "full", "report", r.title, when, r.lines, r, "utf-8"))
    when = _when(rng, dup.session_date, 0, 1)
    pages.append(Page(news_path(when), "news", "duplicate", "report", dup.title, when, dup.lines, dup, "utf-8",
                      notes="same body text as the /gov/ copy, different chrome"))
    red = rep("辽源市", 2021, 1, 20)
    when = _when(rng, red.session_date, 0, 2)
    pages.append(Page(news_path(when), "news", "redirect", "report", red.title, when, red.lines, red, "utf-8",
                      status=301, notes="listing links to an old URL that answers 301"))
    about = news_reports[0]
    when = datetime(about.session_date.year, about.session_date.month, about.session_date.day, 11, 48)
    jie, ci = congress_session(about.juris, about.year)
    pages.append(Page(news_path(when), "news", "news", "news",
                      f"{about.juris.full}第{cn(jie)}届人民代表大会第{cn(ci)}次会议开幕", when,
                      news_about(about, when), about, "utf-8", about=about.report_id,
                      notes="news about the congress that mentions the report"))

    # ---- agg: aggregator, GBK and UTF-8 ----------------------------------------------------------

    def agg_path(when: datetime) -> str:
        return "?agg"

    r002 = seeds["002"]
    when = datetime(2023, 3, 2, 15, 6)
    pages.append(Page(agg_path(when), "agg", "excerpt", "report", "2023年通化市政府工作报告全文", when, r002.lines,
                      r002, "utf-8", notes="real text (seed 002): cut off mid-sentence"))
    for i, a in enumerate((("梨树县", 2021, 1, 5), ("磐石市", 2023, 1, 4), ("临江市", 2019, 1, 10),
                           ("前郭尔罗斯蒙古族自治县", 2022, 1, 12), ("洮南市", 2024, 1, 15), ("四平市", 2025, 1, 14))):
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
    pages.append(Page(agg_path(when), "agg", "excerpt", "report", f"{dup.year}年吉林市政府工作报告（第二部分）",
                      when, dup.lines[dup.part_two:dup.part_three], dup, "utf-8",
                      notes="only part two of the report that is on /gov/ and /news/"))
    src = mangle_source.report
    ml = mangle(src.lines)
    assert ml != src.lines
    when = _when(rng, src.session_date, 30, 60)
    pages.append(Page(agg_path(when), "agg", "mangled", "report", f"{src.year}年辽源市政府工作报告全文", when, ml,
                      src, "utf-8", notes="words replaced by * / ** by a filter; same report as on /gov/",
                      extra={"mangled": [w for w, _ in MANGLE if any(w in ln for ln in src.lines)]}))
    when = datetime(2021, 2, 3, 16, 0)
    a_, b_ = "/agg/baogao/202102/990001.html", "/agg/baogao/202102/990002.html"
    pages.append(Page(a_, "agg", "loop", "report", "2021年舒兰市政府工作报告全文", when, [], None, None, status=302,
                      redirect_to=b_, notes="redirect loop: 990001 → 990002 → 990001",
                      extra={"city": "舒兰市", "year": 2021, "code": "220283", "level": "county"}))

    # ---- blog: UTF-8 ---------------------------------------------------------------------------

    def blog_path() -> str:
        return "?blog"

    r001 = seeds["001"]
    pages.append(Page(blog_path(), "blog", "full", "report", r001.title, datetime(2018, 1, 31, 21, 14), r001.lines,
                      r001, "utf-8", notes="real text (seed 001): one paragraph broken in two by the layout",
                      extra={"meta_line": "2018年01月31日 阅读：76次  暂无评论 ", "blank_first": True}))
    for a in (("东丰县", 2023, 1, 6), ("吉林市", 2024, 1, 12), ("长春市", 2021, 1, 28), ("通化市", 2019, 1, 7),
              ("延边朝鲜族自治州", 2025, 1, 14)):
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
    return line.startswith(("——", "――")) or bool(re.match(r"^\S{0,16}(市长|州长|县长|区长)[　 ]\S+某某$", line))


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


GOV_CSS = """body{margin:0;font:14px/1.6 "Microsoft YaHei",SimSun,sans-serif;color:#333;background:#f3f3f3}
a{color:#1d4f91;text-decoration:none}.w1200{width:1000px;margin:0 auto}
.top{background:#eee;font-size:12px;line-height:30px}.header{background:#b3261e;color:#fff;padding:18px 0}
.header .logo{font-size:28px;font-weight:bold}.nav{background:#8f1d17}.nav li{display:inline-block;padding:0 18px}
.nav a{color:#fff;line-height:40px}.position{line-height:36px;font-size:12px}
.article,.listbox{background:#fff;padding:20px 40px}.article h1{text-align:center;color:#b3261e;font-size:24px}
.property{text-align:center;color:#888;font-size:12px;border-bottom:1px solid #ddd;padding-bottom:8px}
.TRS_Editor p{text-indent:0;line-height:2}.page{text-align:center;margin:16px}.page a,.page span{margin:0 4px}
.list li{border-bottom:1px dashed #ddd;line-height:36px;list-style:none}.list span{float:right;color:#999}
.footer{text-align:center;font-size:12px;color:#666;padding:20px;background:#e5e5e5}
"""


def gov_frame(title: str, body: str, position: str, meta: str = "") -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<meta http-equiv="X-UA-Compatible" content="IE=edge" />
<title>{esc(title)}</title>
<meta name="SiteName" content="{GOV_NAME}" />
<meta name="SiteDomain" content="127.0.0.1" />
<meta name="SiteIDCode" content="0000000000" />
{meta}<link rel="stylesheet" type="text/css" href="/gov/css/style.css" />
<script type="text/javascript">function doZoom(size){{document.getElementById('zoom').style.fontSize=size+'px';}}</script>
</head>
<body>
<div class="top"><div class="w1200"><span class="welcome">欢迎访问{GOV_NAME}</span>
<span class="links"><a href="/gov/index.html">首页</a> | <a href="/gov/index.html#sitemap">网站地图</a> | <a href="/gov/index.html#wza">无障碍浏览</a> | <a href="/gov/index.html#fanti">繁体</a> | <a href="/gov/index.html#en">English</a></span></div></div>
<div class="header"><div class="w1200"><div class="logo">{GOV_NAME}</div>
<form class="search" action="/gov/index.html" method="get"><input type="text" name="searchword" value="请输入关键字" /><input type="submit" value="搜索" /></form></div></div>
<div class="nav"><div class="w1200"><ul>
<li><a href="/gov/index.html">首页</a></li><li><a href="/gov/index.html#ywdt">要闻动态</a></li><li><a href="/gov/index.html#zwgk">政务公开</a></li>
<li><a href="/gov/zfgzbg/index.html">政府工作报告</a></li><li><a href="/gov/index.html#zwfw">政务服务</a></li><li><a href="/gov/index.html#hdjl">互动交流</a></li><li><a href="/gov/index.html#zjjl">走进吉林</a></li>
</ul></div></div>
<div class="w1200">
<div class="position">当前位置：{position}</div>
{body}
</div>
<div class="footer">
<p><a href="/gov/index.html#about">关于本网</a> | <a href="/gov/index.html#sitemap">网站地图</a> | <a href="/gov/index.html#contact">联系我们</a> | <a href="/gov/index.html#privacy">隐私声明</a></p>
<p>主办单位：吉林省人民政府办公厅（演示）　承办：吉林省政务服务和数字化建设管理局（演示）</p>
<p>{ICP}　网站标识码：0000000000　吉公网安备 00000000000000号（演示）</p>
<p>本站为开源项目的演示站点，页面结构模仿政府门户网站，内容不代表任何机关。</p>
</div>
</body>
</html>
"""


def gov_pager(paths: list[str], current: int) -> str:
    names = [p.rsplit("/", 1)[1] for p in paths]
    prev_ = names[max(current - 1, 0)]
    next_ = names[min(current + 1, len(names) - 1)]
    items = [f'<a href="{prev_}">上一页</a>']
    for i, name in enumerate(names):
        items.append(f'<span class="current">{i + 1}</span>' if i == current else f'<a href="{name}">{i + 1}</a>')
    items.append(f'<a href="{next_}">下一页</a>')
    return '<div class="page" id="page">' + "\n".join(items) + "</div>"


def gov_article(p: Page, lines: list[str], pager: str = "", related: list[Page] = ()) -> str:
    source = "吉林省人民政府办公厅（演示）" if p.doc_type == "other" else (
        f"{p.report.city}人民政府" if p.report else "本网")
    if p.doc_type == "interpretation":
        source = "本网综合"
    meta = (f'<meta name="ColumnName" content="政府工作报告" />\n<meta name="ArticleTitle" content="{attr(p.title)}" />\n'
            f'<meta name="PubDate" content="{p.published:%Y-%m-%d %H:%M}" />\n'
            f'<meta name="ContentSource" content="{attr(source)}" />\n')
    rel = "\n".join(f'<li><a href="{q.path}" target="_blank">{esc(q.title)}</a></li>' for q in related)
    body = f"""<div class="article">
<h1 class="title">{esc(p.title)}</h1>
<div class="property"><span>发布时间：{p.published:%Y-%m-%d %H:%M}</span>　<span>来源：{esc(source)}</span>　<span>【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</span></div>
<div class="zoom" id="zoom">
<div class="TRS_Editor"><style type="text/css">
.TRS_Editor P{{margin-top:0px;margin-bottom:12px;line-height:2;font-family:宋体;font-size:12pt;}}.TRS_Editor DIV{{line-height:2;font-family:宋体;font-size:12pt;}}
</style>
{gov_body(lines)}
</div>
</div>
{pager}
<div class="share">分享到：<a href="javascript:void(0)" class="wx">微信</a> <a href="javascript:void(0)" class="wb">微博</a> <a href="javascript:void(0)" class="qz">QQ空间</a></div>
<div class="tools"><a href="javascript:window.print()">打印本页</a>　<a href="javascript:window.close()">关闭窗口</a></div>
<div class="related"><h3>相关文章</h3><ul>
{rel}
</ul></div>
</div>"""
    position = ('<a href="/gov/index.html">首页</a> &gt; <a href="/gov/index.html#zwgk">政务公开</a> &gt; '
                '<a href="/gov/zfgzbg/index.html">政府工作报告</a>')
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
    body = f"""<div class="listbox">
<h2 class="column">政府工作报告</h2>
<ul class="list">
{lis}
</ul>
<!-- 分页：TRS 的 createPageHTML 在此生成，演示站直接输出链接 -->
<div class="page">{" ".join(pager)}</div>
</div>"""
    position = '<a href="/gov/index.html">首页</a> &gt; <a href="/gov/index.html#zwgk">政务公开</a> &gt; 政府工作报告'
    return gov_frame(f"政府工作报告_{GOV_NAME}", body, position)


# ---- news ------------------------------------------------------------------------------------
NEWS_CSS = """body{margin:0;font:16px/1.8 "PingFang SC","Microsoft YaHei",sans-serif;color:#222}
a{color:#0b4ea2;text-decoration:none}.wrap{width:980px;margin:0 auto}.topbar{background:#0b4ea2;color:#fff;font-size:12px}
.topbar a{color:#fff}.header .logo{font-size:30px;font-weight:bold;color:#0b4ea2}.slogan{margin-left:20px;color:#999}
.share-summary{display:none}.crumbs{font-size:13px;color:#666;margin:10px 0}.art-title{font-size:28px}
.subtitle{font-size:15px;color:#555;font-weight:normal}.art-info{color:#999;font-size:13px}
.article-content p{text-indent:2em}.art-editor{text-align:right;color:#666;font-size:13px}
.share-box a{margin-right:10px}.recommend li,.related li{line-height:32px}.footer{background:#f5f5f5;font-size:12px;color:#666;text-align:center;padding:20px}
"""


def news_frame(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="stylesheet" href="/news/css/news.css">
</head>
<body>
<div class="topbar"><div class="wrap"><a href="/news/index.html">{NEWS_NAME}</a> | <a href="/news/list/yaowen.html">要闻</a> | <a href="/news/index.html#sz">时政</a> | <a href="/news/index.html#sh">社会</a> | <a href="/news/index.html#jj">经济</a> | <a href="/news/index.html#app">客户端下载</a></div></div>
<div class="header"><div class="wrap"><a class="logo" href="/news/index.html">{NEWS_NAME}</a><span class="slogan">有思想 / 有温度 / 有品质</span></div></div>
{body}
<div class="footer"><div class="wrap">
<p>吉网新闻（演示）版权所有 未经授权禁止复制或建立镜像 {ICP}</p>
<p>违法和不良信息举报电话：0431-00000000（演示）　本站为开源项目的演示站点</p>
</div></div>
</body>
</html>
"""


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
    editor = p.extra.get("editor") or (random.Random(f"{SEED}:ed:{p.title}{p.published}").choice(SURNAMES) + "某某")
    source = p.extra.get("source") or (J[city].short + "日报（演示）" if city in J else "吉网新闻（演示）")
    art_id = p.extra.get("article_id") or (p.redirect_to or p.path).rsplit("/", 1)[1].split(".")[0]
    subtitle = ""
    if p.extra.get("subtitle"):
        subtitle = f'<h2 class="subtitle">{esc(lines[0])}</h2>\n'
        lines = lines[1:]
    rec = "\n".join(f'<li><a href="{q.path}">{esc(q.title)}</a></li>' for q in recommend)
    rel = "\n".join(f'<li><a href="{q.path}">{esc(q.title)}</a><span>{q.published:%m-%d}</span></li>' for q in related)
    body = f"""<div class="share-summary">{esc(p.title)} 要闻-{st} {esc(editor)} {art_id}</div>
<div class="wrap main">
<div class="share-summary-visible" style="display:none">{esc(p.title)} 要闻-{st} {esc(editor)} {art_id}</div>
<div class="crumbs">您当前的位置 :<a href="/news/index.html">首页</a>&nbsp;&gt;&nbsp;<a href="/news/index.html#{st}">{st}</a>&nbsp;&gt;&nbsp;<a href="/news/list/yaowen.html">要闻</a></div>
<h1 class="art-title">{esc(p.title)}</h1>
{subtitle}<div class="art-info">{p.published:%Y-%m-%d %H:%M} | 来源: {esc(source)}</div>
<div class="article-content" id="articleContent">
{news_body(lines)}
</div>
<div class="art-editor">编辑: {esc(editor)} 吉网新闻热线:0431-82902222</div>
<div class="share-box">分享到：<a href="javascript:void(0)">微信</a><a href="javascript:void(0)">微博</a><a href="javascript:void(0)">QQ空间</a></div>
<div class="recommend"><h3>推荐阅读</h3><ul>
{rec}
</ul></div>
<div class="related"><h3>相关新闻</h3><ul>
{rel}
</ul></div>
</div>"""
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
    body = f"""<div class="wrap main">
<div class="crumbs">您当前的位置 :<a href="/news/index.html">首页</a>&nbsp;&gt;&nbsp;要闻</div>
<ul class="news-list">
{lis}
</ul>
<div class="pages">{" ".join(nav)}</div>
</div>"""
    return news_frame(f"要闻_{NEWS_NAME}", body)


def summary(p: Page) -> str:
    for ln in p.lines:
        if len(ln) > 30 and not is_header_line(ln):
            return ln[:60] + "……"
    return p.title


# ---- agg -------------------------------------------------------------------------------------
AGG_CSS = """body{margin:0;font:14px/1.7 SimSun,sans-serif;background:#fafafa}.w{width:960px;margin:0 auto}
.top{background:#2d7a2d;color:#fff}.top a{color:#fff;margin-right:12px}.ad{background:#fff3c4;text-align:center;padding:6px}
.left{float:left;width:690px;background:#fff;padding:10px}.side{float:right;width:240px}.content p{text-indent:2em}
.prenext{border-top:1px solid #ddd;margin-top:10px}.disclaimer{color:#999;font-size:12px}.clear{clear:both}
.footer{text-align:center;color:#888;font-size:12px;padding:20px}
"""
AGG_CREDIT = "文章来源于:http://daxue.ljyz.com.cn 大学网"
AGG_DISCLAIMER = "网站内容来源于网络,其真实性与本站无关,请网友慎重判断"


def agg_frame(title: str, charset: str, main: str, hot: list[Page]) -> str:
    hots = "\n".join(f'<li><a href="{q.path}">{esc(q.title)}</a></li>' for q in hot)
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{esc(title)}</title>
<meta name="keywords" content="政府工作报告,工作报告范文,政府工作报告全文">
<link href="/agg/css/agg.css" rel="stylesheet" type="text/css">
</head>
<body>
<div class="top"><div class="w"><a href="/agg/index.html">{AGG_NAME}</a><a href="/agg/index.html#fw">范文大全</a><a href="/agg/baogao/index.html">政府工作报告</a><a href="/agg/index.html#zj">工作总结</a><a href="/agg/index.html#jh">工作计划</a><a href="/agg/index.html#xd">心得体会</a></div></div>
<div class="ad"><a href="javascript:void(0)">[广告] 公考冲刺班限时优惠，名师押题，点击领取资料包！</a></div>
<div class="w">
<div class="left">
{main}
</div>
<div class="side">
<div class="box"><h3>热门文章</h3><ul>
{hots}
</ul></div>
<div class="box ad-side"><h3>推广</h3><p><a href="javascript:void(0)">[广告] 在线教育 1 元试听</a></p><p><a href="javascript:void(0)">[广告] 办公文档模板免费下载</a></p></div>
</div>
<div class="clear"></div>
</div>
<div class="footer">Copyright &copy; {AGG_NAME} 免责声明：{AGG_DISCLAIMER}　本站为开源项目的演示站点</div>
</body>
</html>
"""


def agg_article(p: Page, older: Page | None, newer: Page | None, hot: list[Page], clicks: int) -> str:
    charset = "gbk" if p.encoding == "gbk" else "utf-8"
    paras = "\n".join(f"<p>{esc(ln)}</p>" for ln in p.lines)
    old_ = f'<a href="{older.path}">{esc(older.title)}</a>' if older else "没有了"
    new_ = f'<a href="{newer.path}">{esc(newer.title)}</a>' if newer else "没有了"
    main = f"""<div class="position">当前位置：<a href="/agg/index.html">大学网</a> &gt; <a href="/agg/baogao/index.html">政府工作报告</a> &gt; 正文</div>
<div class="article">
<h1>{esc(p.title)}</h1>
<div class="info">时间：{p.published:%Y-%m-%d} 来源：网络 编辑：admin 点击：<span>{clicks}</span></div>
<div class="content" id="content">
{paras}
<p>{AGG_CREDIT}</p>
</div>
<div class="disclaimer">{AGG_DISCLAIMER}</div>
<div class="prenext"><p>较旧一篇：{old_}</p><p>较新一篇：{new_}</p></div>
</div>"""
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
    main = f"""<div class="position">当前位置：<a href="/agg/index.html">大学网</a> &gt; 政府工作报告</div>
<ul class="list">
{lis}
</ul>
<div class="pages">{" ".join(nav)}</div>"""
    return agg_frame("政府工作报告_大学网", "utf-8", main, hot)


# ---- blog ------------------------------------------------------------------------------------
BLOG_CSS = """body{margin:0;font:15px/1.9 Georgia,"Songti SC",serif;color:#333;background:#fdfdf8}
.container{width:900px;margin:0 auto}header{border-bottom:1px solid #ddd;padding:20px 0}.site-title a{color:#333}
main{float:left;width:620px}aside{float:right;width:240px;font-size:13px}.post-meta{color:#999;font-size:13px}
.post-tags a{background:#eee;padding:2px 6px;margin-right:4px}footer{clear:both;text-align:center;color:#aaa;font-size:12px;padding:20px}
"""


def blog_frame(title: str, main: str, latest: list[Page], archive: list[tuple[str, int]]) -> str:
    lat = "\n".join(f'<li><a href="{q.path}">{esc(q.title)}</a></li>' for q in latest)
    arc = "\n".join(f'<li><a href="/blog/">{esc(m)}</a> ({n})</li>' for m, n in archive)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="UTF-8">
<title>{esc(title)}</title>
<meta name="generator" content="demo-blog 1.0">
<link rel="stylesheet" href="/blog/css/blog.css">
</head>
<body>
<div class="container">
<header><h1 class="site-title"><a href="/blog/">{BLOG_NAME}</a></h1><p class="desc">读书、摘抄与随手记</p>
<nav><a href="/blog/">首页</a> <a href="/blog/#about">关于</a> <a href="/blog/#guestbook">留言板</a></nav></header>
<main>
{main}
</main>
<aside>
<section><h3>搜索</h3><form action="/blog/" method="get"><input type="text" name="keyword"><input type="submit" value="搜索"></form></section>
<section><h3>最新文章</h3><ul>
{lat}
</ul></section>
<section><h3>归档</h3><ul>
{arc}
</ul></section>
<section><h3>标签</h3><p><a href="/blog/">政府工作报告</a> <a href="/blog/">摘抄</a> <a href="/blog/">吉林</a></p></section>
</aside>
<footer>&copy; {BLOG_NAME} · 本站为开源项目的演示站点 · Powered by demo-blog</footer>
</div>
</body>
</html>
"""


def blog_article(p: Page, reads: int, comments: int, prev_: Page | None, next_: Page | None,
                 latest: list[Page], archive: list[tuple[str, int]]) -> str:
    meta = p.extra.get("meta_line") or (
        f"{p.published:%Y年%m月%d日} 阅读：{reads}次  " + (f"{comments}条评论" if comments else "暂无评论"))
    paras = ["<p> </p>"] if p.extra.get("blank_first") else []
    paras += [f"<p>{esc(ln)}</p>" for ln in p.lines]
    city = p.report.city if p.report else "吉林"
    nav = []
    if prev_:
        nav.append(f'<span class="prev">上一篇：<a href="{prev_.path}">{esc(prev_.title)}</a></span>')
    if next_:
        nav.append(f'<span class="next">下一篇：<a href="{next_.path}">{esc(next_.title)}</a></span>')
    main = f"""<article class="post">
<h2 class="post-title">{esc(p.title)}</h2>
<div class="post-meta">{esc(meta)}</div>
<div class="post-content">
{chr(10).join(paras)}
</div>
<div class="post-tags">标签：<a rel="tag" href="/blog/">政府工作报告</a><a rel="tag" href="/blog/">{esc(city)}</a><a rel="tag" href="/blog/">{p.report.year if p.report else ""}</a></div>
<div class="post-nav">{" ".join(nav)}</div>
<section id="comments"><h3>发表评论</h3>
<form action="/blog/" method="post" class="comment-form">
<p><label>昵称 <input type="text" name="author"></label> <label>邮箱 <input type="email" name="email"></label> <label>网址 <input type="url" name="url"></label></p>
<p><textarea name="comment" rows="6" cols="60"></textarea></p>
<p><input type="submit" value="提交评论"></p>
</form></section>
</article>"""
    return blog_frame(f"{p.title} - {BLOG_NAME}", main, latest, archive)


def blog_listing(items: list[Page], paths: list[str], i: int, latest: list[Page],
                 archive: list[tuple[str, int]], reads: dict[str, int]) -> str:
    posts = "\n".join(
        f"""<article class="post-summary"><h2><a href="{p.path}">{esc(p.title)}</a></h2>
<div class="post-meta">{p.published:%Y年%m月%d日} 阅读：{reads[p.path]}次</div>
<p>{esc(summary(p))}</p><p><a href="{p.path}">阅读全文»</a></p></article>"""
        for p in items
    )
    nav = []
    if i > 0:
        nav.append(f'<a href="{paths[i - 1]}">« 上一页</a>')
    if i < len(paths) - 1:
        nav.append(f'<a href="{paths[i + 1]}">下一页 »</a>')
    main = posts + f'\n<div class="pagenavi">{" ".join(nav)}</div>'
    return blog_frame(BLOG_NAME, main, latest, archive)


# ---------------------------------------------------------------------------------------------
# Site assembly
# ---------------------------------------------------------------------------------------------
def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def encode(text: str, encoding: str | None) -> bytes:
    if encoding == "gbk":
        return text.encode("gbk")  # strict: a character outside GBK is a bug in the templates
    return text.encode("utf-8")


def home_pages() -> dict[str, str]:
    root = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>演示站点 · 政府工作报告归档</title></head>
<body>
<h1>政府工作报告归档 · 演示站点</h1>
<p>本地演示站点，四个模板模仿转载政府工作报告的四类真实网站。除三篇真实文本外，报告全文为程序生成的演示文本。</p>
<ul>
<li><a href="/gov/zfgzbg/index.html">{GOV_NAME}：政府工作报告栏目</a></li>
<li><a href="/news/list/yaowen.html">{NEWS_NAME}：要闻</a></li>
<li><a href="/agg/baogao/index.html">{AGG_NAME}：政府工作报告</a></li>
<li><a href="/blog/">{BLOG_NAME}</a></li>
</ul>
</body></html>
"""
    gov = gov_frame(GOV_NAME, """<div class="listbox"><h2>栏目导航</h2><ul class="list">
<li><a href="/gov/zfgzbg/index.html">政府工作报告</a></li>
</ul></div>""", '<a href="/gov/index.html">首页</a>')
    news = news_frame(NEWS_NAME, """<div class="wrap main"><ul>
<li><a href="/news/list/yaowen.html">要闻</a></li>
</ul></div>""")
    agg = agg_frame(AGG_NAME, "utf-8", """<ul class="list"><li><a href="/agg/baogao/index.html">政府工作报告</a></li></ul>""", [])
    return {"/index.html": root, "/gov/index.html": gov, "/news/index.html": news, "/agg/index.html": agg}


def build_site() -> tuple[dict[str, bytes], list[dict], dict]:
    pages = plan_site()
    files: dict[str, bytes] = {}
    routes: dict = {"site": {"last_modified": GENERATED}, "redirects": {}, "headers": {}, "status": {},
                    "last_modified": {}}
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
        related = [q for q in gov_live if q is not p and q.doc_type == "report"][k % 5:k % 5 + 3]
        if p.variant == "split-part":
            for n, path in enumerate(p.pages):
                lines = p.lines if n == 0 else p.extra["continuation_lines"]
                put(path, gov_article(p, lines, gov_pager(p.pages, n), related), "gbk", p.published)
        else:
            put(p.path, gov_article(p, p.lines, "", related), "gbk", p.published)
        if p.content_type:
            routes["headers"][p.path] = {"Content-Type": p.content_type}
    routes["status"]["/gov/zfgzbg/busy.html"] = 500          # not linked: a server error page
    routes["status"]["/blog/feed/empty.html"] = 200          # not linked: an empty 200 answer

    # ---- news
    news = by_site("news")
    news_live = [p for p in news if p.status == 200 or p.redirect_to]
    news_pages = chunks(news, 6)
    news_paths = list_pages("/news/list/", "/news/list/yaowen.html", len(news_pages), "yaowen_{i}.html")
    news_paths = [p.replace(f"yaowen_{i}.html", f"yaowen_{i + 1}.html") if i else p for i, p in enumerate(news_paths)]
    for i, items in enumerate(news_pages):
        put(news_paths[i], news_listing(items, news_paths, i))
    linkable = [p for p in news_live if p.variant != "redirect"]
    for k, p in enumerate(news_live):
        others = [q for q in linkable if q is not p]
        recommend = others[k % 4:k % 4 + 3]
        related = [q for q in others if q.report and p.report and q.report.year == p.report.year][:3] or others[-2:]
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
    agg_paths = [p.replace(f"list_{i}.html", f"list_{i + 1}.html") if i else p for i, p in enumerate(agg_paths)]
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
        put(p.path, blog_article(p, reads[p.path], comments[p.path], older, newer, latest, archive), "utf-8",
            p.published)

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

    out = ["# Written by tools/build_demo_site.py: special behaviour of the demo server (see archive/demo/server.py).",
           "", "[site]", f"last_modified = {s(routes['site']['last_modified'])}", "",
           "# old URLs and a redirect loop", "[redirects]"]
    for path, rule in routes["redirects"].items():
        out.append(f"{s(path)} = {{ to = {s(rule['to'])}, status = {rule['status']} }}")
    out += ["", "# exact headers: a GBK page announced as UTF-8 (a lie), a GBK page announced truthfully", "[headers]"]
    for path, hdrs in routes["headers"].items():
        inner = ", ".join(f"{s(k)} = {s(v)}" for k, v in hdrs.items())
        out.append(f"{s(path)} = {{ {inner} }}")
    out += ["", "# answers with another status (no file: a small error page, or an empty body for 200)", "[status]"]
    for path, status in routes["status"].items():
        out.append(f"{s(path)} = {status}")
    out += ["", "# Last-Modified of article pages: their publication time (not the file mtime)", "[last_modified]"]
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
        "Listing pages: " + "; ".join(f"{k}: " + ", ".join(f"`{v}`" for v in vs) for k, vs in listings.items()) + ".",
        "",
        "## Texts: real and SYNTHETIC",
        "",
        "Real text (body lines of the three seed captures in `tests/fixtures/seeds`): "
        + "; ".join(f"`{e['path']}` ({e['year']} {e['city']}, {e['variant']})" for e in real) + ".",
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
    (out / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "README.md").write_text(readme(manifest, info["listings"]), encoding="utf-8")
    return {"files": len(files), "manifest": manifest, "listings": info["listings"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: python tools/build_demo_site.py --out /tmp/demo-site")
    parser.add_argument("--out", default=str(SITE_DIR), help="folder to (re)write (default: %(default)s)")
    args = parser.parse_args(argv)
    result = write_site(Path(args.out))
    counts: dict[str, int] = {}
    for e in result["manifest"]:
        counts[e["site"]] = counts.get(e["site"], 0) + 1
    print(f"wrote {result['files']} files to {args.out}; manifest: {len(result['manifest'])} pages "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
