"""Pure geometry: coordinate checks, great-circle distance and the GCJ-02 offset."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain.coordinates import (
    EARTH_RADIUS_KM,
    check_coordinates,
    gcj02_to_wgs84,
    haversine_km,
    outside_china,
    wgs84_to_gcj02,
)
from ltc.domain.errors import InvalidInput

# Mainland China, well inside the GCJ-02 bounding box.
china_lat = st.floats(min_value=18.5, max_value=53.0)
china_lon = st.floats(min_value=74.0, max_value=134.0)


def test_one_degree_of_latitude_is_r_times_pi_over_180() -> None:
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(EARTH_RADIUS_KM * math.pi / 180, rel=1e-12)
    assert haversine_km(29.65, 121.40, 29.65, 121.40) == 0.0


def test_antipodes_are_half_a_circumference_apart() -> None:
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_a_district_distance_matches_a_flat_estimate() -> None:
    # Jinping to Xikou in Fenghua: ~15.6 km west, ~2.3 km north.
    flat = math.hypot((121.4065 - 121.2470) * 111.195 * math.cos(math.radians(29.667)), (29.6770 - 29.6565) * 111.195)
    assert haversine_km(29.6565, 121.4065, 29.6770, 121.2470) == pytest.approx(flat, rel=1e-3)


@pytest.mark.parametrize("lat, lon", [(0.0, 0.0), (90.0, 180.0), (-90.0, -180.0), (29.65, 121.40)])
def test_valid_positions_pass(lat: float, lon: float) -> None:
    check_coordinates(lat, lon)


@pytest.mark.parametrize(
    "lat, lon",
    [(90.0001, 0.0), (-91.0, 0.0), (0.0, 180.5), (0.0, -181.0), (math.nan, 0.0), (0.0, math.inf), (121.4, 29.6)],
)
def test_out_of_range_positions_are_refused(lat: float, lon: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_coordinates(lat, lon)
    assert caught.value.code == "coordinates_out_of_range"


def test_non_numbers_are_refused() -> None:
    with pytest.raises(InvalidInput):
        check_coordinates("29.6", 121.4)  # type: ignore[arg-type]


def test_the_offset_in_fenghua_is_a_few_hundred_metres() -> None:
    lat, lon = 29.6565, 121.4065
    glat, glon = wgs84_to_gcj02(lat, lon)
    assert 100 < haversine_km(lat, lon, glat, glon) * 1000 < 1000
    # Here GCJ-02 moves points south-east (about -0.0023° lat, +0.0045° lon).
    assert glat < lat and glon > lon


@given(lat=china_lat, lon=china_lon)
def test_forward_offset_is_small_everywhere_in_china(lat: float, lon: float) -> None:
    glat, glon = wgs84_to_gcj02(lat, lon)
    assert haversine_km(lat, lon, glat, glon) < 1.5


@given(lat=china_lat, lon=china_lon)
def test_gcj02_round_trip_within_one_metre(lat: float, lon: float) -> None:
    glat, glon = wgs84_to_gcj02(lat, lon)
    back_lat, back_lon = gcj02_to_wgs84(glat, glon)
    assert haversine_km(lat, lon, back_lat, back_lon) * 1000 < 1.0


@given(lat=china_lat, lon=china_lon)
def test_inverse_then_forward_gives_the_gcj02_point_back(lat: float, lon: float) -> None:
    wlat, wlon = gcj02_to_wgs84(lat, lon)
    if outside_china(wlat, wlon):  # the box edge: the forward transform is the identity there
        return
    glat, glon = wgs84_to_gcj02(wlat, wlon)
    assert haversine_km(lat, lon, glat, glon) * 1000 < 0.01


@pytest.mark.parametrize("lat, lon", [(51.5, -0.12), (35.68, 139.77), (-33.9, 151.2), (60.0, 100.0)])
def test_outside_china_both_directions_are_the_identity(lat: float, lon: float) -> None:
    assert outside_china(lat, lon)
    assert wgs84_to_gcj02(lat, lon) == (lat, lon)
    assert gcj02_to_wgs84(lat, lon) == (lat, lon)
