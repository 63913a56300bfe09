"""The map's geometry: an equirectangular projection of China, the size of a point, where the names
go without overlapping, the close-up's extent — numbers the map template draws as SVG."""

from __future__ import annotations

import math

CHINA = (73.0, 135.5, 15.5, 54.0)  # lon min, lon max, lat min, lat max: the mainland, Hainan, Sansha's seat


class Projection:
    """Equirectangular: degrees of longitude shortened by the cosine of the middle latitude."""

    def __init__(self, box, width: int = 800, pad: int = 24):
        self.lon0, self.lon1, self.lat0, self.lat1 = box
        self.k = math.cos(math.radians((self.lat0 + self.lat1) / 2))
        self.scale = (width - 2 * pad) / ((self.lon1 - self.lon0) * self.k)
        self.pad = pad
        self.width = width
        self.height = round((self.lat1 - self.lat0) * self.scale + 2 * pad)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            round(self.pad + (lon - self.lon0) * self.k * self.scale, 1),
            round(self.pad + (self.lat1 - lat) * self.scale, 1),
        )

    def grid(self, step: int) -> dict:
        lons = range(math.ceil(self.lon0 / step) * step, math.floor(self.lon1) + 1, step)
        lats = range(math.ceil(self.lat0 / step) * step, math.floor(self.lat1) + 1, step)
        return {
            "lons": [(lon, self(lon, self.lat0)[0]) for lon in lons],
            "lats": [(lat, self(self.lon0, lat)[1]) for lat in lats],
            "top": self.pad,
            "bottom": self.height - self.pad,
            "left": self.pad,
            "right": self.width - self.pad,
        }


def radius(n: int, most: int) -> float:
    """Area proportional to the number of reports; a jurisdiction without any still shows."""
    return round(3 + 15 * math.sqrt(n / most), 1) if most and n else 3.0


def view(box, places: list[dict], provinces: list, *, labels: bool) -> dict:
    """One map of ``box``: the ``places`` (with ``lon``, ``lat``, ``r``) projected, their names
    placed when ``labels``, and the names of the ``provinces`` (divisions) whose seats are inside
    where they overlap nothing."""
    proj = Projection(box)
    points = [{**p, "x": proj(p["lon"], p["lat"])[0], "y": proj(p["lon"], p["lat"])[1]} for p in places]
    taken = (
        place_labels(points, proj.width, proj.height)
        if labels
        else [(p["x"] - p["r"], p["y"] - p["r"], p["x"] + p["r"], p["y"] + p["r"]) for p in points]
    )
    seats = []
    for d in provinces:
        if box[0] <= d.longitude <= box[1] and box[2] <= d.latitude <= box[3]:
            x, y = proj(d.longitude, d.latitude)
            label = (x + 3, y - 14, x + 4 + len(d.short) * 11, y - 1)  # where its name goes
            free = not any(overlap(label, b) for b in taken)
            if free:
                taken.append(label)
            seats.append({"name": d.short, "x": x, "y": y, "labelled": free})
    return {
        "width": proj.width,
        "height": proj.height,
        "grid": proj.grid(10 if box == CHINA else step(box)),
        "points": points,
        "provinces": seats,
        "labels": labels,
    }


def place_labels(points: list[dict], width: int, height: int, size: int = 11) -> list[tuple]:
    """A name beside each point where it overlaps no other name nor point (right, left, above,
    below; the most reports first); a point whose name fits nowhere keeps only its tooltip.
    Returns the boxes taken: points and names."""
    boxes = [(p["x"] - p["r"], p["y"] - p["r"], p["x"] + p["r"], p["y"] + p["r"]) for p in points]
    placed: list[tuple] = []
    for i in sorted(range(len(points)), key=lambda i: (-points[i]["reports"], points[i]["code"])):
        p = points[i]
        w, h = len(p["name"]) * size + 2, size + 2
        x, y, r = p["x"], p["y"], p["r"]
        for lx, ly, anchor in (
            (x + r + 2, y + 4, "start"),
            (x - r - 2, y + 4, "end"),
            (x, y - r - 3, "middle"),
            (x, y + r + size, "middle"),
        ):
            left = lx - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
            box = (left, ly - size, left + w, ly - size + h)
            if box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height:
                continue
            if any(overlap(box, b) for b in placed) or any(
                overlap(box, b) for j, b in enumerate(boxes) if j != i
            ):
                continue
            placed.append(box)
            p["label"] = {"x": round(lx, 1), "y": round(ly, 1), "anchor": anchor}
            break
    return placed + boxes


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def extent(places: list[dict]) -> tuple[float, float, float, float]:
    lons = [p["lon"] for p in places]
    lats = [p["lat"] for p in places]
    pad_lon = max(0.6, (max(lons) - min(lons)) * 0.12)
    pad_lat = max(0.5, (max(lats) - min(lats)) * 0.12)
    return (min(lons) - pad_lon, max(lons) + pad_lon, min(lats) - pad_lat, max(lats) + pad_lat)


def step(box) -> int:
    span = max(box[1] - box[0], box[3] - box[2])
    return next(s for s in (1, 2, 5, 10) if span / s <= 12)
