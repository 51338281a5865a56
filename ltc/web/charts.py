"""Server-rendered SVG (no tiles, no CDN): the district map and simple bar charts. Only
geometry here; templates draw the shapes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection of a bounding box onto a width × height canvas; fine at
    a district's or a city's scale, with longitude scaled by the cosine of the latitude."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float
    width: int
    height: int
    margin: int = 20

    @classmethod
    def fit(cls, points: Iterable[tuple[float, float]], width: int = 900, pad_km: float = 3.0) -> Projection:
        lats, lons = zip(*points, strict=True) if points else ((29.6,), (121.4,))
        pad_lat = pad_km / 111.32
        mid = math.radians((min(lats) + max(lats)) / 2)
        pad_lon = pad_km / (111.32 * math.cos(mid))
        min_lat, max_lat = min(lats) - pad_lat, max(lats) + pad_lat
        min_lon, max_lon = min(lons) - pad_lon, max(lons) + pad_lon
        aspect = (max_lat - min_lat) / ((max_lon - min_lon) * math.cos(mid))
        return cls(min_lat, max_lat, min_lon, max_lon, width, max(200, int(width * aspect)))

    @property
    def km_per_px(self) -> float:
        mid = math.radians((self.min_lat + self.max_lat) / 2)
        span_km = (self.max_lon - self.min_lon) * 111.32 * math.cos(mid)
        return span_km / (self.width - 2 * self.margin)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        inner_w, inner_h = self.width - 2 * self.margin, self.height - 2 * self.margin
        x = self.margin + (lon - self.min_lon) / (self.max_lon - self.min_lon) * inner_w
        y = self.margin + (self.max_lat - lat) / (self.max_lat - self.min_lat) * inner_h
        return round(x, 1), round(y, 1)

    def radius_px(self, km: float) -> float:
        return round(km / self.km_per_px, 1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


def bars(
    labels: Sequence[str], values: Sequence[int], *, width: int = 640, height: int = 220, margin: int = 30
) -> list[Bar]:
    if not values:
        return []
    top = max(max(values), 1)
    step = (width - 2 * margin) / len(values)
    out = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = (height - 2 * margin) * max(value, 0) / top
        out.append(Bar(label, value, margin + index * step + step * 0.15, height - margin - h, step * 0.7, h))
    return out
