"""Where one or two new providers (or a larger radius for an existing one) would serve most
of the people no provider covers now (选址测算, the what-if before a designation batch). Pure.

Candidate sites are the towns' centroids, village sites found among the uncovered people
themselves (``village_sites``: the demo has no village gazetteer, so a village is where
uncovered people live together), and, when asked, an existing provider with a larger
radius. A set of sites is judged by the assignment engine: everyone uncovered is planned
again by ``assignment.optimise`` over the existing providers (with the places they have
left) plus the sites, so capacities hold and each person goes to the nearest site in
radius with room. What a set *covers* is how many more people that plan places than the
plan without it.

The best set of one or two sites is found exhaustively over the candidates, pruned by a
cheap upper bound: a set can cover no more people than live within its sites' radii, nor
more than its sites' places (a max flow restricted to the other providers is a plan
without the set). Candidates and pairs are taken in order of that bound; once the bound
is no better than the best found, the search stops, and what it returns is the optimum.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
from scipy.spatial import cKDTree

from ltc.domain import assignment
from ltc.domain.coordinates import check_coordinates
from ltc.domain.errors import InvalidInput
from ltc.domain.rollout import reach_km

TOWN, VILLAGE, ENLARGED = "town", "village", "enlarged"
MAX_SITES = 2
MAX_VILLAGE_SITES = 12
MAX_RADIUS_KM = 100.0
MAX_CAPACITY = 5000
# Every candidate in reach of a person, so the engine's plan is the exact maximum.
CANDIDATES_PER_PERSON = 64


@dataclass(frozen=True, slots=True)
class UncoveredPerson:
    """Someone no provider places now, where they live and what they need."""

    id: int
    lat: float
    lon: float
    mode: str  # home | institutional
    town: str = ""  # the town's code ("" unknown)
    level: int | None = None
    town_radius_km: float | None = None  # the town's own reach (a remote town's providers travel farther)

    def __post_init__(self) -> None:
        check_coordinates(self.lat, self.lon)
        if self.mode not in assignment.MODES:
            raise InvalidInput(f"care mode {self.mode!r} is not one of {assignment.MODES}", code="invalid_care_mode")


@dataclass(frozen=True, slots=True)
class Site:
    """A place a provider could serve from. ``key`` is stable (``town:<code>``,
    ``village:<n>``, ``provider:<id>``); ``town`` names the town it lies in or is;
    ``provider_id`` is set for an existing provider given a larger radius."""

    key: str
    kind: str  # town | village | enlarged
    lat: float
    lon: float
    radius_km: float
    capacity: int  # places for the uncovered (an existing provider: the places it has left)
    serves: str  # home | institutional | both
    town: str = ""
    provider_id: int | None = None

    def __post_init__(self) -> None:
        check_coordinates(self.lat, self.lon)
        if self.serves not in assignment.KINDS:
            raise InvalidInput(
                f"provider kind {self.serves!r} is not one of {assignment.KINDS}", code="invalid_provider_kind"
            )


@dataclass(frozen=True, slots=True)
class NewProvider:
    """What a new provider at a candidate site would be like."""

    radius_km: float
    capacity: int
    serves: str = "home"

    def __post_init__(self) -> None:
        if not (0 < self.radius_km <= MAX_RADIUS_KM):
            raise InvalidInput(f"a radius is more than 0 and at most {MAX_RADIUS_KM} km", code="invalid_siting_radius")
        if not (0 < self.capacity <= MAX_CAPACITY):
            raise InvalidInput(f"a capacity is 1 to {MAX_CAPACITY} people", code="invalid_siting_capacity")
        if self.serves not in assignment.KINDS:
            raise InvalidInput(
                f"provider kind {self.serves!r} is not one of {assignment.KINDS}", code="invalid_provider_kind"
            )


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a set of sites would do: ``covered`` more people placed than today's network
    places; ``people`` the uncovered people the sites themselves would take (by site key),
    with their towns, levels and distances."""

    sites: tuple[Site, ...]
    covered: int
    upper_bound: int
    people: tuple[tuple[str, tuple[int, ...]], ...]  # site key → person ids it takes
    by_town: tuple[tuple[str, int], ...]
    by_level: tuple[tuple[int | None, int], ...]
    mean_km: float | None
    max_km: float | None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sites)

    @property
    def taken(self) -> int:
        return sum(len(ids) for _, ids in self.people)


@dataclass(frozen=True, slots=True)
class SitingAnswer:
    uncovered: int
    candidates: int
    ranked: tuple[Coverage, ...]  # each candidate alone, the most covered first
    # The best set of at most ``sites`` sites: one alone when a second would cover nobody
    # more (None: no site covers anyone).
    best: Coverage | None
    engine_runs: int


# ---------------------------------------------------------------------------------------
# Candidate sites


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return assignment.unit_vectors(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64))


