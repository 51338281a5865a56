"""The demo district is deterministic and shaped like the real one."""

from __future__ import annotations

from collections import Counter
from datetime import date

from ltc.demo.district import build_demo_district
from ltc.domain.identity import age_on, parse_id_number
from ltc.domain.towns import parse_towns_csv
from ltc.geo.distance import distance_km
from ltc.geo.towns import TOWNS_CSV

TOWNS = parse_towns_csv(TOWNS_CSV.read_text(encoding="utf-8"))
DAY = date(2026, 1, 1)


def district(seed: int = 20211):
    return build_demo_district(TOWNS, seed=seed, residents=300, today=DAY)


def test_twelve_towns_are_read() -> None:
    assert len(TOWNS) == 12 and {t.name for t in TOWNS} >= {"溪口镇", "大堰镇", "松岙镇"}


def test_same_seed_same_district_other_seed_other_people() -> None:
    assert district() == district()
    assert district().residents != district(seed=7).residents


def test_providers_by_kind_match_the_district_report() -> None:
    kinds = Counter(p.kind for p in district().providers)
    assert kinds == {"home": 7, "institutional": 11, "both": 2}
    assert len({p.code for p in district().providers}) == 20


def test_every_provider_has_caregivers_and_a_nurse() -> None:
    demo = district()
    for provider in demo.providers:
        team = [c for c in demo.caregivers if c.provider_code == provider.code]
        assert team and any(c.qualification == "nurse" for c in team)


def test_residents_are_60_plus_with_valid_unique_ids_and_addresses_naming_their_town() -> None:
    demo = district()
    names = {t.code: t.name for t in TOWNS}
    assert len({r.id_number for r in demo.residents}) == 300
    for resident in demo.residents:
        parsed = parse_id_number(resident.id_number, today=DAY)
        assert parsed.birth_date == resident.birth_date and parsed.sex == resident.sex
        assert age_on(resident.birth_date, DAY) >= 60
        assert names[resident.town_code] in resident.address


def test_the_remote_mountain_town_has_no_provider_within_reach() -> None:
    dayan = next(t for t in TOWNS if t.name_en == "Dayan")
    for provider in district().providers:
        assert distance_km((dayan.lat, dayan.lon), (provider.lat, provider.lon)) > provider.service_radius_km
