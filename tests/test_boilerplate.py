"""Learned per-source boilerplate takes the site's furniture, never the skeleton reports share."""

from pipelines.cleaning import learn_boilerplate
from pipelines.cleaning.boilerplate import EDGE, apply_learned, edges


def report(n: int) -> list[str]:
    return [
        "首页 > 政务公开 > 政府工作报告",
        "各位代表：",
        f"现在，我代表第{n}市人民政府，向大会报告工作，请予审议。",
        "一、过去一年工作回顾",
        "回顾过去一年，我们着力做了以下工作：",
        *[f"第{n}段正文，具体内容{i}各不相同，数字{n * i}。" for i in range(12)],
        "三、加快建设人民满意的服务型政府",
        "加快产业转型",
        "打印本页 关闭窗口",
        "主办：示例市人民政府办公室",
    ]


def test_report_skeleton_is_never_learned_site_furniture_is():
    learned = {d["text"] for d in learn_boilerplate([edges(report(n)) for n in range(10)])}
    assert {"首页 > 政务公开 > 政府工作报告", "打印本页 关闭窗口", "主办：示例市人民政府办公室"} <= learned
    for heading in (
        "各位代表：",
        "一、过去一年工作回顾",
        "回顾过去一年，我们着力做了以下工作：",
        "三、加快建设人民满意的服务型政府",
    ):
        assert heading not in learned


def test_learned_lines_are_only_removed_at_the_edges():
    lines = report(1)
    middle = len(lines) // 2
    lines.insert(middle, "打印本页 关闭窗口")  # the same string in the middle of the text is body here
    kept, removed = apply_learned(lines, [{"text": "打印本页 关闭窗口", "kind": "line", "count": 9}])
    assert kept.count("打印本页 关闭窗口") == 1 and len(removed) == 1
    assert removed[0] == {"line": "打印本页 关闭窗口", "rule": "learned"}
    assert lines.index("打印本页 关闭窗口") >= EDGE


def test_glued_site_name_is_learned_and_cut():
    docs = [[f"{y}年示例市政府工作报告 - 示例市人民政府", "正文一。", "正文二。"] for y in range(2010, 2020)]
    learned = learn_boilerplate(docs)
    assert {"text": " - 示例市人民政府", "kind": "glued", "count": 10} in learned
    kept, removed = apply_learned(["2020年示例市政府工作报告 - 示例市人民政府", "正文。"], learned)
    assert kept == ["2020年示例市政府工作报告", "正文。"]
    assert removed == [{"line": "- 示例市人民政府", "rule": "learned"}]
