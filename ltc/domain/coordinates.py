"""Pure geometry for positions: validity, great-circle distance, and the GCJ-02 offset.

Maps served in mainland China (AMap/Gaode, Tencent) return GCJ-02 ("Mars") coordinates,
WGS-84 shifted by a published, deliberately non-linear offset of a few hundred metres.
The system stores WGS-84; ``gcj02_to_wgs84`` undoes the offset by fixed-point iteration
(the forward transform is smooth and close to the identity, so each step shrinks the error
by orders of magnitude; a few iterations reach sub-millimetre agreement). Outside China
the offset is not applied, so both functions return their input unchanged there.

``haversine_km`` is the distance on a sphere of the IUGG mean radius; the service layer
reports geodesic (ellipsoidal) distances, which differ by at most ~0.5 %.
"""

from __future__ import annotations

import math

from ltc.domain.errors import InvalidInput

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 algorithm.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def check_coordinates(lat: float, lon: float) -> None:
    """Refuse anything that is not a finite WGS-84 latitude/longitude pair."""
    try:
        ok = math.isfinite(lat) and math.isfinite(lon) and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0
    except TypeError:
        ok = False
    if not ok:
        raise InvalidInput(f"({lat}, {lon}) is not a WGS-84 position", code="coordinates_out_of_range")


def check_in_china(lat: float, lon: float) -> None:
    """Refuse a position outside China for someone or something of the district (a valid
    WGS-84 pair with the halves swapped or a sign lost, typically)."""
    check_coordinates(lat, lon)
    if outside_china(lat, lon):
        raise InvalidInput(f"({lat}, {lon}) is outside China", code="position_outside_china")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius ``EARTH_RADIUS_KM``."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def outside_china(lat: float, lon: float) -> bool:
    """The rough bounding box the GCJ-02 algorithm uses to decide whether to apply the offset."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lat: float, lon: float) -> tuple[float, float]:
    """(dlat, dlon) in degrees that GCJ-02 adds to a WGS-84 position."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1 - _GCJ_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 (the forward, published transform); unchanged outside China."""
    if outside_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_offset(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(
    lat: float, lon: float, *, tolerance_deg: float = 1e-10, max_iterations: int = 30
) -> tuple[float, float]:
    """GCJ-02 → WGS-84 by fixed-point iteration on the forward transform; unchanged outside China.

    Start from the GCJ-02 point itself and repeatedly correct by the residual
    ``wgs84_to_gcj02(guess) - target``; 1e-10° is ~0.01 mm.
    """
    if outside_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(max_iterations):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        err_lat, err_lon = glat - lat, glon - lon
        wlat -= err_lat
        wlon -= err_lon
        if abs(err_lat) < tolerance_deg and abs(err_lon) < tolerance_deg:
            break
    return wlat, wlon
