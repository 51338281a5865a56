"""Distances on the WGS-84 ellipsoid (geopy's geodesic) for what the system reports.

Whether a position is valid is the domain's rule (``ltc.domain.coordinates``); it is
re-exported here for the callers that validate a position before measuring from it."""

from __future__ import annotations

from geopy.distance import geodesic

from ltc.domain.coordinates import check_coordinates

__all__ = ["check_coordinates", "distance_km"]


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic(a, b).km
