"""The fund's bar charts: bars rise from a zero line and negative months hang below it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ltc.web.charts import bars


def test_negative_months_hang_below_the_zero_line() -> None:
    chart = bars(["2026-01", "2026-02", "2026-03"], [300, -100, 0])
    up, down, flat = chart.bars
    assert chart.zero_y == 30 + 160 * 300 / 400  # the line sits at 0 between the top and the bottom
    assert (up.y + up.height, up.negative) == (chart.zero_y, False)
    assert (down.y, down.negative, round(down.height, 6)) == (chart.zero_y, True, 40.0)
    assert flat.height == 0 and chart.has_negative


def test_an_all_negative_history_is_drawn_below_a_line_at_the_top() -> None:
    chart = bars(["a", "b"], [-9375, -100])
    assert chart.zero_y == 30 and all(b.y == 30 and b.height > 0 for b in chart.bars)
    assert not bars([], [])


@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), min_size=1, max_size=24))
def test_every_bar_stays_inside_the_canvas_on_its_side_of_zero(values: list[int]) -> None:
    chart = bars([str(i) for i in range(len(values))], values)
    for bar, value in zip(chart.bars, values, strict=True):
        assert chart.margin - 1e-6 <= bar.y and bar.y + bar.height <= chart.height - chart.margin + 1e-6
        if value < 0:
            assert bar.y == chart.zero_y
        else:
            assert abs(bar.y + bar.height - chart.zero_y) < 1e-6
