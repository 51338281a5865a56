"""The online geocoder path of the geocoding job: rate limited, retried, cached, and never
guessing when the service cannot be reached. The service itself is a stand-in geopy
geocoder; everything around it is the real job against the real database."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from ltc.db.tables import GeocodeCache, Person
from ltc.domain.access import Actor, Role
from ltc.domain.identity import make_id_number
from ltc.geo import online
from ltc.services import jobs, persons
from ltc.services.geocoding import GeocodeParams

KNOWN = "萧王庙街道青云村5号"
UNREACHABLE = "大堰镇柏坑村1号"
UNKNOWN = "尚田街道无名路9号"


class StandInNominatim(Geocoder):
    """Answers one address, times out once on it first, and is unreachable for another."""

    def __init__(self) -> None:
        super().__init__(user_agent="test")
        self.calls: list[tuple[float, str]] = []
        self._timed_out = False

    def geocode(self, query, *, exactly_one=True, country_codes=None, **_):  # type: ignore[override]
        self.calls.append((time.monotonic(), query))
        if KNOWN in query:
            if not self._timed_out:
                self._timed_out = True
                raise GeocoderTimedOut("slow")
            return Location("青云村", (29.6081, 121.3553), {})
        if UNREACHABLE in query:
            raise GeocoderUnavailable("down")
        return None


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> StandInNominatim:
    geocoder = StandInNominatim()
    monkeypatch.setattr(online, "nominatim", lambda settings: geocoder)
    return geocoder


async def test_the_online_geocoder_refines_places_retries_and_caches(fixed_services, stand_in) -> None:
    settings = fixed_services.settings.model_copy(
        update={"geocoder_url": "https://nominatim.test", "geocoder_min_delay_seconds": 0.05, "geocoder_max_retries": 2}
    )
    services = replace(fixed_services, settings=settings)
    bureau = Actor(user_id=2, username="bureau", role=Role.BUREAU)
    ids = {}
    for n, (address, town) in enumerate([(KNOWN, "萧王庙街道"), (UNREACHABLE, "大堰镇"), (UNKNOWN, "尚田街道")]):
        person = await persons.register_person(
            fixed_services,
            bureau,
            persons.PersonIn(
                id_number=make_id_number(
                    "330298", fixed_services.clock.now().date().replace(year=1940), 10 + 2 * n, "F"
                ),
                name=f"测试{n}",
                address=address,
                town=town,
                insured=True,
            ),
        )
        assert person.geocoded_by == "gazetteer", "placed at its town at once"
        ids[address] = person.id
    before = {row["id"]: row for row in await Person.select().where(Person.id.is_in(list(ids.values())))}

    job_id = await jobs.start_job(services, None, "geocode_persons", GeocodeParams(person_ids=tuple(ids.values())))
    assert await jobs.execute_job(services, job_id) == "done"
    result = (await jobs.get_job(Actor(user_id=1, username="admin", role=Role.BUREAU), job_id)).result

    known = await Person.select().where(Person.id == ids[KNOWN]).first()
    assert (known["lat"], known["lon"], known["geocoded_by"]) == (29.6081, 121.3553, "online")
    unreachable = await Person.select().where(Person.id == ids[UNREACHABLE]).first()
    assert unreachable == before[ids[UNREACHABLE]], "a failure leaves the town-level place as it was"
    assert ids[UNREACHABLE] in result["failed_person_ids"]
    known_calls = [t for t, q in stand_in.calls if KNOWN in q]
    assert len(known_calls) == 2, "the timeout was retried once"
    assert len([q for _, q in stand_in.calls if UNREACHABLE in q]) == 3, "tried, then retried twice"
    gaps = [b - a for (a, _), (b, _) in zip(stand_in.calls, stand_in.calls[1:], strict=False)]
    assert min(gaps) >= 0.045, "calls are spaced by the configured delay"

    # A second run asks the service nothing it already answered.
    answered = await GeocodeCache.count()
    calls_before = len(stand_in.calls)
    job_id = await jobs.start_job(services, None, "geocode_persons", GeocodeParams(person_ids=tuple(ids.values())))
    assert await jobs.execute_job(services, job_id) == "done"
    second = (await jobs.get_job(Actor(user_id=1, username="admin", role=Role.BUREAU), job_id)).result
    asked_again = {q for _, q in stand_in.calls[calls_before:]}
    assert asked_again == {UNREACHABLE}, "only the failed one is asked again"
    assert second["cache_hits"] == 1, "the address the service did not know is not asked again"
    assert await GeocodeCache.count() == answered
    unknown = await Person.select().where(Person.id == ids[UNKNOWN]).first()
    assert unknown == before[ids[UNKNOWN]], "no better answer: it stays at its town"


def test_positions_from_a_chinese_map_picker_are_stored_in_wgs84() -> None:
    from ltc.domain.errors import InvalidInput
    from ltc.services.positions import to_wgs84

    lat, lon = to_wgs84(29.6081, 121.3553, "gcj02")
    assert (lat, lon) != (29.6081, 121.3553) and abs(lat - 29.6081) < 0.01 and abs(lon - 121.3553) < 0.01
    assert to_wgs84(29.6, None, "wgs84") == (29.6, None), "a partial change in WGS-84 passes through"
    assert to_wgs84(29.6, 121.4, None) == (29.6, 121.4)
    for system, lat_lon, code in [
        ("gcj02", (29.6, None), "coordinates_incomplete"),
        ("bd09", (29.6, 121.4), "unknown_coordinate_system"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            to_wgs84(*lat_lon, system)
        assert refused.value.code == code


def test_one_geocoding_job_runs_at_a_time_across_all_workers() -> None:
    # The rate limiter spaces one process's calls: only a serial kind keeps several worker
    # processes, together, at the service's rate.
    assert jobs.job_kind("geocode_persons").serial
