"""Positions arrive in WGS-84 unless the request says they come from a Chinese map picker
(GCJ-02); they are stored in WGS-84 either way."""

from __future__ import annotations

from typing import Any

from ltc.domain.coordinates import check_coordinates, gcj02_to_wgs84
from ltc.domain.errors import InvalidInput

COORDINATE_SYSTEMS = ("wgs84", "gcj02")


def as_wgs84(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with lat/lon in WGS-84 and the ``coordinate_system`` key removed."""
    result = dict(data)
    system = result.pop("coordinate_system", None) or "wgs84"
    if system not in COORDINATE_SYSTEMS:
        raise InvalidInput(f"未知坐标系 {system}", code="unknown_coordinate_system")
    lat, lon = result.get("lat"), result.get("lon")
    if system == "gcj02" and (lat is not None or lon is not None):
        if lat is None or lon is None:
            raise InvalidInput("lat 和 lon 须同时提供", code="coordinates_incomplete")
        check_coordinates(lat, lon)
        result["lat"], result["lon"] = (round(v, 7) for v in gcj02_to_wgs84(lat, lon))
    return result