def _served(people: Sequence[UncoveredPerson], serves: str) -> np.ndarray:
    return np.array([serves in ("both", p.mode) for p in people], dtype=bool)


def village_sites(people: Sequence[UncoveredPerson], new: NewProvider, *, limit: int = MAX_VILLAGE_SITES) -> list[Site]:
    """Village sites among the uncovered: again and again, the home of the person with the
    most not-yet-gathered uncovered people within the radius (a medoid of its cluster),
    whose neighbours are then gathered — a greedy cover, the sites a bureau would visit
    first. Stops at ``limit`` sites or when nobody is left."""
    served = np.flatnonzero(_served(people, new.serves))
    if served.size == 0:
        return []
    lat = np.array([people[i].lat for i in served.tolist()])
    lon = np.array([people[i].lon for i in served.tolist()])
    points = _unit(lat, lon)
    tree = cKDTree(points)
    near = tree.query_ball_point(points, r=assignment.chord_for_km(new.radius_km) + 1e-12)
    left = np.ones(served.size, dtype=bool)
    sites: list[Site] = []
    while len(sites) < limit and left.any():
        gain = np.array([left[n].sum() if left[i] else -1 for i, n in enumerate(near)])
        centre = int(np.argmax(gain))  # ties: the first in input order
        left[near[centre]] = False
        person = people[int(served[centre])]
        sites.append(
            Site(
                key=f"village:{len(sites) + 1}",
                kind=VILLAGE,
                lat=round(person.lat, 4),
                lon=round(person.lon, 4),
                radius_km=new.radius_km,
                capacity=new.capacity,
                serves=new.serves,
                town=person.town,
            )
        )
    return sites


def town_sites(towns: Sequence[tuple[str, float, float]], new: NewProvider) -> list[Site]:
    """A site at each town's centroid: ``towns`` as (code, lat, lon)."""
    return [
        Site(
            key=f"town:{code}",
            kind=TOWN,
            lat=lat,
            lon=lon,
            radius_km=new.radius_km,
            capacity=new.capacity,
            serves=new.serves,
            town=code,
        )
        for code, lat, lon in towns
    ]


def enlarged_site(provider: assignment.Provider, radius_km: float, *, town: str = "") -> Site:
    """An existing provider with a larger radius, as a site: its places left are its capacity."""
    if not provider.active:
        raise InvalidInput("only a provider taking people can serve farther", code="provider_not_active")
    if not (provider.radius_km < radius_km <= MAX_RADIUS_KM):
        raise InvalidInput(
            f"the larger radius must exceed {provider.radius_km} km and be at most {MAX_RADIUS_KM} km",
            code="invalid_siting_radius",
        )
    return Site(
        key=f"provider:{provider.id}",
        kind=ENLARGED,
        lat=provider.lat,
        lon=provider.lon,
        radius_km=radius_km,
        capacity=max(provider.capacity - provider.current_load, 0),
        serves=provider.kind,
        town=town,
        provider_id=int(provider.id),  # type: ignore[call-overload]
    )


# ---------------------------------------------------------------------------------------
# Judging a set of sites with the assignment engine


