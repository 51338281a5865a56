"""The bounds that keep absurd but well-formed values out: a service radius no district has,
a position outside China for something of the district."""

from __future__ import annotations

import pytest

from ltc.domain.agreements import MAX_RADIUS_KM, check_radius
from ltc.domain.coordinates import check_in_china
from ltc.domain.errors import InvalidInput


@pytest.mark.parametrize("radius", [0.0, -1.0, MAX_RADIUS_KM + 0.001, 1e308])
def test_an_absurd_radius_is_refused(radius: float) -> None:
    with pytest.raises(InvalidInput) as err:
        check_radius(radius)
    assert err.value.code == "invalid_radius"


@pytest.mark.parametrize("radius", [0.1, 5.0, MAX_RADIUS_KM])
def test_a_sensible_radius_passes(radius: float) -> None:
    check_radius(radius)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(0.0, 0.0), (21.0, 29.7), (29.7, -121.5), (-29.7, 121.5), (51.5, -0.1)],
)
def test_a_position_outside_china_is_refused(lat: float, lon: float) -> None:
    with pytest.raises(InvalidInput) as err:
        check_in_china(lat, lon)
    assert err.value.code == "position_outside_china"


def test_a_position_in_the_district_passes_and_an_impossible_one_keeps_its_code() -> None:
    check_in_china(29.68, 121.25)
    with pytest.raises(InvalidInput) as err:
        check_in_china(123.0, 121.25)
    assert err.value.code == "coordinates_out_of_range"
