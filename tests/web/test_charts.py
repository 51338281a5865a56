"""The charts without a browser. The fund's bars rise from a zero line and negative months
hang below it. The map's geometry: the projection holds whole circles and keeps a
kilometre the same across and down; labels never overlap each other, the markers or the
canvas edge, and give way in the order asked."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from ltc.web.charts import Box, LabelRequest, Projection, bars, place_labels, text_width


def circle_box(projection: Projection, lat: float, lon: float, km: float) -> Box:
    x, y = projection.xy(lat, lon)
    r = projection.radius_px(km)
    return Box(x - r, y - r, 2 * r, 2 * r)


def test_a_circle_at_the_edge_is_inside_the_canvas() -> None:
    # A provider at the eastern edge with a 12 km radius: fitting the centres alone cut it off.
    towns = [(29.60, 121.30), (29.70, 121.40)]
    provider = (29.65, 121.41, 12.0)
    projection = Projection.fit(towns, circles=[provider])
    box = circle_box(projection, *provider)
    assert box.within(projection.width, projection.height), box
    assert box.right <= projection.width - projection.margin + 0.2
    old = Projection.fit([*towns, provider[:2]])  # fitted to the centres, padded 3 km
    assert not circle_box(old, *provider).within(old.width, old.height)


@given(
    st.lists(
        st.tuples(st.floats(29.0, 30.0), st.floats(120.5, 122.0), st.floats(0.5, 25.0)),
        min_size=1,
        max_size=8,
    )
)
def test_every_circle_fits_and_a_kilometre_is_as_long_across_as_down(circles) -> None:
    projection = Projection.fit([], circles=circles)
    for lat, lon, km in circles:
        box = circle_box(projection, lat, lon, km)
        assert box.x >= -0.2 and box.y >= -0.2
        assert box.right <= projection.width + 0.2 and box.bottom <= projection.height + 0.2
    lat, lon, km = circles[0]
    x0, y0 = projection.xy(lat, lon)
    _, y1 = projection.xy(lat + km / 111.32, lon)
    assert math.isclose(abs(y1 - y0), projection.radius_px(km), rel_tol=0.02, abs_tol=0.3)
    x1, _ = projection.xy(lat, lon + km / (111.32 * math.cos(math.radians(lat))))
    assert math.isclose(abs(x1 - x0), projection.radius_px(km), rel_tol=0.03, abs_tol=0.3)


def test_a_flat_area_grows_north_and_south_not_out_of_proportion() -> None:
    projection = Projection.fit([(29.6, 121.0), (29.6, 121.8)], pad_km=1)
    assert projection.height == 200
    _, y0 = projection.xy(29.6, 121.0)
    _, y1 = projection.xy(29.6 + 10 / 111.32, 121.0)
    assert math.isclose(y0 - y1, projection.radius_px(10), rel_tol=0.02)


def test_chinese_text_is_wider_than_latin_and_grows_with_the_font() -> None:
    assert text_width("桥头镇", 13) == 3 * 13
    assert text_width("Qiaotou", 13) < text_width("桥头镇桥头镇桥", 13)
    assert text_width("Qiaotou", 26) == 2 * text_width("Qiaotou", 13)
    assert text_width("WWW", 10) > text_width("iii", 10)


def test_crowded_labels_move_aside_and_the_last_gives_way() -> None:
    requests = [LabelRequest(f"p{i}", "护理站", 100, 100, marker=6) for i in range(10)]
    placed = place_labels(requests, width=400, height=300)
    # Right, left, above and below one point; the corners overlap those, the rest give way.
    assert [label.key for label in placed] == ["p0", "p1", "p2", "p3"]
    assert placed[0].anchor == "start" and placed[0].x > 106  # the first wanted place: to the right
    assert placed[1].anchor == "end" and placed[1].x < 94  # then the left
    assert placed[2].box.bottom <= 94 and placed[3].box.y >= 106  # then above and below the marker
    assert_disjoint([label.box for label in placed])


def test_a_label_stays_inside_the_canvas() -> None:
    placed = place_labels([LabelRequest("edge", "西坞街道", 395, 150, marker=6)], width=400, height=300)
    assert placed[0].anchor == "end" and placed[0].box.within(400, 300)
    (corner,) = place_labels([LabelRequest("corner", "溪口镇", 0, 0)], width=400, height=300)
    assert corner.box.x == 0 and corner.box.y == 0  # slid inside, not left out
    assert place_labels([LabelRequest("huge", "很" * 50, 200, 150)], width=400, height=300) == []


def test_a_label_never_covers_an_obstacle() -> None:
    marker = Box(150, 95, 12, 12)
    placed = place_labels([LabelRequest("t", "Town", 140, 100)], width=400, height=300, obstacles=[marker])
    assert placed and not placed[0].box.overlaps(marker)


def test_a_place_name_is_centred_on_its_point() -> None:
    (label,) = place_labels([LabelRequest("t", "溪口镇", 200, 150)], width=400, height=300, font_size=13)
    assert label.anchor == "middle" and label.x == 200
    assert label.box.y < 150 < label.box.bottom


def test_the_text_lies_inside_its_box() -> None:
    for request in (LabelRequest("a", "Xikou", 200, 150, marker=6), LabelRequest("b", "Xikou", 200, 150)):
        (label,) = place_labels([request], width=400, height=300, font_size=12)
        width = text_width(label.text, 12)
        left = {"start": label.x, "middle": label.x - width / 2, "end": label.x - width}[label.anchor]
        assert label.box.x <= left and left + width <= label.box.right
        assert label.box.y <= label.y - 1.16 * 12 and label.y + 0.29 * 12 <= label.box.bottom


def assert_disjoint(boxes: list[Box]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 600),
            st.floats(0, 400),
            st.text(alphabet="ab溪口镇WMi ", min_size=1, max_size=12),
            st.sampled_from([0.0, 3.0, 6.0]),
        ),
        max_size=60,
    ),
    st.sampled_from([13.0, 6.5, 1.625]),
)
def test_no_two_placed_labels_overlap(anchors, font_size) -> None:
    markers = [Box(x - 3, y - 3, 6, 6) for x, y, _, marker in anchors if marker]
    requests = [LabelRequest(str(i), text, x, y, marker) for i, (x, y, text, marker) in enumerate(anchors)]
    placed = place_labels(requests, width=600, height=400, font_size=font_size, obstacles=markers)
    boxes = [label.box for label in placed]
    assert_disjoint(boxes)
    assert all(box.within(600, 400) for box in boxes)
    assert not any(box.overlaps(marker) for box in boxes for marker in markers)
    assert len({label.key for label in placed}) == len(placed)
    if anchors and not markers:
        # the first label always finds a place when it fits on the canvas at all
        first = requests[0]
        width = text_width(first.text, font_size) + 2
        if width < 300 and 1.6 * font_size * 3 < 400:
            assert placed and placed[0].key == "0"


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
