"""The care network map as a drawing: where providers, their service radius, the people
and their placements and the towns fall on the canvas, and the town and provider labels
placed for each zoom level so that none collide. Templates draw it; static/map.js zooms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ltc.db.queries.providers import PlacementOnMap, ProviderOnMap, TownOnMap
from ltc.services.assignments import NetworkMap
from ltc.settings import Settings
from ltc.web.charts import Box, LabelRequest, PlacedLabel, Projection, place_labels

WIDTH = 900
# The map zooms from 1× to 16×; labels are placed afresh for each doubling (1×, 2×, 4×, 8×,
# 16×) at a size that stays the same on screen, so more of them fit as the reader zooms in.
ZOOM_LEVELS = 5
PROVIDER_HALF = 6.0  # a provider's square, in pixels on screen
PERSON_R = 3.0
WAITING_R = 5.0
TOWN_FONT = 15.0
PROVIDER_FONT = 14.0
ACTIVE = "active"
WAITING = "unassigned"
# A city's map draws each person up to this many; beyond, people are counted per square of
# CLUSTER_PX pixels (a circle per square, sized by its count), so the page stays light.
MAX_PEOPLE_DRAWN = 3000
CLUSTER_PX = 12.0


@dataclass(frozen=True)
class ProviderMark:
    id: int
    code: str
    name: str
    status: str
    x: float
    y: float
    radius: float  # the service radius, in pixels at 1×
    radius_km: float
    load: int
    capacity: int

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


@dataclass(frozen=True)
class PersonMark:
    x: float
    y: float
    waiting: bool
    provider_xy: tuple[float, float] | None  # the end of the line to the provider placing them


@dataclass(frozen=True)
class PeopleCluster:
    """The people living in one square of the map, drawn as one circle at their centre."""

    x: float
    y: float
    people: int
    waiting: int

    @property
    def radius(self) -> float:
        return round(min(CLUSTER_PX / 2, 1.5 + math.sqrt(self.people) / 2), 1)


def cluster_people(people: list[PersonMark], cell: float = CLUSTER_PX) -> list[PeopleCluster]:
    """People counted per square of side cell, each square drawn at its people's centre."""
    squares: dict[tuple[int, int], list[PersonMark]] = {}
    for person in people:
        squares.setdefault((math.floor(person.x / cell), math.floor(person.y / cell)), []).append(person)
    return [
        PeopleCluster(
            round(sum(p.x for p in members) / len(members), 1),
            round(sum(p.y for p in members) / len(members), 1),
            len(members),
            sum(p.waiting for p in members),
        )
        for _, members in sorted(squares.items())
    ]


@dataclass(frozen=True)
class LabelLevel:
    scale: int  # 1, 2, 4, …: the zoom this level's labels are placed for
    labels: list[PlacedLabel]

    @property
    def halo(self) -> float:
        return round(3 / self.scale, 3)


@dataclass(frozen=True)
class Legend:
    providers_active: int
    providers_inactive: int
    people_placed: int
    people_waiting: int
    people_without_position: int


@dataclass(frozen=True)
class MapDrawing:
    projection: Projection
    providers: list[ProviderMark]
    people: list[PersonMark]  # each person, when there are few enough to draw
    clusters: list[PeopleCluster]  # otherwise, people counted per square
    levels: list[LabelLevel]
    legend: Legend


def draw_network(network: NetworkMap, *, english: bool, also: Sequence[tuple[float, float, float]] = ()) -> MapDrawing:
    """``also``: more circles (lat, lon, radius km) the map must hold whole, e.g. proposed sites."""
    providers, placements, towns = network.providers, network.placements, network.towns
    projection = Projection.fit(
        [(t.lat, t.lon) for t in towns]
        + [(p.lat, p.lon) for p in placements if p.lat is not None and p.lon is not None],
        WIDTH,
        circles=[(p.lat, p.lon, p.service_radius_km) for p in providers] + list(also),
    )
    marks = [_provider_mark(projection, p) for p in providers]
    by_id = {m.id: m for m in marks}
    people = [_person_mark(projection, p, by_id) for p in placements if p.lat is not None and p.lon is not None]
    clustered = len(people) > MAX_PEOPLE_DRAWN
    return MapDrawing(
        projection=projection,
        providers=marks,
        people=[] if clustered else people,
        clusters=cluster_people(people) if clustered else [],
        levels=[_labels(projection, towns, marks, 2**level, english) for level in range(ZOOM_LEVELS)],
        legend=Legend(
            providers_active=sum(m.active for m in marks),
            providers_inactive=sum(not m.active for m in marks),
            people_placed=sum(p.status != WAITING for p in placements),
            people_waiting=sum(p.status == WAITING for p in placements),
            people_without_position=sum(p.lat is None or p.lon is None for p in placements),
        ),
    )


