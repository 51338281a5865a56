"""Assigning beneficiaries to designated providers by geography (DOMAIN §4). Pure.

Each person with a final severe conclusion goes to one *active* provider serving their
care mode (``home`` or ``institutional``; a ``both`` provider serves either), within that
provider's service radius and its remaining capacity, honouring the person's explicit
choice when it has room, and minimising the total travel distance over everyone.

Three entry points:

* ``optimise`` — the global plan (a bureau action; ``preview_reoptimisation`` shows who
  would move). A min-cost flow (OR-Tools ``SimpleMinCostFlow``) over candidate arcs
  client → provider found with a ``cKDTree`` on 3-D unit vectors (the chord between two
  unit vectors is a monotone function of the great-circle angle, so a chord bound is an
  exact distance bound). Costs are integer metres.
* ``assign_one`` — the stable, incremental path for one new conclusion: the chosen
  provider if it can take the person, else the nearest provider with room; nobody else
  moves.
* ``greedy`` — the nearest-first baseline to beat, in arrival order (each person in turn
  takes the nearest provider with room: ``assign_one`` applied to everyone) or in global
  distance order.

How the flow encodes the rules, in priority order:

1. **Serve as many people as possible.** The network is source → person (capacity 1) →
   candidate provider (1, cost) → sink (capacity = places left), solved with
   ``solve_max_flow_with_min_cost``: the maximum number of people are placed, and among
   all such plans the cheapest is chosen. This is the "unassigned arc with an infinite
   penalty" formulation without the penalty (a finite penalty only lengthened the cost
   scaling). Whoever carries no flow is reported as ``Unassigned`` with a reason and the
   nearest provider — never dropped.
2. **Honour explicit choices.** Every arc to a provider *other than* the person's choice
   costs ``CHOICE_BONUS_M`` (100 km, raised to exceed the longest arc) more. Hence: in an
   optimal plan a chooser not at their eligible chosen provider means that provider is
   full in the plan — otherwise moving them there would lower the cost. That is the sense
   of "honoured when it has room". Making room by pushing others farther is done too when
   it costs them less than the bonus in total. We use a cost bonus, not pre-assignment,
   because pre-assigning choosers can strand a person whose only provider in range is the
   chosen one, and because it lets the optimiser pick *which* choosers to honour when a
   provider is over-chosen (those whose alternatives are worst). A choice that is
   inactive, of the wrong mode, out of the provider's radius or already full
   (``current_load``) is not honoured — the radius is a hard rule.
3. **Minimise the total distance** (integer metres) among the remaining options.

The candidate set is the ``candidates_per_client`` nearest providers whose radius covers
the person (the chosen provider's arc is always added when it is eligible). If all of a
person's K candidates fill up while some farther in-radius provider still has room, the
flow leaves that person unassigned (``providers_full``) although a wider search could
place them; raise K for such data. ``greedy`` uses the same candidates so the two are
compared on equal terms.

Distances reported here are great-circle (sphere of radius 6371.0088 km); the service
layer recomputes geodesic distances with geopy for what it stores and reports.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ltc.domain.coordinates import EARTH_RADIUS_KM, check_coordinates, haversine_km
from ltc.domain.errors import InvalidInput
from ltc.domain.rollout import reach_km

MODES = ("home", "institutional")
KINDS = ("home", "institutional", "both")
HOME, INSTITUTIONAL = 0, 1

# Assigned reasons first, then unassigned ones; a plan stores the index (int8).
ASSIGNED_REASONS = ("chosen_provider", "nearest_with_room", "optimised")
UNASSIGNED_REASONS = ("no_provider_in_range", "providers_full", "no_active_provider_of_mode")
REASONS = ASSIGNED_REASONS + UNASSIGNED_REASONS
_CHOSEN, _NEAREST, _OPTIMISED, _NO_RANGE, _FULL, _NO_MODE = range(6)

DEFAULT_CANDIDATES = 8
EPS_KM = 1e-9  # 1 µm: distances this close count as equal (ranking, radius edge)
# Integer costs in metres. Every arc to a provider other than the person's choice costs
# this much more (raised above the longest arc when radii are longer, see the docstring).
CHOICE_BONUS_M = 100_000


# ---------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True, slots=True)
class Client:
    """A person to place. ``chosen_provider_id`` is their explicit choice, if any."""

    id: Hashable
    lat: float
    lon: float
    mode: str  # home | institutional
    chosen_provider_id: Hashable | None = None
    town_radius_km: float | None = None  # the person's town's own reach (rollout.reach_km)

    def __post_init__(self) -> None:
        check_coordinates(self.lat, self.lon)
        if self.mode not in MODES:
            raise InvalidInput(f"care mode {self.mode!r} is not one of {MODES}", code="invalid_care_mode")


@dataclass(frozen=True, slots=True)
class Provider:
    """A designated provider. ``current_load`` counts people already placed there who are
    not among the clients being assigned (for ``optimise``) — e.g. 0 for a full
    re-optimisation of everyone, or the provider's present head count for new people."""

    id: Hashable
    lat: float
    lon: float
    kind: str  # home | institutional | both
    radius_km: float
    capacity: int
    current_load: int = 0
    active: bool = True

    def __post_init__(self) -> None:
        check_coordinates(self.lat, self.lon)
        if self.kind not in KINDS:
            raise InvalidInput(f"provider kind {self.kind!r} is not one of {KINDS}", code="invalid_provider_kind")
        if not (self.radius_km >= 0 and self.capacity >= 0 and self.current_load >= 0):
            raise InvalidInput("radius, capacity and load must not be negative", code="invalid_provider")

    def serves(self, mode: str) -> bool:
        return self.kind == mode or self.kind == "both"


