"""A synthetic city for the assignment benchmark and property tests. Pure and seeded.

The district's twelve towns (``ltc.geo.data.fenghua_towns.csv``, ~45 × 30 km) are tiled
into a grid of districts (one per ~24 providers), each with its towns jittered and its
population re-weighted, so a large run spreads over a city-sized area instead of piling
up in one spot. Around each town sit villages (gaussian clusters); people are drawn from
the villages, weighted by the town's share of people aged 60+. Providers stand near the
population (one at each town centre first, then drawn like the people), of mixed kinds,
with a service radius by terrain (urban 5 km … mountain 15 km). Each mode's total
capacity is ~1.05 × its clients, shared out by the demand around each provider with
noise, so some providers are short locally while the whole is tight. A few remote
villages lie beyond every provider's radius, and a small share of providers is inactive.
A share of the people name a provider of their own (one of their three nearest).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from ltc.domain.assignment import (
    HOME,
    INSTITUTIONAL,
    ClientTable,
    ProviderTable,
    haversine_km_np,
    unit_vectors,
)
from ltc.domain.coordinates import EARTH_RADIUS_KM

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0
RADIUS_BY_TERRAIN = {"urban": 5.0, "plain": 8.0, "hill": 10.0, "coastal": 10.0, "mountain": 15.0}
SPREAD_BY_TERRAIN = {"urban": 1.5, "plain": 3.0, "hill": 4.5, "coastal": 4.0, "mountain": 6.0}
VILLAGES_BY_TERRAIN = {"urban": 3, "plain": 5, "hill": 6, "coastal": 5, "mountain": 7}
PROVIDERS_PER_DISTRICT = 24
CAPACITY_FACTOR = 1.05


class TownLike(Protocol):
    lat: float
    lon: float
    share_60plus: float
    terrain: str


def _offset(lat: np.ndarray, lon: np.ndarray, dy_km: np.ndarray, dx_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    new_lat = lat + dy_km / KM_PER_DEGREE
    return new_lat, lon + dx_km / (KM_PER_DEGREE * np.cos(np.radians(lat)))


def _reach_matrix(lat: np.ndarray, lon: np.ndarray, radius_km: np.ndarray) -> csr_matrix:
    """Sparse (V, V): row v marks the villages within ``radius_km[v]`` of village v."""
    xyz = unit_vectors(lat, lon)
    chords = 2.0 * np.sin(radius_km / (2.0 * EARTH_RADIUS_KM))
    lists = cKDTree(xyz).query_ball_point(xyz, chords)
    indptr = np.concatenate(([0], np.cumsum([len(x) for x in lists])))
    indices = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
    return csr_matrix((np.ones(indices.size), indices, indptr), shape=(lat.size, lat.size))


def generate_city(
    towns: Sequence[TownLike],
    *,
    clients: int,
    providers: int,
    seed: int,
    home_share: float = 0.6,
    kind_shares: tuple[float, float, float] = (0.40, 0.45, 0.15),  # home, institutional, both
    inactive_share: float = 0.02,
    choice_share: float = 0.10,
    remote_share: float = 0.001,
    capacity_noise: float = 0.3,
) -> tuple[ClientTable, ProviderTable]:
    """``clients`` people and ``providers`` providers; the same seed gives the same city."""
    if not towns or providers < 1 or clients < 0:
        raise ValueError("need towns, at least one provider and a non-negative number of clients")
    rng = np.random.default_rng(seed)
    t_lat = np.array([t.lat for t in towns])
    t_lon = np.array([t.lon for t in towns])
    t_share = np.array([t.share_60plus for t in towns])
    t_terrain = [t.terrain for t in towns]
    nt = len(towns)

    # Districts on a grid, spaced by the towns' extent plus a gap.
    districts = max(1, math.ceil(providers / PROVIDERS_PER_DISTRICT))
    cols = math.ceil(math.sqrt(districts * 1.5))
    span_lat = (t_lat.max() - t_lat.min()) + 0.12
    span_lon = (t_lon.max() - t_lon.min()) + 0.15
    d_index = np.arange(districts)
    d_row, d_col = d_index // cols, d_index % cols
    d_dlat = (d_row - d_row.mean()) * span_lat
    d_dlon = (d_col - d_col.mean()) * span_lon
    d_weight = rng.lognormal(0.0, 0.3, districts)

    # Towns of every district: (districts * nt) centres.
    town_lat, town_lon = _offset(
        (d_dlat[:, None] + t_lat[None, :]).ravel(),
        (d_dlon[:, None] + t_lon[None, :]).ravel(),
        rng.normal(0, 1.5, districts * nt),
        rng.normal(0, 1.5, districts * nt),
    )
    town_terrain = np.array(t_terrain * districts)
    town_weight = (d_weight[:, None] * t_share[None, :] * rng.lognormal(0.0, 0.3, (districts, nt))).ravel()

    # Villages around each town; the first is the town centre and carries the most people.
    v_town, v_lat, v_lon, v_weight, v_sd = [], [], [], [], []
    for k in range(districts * nt):
        terrain = str(town_terrain[k])
        count = VILLAGES_BY_TERRAIN.get(terrain, 5)
        spread = SPREAD_BY_TERRAIN.get(terrain, 3.0)
        dy = np.concatenate(([0.0], rng.normal(0, spread, count - 1)))
        dx = np.concatenate(([0.0], rng.normal(0, spread, count - 1)))
        la, lo = _offset(np.full(count, town_lat[k]), np.full(count, town_lon[k]), dy, dx)
        w = rng.gamma(1.0, 1.0, count)
        w[0] += 2.0
        v_town.append(np.full(count, k))
        v_lat.append(la)
        v_lon.append(lo)
        v_weight.append(town_weight[k] * w / w.sum())
        v_sd.append(np.full(count, 0.8 if terrain == "urban" else 0.5))
    village_town = np.concatenate(v_town)
    village_lat, village_lon = np.concatenate(v_lat), np.concatenate(v_lon)
    village_p = np.concatenate(v_weight)
    village_p /= village_p.sum()
    village_sd = np.concatenate(v_sd)

    # Providers. Most are placed to cover people nobody covers yet (for the modes they
    # serve, greedily by uncovered population), the rest are drawn like the people.
    p_kind = rng.choice(3, providers, p=np.array(kind_shares) / sum(kind_shares)).astype(np.int8)
    for mode in (HOME, INSTITUTIONAL):  # at least one provider of each mode
        if not ((p_kind == mode) | (p_kind == 2)).any():
            p_kind[mode % providers] = 2
    p_active = rng.random(providers) >= inactive_share
    for mode in (HOME, INSTITUTIONAL):
        serving = (p_kind == mode) | (p_kind == 2)
        if not (serving & p_active).any():
            p_active[np.flatnonzero(serving)[0]] = True
    village_radius = np.array([RADIUS_BY_TERRAIN.get(str(town_terrain[k]), 10.0) for k in village_town])
    reach = _reach_matrix(village_lat, village_lon, np.maximum(village_radius - 2.0, 1.0))
    uncovered = np.vstack((village_p, village_p))  # per mode
    p_village = np.full(providers, -1, dtype=np.int64)
    for t in np.flatnonzero(p_active)[: int(0.7 * providers)].tolist():
        modes = [HOME, INSTITUTIONAL] if p_kind[t] == 2 else [int(p_kind[t])]
        score = reach @ uncovered[modes].sum(axis=0)
        v = int(np.argmax(score))
        if score[v] < 2e-4:
            break
        p_village[t] = v
        covered = reach.indices[reach.indptr[v] : reach.indptr[v + 1]]
        uncovered[np.ix_(np.asarray(modes), covered)] = 0.0
    rest = np.flatnonzero(p_village < 0)
    p_village[rest] = rng.choice(village_p.size, rest.size, p=village_p)
    p_lat, p_lon = _offset(
        village_lat[p_village], village_lon[p_village], rng.normal(0, 0.7, providers), rng.normal(0, 0.7, providers)
    )
    p_radius = village_radius[p_village]

    # Remote villages: beyond every provider's radius by at least 2 km.
    remote_total = round(clients * remote_share)
    remote_villages = max(1, districts // 3) if remote_total else 0
    r_lat, r_lon = [], []
    for _ in range(remote_villages):
        for _attempt in range(60):
            near_town = rng.integers(districts * nt)
            dist = rng.uniform(18.0, 40.0)
            bearing = rng.uniform(0, 2 * math.pi)
            la, lo = _offset(
                town_lat[near_town : near_town + 1],
                town_lon[near_town : near_town + 1],
                np.array([dist * math.cos(bearing)]),
                np.array([dist * math.sin(bearing)]),
            )
            gap = haversine_km_np(la[0], lo[0], p_lat, p_lon) - p_radius
            if gap.min() > 2.0:
                r_lat.append(float(la[0]))
                r_lon.append(float(lo[0]))
                break
    if not r_lat:
        remote_total = 0

    # People.
    main = clients - remote_total
    village = rng.choice(village_p.size, main, p=village_p)
    sd = village_sd[village]
    c_lat, c_lon = _offset(
        village_lat[village], village_lon[village], rng.normal(0, 1, main) * sd, rng.normal(0, 1, main) * sd
    )
    if remote_total:
        which = rng.integers(len(r_lat), size=remote_total)
        rl, ro = _offset(
            np.array(r_lat)[which],
            np.array(r_lon)[which],
            rng.normal(0, 0.3, remote_total),
            rng.normal(0, 0.3, remote_total),
        )
        c_lat, c_lon = np.concatenate((c_lat, rl)), np.concatenate((c_lon, ro))
    c_mode = np.where(rng.random(clients) < home_share, HOME, INSTITUTIONAL).astype(np.int8)

    # Capacity: per mode, 1.05 × the people nearest each provider, with noise.
    xyz_c, xyz_p = unit_vectors(c_lat, c_lon), unit_vectors(p_lat, p_lon)
    capacity = np.zeros(providers)
    chosen = np.full(clients, -1, dtype=np.int64)
    choosers = rng.random(clients) < choice_share
    for mode in (HOME, INSTITUTIONAL):
        pidx = np.flatnonzero(((p_kind == mode) | (p_kind == 2)) & p_active)
        rows = np.flatnonzero(c_mode == mode)
        if rows.size == 0:
            continue
        tree = cKDTree(xyz_p[pidx])
        k3 = min(3, pidx.size)
        _, near = tree.query(xyz_c[rows], k=k3)
        near = near.reshape(rows.size, k3)
        demand = np.bincount(near[:, 0], minlength=pidx.size).astype(float)
        noisy = demand * rng.lognormal(0.0, capacity_noise, pidx.size)
        if noisy.sum() > 0:
            capacity[pidx] += CAPACITY_FACTOR * noisy * (rows.size / noisy.sum())
        pick = choosers[rows]
        col = np.minimum(rng.geometric(0.55, rows.size) - 1, k3 - 1)
        chosen[rows[pick]] = pidx[near[pick, col[pick]]]
    inactive = ~p_active
    capacity[inactive] = rng.integers(20, 200, inactive.sum())
    capacity = np.maximum(np.rint(capacity), 1).astype(np.int64)

    return (
        ClientTable(
            ids=np.arange(clients, dtype=np.int64),
            lat=c_lat,
            lon=c_lon,
            mode=c_mode,
            chosen=chosen,
        ),
        ProviderTable(
            ids=np.arange(providers, dtype=np.int64),
            lat=p_lat,
            lon=p_lon,
            kind=p_kind,
            radius_km=p_radius,
            capacity=capacity,
            current_load=np.zeros(providers, dtype=np.int64),
            active=p_active,
        ),
    )