def _provider_mark(projection: Projection, p: ProviderOnMap) -> ProviderMark:
    x, y = projection.xy(p.lat, p.lon)
    return ProviderMark(
        p.id,
        p.code,
        p.name,
        p.status,
        x,
        y,
        projection.radius_px(p.service_radius_km),
        p.service_radius_km,
        p.load,
        p.capacity,
    )


def _person_mark(projection: Projection, p: PlacementOnMap, providers: dict[int, ProviderMark]) -> PersonMark:
    assert p.lat is not None and p.lon is not None
    x, y = projection.xy(p.lat, p.lon)
    provider = providers.get(p.provider_id) if p.provider_id is not None else None
    return PersonMark(x, y, p.status == WAITING, (provider.x, provider.y) if provider else None)


def _labels(
    projection: Projection, towns: list[TownOnMap], providers: list[ProviderMark], scale: int, english: bool
) -> LabelLevel:
    """Towns first (they orient the reader), then providers, the busiest first; every size
    divided by the zoom so that on screen it is the same at each level."""
    half = PROVIDER_HALF / scale
    markers = [Box(m.x - half, m.y - half, 2 * half, 2 * half) for m in providers]
    size = {"width": projection.width, "height": projection.height, "gap": 3 / scale}
    town_labels = place_labels(
        [LabelRequest(f"town-{t.name}", t.name_en if english else t.name, *projection.xy(t.lat, t.lon)) for t in towns],
        font_size=TOWN_FONT / scale,
        obstacles=markers,
        **size,
    )
    busiest = sorted(providers, key=lambda m: (not m.active, -m.load, m.code))
    provider_labels = place_labels(
        [LabelRequest(f"provider-{m.id}", m.name, m.x, m.y, marker=half) for m in busiest],
        font_size=PROVIDER_FONT / scale,
        obstacles=markers + [label.box for label in town_labels],
        **size,
    )
    return LabelLevel(scale, town_labels + provider_labels)


@dataclass(frozen=True)
class TileLayer:
    """The self-hosted base layer (LTC_MAP_TILE_URL) and what Leaflet draws over it."""

    url: str
    attribution: str
    network: dict[str, list[dict[str, object]]]


def tile_layer(settings: Settings, network: NetworkMap) -> TileLayer | None:
    if not settings.map_tile_url:
        return None
    providers = {p.id: p for p in network.providers}
    return TileLayer(
        url=settings.map_tile_url,
        attribution=settings.map_tile_attribution,
        network={
            "providers": [
                {
                    "lat": p.lat,
                    "lon": p.lon,
                    "radius_m": p.service_radius_km * 1000,
                    "name": f"{p.code} {p.name} ({p.load}/{p.capacity})",
                    "active": p.status == ACTIVE,
                }
                for p in network.providers
            ],
            "people": _people_for_tiles(network.placements, providers),
        },
    )


def _people_for_tiles(placements: list[PlacementOnMap], providers: dict[int, ProviderOnMap]) -> list[dict[str, object]]:
    """Each person with the line to their provider; beyond MAX_PEOPLE_DRAWN, people counted
    per square of about a kilometre (0.01°), without lines."""
    placed = [p for p in placements if p.lat is not None and p.lon is not None]
    if len(placed) <= MAX_PEOPLE_DRAWN:
        return [
            {
                "lat": p.lat,
                "lon": p.lon,
                "count": 1,
                "waiting": p.status == WAITING,
                "to": [providers[p.provider_id].lat, providers[p.provider_id].lon]
                if p.provider_id in providers
                else None,
            }
            for p in placed
        ]
    squares: dict[tuple[float, float], list[PlacementOnMap]] = {}
    for p in placed:
        assert p.lat is not None and p.lon is not None
        squares.setdefault((round(p.lat, 2), round(p.lon, 2)), []).append(p)
    return [
        {
            "lat": lat,
            "lon": lon,
            "count": len(members),
            "waiting": any(p.status == WAITING for p in members),
            "to": None,
        }
        for (lat, lon), members in sorted(squares.items())
    ]