@dataclass(frozen=True, eq=False)
class ClientTable:
    """Clients as columns (what ``optimise`` works on; build it directly for big runs).

    ``mode``: 0 home, 1 institutional. ``chosen``: index into the ProviderTable, -1 none.
    """

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    mode: np.ndarray
    chosen: np.ndarray
    town_radius_km: np.ndarray | None = None  # per client, 0 where the town names none

    def __len__(self) -> int:
        return len(self.lat)

    def town_radius(self) -> np.ndarray:
        return self.town_radius_km if self.town_radius_km is not None else np.zeros(len(self.lat))

    @classmethod
    def from_clients(cls, clients: Sequence[Client], provider_ids: Sequence[Hashable]) -> ClientTable:
        index = {pid: i for i, pid in enumerate(provider_ids)}
        ids = np.empty(len(clients), dtype=object)
        ids[:] = [c.id for c in clients]
        return cls(
            ids=ids,
            lat=np.array([c.lat for c in clients], dtype=np.float64),
            lon=np.array([c.lon for c in clients], dtype=np.float64),
            mode=np.array([MODES.index(c.mode) for c in clients], dtype=np.int8),
            chosen=np.array(
                [index.get(c.chosen_provider_id, -1) if c.chosen_provider_id is not None else -1 for c in clients],
                dtype=np.int64,
            ),
            town_radius_km=np.array([c.town_radius_km or 0.0 for c in clients], dtype=np.float64),
        )

    def client(self, i: int, provider_ids: Sequence[Hashable] | np.ndarray) -> Client:
        chosen = int(self.chosen[i])
        return Client(
            id=_py(self.ids[i]),
            lat=float(self.lat[i]),
            lon=float(self.lon[i]),
            mode=MODES[int(self.mode[i])],
            chosen_provider_id=_py(provider_ids[chosen]) if chosen >= 0 else None,
            town_radius_km=float(self.town_radius()[i]) or None,
        )


