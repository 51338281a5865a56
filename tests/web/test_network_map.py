"""The network map's drawing from the network itself: whole circles on the canvas, labels at
each zoom level apart from each other and from the providers' squares, the legend's counts,
and a city's people counted per square instead of drawn one by one."""

from __future__ import annotations

import random

from ltc.db.queries.providers import PlacementOnMap, ProviderOnMap, TownOnMap
from ltc.services.assignments import NetworkMap
from ltc.settings import Settings
from ltc.web.charts import Box
from ltc.web.network_map import (
    MAX_PEOPLE_DRAWN,
    PROVIDER_HALF,
    ZOOM_LEVELS,
    PersonMark,
    cluster_people,
    draw_network,
    tile_layer,
)


def network(providers: int, people: int, seed: int = 7) -> NetworkMap:
    rng = random.Random(seed)
    towns = [TownOnMap(f"镇{i}", f"Town {i}", 29.5 + rng.random() * 0.3, 121.2 + rng.random() * 0.4) for i in range(12)]
    provider_rows = [
        ProviderOnMap(
            i + 1,
            f"P{i + 1:02d}",
            f"护理服务中心{i + 1}",
            "home",
            "active" if i % 4 else "suspended",
            29.5 + rng.random() * 0.3,
            121.2 + rng.random() * 0.4,
            rng.choice([3.0, 5.0, 12.0]),
            50,
            rng.randrange(50),
        )
        for i in range(providers)
    ]
    placements = [
        PlacementOnMap(
            1000 + i,
            None if i % 10 == 0 else rng.randrange(providers) + 1,
            "unassigned" if i % 10 == 0 else "active",
            "home",
            None if i % 50 == 1 else 29.5 + rng.random() * 0.3,
            None if i % 50 == 1 else 121.2 + rng.random() * 0.4,
        )
        for i in range(people)
    ]
    return NetworkMap(providers=provider_rows, placements=placements, towns=towns)


def test_labels_at_every_zoom_level_keep_apart_from_each_other_and_the_squares() -> None:
    drawing = draw_network(network(providers=40, people=200), english=False)
    assert [level.scale for level in drawing.levels] == [2**i for i in range(ZOOM_LEVELS)]
    counts = []
    for level in drawing.levels:
        half = PROVIDER_HALF / level.scale
        squares = [Box(m.x - half, m.y - half, 2 * half, 2 * half) for m in drawing.providers]
        boxes = [label.box for label in level.labels]
        for i, box in enumerate(boxes):
            assert box.within(drawing.projection.width, drawing.projection.height)
            assert not any(box.overlaps(other) for other in boxes[i + 1 :])
            assert not any(box.overlaps(square) for square in squares)
        counts.append(len(boxes))
    assert counts == sorted(counts) and counts[-1] > counts[0], "zooming in makes room for more names"
    assert len(drawing.levels[-1].labels) == 12 + 40, "at 16× every town and provider is named"


def test_every_circle_is_whole_and_the_legend_counts_everyone() -> None:
    drawing = draw_network(network(providers=10, people=300), english=True)
    for m in drawing.providers:
        assert Box(m.x - m.radius, m.y - m.radius, 2 * m.radius, 2 * m.radius).within(
            drawing.projection.width + 0.2, drawing.projection.height + 0.2
        )
    legend = drawing.legend
    assert (legend.providers_active, legend.providers_inactive) == (7, 3)
    assert legend.people_waiting == 30 and legend.people_placed == 270
    assert legend.people_without_position == 6
    assert len(drawing.people) == 294 and drawing.clusters == []
    assert all(label.text.startswith(("Town", "护理")) for label in drawing.levels[0].labels)


def test_a_city_is_drawn_as_squares_of_people() -> None:
    city = network(providers=5, people=MAX_PEOPLE_DRAWN + 500)
    drawing = draw_network(city, english=False)
    assert drawing.people == []
    on_the_map = sum(1 for p in city.placements if p.lat is not None)
    assert sum(c.people for c in drawing.clusters) == on_the_map
    assert sum(c.waiting for c in drawing.clusters) == sum(
        1 for p in city.placements if p.lat and p.provider_id is None
    )
    assert len(drawing.clusters) < MAX_PEOPLE_DRAWN


def test_people_are_counted_per_square_at_their_centre() -> None:
    people = [PersonMark(1, 1, False, None), PersonMark(3, 5, True, None), PersonMark(30, 30, False, None)]
    near, far = cluster_people(people, cell=12)
    assert (near.x, near.y, near.people, near.waiting) == (2, 3, 2, 1)
    assert (far.people, far.waiting) == (1, 0)
    assert near.radius < far.radius + 1 and cluster_people([PersonMark(0, 0, False, None)] * 900)[0].radius == 6


def test_the_tile_layer_carries_people_or_their_squares() -> None:
    settings = Settings(map_tile_url="https://tiles.example.gov.cn/{z}/{x}/{y}.png")
    assert tile_layer(Settings(), network(3, 10)) is None
    few = tile_layer(settings, network(3, 10))
    assert few is not None and len(few.network["people"]) == 10 - 1  # one without a position
    city = network(3, MAX_PEOPLE_DRAWN + 100)
    many = tile_layer(settings, city)
    assert many is not None
    squares = many.network["people"]
    assert len(squares) < MAX_PEOPLE_DRAWN and all(s["to"] is None for s in squares)
    assert sum(int(str(s["count"])) for s in squares) == sum(1 for p in city.placements if p.lat is not None)