class _City:
    """The uncovered people and the existing network, with the reach of each candidate."""

    def __init__(
        self, people: Sequence[UncoveredPerson], providers: Sequence[assignment.Provider], sites: Sequence[Site]
    ) -> None:
        self.people = list(people)
        self.providers = list(providers)
        self.sites = list(sites)
        self.clients = [
            assignment.Client(id=p.id, lat=p.lat, lon=p.lon, mode=p.mode, town_radius_km=p.town_radius_km)
            for p in self.people
        ]
        town_radius = np.array([p.town_radius_km or 0.0 for p in self.people], dtype=np.float64)
        points = _unit(np.array([p.lat for p in self.people]), np.array([p.lon for p in self.people]))
        tree = cKDTree(points) if self.people else None
        # reach[s]: who lives within site s's radius and needs what it offers
        self.reach = np.zeros((len(self.sites), len(self.people)), dtype=bool)
        for s, site in enumerate(self.sites):
            if tree is None:
                break
            centre = _unit(np.array([site.lat]), np.array([site.lon]))[0]
            farthest = max(site.radius_km, float(town_radius.max()))
            inside = np.array(
                tree.query_ball_point(centre, r=assignment.chord_for_km(farthest + assignment.EPS_KM)), dtype=np.intp
            )
            if inside.size:  # each person within the site's reach of them (their town's radius or the site's)
                km = assignment.km_for_chord(np.linalg.norm(points[inside] - centre, axis=1))
                limit = reach_km(np.full(inside.size, site.radius_km), town_radius[inside]) + assignment.EPS_KM
                self.reach[s, inside[km <= limit]] = True
            self.reach[s] &= _served(self.people, site.serves)
        self.runs = 0
        self.baseline = self._placed(())

    def bound(self, indices: Sequence[int]) -> int:
        within = self.reach[list(indices)].any(axis=0).sum() if indices else 0
        return int(min(within, sum(self.sites[i].capacity for i in indices)))

    def _network(self, indices: Sequence[int]) -> list[assignment.Provider]:
        enlarged = {self.sites[i].provider_id: self.sites[i] for i in indices if self.sites[i].kind == ENLARGED}
        network = [replace(p, radius_km=enlarged[p.id].radius_km) if p.id in enlarged else p for p in self.providers]
        for i in indices:
            site = self.sites[i]
            if site.kind != ENLARGED:
                network.append(
                    assignment.Provider(
                        id=site.key,
                        lat=site.lat,
                        lon=site.lon,
                        kind=site.serves,
                        radius_km=site.radius_km,
                        capacity=site.capacity,
                    )
                )
        return network

    def _plan(self, indices: Sequence[int]) -> assignment.AssignmentPlan:
        self.runs += 1
        return assignment.optimise(
            self.clients, self._network(indices), candidates_per_client=CANDIDATES_PER_PERSON, workers=1
        )

    def _placed(self, indices: Sequence[int]) -> int:
        return self._plan(indices).assigned_count if self.people else 0

    def coverage(self, indices: Sequence[int]) -> Coverage:
        sites = tuple(self.sites[i] for i in indices)
        if not self.people:
            return Coverage(sites, 0, 0, tuple((s.key, ()) for s in sites), (), (), None, None)
        plan = self._plan(indices)
        ours = {s.provider_id if s.kind == ENLARGED else s.key: s.key for s in sites}
        taken: dict[str, list[int]] = {s.key: [] for s in sites}
        km: list[float] = []
        towns: Counter[str] = Counter()
        levels: Counter[int | None] = Counter()
        for row, person in enumerate(self.people):
            j = int(plan.provider_index[row])
            if j < 0:
                continue
            key = ours.get(plan.providers.ids[j])
            if key is None:
                continue
            taken[key].append(person.id)
            km.append(float(plan.distance_km[row]))
            towns[person.town] += 1
            levels[person.level] += 1
        return Coverage(
            sites=sites,
            covered=plan.assigned_count - self.baseline,
            upper_bound=self.bound(indices),
            people=tuple((key, tuple(ids)) for key, ids in taken.items()),
            by_town=tuple(sorted(towns.items(), key=lambda kv: (-kv[1], kv[0]))),
            by_level=tuple(sorted(levels.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))),
            mean_km=round(sum(km) / len(km), 3) if km else None,
            max_km=round(max(km), 3) if km else None,
        )


def _order(c: Coverage) -> tuple[int, float, tuple[str, ...]]:
    # most covered first; then the nearer for the people it takes; then a stable key
    return (-c.covered, c.mean_km if c.mean_km is not None else math.inf, c.keys)


def choose_sites(
    people: Sequence[UncoveredPerson],
    providers: Sequence[assignment.Provider],
    candidates: Sequence[Site],
    *,
    sites: int = 1,
    ranked: int = 10,
) -> SitingAnswer:
    """Each candidate alone (the ``ranked`` best, in order) and the best set of ``sites``
    (1 or 2) candidates: the most people covered, then the shortest mean distance."""
    if sites not in range(1, MAX_SITES + 1):
        raise InvalidInput(f"choose 1 to {MAX_SITES} sites", code="invalid_siting_count")
    keys = [c.key for c in candidates]
    if len(set(keys)) != len(keys):
        raise InvalidInput("candidate sites must differ", code="duplicate_site")
    city = _City(people, providers, candidates)
    n = len(candidates)

    singles = _search(city, [(i,) for i in range(n)], keep=max(ranked, 1))
    best: Coverage | None = singles[0] if singles else None
    if sites == 2 and n >= 2:
        # A pair covers at least what either of its sites covers alone (a plan only gains
        # from more places); it is the answer when its second site covers someone more.
        pair = _search(city, list(combinations(range(n), 2)), keep=1)[0]
        if best is None or pair.covered > best.covered:
            best = pair
    if best is not None and best.covered <= 0:
        best = None
    return SitingAnswer(
        uncovered=len(people),
        candidates=n,
        ranked=tuple(c for c in singles[:ranked] if c.covered > 0),
        best=best,
        engine_runs=city.runs,
    )


def _search(city: _City, sets: list[tuple[int, ...]], *, keep: int) -> list[Coverage]:
    """The ``keep`` best of ``sets`` by coverage: judged in order of their upper bound,
    stopping once a bound cannot beat the ``keep``-th best found (ties on the count are
    judged too, as a nearer set may win them)."""
    bounds = [city.bound(s) for s in sets]
    order = sorted(range(len(sets)), key=lambda t: (-bounds[t], sets[t]))
    found: list[Coverage] = []
    for t in order:
        if len(found) >= keep and bounds[t] < found[keep - 1].covered:
            break
        if bounds[t] == 0 and found:
            break
        found.append(city.coverage(sets[t]))
        found.sort(key=_order)
    return found
