"""The charts' geometry: bars per year and per province, axis ticks, the shades of the coverage
grids — numbers the charts template draws as SVG."""

from __future__ import annotations

import math
from collections.abc import Callable

MAX_YEARS = 40
MAX_GRID_ROWS = 300


def shade(n: int, most: int) -> str:
    """A blue from light to dark for 1…most reports."""
    if not n or not most:
        return ""
    t = math.sqrt(n / most)
    light, dark = (222, 235, 247), (8, 69, 148)
    return "rgb({}, {}, {})".format(*(round(a + (b - a) * t) for a, b in zip(light, dark, strict=True)))


def ticks(most: int, top: int, height: int) -> list[dict]:
    if not most:
        return []
    step = next(
        s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 10**9) if most / s <= 5
    )
    return [{"n": n, "y": round(top + height - n * height / most, 1)} for n in range(0, most + 1, step)]


def year_chart(year_rows: list[dict], link: Callable[[dict], str], width: int = 800) -> dict:
    """Documents per year: vertical stacked bars (canonical reports, then the other documents);
    each row (``year``, ``documents``, ``reports``, ``others``) gets its bar and ``link(row)``."""
    most_year = max((r["documents"] for r in year_rows), default=0)
    chart_h, top, left = 220, 24, 36
    slot = (width - left - 10) / max(1, len(year_rows))
    bar_w = max(4, min(48, slot * 0.7))
    for i, r in enumerate(year_rows):
        scale = chart_h / most_year if most_year else 0
        r["x"] = round(left + i * slot + (slot - bar_w) / 2, 1)
        r["cx"] = round(r["x"] + bar_w / 2, 1)
        r["h_reports"] = round(r["reports"] * scale, 1)
        r["h_others"] = round(r["others"] * scale, 1)
        r["y_reports"] = round(top + chart_h - r["h_reports"], 1)
        r["y_others"] = round(r["y_reports"] - r["h_others"], 1)
        r["link"] = link(r)
    return {
        "width": width,
        "height": top + chart_h + 30,
        "bar_w": round(bar_w, 1),
        "base": top + chart_h,
        "left": left,
        "ticks": ticks(most_year, top, chart_h),
        "rows": year_rows,
        "label_every": max(1, math.ceil(len(year_rows) / 20)),
    }


def province_chart(by_province: list[dict], link: Callable[[dict], str], width: int = 800) -> dict:
    """Documents per province: horizontal stacked bars; each row gets its bar, name and ``link(row)``."""
    most_prov = max((r["documents"] for r in by_province), default=0)
    label_w, row_h, bar_max = 190, 26, width - 190 - 60
    for i, r in enumerate(by_province):
        scale = bar_max / most_prov if most_prov else 0
        r["name"] = r["province"] or "（无省份）national / unknown"
        r["y"] = 10 + i * row_h
        r["w_reports"] = round(r["reports"] * scale, 1)
        r["w_others"] = round(r["others"] * scale, 1)
        r["link"] = link(r)
    return {
        "width": width,
        "height": 20 + len(by_province) * row_h,
        "label_w": label_w,
        "row_h": row_h,
        "rows": by_province,
    }
