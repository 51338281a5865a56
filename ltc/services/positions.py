"""Positions arrive in WGS-84 unless the request says they come from a Chinese map picker
(GCJ-02); they are stored in WGS-84 either way."""

from __future__ import annotations

from typing import Annotated, Literal, overload

from pydantic import Field

from ltc.domain.coordinates import check_coordinates, gcj02_to_wgs84
from ltc.domain.errors import InvalidInput

COORDINATE_SYSTEMS = ("wgs84", "gcj02")

CoordinateSystem = Annotated[
    Literal["wgs84", "gcj02"],
    Field(description="gcj02: lat/lon come from a Chinese map picker; they are converted and stored as WGS-84"),
]


@overload
def to_wgs84(lat: float, lon: float, system: str | None) -> tuple[float, float]: ...


@overload
def to_wgs84(lat: float | None, lon: float | None, system: str | None) -> tuple[float | None, float | None]: ...


def to_wgs84(lat: float | None, lon: float | None, system: str | None) -> tuple[float | None, float | None]:
    """``(lat, lon)`` in WGS-84, given in ``system`` (None: WGS-84). A GCJ-02 position needs
    both halves; a partial change in WGS-84 passes through as it is."""
    system = system or "wgs84"
    if system not in COORDINATE_SYSTEMS:
        raise InvalidInput(f"未知坐标系 {system}", code="unknown_coordinate_system")
    if system == "gcj02" and (lat is not None or lon is not None):
        if lat is None or lon is None:
            raise InvalidInput("lat 和 lon 须同时提供", code="coordinates_incomplete")
        check_coordinates(lat, lon)
        lat, lon = (round(v, 7) for v in gcj02_to_wgs84(lat, lon))
    return lat, lon
