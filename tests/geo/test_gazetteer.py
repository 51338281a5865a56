from __future__ import annotations

import pytest

from ltc.domain.coordinates import check_coordinates
from ltc.domain.errors import InvalidInput
from ltc.geo.distance import distance_km
from ltc.geo.gazetteer import GazetteerGeocoder
from ltc.geo.towns import load_towns


@pytest.fixture(scope="module")
def geocoder() -> GazetteerGeocoder:
    return GazetteerGeocoder(load_towns())


@pytest.mark.parametrize(
    "address, town_code",
    [
        ("奉化区溪口镇岩头村12号", "330213007"),
        ("浙江省宁波市奉化区大堰镇某村3号", "330213012"),
        ("萧王庙街道青云村", "330213005"),
        ("12 Song'ao Road", "330213011"),
        ("锦屏 中山路8号", "330213001"),
    ],
)
def test_an_address_naming_a_town_resolves_to_it(geocoder: GazetteerGeocoder, address: str, town_code: str) -> None:
    location = geocoder.geocode(address)
    assert location is not None and location.raw["town_code"] == town_code
    town = next(t for t in load_towns() if t.code == town_code)
    assert (location.latitude, location.longitude) == (town.lat, town.lon)


def test_an_address_naming_no_town_does_not_resolve(geocoder: GazetteerGeocoder) -> None:
    assert geocoder.geocode("北京市朝阳区") is None
    assert geocoder.geocode("") is None


def test_the_packaged_towns_are_the_shared_data() -> None:
    towns = load_towns()
    assert len(towns) == 12
    assert sum(t.share_60plus for t in towns) == pytest.approx(1.0, abs=0.01)


def test_distances_are_geodesic_kilometres() -> None:
    # Xikou to Dayan: about 18 km across the hills.
    xikou = next(t for t in load_towns() if t.name == "溪口镇")
    dayan = next(t for t in load_towns() if t.name == "大堰镇")
    assert 15 < distance_km((xikou.lat, xikou.lon), (dayan.lat, dayan.lon)) < 22


@pytest.mark.parametrize("lat, lon", [(91, 0), (0, 181), (-90.5, 10)])
def test_coordinates_out_of_range_are_refused(lat: float, lon: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_coordinates(lat, lon)
    assert caught.value.code == "coordinates_out_of_range"
