"""Unit tests of the cleaning pipeline: decoding, extraction, named chrome rules, learned
boilerplate, normalisation, continuation pages. Real bytes, no mocks."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cleaning import (
    RawPage,
    clean_document,
    clean_page,
    find_continuations,
    learn_boilerplate,
    text_hash,
)
from pipelines.cleaning.decode import decode
from pipelines.cleaning.normalize import join_broken, masked_chars

HERE = Path(__file__).resolve().parent
HARD = HERE / "fixtures" / "hard"
REPO = HERE.parent
P1_URL = "http://www.jlcity.gov.cn/zw/gzbg/201801/t20180120_4321.html"
P2_URL = "http://www.jlcity.gov.cn/zw/gzbg/201801/t20180120_4321_1.html"

RESULT_KEYS = {
    "url",
    "title",
    "text",
    "publish_date",
    "source_name",
    "removed",
    "encoding",
    "masked_chars",
    "truncated",
    "mojibake",
    "pages",
}

PARAS = (
    "现在，我代表市政府向大会报告工作，请予审议，并请政协委员提出意见。",
    "2017年，全市经济社会保持了稳中有进、稳中向好的发展态势，地区生产总值预计实现2640亿元，可比增长5%。",
    "今年是全面贯彻落实党的十九大精神的开局之年，做好政府工作意义重大，我们要抓住机遇，奋力拼搏。",
)


def page_html(
    body_html: str, *, charset: str | None = "utf-8", title: str = "政府工作报告_某市人民政府"
) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}<title>{title}</title></head><body>{body_html}</body></html>"


def article(*extra_top: str, extra_bottom: tuple[str, ...] = ()) -> str:
    top = "".join(f"<p>{x}</p>" for x in extra_top)
    bottom = "".join(f"<p>{x}</p>" for x in extra_bottom)
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    nav = "<ul>" + "".join(f'<li><a href="/c{i}">栏目{i}</a></li>' for i in range(12)) + "</ul>"
    return nav + f'<div class="article">{top}{paras}{bottom}</div>' + nav


# — public API shape —


def test_result_has_exactly_the_documented_keys_plus_metadata():
    doc = clean_page(page_html(article()).encode(), "http://x.gov.cn/a.html")
    assert RESULT_KEYS <= set(doc)
    from pipelines.cleaning.metadata import extract_metadata

    extra = set(doc) - RESULT_KEYS
    assert extra <= set(extract_metadata(title=None, text="", url=None, publish_date=None))
    assert isinstance(doc["removed"], list) and doc["pages"] == 1
    json.dumps(doc, ensure_ascii=False)


def test_rawpage_and_clean_document_join_pages_in_order():
    p1 = RawPage((HARD / "trs_report_gbk_p1.html").read_bytes(), P1_URL)
    p2 = RawPage((HARD / "trs_report_gbk_p2.html").read_bytes(), P2_URL, "text/html; charset=gbk")
    doc = clean_document([p1, p2])
    assert doc["pages"] == 2 and doc["url"] == P1_URL
    assert doc["title"] == "2018年吉林市政府工作报告"
    assert doc["publish_date"] == "2018-01-20"
    assert doc["source_name"] == "吉林市人民政府办公厅"
    assert doc["encoding"] == "gb18030"
    text = doc["text"]
    assert text.index("各位代表：") < text.index("打好三大攻坚战") < text.index("崭新局面")
    for chrome in (
        "网站首页",
        "您当前的位置",
        "责任编辑",
        "分享到",
        "上一篇",
        "相关链接",
        "版权所有",
        "ICP备",
        "打印本页",
        "字体",
        "下一页",
        "不是正文",
    ):
        assert chrome not in text, chrome
    # body headings survive
    for heading in (
        "一、2017年工作回顾",
        "（一）突出抓产业升级，调结构步伐加快",
        "加快产业转型",
        "二、2018年工作安排",
    ):
        assert heading in text.splitlines(), heading
    # the <br>-broken paragraph is one line again; the table keeps its rows
    assert any(
        line.startswith("传统产业改造升级") and line.endswith("增长8.5%。") for line in text.splitlines()
    )
    assert "地区生产总值 2640亿元 5%" in text.splitlines()
    # page 2's repeated breadcrumb/title/info line are chrome with rule names
    rules = {r["rule"] for r in doc["removed"]}
    assert {"breadcrumb", "title"} <= rules


def test_text_hash_ignores_whitespace_and_width():
    assert text_hash("政府 工作\n报告，ＡＢ") == text_hash("政府工作报告,AB")
    assert len(text_hash("x")) == 64


# — decoding —


def test_gbk_declared_gb2312_decodes_as_gb18030():
    body = page_html(article(), charset="gb2312").encode("gbk")
    doc = clean_page(body, "http://x.gov.cn/a.html")
    assert doc["encoding"] == "gb18030" and not doc["mojibake"]
    assert PARAS[0] in doc["text"]


def test_lying_http_header_loses_to_bytes_that_decode_cleanly():
    body = page_html(article(), charset="gbk").encode("gbk")
    doc = clean_page(body, "http://x.gov.cn/a.html", "text/html; charset=utf-8")
    assert doc["encoding"] == "gb18030" and PARAS[1] in doc["text"] and not doc["mojibake"]
    # and the other way round: utf-8 bytes declared gb2312
    body = page_html(article(), charset="gb2312").encode("utf-8")
    doc = clean_page(body, "http://x.gov.cn/a.html", "text/html; charset=GB2312")
    assert doc["encoding"] == "utf-8" and PARAS[1] in doc["text"]


def test_latin1_declaration_on_chinese_page():
    body = page_html(article(), charset="iso-8859-1").encode("gbk")
    doc = clean_page(body, "http://x.gov.cn/a.html", "text/html; charset=ISO-8859-1")
    assert doc["encoding"] == "gb18030" and PARAS[2] in doc["text"]


def test_bom_wins():
    body = "\ufeff".encode() + page_html(article(), charset="gbk").encode("utf-8")
    text, codec, bad = decode(body, "text/html; charset=gbk")
    assert codec == "utf-8" and not bad and PARAS[0] in text


def test_gb18030_ideographic_space_0xA3A0():
    text, codec, bad = decode(
        "　　各位代表：".encode("gbk").replace(b"\xa1\xa1", b"\xa3\xa0", 1) + "现在".encode("gbk")
    )
    assert codec == "gb18030" and text.startswith("\u3000") and not bad


def test_undecodable_bytes_are_flagged_not_hidden():
    body = page_html(article(), charset="gbk").encode("gbk") + bytes([0x81, 0x30, 0xFF, 0xFE]) * 400
    text, codec, bad = decode(body)
    # every 0xFF stays as U+FFFD; only a lead byte cut off by ASCII (0x81 before "0") goes,
    # and 0xFE 0x81 across two groups reads as 䜩
    assert codec == "gb18030" and bad is True
    assert text.endswith("</html>0\ufffd" + "䜩0\ufffd" * 399) and text.count("\ufffd") == 400
    doc = clean_page(body, "http://x.gov.cn/a.html")
    # the junk is past </html>: the article is whole, and the document says its bytes were bad
    assert doc["encoding"] == "gb18030" and doc["mojibake"] is True
    assert doc["text"].splitlines() == list(PARAS)


def test_undecodable_byte_inside_a_paragraph_stays_visible():
    para = PARAS[1].encode("gbk")
    cut = len(PARAS[1][:10].encode("gbk"))
    body = page_html(article(), charset="gbk").encode("gbk").replace(para, para[:cut] + b"\xff" + para[cut:])
    doc = clean_page(body, "http://x.gov.cn/a.html")
    assert doc["encoding"] == "gb18030" and doc["mojibake"] is True
    assert doc["text"].splitlines() == [PARAS[0], PARAS[1][:10] + "\ufffd" + PARAS[1][10:], PARAS[2]]


HEAD_LINES = ("——2024年1月12日在某市第十届人民代表大会第三次会议上", "市长　陈某某", "各位代表：")


def with_junk(html: str, per_paragraph: int, seed: int = 2) -> bytes:
    """UTF-8 bytes of the page with junk (NUL, ESC, bytes invalid in UTF-8) after every </p>."""
    rnd = random.Random(seed)
    junk = [0, 1, 0x1B, 0x7F, 0x80, 0xC3, 0xFE, 0xFF, 0xED, 0xA0]
    return re.sub(
        rb"</p>",
        lambda m: m.group(0) + bytes(rnd.choice(junk) for _ in range(per_paragraph)),
        html.encode("utf-8"),
    )


@pytest.mark.parametrize("per_paragraph", [4, 12])
def test_junk_bytes_between_paragraphs_lose_no_line_and_leave_no_junk(per_paragraph):
    html = page_html(article(*HEAD_LINES, extra_bottom=PARAS * 4), charset="utf-8")
    body = with_junk(html, per_paragraph)
    doc = clean_page(body, "http://x.gov.cn/a.html", "text/html; charset=utf-8")
    # heavy junk (several % of the bytes) is still read as the declared UTF-8, not as GB18030
    assert doc["encoding"] == "utf-8" and doc["mojibake"] is True
    lines = doc["text"].splitlines()
    assert lines[:3] == ["——2024年1月12日在某市第十届人民代表大会第三次会议上", "市长 陈某某", "各位代表："]
    assert all(p in lines for p in PARAS)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]", doc["text"])
    assert all(re.search(r"\w", line) for line in lines)


def test_heavy_junk_declared_utf8_not_decoded_as_gb18030():
    html = page_html(article(*HEAD_LINES, extra_bottom=PARAS * 4), charset="utf-8")
    body = with_junk(html, 12)
    as_utf8, as_gb = body.decode("utf-8", "zfgz-stray"), body.decode("gb18030", "zfgz-stray")
    # the case: GB18030 gives fewer U+FFFD than the declared UTF-8, which still has under 5 %
    assert as_gb.count("\ufffd") < as_utf8.count("\ufffd") < 0.05 * len(as_utf8)
    text, codec, bad = decode(body, "text/html; charset=utf-8")
    assert codec == "utf-8" and bad and PARAS[1] in text
    # GBK bytes with the same junk, labelled UTF-8: the declaration does not read as Chinese
    gbk = re.sub(rb"</p>", b"</p>\xff\x01\xfe", html.replace("utf-8", "gbk").encode("gbk"))
    text, codec, bad = decode(gbk, "text/html; charset=utf-8")
    assert codec == "gb18030" and PARAS[1] in text


@pytest.mark.parametrize("closed", [True, False])
def test_header_nav_left_unclosed_keeps_the_article(closed):
    end = "</nav></header>" if closed else ""
    nav = f'<header><h1>某市人民政府</h1><nav><a href="/">首页</a> <a href="/zw">政务公开</a> <a href="/hd">互动交流</a>{end}'
    doc = clean_page(page_html(nav + article(*HEAD_LINES)).encode(), "http://x.gov.cn/a.html")
    assert all(p in doc["text"] for p in PARAS) and "各位代表：" in doc["text"]
    assert "政务公开" not in doc["text"]


def test_empty_body():
    doc = clean_page(b"", "http://x.gov.cn/a.html")
    assert doc["text"] == "" and doc["title"] is None and doc["removed"] == [] and not doc["mojibake"]


def test_pdf_served_as_html_gives_empty_text_not_a_crash():
    doc = clean_page(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20,
        "http://x.gov.cn/a.html",
        "text/html; charset=utf-8",
    )
    assert doc["text"] == "" and doc["mojibake"] is False
    assert find_continuations(b"%PDF-1.4 ...", "http://x.gov.cn/a.html") == []


def test_garbage_markup_does_not_crash():
    for body in (
        b"<",
        b"<html><body></body></html>",
        b"\x00\x01\x02" * 100,
        b"<?xml version='1.0' encoding='gbk'?><a/>",
    ):
        doc = clean_page(body, "http://x.gov.cn/a.html")
        assert isinstance(doc["text"], str)


# — text captures (.txt) —


def test_text_capture_rules_and_title():
    raw = (
        "2018年吉林市政府工作报告\n2018年01月31日 阅读：76次  暂无评论 \n\n"
        "――2018年1月17日在吉林市第十六届人民代表大会第三次会议上政府工作报告\n\n市长刘非\n\n各位代表：\n\n"
        + "\n\n".join(PARAS)
        + "\n编辑: 姜春起 吉网新闻热线:0431-82902222\n"
    )
    doc = clean_page(raw.encode(), "file:///tmp/x.txt")
    assert doc["title"] == "2018年吉林市政府工作报告"
    assert doc["publish_date"] == "2018-01-31"
    assert "阅读" not in doc["text"] and "编辑" not in doc["text"]
    assert "市长刘非" in doc["text"] and PARAS[2] in doc["text"]
    assert {r["rule"] for r in doc["removed"]} >= {"meta_line", "editor"}


# — chrome rules —


@pytest.mark.parametrize(
    "heading",
    [
        "加快产业转型",
        "（二）突出抓产业升级，调结构步伐加快",
        "二、2018年工作安排",
        "各位代表：",
        "2018年1月5日",
        "关闭落后产能",
        "打印业务",
    ],
)
def test_rules_keep_body_headings(heading):
    html = page_html(
        article(extra_bottom=(heading, "我们要继续努力，推动经济社会持续健康发展，确保完成全年目标任务。"))
    )
    doc = clean_page(html.encode(), "http://x.gov.cn/a.html")
    assert heading in doc["text"].splitlines(), doc["removed"]


@pytest.mark.parametrize(
    "line,rule",
    [
        ("责任编辑：王丽", "editor"),
        ("【责任编辑：张三】", "editor"),
        ("来源：通化日报", "source_credit"),
        ("文章来源于:http://daxue.ljyz.com.cn 大学网", "source_credit"),
        ("2018-01-11 09:20 | 来源: 通化日报", "meta_line"),
        ("2018年01月31日 阅读：76次  暂无评论", "meta_line"),
        ("上一篇：吉林市召开全市经济工作会议", "prev_next"),
        ("较旧一篇：关于做好春节期间安全工作的通知", "prev_next"),
        ("分享到：", "share"),
        ("扫一扫在手机打开当前页", "share"),
        ("【字体：大 中 小】 打印本页 关闭窗口", "widget"),
        ("版权所有：吉林市人民政府 吉ICP备05000000号", "copyright"),
        ("网站内容来源于网络,其真实性与本站无关,请网友慎重判断", "disclaimer"),
    ],
)
def test_named_rules_remove_chrome_at_the_edges(line, rule):
    html = page_html(article(extra_bottom=(line,)))
    doc = clean_page(html.encode(), "http://x.gov.cn/a.html")
    assert line.split("：")[0] not in doc["text"].splitlines()
    assert {"line": doc["removed"][-1]["line"], "rule": rule} in doc["removed"] or any(
        r["rule"] == rule for r in doc["removed"]
    ), doc["removed"]


def test_breadcrumb_cuts_the_site_header_and_date_source_are_extracted():
    raw = (
        "政府工作报告 要闻-通化站 姜春起 2577763\n有思想 / 有温度 / 有品质\n"
        "您当前的位置 :首页\xa0>\xa0通化站\xa0>\xa0要闻\n\n政府工作报告\n\n"
        "2018-01-11 09:20 | 来源: 通化日报\n\n" + "\n\n".join(PARAS)
    )
    doc = clean_page(raw.encode(), "file:///x/seed.txt")
    assert doc["text"].splitlines()[0] == PARAS[0]
    assert doc["publish_date"] == "2018-01-11" and doc["source_name"] == "通化日报"
    rules = [r["rule"] for r in doc["removed"]]
    assert rules[:3] == ["header", "header", "breadcrumb"]


def test_related_block_cut_at_the_end():
    html = page_html(article(extra_bottom=("相关链接", "2017年某市政府工作报告", "2016年某市政府工作报告")))
    doc = clean_page(html.encode(), "http://x.gov.cn/a.html")
    assert "相关链接" not in doc["text"] and "2016年某市政府工作报告" not in doc["text"]
    assert any(r["rule"] == "related" for r in doc["removed"])


def test_selectors_override_the_extractor():
    html = page_html(
        '<div class="a"><p>栏目说明，不是正文，但是很长很长的一段话，有标点，有内容。</p></div>'
        '<div class="b"><h2>标题甲</h2><p>短正文。</p></div>'
    )
    doc = clean_page(html.encode(), "http://x.gov.cn/a.html", selectors={"content": "div.b", "title": "h2"})
    assert doc["title"] == "标题甲" and doc["text"] == "短正文。"


# — learned boilerplate —


def test_learn_boilerplate_lines_and_glued_strings_but_not_report_text():
    shared_sentence = "各位代表，过去的一年，我们在市委的坚强领导下，克难攻坚，取得了来之不易的成绩。"
    docs = []
    for i in range(6):
        docs.append(
            [
                f"第{i}号文件的标题 - 吉林市人民政府",
                "吉林市人民政府门户网站",
                shared_sentence,
                f"正文第{i}段，内容各不相同。",
                "返回顶部",
            ]
        )
    learned = learn_boilerplate(docs)
    texts = {(d["text"], d["kind"]) for d in learned}
    assert ("吉林市人民政府门户网站", "line") in texts
    assert ("返回顶部", "line") in texts
    assert any(k == "glued" and "吉林市人民政府" in t for t, k in texts)
    assert not any(shared_sentence in t for t, _ in texts)
    assert all(d["count"] >= 3 for d in learned)
    assert learn_boilerplate(docs[:2]) == []

    raw = "\n".join(["第9号文件的标题 - 吉林市人民政府", "吉林市人民政府门户网站", *PARAS])
    doc = clean_page(raw.encode(), "file:///x/a.txt", learned=learned)
    assert "吉林市人民政府门户网站" not in doc["text"]
    assert doc["title"] == "第9号文件的标题"
    assert [r for r in doc["removed"] if r["rule"] == "learned"]


# — normalisation and flags —


def test_join_broken_paragraph_but_not_headings():
    lines = [
        "挖历史文化名城内涵，推进文化与旅游融合发展，打造一批独具地域特色的文化旅游产品，",
        "全年接待游客同比增长15%。",
        "（一）突出抓经济运行，稳增长收到实效",
        "稳投资。以春季“三早”等活动为载体，大力实施“双十”项目工程。",
    ]
    out = join_broken(lines)
    assert out[0].endswith("产品，全年接待游客同比增长15%。")
    assert out[1] == lines[2] and out[2] == lines[3]


def test_whitespace_tidied_text_otherwise_faithful():
    raw = "　　各位代表：\n\xa0\xa0现在，我代表市政府\u200b向大会报告工作，请予审议。(一)ＡＢＣ\n"
    doc = clean_page(raw.encode(), "file:///x/a.txt")
    assert doc["text"] == "各位代表：\n现在，我代表市政府向大会报告工作，请予审议。(一)ＡＢＣ"


def test_masked_and_truncated_flags():
    assert masked_chars("坚持以**为核心，反对*独，* 列表项") == 3
    raw = "\n".join(
        [PARAS[0], PARAS[1], "推进人才引进培养攻坚，落实“学子归巢”计划,引进高层次人才、紧缺型人才3000名以"]
    )
    doc = clean_page(raw.encode(), "file:///x/a.txt")
    assert doc["truncated"] is True
    doc = clean_page("\n".join(PARAS).encode(), "file:///x/a.txt")
    assert doc["truncated"] is False and doc["masked_chars"] == 0


# — continuation pages —


def test_find_continuations_article_pager():
    body = (HARD / "trs_report_gbk_p1.html").read_bytes()
    assert find_continuations(body, P1_URL) == [P2_URL, P1_URL.replace(".html", "_2.html")]
    body2 = (HARD / "trs_report_gbk_p2.html").read_bytes()
    assert find_continuations(body2, P2_URL) == [P1_URL.replace(".html", "_2.html")]


def test_find_continuations_ignores_list_pagination_and_prev_next_articles():
    body = (HARD / "list_page_utf8.html").read_bytes()
    assert find_continuations(body, "http://www.jlcity.gov.cn/zw/gzbg/index.html") == []
    html = page_html(
        article(extra_bottom=("上一篇", "下一篇"))
        + '<a href="t20180119_1.html">上一篇：甲</a><a href="t20180121_2.html">下一篇：乙</a>'
        '<a href="t20180120_9.html">较旧一篇</a>'
    )
    assert find_continuations(html.encode(), "http://x.gov.cn/t20180120_8.html") == []


def test_find_continuations_query_pager_and_trs_script():
    html = page_html(
        article() + '<a href="show.asp?id=5&page=2">2</a> <a href="show.asp?id=5&page=3">3</a>'
        '<a href="show.asp?id=6">下一页</a>'
    )
    assert find_continuations(html.encode(), "http://x.gov.cn/show.asp?id=5") == [
        "http://x.gov.cn/show.asp?id=5&page=2",
        "http://x.gov.cn/show.asp?id=5&page=3",
    ]
    html = page_html(article() + '<script>createPageHTML(3, 0, "t20180120_77", "html");</script>')
    assert find_continuations(html.encode(), "http://x.gov.cn/a/t20180120_77.html") == [
        "http://x.gov.cn/a/t20180120_77_1.html",
        "http://x.gov.cn/a/t20180120_77_2.html",
    ]


# — CLI —


def test_cli_json_and_text_views():
    f = HARD / "trs_report_gbk_p1.html"
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.cleaning", str(f), "--url", P1_URL, "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["url"] == P1_URL and "各位代表" in doc["text"] and "吉林" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.cleaning", str(f)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "title: 2018年吉林市政府工作报告" in out.stdout


def test_entities_a_twice_escaped_page_left_as_text_are_decoded():
    from pipelines.cleaning.normalize import tidy_line

    assert (
        tidy_line("&nbsp;&nbsp;&ldquo;十四五&rdquo;时期&#12289;规划&#x3001;R&D投入&amp;增长")
        == "“十四五”时期、规划、R&D投入&增长"
    )
    assert tidy_line("A&B; 不是实体 &unknown; &#xZZ;") == "A&B; 不是实体 &unknown; &#xZZ;"


@pytest.mark.parametrize(
    "note",
    [
        "【编者按】2018年1月，吉林市第十六届人民代表大会第三次会议隆重开幕。现将报告全文刊发，供读者学习参考。",
        "核心提示：报告提出，今年全市地区生产总值预期增长7%左右。",
        "导读：一起来看报告全文。",
    ],
)
def test_a_sites_lead_in_above_the_report_is_chrome(note):
    doc = clean_page(page_html(article(note)).encode(), "http://news.example.com/a.html")
    assert note not in doc["text"] and doc["text"].splitlines()[0] == PARAS[0]
    assert {"line": note, "rule": "editor_note"} in doc["removed"]


def test_a_summary_line_in_the_report_body_stays():
    line = "摘要：全年完成固定资产投资增长8%，重点项目建设有力推进。"
    doc = clean_page(
        page_html(article(extra_bottom=(line, PARAS[0][::-1]))).encode(), "http://x.gov.cn/a.html"
    )
    assert line in doc["text"].splitlines()
