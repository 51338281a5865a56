"""Draw how each cost grows: growth JSON files (``ltc bench growth``) as one log-log SVG chart.

``ltc bench chart a.json b.json … --output docs/performance-growth.svg``: one line per file
(its benchmark's first headline figure, divided by its figure at the smallest size, so that
every line starts at 1 and its slope is the exponent), the exponent in the legend, the sizes
on the x axis as fractions of the full size. Self-contained: no script, no external font,
only the generic sans-serif family; the legend's widths come from ``ltc.web.charts``.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ltc.web.charts import LINE_EM, text_width

WIDTH, HEIGHT = 720, 400
PLOT = (70, 20, 430, 340)  # left, top, right, bottom of the plotting area
FONT = 12.0
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, help="JSON lines of `ltc bench growth`")
    parser.add_argument("--output", type=Path, default=Path("docs/performance-growth.svg"), help="the SVG written")
    parser.add_argument("--title", default="How each cost grows with the city (log-log)")


@dataclass(frozen=True)
class Series:
    """One benchmark's cost at each size, relative to its smallest, and the fit's exponent."""

    label: str
    points: tuple[tuple[float, float], ...]  # (size, relative cost)
    exponent: float | None


def series_of(growth: dict[str, Any]) -> Series:
    """The first headline figure of a growth run (its time) relative to the smallest size."""
    name = next(iter(growth["exponents"]))
    measured = sorted((run["size"], run["figures"][name]) for run in growth["runs"] if (run["figures"][name] or 0) > 0)
    base = measured[0][1] if measured else 1.0
    fit = growth["exponents"][name]
    return Series(
        label=f"{growth['bench']} ({name})",
        points=tuple((size, cost / base) for size, cost in measured),
        exponent=None if fit is None else fit["exponent"],
    )


def size_label(size: float) -> str:
    """A size as the fraction the README names (1/8, 1/64, 1), else its decimal."""
    fraction = Fraction(size).limit_denominator(1024)
    if abs(float(fraction) - size) < 1e-9 and fraction.numerator == 1:
        return "1" if fraction.denominator == 1 else f"1/{fraction.denominator}"
    return f"{size:g}"


def _decades(low: float, high: float) -> list[float]:
    return [10.0**e for e in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]


def svg(series: Sequence[Series], title: str) -> str:
    """The chart: log size across, log relative cost up, one path per series, a legend."""
    sizes = sorted({s for one in series for s, _ in one.points}) or [1.0]
    costs = [c for one in series for _, c in one.points] or [1.0]
    x_low, x_high = math.log(min(sizes)), math.log(max(sizes))
    ticks_y = _decades(min(costs), max(costs))
    y_low, y_high = math.log(ticks_y[0]), math.log(ticks_y[-1])
    left, top, right, bottom = PLOT

    def x_of(size: float) -> float:
        span = x_high - x_low or 1.0
        return round(left + (math.log(size) - x_low) / span * (right - left), 1)

    def y_of(cost: float) -> float:
        span = y_high - y_low or 1.0
        return round(bottom - (math.log(cost) - y_low) / span * (bottom - top), 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' font-family="sans-serif" font-size="{FONT:g}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="#999999"/>',
    ]
    for size in sizes:
        x = x_of(size)
        parts.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="#e5e5e5"/>')
        parts.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="middle">{escape(size_label(size))}</text>')
    for tick in ticks_y:
        y = y_of(tick)
        parts.append(f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#e5e5e5"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{tick:g}×</text>')
    parts.append(
        f'<text x="{(left + right) / 2}" y="{bottom + 36}" text-anchor="middle">'
        "size of the city (fraction of the full size)</text>"
    )
    parts.append(
        f'<text x="16" y="{(top + bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 {(top + bottom) / 2})">'
        "cost relative to the smallest size</text>"
    )
    line = LINE_EM * FONT
    legend_x = right + 16
    for i, one in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{'M' if j == 0 else 'L'}{x_of(s)},{y_of(c)}" for j, (s, c) in enumerate(one.points))
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{x_of(s)}" cy="{y_of(c)}" r="3" fill="{colour}"/>' for s, c in one.points]
        exponent = "no fit" if one.exponent is None else f"k = {one.exponent:.2f}"
        text = f"{one.label}: {exponent}"
        y = top + 10 + i * line
        room = WIDTH - legend_x - 24
        size = FONT if text_width(text, FONT) <= room else FONT * room / text_width(text, FONT)
        parts.append(
            f'<line x1="{legend_x}" y1="{y}" x2="{legend_x + 16}" y2="{y}" stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(f'<text x="{legend_x + 22}" y="{y + 4}" font-size="{size:.1f}">{escape(text)}</text>')
    parts.append(
        f'<text x="{legend_x}" y="{top + 20 + len(series) * line}" font-size="{FONT * 0.85:.1f}" fill="#555555">'
        "cost = a·size^k</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def read_growth(path: Path) -> dict[str, Any]:
    """The last JSON line of a file written from `ltc bench growth --json`."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip().startswith("{")]
    growth: dict[str, Any] = json.loads(lines[-1])
    return growth


def run(args: argparse.Namespace) -> dict[str, Any]:
    series = [series_of(read_growth(path)) for path in args.files]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(svg(series, args.title), encoding="utf-8")
    return {"svg": str(args.output), "series": [{"label": s.label, "exponent": s.exponent} for s in series]}
