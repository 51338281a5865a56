"""Server-rendered SVG (no tiles, no CDN): the district map and simple bar charts. Only
geometry here; templates draw the shapes."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection of a bounding box onto a width × height canvas; fine at
    a district's or a city's scale, with longitude scaled by the cosine of the latitude.
    One kilometre is the same number of pixels across and down, so circles stay round."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float
    width: int
    height: int
    margin: int = 20

    @classmethod
    def fit(
        cls,
        points: Iterable[tuple[float, float]],
        width: int = 900,
        pad_km: float = 3.0,
        *,
        circles: Iterable[tuple[float, float, float]] = (),
        min_height: int = 200,
    ) -> Projection:
        """The smallest box holding every point and every whole circle (lat, lon, radius in
        km), with pad_km around; a box flatter than min_height grows north and south."""
        extents = [(lat, lon, 0.0) for lat, lon in points] + list(circles)
        if not extents:
            extents = [(29.6, 121.4, 0.0)]
        mid = math.radians((min(e[0] for e in extents) + max(e[0] for e in extents)) / 2)
        km_per_lon = KM_PER_DEGREE * math.cos(mid)
        min_lat = min(lat - (r + pad_km) / KM_PER_DEGREE for lat, _, r in extents)
        max_lat = max(lat + (r + pad_km) / KM_PER_DEGREE for lat, _, r in extents)
        min_lon = min(lon - (r + pad_km) / km_per_lon for _, lon, r in extents)
        max_lon = max(lon + (r + pad_km) / km_per_lon for _, lon, r in extents)
        margin = cls.margin
        inner_w = width - 2 * margin
        px_per_km = inner_w / ((max_lon - min_lon) * km_per_lon)
        inner_h = (max_lat - min_lat) * KM_PER_DEGREE * px_per_km
        if inner_h + 2 * margin < min_height:
            grow = (min_height - 2 * margin - inner_h) / px_per_km / KM_PER_DEGREE / 2
            min_lat, max_lat = min_lat - grow, max_lat + grow
            inner_h = min_height - 2 * margin
        return cls(min_lat, max_lat, min_lon, max_lon, width, math.ceil(inner_h + 2 * margin))

    @property
    def km_per_px(self) -> float:
        mid = math.radians((self.min_lat + self.max_lat) / 2)
        span_km = (self.max_lon - self.min_lon) * KM_PER_DEGREE * math.cos(mid)
        return span_km / (self.width - 2 * self.margin)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        inner_w, inner_h = self.width - 2 * self.margin, self.height - 2 * self.margin
        x = self.margin + (lon - self.min_lon) / (self.max_lon - self.min_lon) * inner_w
        y = self.margin + (self.max_lat - lat) / (self.max_lat - self.min_lat) * inner_h
        return round(x, 1), round(y, 1)

    def radius_px(self, km: float) -> float:
        return round(km / self.km_per_px, 1)


# ---------------------------------------------------------------- labels that do not collide


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle; boxes that only touch do not overlap."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def overlaps(self, other: Box) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom

    def within(self, width: float, height: float) -> bool:
        return self.x >= 0 and self.y >= 0 and self.right <= width and self.bottom <= height

    def clamped(self, width: float, height: float) -> Box:
        """The box moved the least to lie inside a canvas (its top left corner when larger)."""
        return Box(
            max(0.0, min(self.x, width - self.width)),
            max(0.0, min(self.y, height - self.height)),
            self.width,
            self.height,
        )


# Advance widths in em, rounded up from common sans-serif fonts (DejaVu Sans is among the
# widest), so a label's estimated box holds the text a browser draws.
_NARROW = set("iljtfrI!.,:;'|()[] ")
_WIDE = set("mwMW@%")


def text_width(text: str, font_size: float) -> float:
    """An upper estimate of the width of text in a sans-serif font of font_size."""
    em = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            em += 1.0
        elif char in _NARROW:
            em += 0.4
        elif char in _WIDE:
            em += 1.05
        elif char.isupper():
            em += 0.8
        else:
            em += 0.66
    return em * font_size


# A line of text from its top to its bottom, in em, and where its baseline lies in it:
# generous enough for CJK fonts, whose ascent and descent reach 1.16 and 0.29 em.
LINE_EM = 1.6
BASELINE_EM = 1.22


@dataclass(frozen=True)
class LabelRequest:
    """Something to name: its anchor point, the half-size of the marker drawn there (0 for
    a bare place name, which is centred on its point), and its text."""

    key: str
    text: str
    x: float
    y: float
    marker: float = 0.0


@dataclass(frozen=True)
class PlacedLabel:
    key: str
    text: str
    x: float  # where the text is drawn (SVG x, y with text-anchor)
    y: float
    anchor: str  # "start" | "middle" | "end"
    font_size: float
    box: Box


# Where a label may sit around its marker, in order of preference: (dx, dy) in units of
# (label width + gap) and (line height / 2 + gap); 0 is centred on that axis.
_AROUND = ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (1, 1), (-1, -1), (-1, 1))
_CENTRED = ((0, 0), (0, -1), (0, 1), (1, 0), (-1, 0))


def place_labels(
    requests: Sequence[LabelRequest],
    *,
    width: float,
    height: float,
    font_size: float = 13.0,
    gap: float = 3.0,
    obstacles: Sequence[Box] = (),
) -> list[PlacedLabel]:
    """Place each label, in the order given (first = most wanted), at the first position
    around its anchor where its box lies inside the canvas and overlaps neither a label
    already placed nor an obstacle (the markers). A label with no free position is left
    out, so no two placed boxes ever overlap."""
    taken = _BoxIndex(cell=max(font_size * 8, 1.0))
    for obstacle in obstacles:
        taken.add(obstacle)
    placed: list[PlacedLabel] = []
    line = LINE_EM * font_size
    for request in requests:
        label_w = text_width(request.text, font_size) + 2
        around = _CENTRED if request.marker == 0 else _AROUND
        boxes = [(dx, dy, _candidate(request, dx, dy, label_w, line, gap)) for dx, dy in around]
        # At the canvas's edge, a place slid back inside comes after every place around.
        boxes += [(dx, dy, box.clamped(width, height)) for dx, dy, box in boxes if not box.within(width, height)]
        for dx, _, box in boxes:
            if box.within(width, height) and not taken.hits(box):
                taken.add(box)
                anchor = "middle" if dx == 0 else ("start" if dx > 0 else "end")
                text_x = box.x + label_w / 2 if dx == 0 else (box.x + 1 if dx > 0 else box.right - 1)
                text_y = box.y + BASELINE_EM * font_size
                placed.append(
                    PlacedLabel(request.key, request.text, round(text_x, 2), round(text_y, 2), anchor, font_size, box)
                )
                break
    return placed


def _candidate(request: LabelRequest, dx: int, dy: int, label_w: float, line: float, gap: float) -> Box:
    """The box of a label put at (dx, dy) around its anchor: beside, above or below the
    marker (clear of it by gap), or for a bare place name, on it or a line away."""
    reach = request.marker + gap
    left = {1: request.x + reach, -1: request.x - reach - label_w, 0: request.x - label_w / 2}[dx]
    centre = request.y - line / 2
    if dy == 0:
        top = centre
    elif dx != 0:  # a corner: the box's edge level with the anchor
        top = request.y if dy > 0 else request.y - line
    elif request.marker:  # clear of the marker and of the labels beside it
        clear = max(reach, line / 2)
        top = request.y + clear if dy > 0 else request.y - clear - line
    else:  # a line below or above a centred name
        top = centre + dy * (line + gap)
    return Box(left, top, label_w, line)


class _BoxIndex:
    """Boxes bucketed by grid cell, so a collision test looks at neighbours only."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box) -> Iterator[tuple[int, int]]:
        for i in range(math.floor(box.x / self.cell), math.floor(box.right / self.cell) + 1):
            for j in range(math.floor(box.y / self.cell), math.floor(box.bottom / self.cell) + 1):
                yield i, j

    def add(self, box: Box) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)

    def hits(self, box: Box) -> bool:
        return any(box.overlaps(other) for key in self._keys(box) for other in self.cells.get(key, ()))


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