@dataclass(frozen=True, eq=False)
class ProviderTable:
    """Providers as columns. ``kind``: 0 home, 1 institutional, 2 both."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    kind: np.ndarray
    radius_km: np.ndarray
    capacity: np.ndarray
    current_load: np.ndarray
    active: np.ndarray

    def __len__(self) -> int:
        return len(self.lat)

    @classmethod
    def from_providers(cls, providers: Sequence[Provider]) -> ProviderTable:
        ids = np.empty(len(providers), dtype=object)
        ids[:] = [p.id for p in providers]
        if len(set(ids.tolist())) != len(providers):
            raise InvalidInput("provider ids must be unique", code="duplicate_provider")
        return cls(
            ids=ids,
            lat=np.array([p.lat for p in providers], dtype=np.float64),
            lon=np.array([p.lon for p in providers], dtype=np.float64),
            kind=np.array([KINDS.index(p.kind) for p in providers], dtype=np.int8),
            radius_km=np.array([p.radius_km for p in providers], dtype=np.float64),
            capacity=np.array([p.capacity for p in providers], dtype=np.int64),
            current_load=np.array([p.current_load for p in providers], dtype=np.int64),
            active=np.array([p.active for p in providers], dtype=bool),
        )

    def serves(self, mode: int) -> np.ndarray:
        return (self.kind == mode) | (self.kind == 2)

    def room(self) -> np.ndarray:
        """Places left per provider (0 for inactive ones)."""
        return np.where(self.active, np.maximum(self.capacity - self.current_load, 0), 0)

    def provider(self, j: int) -> Provider:
        return Provider(
            id=_py(self.ids[j]),
            lat=float(self.lat[j]),
            lon=float(self.lon[j]),
            kind=KINDS[int(self.kind[j])],
            radius_km=float(self.radius_km[j]),
            capacity=int(self.capacity[j]),
            current_load=int(self.current_load[j]),
            active=bool(self.active[j]),
        )


Clients = Sequence[Client] | ClientTable
Providers = Sequence[Provider] | ProviderTable


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class Assignment:
    client_id: Hashable
    provider_id: Hashable
    distance_km: float
    rank: int  # 1 = the nearest active provider of the mode whose radius covers the person
    # chosen_provider: the person's explicit choice; nearest_with_room: the nearest provider
    # that had a place; optimised: a nearer one had a place, given to others to lower the total.
    reason: str


@dataclass(frozen=True, slots=True)
class Unassigned:
    client_id: Hashable
    reason: str  # no_provider_in_range | providers_full | no_active_provider_of_mode
    nearest_provider_id: Hashable | None  # full: nearest in range; out of range: nearest of the mode
    nearest_distance_km: float | None


@dataclass(frozen=True, slots=True)
class Move:
    """One person a re-optimisation would move (``None``: not placed before / after)."""

    client_id: Hashable
    from_provider_id: Hashable | None
    to_provider_id: Hashable | None
    distance_before_km: float | None
    distance_after_km: float | None


@dataclass(frozen=True, slots=True)
class Preview:
    """What a full re-optimisation would change, for the bureau to confirm."""

    moves: tuple[Move, ...]
    total_km_before: float  # over everyone placed now (among the plan's clients)
    total_km_after: float  # over everyone placed by the plan
    assigned_before: int
    assigned_after: int


@dataclass(frozen=True, eq=False)
class AssignmentPlan:
    """The outcome for every client, as columns; ``assignments`` / ``unassigned`` give
    the records. ``provider_index`` is -1 for unassigned people; for them ``nearest_index``
    and ``nearest_km`` name the nearest provider (-1 / nan when there is none)."""

    clients: ClientTable
    providers: ProviderTable
    provider_index: np.ndarray
    distance_km: np.ndarray
    rank: np.ndarray
    reason: np.ndarray
    nearest_index: np.ndarray
    nearest_km: np.ndarray
    method: str

    @property
    def total_km(self) -> float:
        return float(self.distance_km[self.provider_index >= 0].sum())

    @property
    def assigned_count(self) -> int:
        return int((self.provider_index >= 0).sum())

    @property
    def unassigned_count(self) -> int:
        return int((self.provider_index < 0).sum())

    @property
    def honoured_choices(self) -> int:
        return int((self.reason == _CHOSEN).sum())

    def loads(self) -> np.ndarray:
        """People this plan places at each provider (excluding ``current_load``)."""
        placed = self.provider_index[self.provider_index >= 0]
        return np.bincount(placed, minlength=len(self.providers))

    @cached_property
    def assignments(self) -> tuple[Assignment, ...]:
        rows = np.flatnonzero(self.provider_index >= 0)
        cids = self.clients.ids[rows].tolist()
        pids = self.providers.ids[self.provider_index[rows]].tolist()
        kms = self.distance_km[rows].tolist()
        ranks = self.rank[rows].tolist()
        reasons = [REASONS[r] for r in self.reason[rows].tolist()]
        return tuple(map(Assignment, cids, pids, kms, ranks, reasons))

    @cached_property
    def unassigned(self) -> tuple[Unassigned, ...]:
        out = []
        for i in np.flatnonzero(self.provider_index < 0).tolist():
            j = int(self.nearest_index[i])
            out.append(
                Unassigned(
                    client_id=_py(self.clients.ids[i]),
                    reason=REASONS[int(self.reason[i])],
                    nearest_provider_id=_py(self.providers.ids[j]) if j >= 0 else None,
                    nearest_distance_km=float(self.nearest_km[i]) if j >= 0 else None,
                )
            )
        return tuple(out)

    def result_for(self, i: int) -> Assignment | Unassigned:
        """The record for the client at row ``i``."""
        j = int(self.provider_index[i])
        if j < 0:
            k = int(self.nearest_index[i])
            return Unassigned(
                client_id=_py(self.clients.ids[i]),
                reason=REASONS[int(self.reason[i])],
                nearest_provider_id=_py(self.providers.ids[k]) if k >= 0 else None,
                nearest_distance_km=float(self.nearest_km[i]) if k >= 0 else None,
            )
        return Assignment(
            client_id=_py(self.clients.ids[i]),
            provider_id=_py(self.providers.ids[j]),
            distance_km=float(self.distance_km[i]),
            rank=int(self.rank[i]),
            reason=REASONS[int(self.reason[i])],
        )

    @cached_property
    def by_client(self) -> dict[Hashable, Assignment | Unassigned]:
        out: dict[Hashable, Assignment | Unassigned] = {a.client_id: a for a in self.assignments}
        out.update((u.client_id, u) for u in self.unassigned)
        return out


# ---------------------------------------------------------------------------------------
# Geometry helpers (vectorised)


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(n, 3) points on the unit sphere."""
    la, lo = np.radians(lat), np.radians(lon)
    c = np.cos(la)
    return np.column_stack((c * np.cos(lo), c * np.sin(lo), np.sin(la)))


