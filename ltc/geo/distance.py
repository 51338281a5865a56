"""Distances on the WGS-84 ellipsoid (geopy's geodesic) for what the system reports."""

from __future__ import annotations

from geopy.distance import geodesic

from ltc.domain.errors import InvalidInput


def check_coordinates(lat: float, lon: float) -> None:
    if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):
        raise InvalidInput(f"({lat}, {lon}) is not a WGS-84 position", code="coordinates_out_of_range")


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic(a, b).km
