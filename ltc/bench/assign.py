"""Assign a synthetic city's beneficiaries to providers (min-cost flow vs greedy).

Generates a city from the towns file (clustered population, total capacity ~1.05x per
mode, radius limits, a few remote villages), times the optimiser alone (generation and
the greedy baseline are excluded), and checks the result independently: capacity is
counted from the plan's placements and distances are recomputed from coordinates, not
taken from what the engine reports about itself.

The baseline is ``greedy(order="arrival")``: every person in turn takes their choice or
the nearest provider with room, as ``assign_one`` would place conclusions as they come.
Note that the optimiser first serves as many people as possible, so when capacity is
tight it places people greedy leaves unassigned, and its ``total_km`` includes their
travel; ``greedy_total_km`` does not include anything for the people greedy strands.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from ltc.bench import peak_rss_mb
from ltc.demo.synthetic_city import generate_city
from ltc.domain.assignment import greedy, haversine_km_np, optimise
from ltc.geo.towns import load_towns

# What grows with the city (`ltc bench growth` multiplies these flags by the size) and the
# figures whose growth it fits.
SCALES = ("clients", "providers")
GROWTH_FIGURES = ("seconds",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=50_000, help="beneficiaries to assign")
    parser.add_argument("--providers", type=int, default=359, help="designated providers")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic city")


def capacity_violations(
    provider_index: np.ndarray, capacity: np.ndarray, current_load: np.ndarray, active: np.ndarray
) -> int:
    """Providers holding more people than their capacity allows (or any, when inactive)."""
    placed = np.bincount(provider_index[provider_index >= 0], minlength=capacity.size)
    allowed = np.where(active, np.maximum(capacity - current_load, 0), 0)
    return int((placed > allowed).sum())


def run(args: argparse.Namespace) -> dict[str, Any]:
    clients, providers = generate_city(load_towns(), clients=args.clients, providers=args.providers, seed=args.seed)

    started = time.perf_counter()
    plan = optimise(clients, providers)
    seconds = time.perf_counter() - started

    # Independent checks: capacity from the placements, distance recomputed from coordinates.
    rows = np.flatnonzero(plan.provider_index >= 0)
    placed = plan.provider_index[rows]
    km = haversine_km_np(clients.lat[rows], clients.lon[rows], providers.lat[placed], providers.lon[placed])
    if (km > providers.radius_km[placed] + 1e-9).any():
        raise AssertionError("an assignment lies outside its provider's radius")
    baseline = greedy(clients, providers, order="arrival")
    # The optimiser serves as many people as possible before it minimises distance, so it
    # may place people greedy strands; compare the two on the people both placed as well.
    both = (plan.provider_index >= 0) & (baseline.provider_index >= 0)
    optimised_both = haversine_km_np(
        clients.lat[both],
        clients.lon[both],
        providers.lat[plan.provider_index[both]],
        providers.lon[plan.provider_index[both]],
    )
    greedy_both = haversine_km_np(
        clients.lat[both],
        clients.lon[both],
        providers.lat[baseline.provider_index[both]],
        providers.lon[baseline.provider_index[both]],
    )
    return {
        "clients": args.clients,
        "providers": args.providers,
        "seconds": round(seconds, 3),
        "peak_rss_mb": peak_rss_mb(),
        "total_km": round(float(km.sum()), 1),
        "greedy_total_km": round(baseline.total_km, 1),
        "unassigned": plan.unassigned_count,
        "greedy_unassigned": baseline.unassigned_count,
        "mean_km": round(float(km.mean()), 3) if km.size else None,
        "greedy_mean_km": round(baseline.total_km / max(args.clients - baseline.unassigned_count, 1), 3),
        "both_placed": int(both.sum()),
        "both_placed_km": round(float(optimised_both.sum()), 1),
        "both_placed_greedy_km": round(float(greedy_both.sum()), 1),
        "capacity_violations": capacity_violations(
            plan.provider_index, providers.capacity, providers.current_load, providers.active
        ),
    }