def chord_for_km(km: float) -> float:
    return 2.0 * math.sin(min(km / (2.0 * EARTH_RADIUS_KM), math.pi / 2))


def km_for_chord(chord: np.ndarray) -> np.ndarray:
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord * 0.5, 1.0))


def haversine_km_np(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# ---------------------------------------------------------------------------------------
# Candidates


@dataclass(frozen=True, eq=False)
class _Candidates:
    prov: np.ndarray  # (n, K) int64 provider index, -1 where none; nearest first
    km: np.ndarray  # (n, K) float64, inf where none
    # Extra arcs for explicit choices in range but beyond the K nearest.
    extra_rows: np.ndarray
    extra_prov: np.ndarray
    extra_km: np.ndarray
    chosen_ok: np.ndarray  # (n,) bool: the choice is active, of the mode, in range, has room
    has_mode: np.ndarray  # (n,) bool: some active provider serves the person's mode


def _normalise(clients: Clients, providers: Providers) -> tuple[ClientTable, ProviderTable]:
    pt = providers if isinstance(providers, ProviderTable) else ProviderTable.from_providers(list(providers))
    ct = clients if isinstance(clients, ClientTable) else ClientTable.from_clients(list(clients), pt.ids.tolist())
    return ct, pt


def _candidates(ct: ClientTable, pt: ProviderTable, k: int, *, workers: int) -> _Candidates:
    if k < 1:
        raise InvalidInput("candidates_per_client must be at least 1", code="invalid_candidates")
    n = len(ct)
    prov = np.full((n, k), -1, dtype=np.int64)
    km = np.full((n, k), np.inf)
    has_mode = np.zeros(n, dtype=bool)
    town_radius = ct.town_radius()
    xyz_c = unit_vectors(ct.lat, ct.lon) if n else np.zeros((0, 3))
    xyz_p = unit_vectors(pt.lat, pt.lon) if len(pt) else np.zeros((0, 3))
    for mode in (HOME, INSTITUTIONAL):
        rows = np.flatnonzero(ct.mode == mode)
        pidx = np.flatnonzero(pt.active & pt.serves(mode))
        if rows.size == 0 or pidx.size == 0:
            continue
        has_mode[rows] = True
        tree = cKDTree(xyz_p[pidx])
        # Ask for more than K so that nearer providers with smaller radii do not crowd out
        # farther ones that do cover the person.
        kq = int(min(pidx.size, 3 * k))
        farthest = max(float(pt.radius_km[pidx].max()), float(town_radius[rows].max()))
        bound = chord_for_km(farthest) * (1 + 1e-9) + 1e-12
        for lo in range(0, rows.size, 131_072):  # chunks keep the (rows, kq) temporaries small
            part = rows[lo : lo + 131_072]
            d, j = tree.query(xyz_c[part], k=kq, distance_upper_bound=bound, workers=workers)
            d, j = np.reshape(d, (part.size, kq)), np.reshape(j, (part.size, kq))
            found = j < pidx.size
            p = pidx[np.where(found, j, 0)]
            dk = km_for_chord(np.where(found, d, 0.0))
            within = found & (dk <= reach_km(pt.radius_km[p], town_radius[part][:, None]) + EPS_KM)
            # Move the in-radius entries to the front, keeping distance order; keep K.
            order = np.argsort(~within, axis=1, kind="stable")[:, :k]
            w = np.take_along_axis(within, order, axis=1)
            width = order.shape[1]
            prov[part, :width] = np.where(w, np.take_along_axis(p, order, axis=1), -1)
            km[part, :width] = np.where(w, np.take_along_axis(dk, order, axis=1), np.inf)

    # Explicit choices: eligible when active, of the mode, in radius and with room.
    room = pt.room()
    chosen_ok = np.zeros(n, dtype=bool)
    extra_rows = extra_prov = np.zeros(0, dtype=np.int64)
    extra_km = np.zeros(0)
    choosers = np.flatnonzero(ct.chosen >= 0)
    if choosers.size:
        cj = ct.chosen[choosers]
        serves = np.where(ct.mode[choosers] == HOME, pt.serves(HOME)[cj], pt.serves(INSTITUTIONAL)[cj])
        dist = haversine_km_np(ct.lat[choosers], ct.lon[choosers], pt.lat[cj], pt.lon[cj])
        in_reach = dist <= reach_km(pt.radius_km[cj], town_radius[choosers]) + EPS_KM
        ok = pt.active[cj] & serves & (room[cj] > 0) & in_reach
        chosen_ok[choosers] = ok
        listed = (prov[choosers] == cj[:, None]).any(axis=1)
        add = ok & ~listed
        extra_rows, extra_prov, extra_km = choosers[add], cj[add], dist[add]
    return _Candidates(prov, km, extra_rows, extra_prov, extra_km, chosen_ok, has_mode)


def _arcs(ct: ClientTable, pt: ProviderTable, c: _Candidates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Usable client → provider arcs (providers with room) as flat (rows, provider, km)."""
    room = pt.room()
    if room.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    usable = (c.prov >= 0) & (room[np.maximum(c.prov, 0)] > 0)
    rows = np.broadcast_to(np.arange(len(ct))[:, None], c.prov.shape)[usable]
    return (
        np.concatenate((rows, c.extra_rows)),
        np.concatenate((c.prov[usable], c.extra_prov)),
        np.concatenate((c.km[usable], c.extra_km)),
    )


def _ranks(
    ct: ClientTable, pt: ProviderTable, c: _Candidates, rows: np.ndarray, prov: np.ndarray, km: np.ndarray
) -> np.ndarray:
    """Rank of each placement: 1 + the in-radius providers of the mode strictly nearer
    (ties share a rank; 1e-9 km absorbs rounding)."""
    rank = np.zeros(rows.size, dtype=np.int64)
    if rows.size == 0:
        return rank
    in_list = (c.prov[rows] == prov[:, None]).any(axis=1)
    rank[in_list] = (c.km[rows[in_list]] < km[in_list, None] - EPS_KM).sum(axis=1) + 1
    # A choice beyond the K nearest: count the in-radius providers nearer than it.
    for t in np.flatnonzero(~in_list).tolist():
        i = int(rows[t])
        mask = pt.active & pt.serves(int(ct.mode[i]))
        d = haversine_km_np(ct.lat[i], ct.lon[i], pt.lat[mask], pt.lon[mask])
        within = d <= reach_km(pt.radius_km[mask], ct.town_radius()[i]) + EPS_KM
        rank[t] = int((within & (d < km[t] - EPS_KM)).sum()) + 1
    return rank


def _finish(
    ct: ClientTable,
    pt: ProviderTable,
    c: _Candidates,
    assigned: np.ndarray,
    dist: np.ndarray,
    method: str,
    *,
    workers: int,
) -> AssignmentPlan:
    n = len(ct)
    rows = np.flatnonzero(assigned >= 0)
    prov = assigned[rows]
    rank = np.zeros(n, dtype=np.int64)
    rank[rows] = _ranks(ct, pt, c, rows, prov, dist[rows])
    reason = np.full(n, _FULL, dtype=np.int8)
    reason[rows] = _NEAREST
    if method == "optimised" and rows.size:
        # "optimised": a nearer provider in range had a place, but the plan gave it to
        # someone else to lower the total; otherwise this is the nearest that had room.
        cand = c.prov[rows]
        had_room = (cand >= 0) & (pt.room()[np.maximum(cand, 0)] > 0) if len(pt) else np.zeros(cand.shape, bool)
        nearer = c.km[rows] < dist[rows][:, None] - EPS_KM
        reason[rows[(had_room & nearer).any(axis=1)]] = _OPTIMISED
    reason[rows[prov == ct.chosen[rows]]] = _CHOSEN

    nearest_index = np.full(n, -1, dtype=np.int64)
    nearest_km = np.full(n, np.nan)
    free = np.flatnonzero(assigned < 0)
    in_range = c.prov[free, 0] >= 0
    full = free[in_range]
    reason[full] = _FULL
    nearest_index[full] = c.prov[full, 0]
    nearest_km[full] = c.km[full, 0]
    out = free[~in_range]
    reason[out[~c.has_mode[out]]] = _NO_MODE
    out = out[c.has_mode[out]]
    # Out of range (or, rarely, in range of only a chosen provider beyond the query):
    # name the nearest active provider of the mode, whatever its radius.
    for mode in (HOME, INSTITUTIONAL):
        part = out[ct.mode[out] == mode]
        if part.size == 0:
            continue
        pidx = np.flatnonzero(pt.active & pt.serves(mode))
        _, j = cKDTree(unit_vectors(pt.lat[pidx], pt.lon[pidx])).query(
            unit_vectors(ct.lat[part], ct.lon[part]), k=1, workers=workers
        )
        nearest_index[part] = pidx[j]
        nearest_km[part] = haversine_km_np(ct.lat[part], ct.lon[part], pt.lat[pidx[j]], pt.lon[pidx[j]])
        reason[part] = _NO_RANGE
    # A person whose only in-range provider is a chosen one beyond the query, yet unplaced.
    odd = out[c.chosen_ok[out]]
    reason[odd] = _FULL
    nearest_index[odd] = ct.chosen[odd]
    nearest_km[odd] = haversine_km_np(ct.lat[odd], ct.lon[odd], pt.lat[ct.chosen[odd]], pt.lon[ct.chosen[odd]])
    distance = np.full(n, np.nan)
    distance[rows] = dist[rows]
    return AssignmentPlan(ct, pt, assigned, distance, rank, reason, nearest_index, nearest_km, method)


# ---------------------------------------------------------------------------------------
# The optimiser


def optimise(
    clients: Clients, providers: Providers, *, candidates_per_client: int = DEFAULT_CANDIDATES, workers: int = -1
) -> AssignmentPlan:
    """The plan that serves the most people, then minimises distance + the choice bonus
    (see the module docstring). ``workers`` is passed to cKDTree queries (-1: all cores).

    The candidate graph is split into connected components (people and the providers
    they can reach); each is an independent flow problem, solved on its own, which is
    markedly faster than one big network (cost scaling grows faster than linearly)."""
    ct, pt = _normalise(clients, providers)
    n, p = len(ct), len(pt)
    c = _candidates(ct, pt, candidates_per_client, workers=workers)
    rows, prov, km = _arcs(ct, pt, c)
    assigned = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    if rows.size:
        cost = np.rint(km * 1000.0).astype(np.int64)
        bonus = max(CHOICE_BONUS_M, int(cost.max()) + 1)
        cost += np.where(prov == ct.chosen[rows], 0, bonus)
        room = pt.room()
        graph = coo_matrix((np.ones(rows.size, dtype=np.int8), (rows, n + prov)), shape=(n + p, n + p))
        _, label = connected_components(graph, directed=False)
        component = label[rows]
        order = np.argsort(component, kind="stable")
        starts = np.flatnonzero(np.r_[True, component[order][1:] != component[order][:-1], True])
        taken = np.zeros(rows.size, dtype=bool)
        for a, b in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True):
            arcs = order[a:b]
            taken[arcs] = _solve_component(rows[arcs], prov[arcs], cost[arcs], room)
        assigned[rows[taken]] = prov[taken]
        dist[rows[taken]] = km[taken]
    return _finish(ct, pt, c, assigned, dist, "optimised", workers=workers)


def _solve_component(rows: np.ndarray, prov: np.ndarray, cost: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Max flow at min cost: source → each person (1) → candidate providers (1, cost) →
    sink (room). Returns which of the given arcs carry a person."""
    people, person = np.unique(rows, return_inverse=True)
    places, place = np.unique(prov, return_inverse=True)
    m, q = people.size, places.size
    source, sink = m + q, m + q + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate((person, np.full(m, source), m + np.arange(q))).astype(np.int32),
        np.concatenate((m + place, np.arange(m), np.full(q, sink))).astype(np.int32),
        np.concatenate((np.ones(rows.size + m, dtype=np.int64), room[places].astype(np.int64))),
        np.concatenate((cost, np.zeros(m + q, dtype=np.int64))),
    )
    flow.set_nodes_supplies(np.array([source, sink], dtype=np.int32), np.array([m, -m], dtype=np.int64))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:  # pragma: no cover - a max flow always exists
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return flow.flows(np.arange(rows.size, dtype=np.int32)) > 0


def greedy(
    clients: Clients,
    providers: Providers,
    *,
    candidates_per_client: int = DEFAULT_CANDIDATES,
    order: str = "arrival",
    workers: int = -1,
) -> AssignmentPlan:
    """The nearest-first baseline, on the same candidates as ``optimise``.

    ``order="arrival"``: each person in turn (the input order) takes their chosen provider
    if it can take them, else the nearest candidate with room — what placing every
    conclusion with ``assign_one`` as it arrives would give.
    ``order="distance"``: eligible choices first (nearest choosers first), then every
    candidate (client, provider) pair in order of distance, taken if the client is still
    free and the provider has room (the classic global greedy; it serves fewer people
    when capacity is tight, which makes its raw total look smaller)."""
    if order not in ("arrival", "distance"):
        raise InvalidInput(f"unknown greedy order {order!r}", code="invalid_order")
    ct, pt = _normalise(clients, providers)
    n = len(ct)
    c = _candidates(ct, pt, candidates_per_client, workers=workers)
    room = pt.room().tolist()
    assigned = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    if order == "arrival":
        chosen_km = np.full(n, np.nan)
        ok = np.flatnonzero(c.chosen_ok)
        chosen_km[ok] = haversine_km_np(ct.lat[ok], ct.lon[ok], pt.lat[ct.chosen[ok]], pt.lon[ct.chosen[ok]])
        out_p, out_d = assigned.tolist(), dist.tolist()
        cand_p, cand_d = c.prov.tolist(), c.km.tolist()
        for i, (ok_i, j_c, d_c) in enumerate(
            zip(c.chosen_ok.tolist(), ct.chosen.tolist(), chosen_km.tolist(), strict=True)
        ):
            if ok_i and room[j_c] > 0:
                room[j_c] -= 1
                out_p[i], out_d[i] = j_c, d_c
                continue
            for j, d in zip(cand_p[i], cand_d[i], strict=True):
                if j < 0:
                    break
                if room[j] > 0:
                    room[j] -= 1
                    out_p[i], out_d[i] = j, d
                    break
        assigned, dist = np.array(out_p, dtype=np.int64), np.array(out_d, dtype=np.float64)
        return _finish(ct, pt, c, assigned, dist, "greedy", workers=workers)

    rows, prov, km = _arcs(ct, pt, c)
    taken = bytearray(n)
    chosen = prov == ct.chosen[rows]
    for phase in (chosen, np.ones(rows.size, dtype=bool)):
        sel = np.flatnonzero(phase)
        sel = sel[np.argsort(km[sel], kind="stable")]
        picked = []
        for t, i, j in zip(sel.tolist(), rows[sel].tolist(), prov[sel].tolist(), strict=True):
            if not taken[i] and room[j] > 0:
                taken[i] = 1
                room[j] -= 1
                picked.append(t)
        picked_arr = np.array(picked, dtype=np.int64)
        assigned[rows[picked_arr]] = prov[picked_arr]
        dist[rows[picked_arr]] = km[picked_arr]
    return _finish(ct, pt, c, assigned, dist, "greedy", workers=workers)


# ---------------------------------------------------------------------------------------
# One new person, nobody else moves


def assign_one(
    client: Client, providers: Sequence[Provider], loads: Mapping[Hashable, int] | None = None
) -> Assignment | Unassigned:
    """Place one person without moving anyone: the chosen provider if it is active, of the
    mode, in range and has room; else the nearest such provider with room.

    ``loads`` gives each provider's present head count (defaults to ``current_load``)."""
    loads = loads or {}
    eligible = []
    for p in providers:
        if p.active and p.serves(client.mode):
            eligible.append((haversine_km(client.lat, client.lon, p.lat, p.lon), str(p.id), p))
    if not eligible:
        return Unassigned(client.id, "no_active_provider_of_mode", None, None)
    eligible.sort(key=lambda e: (e[0], e[1]))
    in_range = [(d, p) for d, _, p in eligible if d <= reach_km(p.radius_km, client.town_radius_km) + EPS_KM]
    if not in_range:
        d, _, p = eligible[0]
        return Unassigned(client.id, "no_provider_in_range", p.id, d)

    def has_room(p: Provider) -> bool:
        return loads.get(p.id, p.current_load) < p.capacity

    def rank(d: float) -> int:
        return 1 + sum(1 for e, _ in in_range if e < d - EPS_KM)

    for d, p in in_range:
        if client.chosen_provider_id is not None and p.id == client.chosen_provider_id and has_room(p):
            return Assignment(client.id, p.id, d, rank(d), "chosen_provider")
    for d, p in in_range:
        if has_room(p):
            return Assignment(client.id, p.id, d, rank(d), "nearest_with_room")
    d, p = in_range[0]
    return Unassigned(client.id, "providers_full", p.id, d)


# ---------------------------------------------------------------------------------------
# Preview of a full re-optimisation


def preview_reoptimisation(current: Mapping[Hashable, Hashable], plan: AssignmentPlan) -> Preview:
    """Who a plan would move, relative to ``current`` (client id → provider id), with
    distances before and after; people newly placed or left out are moves too."""
    ct, pt = plan.clients, plan.providers
    pindex = {pid: j for j, pid in enumerate(pt.ids.tolist())}
    moves: list[Move] = []
    before_total = 0.0
    assigned_before = 0
    for i, cid in enumerate(ct.ids.tolist()):
        now = current.get(cid)
        j_now = pindex.get(now, -1) if now is not None else -1
        d_now = None
        if now is not None:
            assigned_before += 1
            if j_now >= 0:
                d_now = haversine_km(float(ct.lat[i]), float(ct.lon[i]), float(pt.lat[j_now]), float(pt.lon[j_now]))
                before_total += d_now
        j_new = int(plan.provider_index[i])
        new = _py(pt.ids[j_new]) if j_new >= 0 else None
        if new != now:
            moves.append(Move(cid, now, new, d_now, float(plan.distance_km[i]) if j_new >= 0 else None))
    moves.sort(key=lambda mv: -abs((mv.distance_before_km or 0.0) - (mv.distance_after_km or 0.0)))
    return Preview(tuple(moves), before_total, plan.total_km, assigned_before, plan.assigned_count)
