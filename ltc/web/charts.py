"""Server-rendered SVG (no tiles, no CDN): the district map and simple bar charts. Only
geometry here; templates draw the shapes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
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

    @property
    def negative(self) -> bool:
        return self.value < 0


@dataclass(frozen=True)
class BarChart:
    """Bars around a zero line: positive values rise from it, negative ones hang below it, so
    a month below zero cannot pass for an empty one. ``zero_y`` is the zero line's height."""

    bars: list[Bar]
    zero_y: float
    width: int
    height: int
    margin: int

    def __bool__(self) -> bool:
        return bool(self.bars)

    def __iter__(self) -> Iterator[Bar]:
        return iter(self.bars)

    @property
    def has_negative(self) -> bool:
        return any(b.negative for b in self.bars)


def bars(
    labels: Sequence[str], values: Sequence[int], *, width: int = 640, height: int = 220, margin: int = 30
) -> BarChart:
    if not values:
        return BarChart([], height - margin, width, height, margin)
    top, bottom = max(max(values), 0), min(min(values), 0)
    span = (top - bottom) or 1
    inner = height - 2 * margin
    zero_y = margin + inner * top / span
    step = (width - 2 * margin) / len(values)
    out = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = inner * abs(value) / span
        y = zero_y - h if value >= 0 else zero_y
        out.append(Bar(label, value, margin + index * step + step * 0.15, y, step * 0.7, h))
    return BarChart(out, zero_y, width, height, margin)
