"""The rollout town by town (DOMAIN §9): the phases of Fenghua's policy, the gate an application
passes only where the scheme is open on its day, and each town's own rules in force over the
version's: the reach of providers, the benefits on offer, the visit length and the weekly
pattern, each read from the version in force on the day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain import assignment
from ltc.domain.care_plan import VisitSlot, adjust_plan, derive_plan, plan_bounds
from ltc.domain.catalogue import ServiceCatalogue
from ltc.domain.errors import InvalidInput
from ltc.domain.policy import HOME_CARE, Policy, PolicyBook, TownRules
from ltc.domain.rollout import (
    ALL_WEEKDAYS,
    benefit_offered,
    check_benefit_offered,
    check_scheme_open,
    phase_of,
    reach_km,
    rollout_phases,
    weekly_pattern_in,
)
from ltc.domain.verification import VerificationContext, too_short

ROOT = Path(__file__).resolve().parents[2]
BOOK = PolicyBook.from_dict(json.loads((ROOT / "policies" / "fenghua.json").read_text(encoding="utf-8")))
CATALOGUE = ServiceCatalogue.from_dict(
    json.loads((ROOT / "policies" / "service_catalogue.json").read_text(encoding="utf-8"))
)
XIKOU, JINPING, QIUCUN, SONGAO, DAYAN = "330213007", "330213001", "330213010", "330213011", "330213012"
FENGHUA = [f"3302130{n:02d}" for n in range(1, 13)]
TODAY = date(2026, 12, 7)


def in_force(day: date) -> Policy:
    return BOOK.in_force(day)


# ---------------------------------------------------------------- phases


def test_fenghua_rolls_out_in_four_phases_the_pilot_first() -> None:
    phases = rollout_phases(in_force(TODAY), FENGHUA)
    assert [(p.number, p.opens_on) for p in phases] == [
        (1, date(2021, 1, 1)),
        (2, date(2021, 4, 1)),
        (3, date(2022, 1, 1)),
        (4, date(2027, 4, 1)),
    ]
    assert phases[0].town_codes == (XIKOU,)
    assert phases[2].town_codes == (QIUCUN, SONGAO)
    assert phases[3].town_codes == (DAYAN,)
    assert len(phases[1].town_codes) == 8
    assert phase_of(phases, DAYAN) is phases[3] and phase_of(phases, "999") is None
    assert [p.open_on(TODAY) for p in phases] == [True, True, True, False]
    assert phases[3].open_on(date(2027, 4, 1))


def test_a_town_the_version_does_not_date_opens_with_the_version_in_the_first_phase() -> None:
    policy = Policy(version="t", effective_from=date(2020, 1, 1), towns={"B": TownRules(open_from=date(2021, 1, 1))})
    phases = rollout_phases(policy, ["A", "B"])
    assert [(p.opens_on, p.town_codes) for p in phases] == [(None, ("A",)), (date(2021, 1, 1), ("B",))]
    assert phases[0].open_on(date(1990, 1, 1))


@given(st.lists(st.sampled_from(FENGHUA), min_size=1))
def test_every_town_falls_in_exactly_one_phase_in_order_of_opening(codes: list[str]) -> None:
    phases = rollout_phases(in_force(TODAY), codes)
    listed = [c for p in phases for c in p.town_codes]
    assert sorted(listed) == sorted(set(codes))
    days = [p.opens_on for p in phases]
    assert days == sorted(days, key=lambda d: d or date.min)
    assert [p.number for p in phases] == list(range(1, len(phases) + 1))


# ---------------------------------------------------------------- the gate


def test_an_application_from_dayan_before_it_opens_is_refused_with_the_day_it_opens() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_scheme_open(DAYAN, TODAY, in_force(TODAY))
    assert refused.value.code == "scheme_not_open_in_town"
    assert refused.value.errors == [
        {"code": "scheme_not_open_in_town", "field": "applied_on", "town": DAYAN, "opens_on": "2027-04-01"}
    ]
    assert "2027-04-01" in refused.value.detail


def test_the_gate_opens_on_the_towns_day_under_the_version_in_force_then() -> None:
    check_scheme_open(DAYAN, date(2027, 4, 1), in_force(date(2027, 4, 1)))
    with pytest.raises(InvalidInput):
        check_scheme_open(DAYAN, date(2027, 3, 31), in_force(date(2027, 3, 31)))
    # the pilot opened three months before the subdistricts
    check_scheme_open(XIKOU, date(2021, 1, 4), in_force(date(2021, 1, 4)))
    with pytest.raises(InvalidInput) as refused:
        check_scheme_open(JINPING, date(2021, 1, 4), in_force(date(2021, 1, 4)))
    assert refused.value.errors[0]["opens_on"] == "2021-04-01"
    check_scheme_open(JINPING, date(2021, 4, 1), in_force(date(2021, 4, 1)))


def test_a_person_without_a_town_and_a_town_the_policy_does_not_name_are_not_held_back() -> None:
    check_scheme_open(None, TODAY, in_force(TODAY))
    check_scheme_open("330299001", TODAY, in_force(TODAY))


# ---------------------------------------------------------------- reach


@given(st.floats(0, 100), st.one_of(st.none(), st.floats(0, 100)))
def test_a_provider_reaches_a_town_up_to_the_larger_of_its_radius_and_the_towns(own: float, town: float | None) -> None:
    reach = reach_km(own, town)
    assert reach >= own and (town is None or reach >= town)
    assert reach in (own, town)


def test_songao_lets_a_provider_with_a_10_km_radius_reach_a_person_13_km_away() -> None:
    policy = in_force(TODAY)
    provider = assignment.Provider(id="P", lat=29.60, lon=121.40, kind="home", radius_km=10, capacity=5)
    lat = 29.60 + 13 / 111.2  # about 13 km due north
    plain = assignment.Client(id="c", lat=lat, lon=121.40, mode="home")
    in_songao = assignment.Client(
        id="c", lat=lat, lon=121.40, mode="home", town_radius_km=policy.town(SONGAO).service_radius_km
    )
    assert isinstance(assignment.assign_one(plain, [provider]), assignment.Unassigned)
    placed = assignment.assign_one(in_songao, [provider])
    assert isinstance(placed, assignment.Assignment) and placed.provider_id == "P"
    # the whole-city optimisation reads the same reach
    plan = assignment.optimise(
        [plain, assignment.Client(id="d", lat=lat, lon=121.40, mode="home", town_radius_km=15)], [provider]
    )
    assert plan.assigned_count == 1
    # a town's radius never shortens a provider's own
    near = assignment.Client(id="n", lat=29.60 + 5 / 111.2, lon=121.40, mode="home", town_radius_km=2)
    assert isinstance(assignment.assign_one(near, [provider]), assignment.Assignment)


# ---------------------------------------------------------------- benefits


def test_care_of_a_mode_the_town_does_not_offer_is_refused() -> None:
    policy = Policy(
        version="t",
        effective_from=date(2020, 1, 1),
        towns={"R": TownRules(benefits=(HOME_CARE,))},
    )
    check_benefit_offered(policy, "R", "home")
    assert benefit_offered(policy, "R", "home") and not benefit_offered(policy, "R", "institutional")
    assert benefit_offered(policy, "X", "institutional")  # a town naming none offers the version's
    check_benefit_offered(policy, "X", "institutional")
    with pytest.raises(InvalidInput) as refused:
        check_benefit_offered(policy, "R", "institutional")
    assert refused.value.code == "benefit_not_offered_in_town"
    with pytest.raises(InvalidInput) as plan_refused:
        derive_plan(4, "institutional", policy, ["B01"], CATALOGUE, town="R")
    assert plan_refused.value.code == "benefit_not_offered_in_town"
    assert derive_plan(4, "home", policy, ["B01"], CATALOGUE, town="R").care_mode == "home"


# ---------------------------------------------------------------- visit length and weekly pattern


def test_a_plan_in_dayan_has_90_minute_visits_at_most_twice_a_week_on_its_days() -> None:
    policy = in_force(date(2027, 4, 1))
    plan = derive_plan(5, "home", policy, ["B01"], CATALOGUE, town=DAYAN)
    assert plan.visit_minutes == 90 == policy.visit_minutes_in(DAYAN)
    assert plan.visits_per_month == policy.home_hours(5) * 60 // 90
    assert 0 < len(plan.slots) <= 2
    assert {s.weekday for s in plan.slots} <= {1, 4}
    assert plan_bounds(5, "home", policy, DAYAN).visit_minutes == 90
    # the same level elsewhere: the version's own length and any day
    elsewhere = derive_plan(5, "home", policy, ["B01"], CATALOGUE, town=JINPING)
    assert elsewhere.visit_minutes == policy.visit_minutes
    assert len(elsewhere.slots) > 2


def test_songaos_fixed_days_hold_the_visits_however_many_the_hours_give() -> None:
    policy = in_force(TODAY)
    plan = derive_plan(3, "home", policy, ["B01"], CATALOGUE, town=SONGAO)
    assert plan.slots and {s.weekday for s in plan.slots} <= {1, 4}
    assert weekly_pattern_in(policy, SONGAO).weekdays == (1, 4)
    assert weekly_pattern_in(policy, JINPING).weekdays == ALL_WEEKDAYS
    assert weekly_pattern_in(policy, DAYAN).visits_per_week == 2


def test_an_agency_may_not_move_a_towns_visits_off_its_days_or_add_more_a_week() -> None:
    policy = in_force(date(2027, 4, 1))
    plan = derive_plan(5, "home", policy, ["B01"], CATALOGUE, town=DAYAN)
    monday = [{"weekday": 0, "start": "09:00"}]
    with pytest.raises(InvalidInput) as refused:
        adjust_plan(plan, {"slots": monday}, policy, CATALOGUE, town=DAYAN)
    assert refused.value.code == "slots_off_town_pattern"
    three = [{"weekday": 1, "start": "08:00"}, {"weekday": 1, "start": "13:00"}, {"weekday": 4, "start": "08:00"}]
    with pytest.raises(InvalidInput) as too_many:
        adjust_plan(plan, {"slots": three}, policy, CATALOGUE, town=DAYAN)
    assert too_many.value.code == "slots_off_town_pattern"
    kept = adjust_plan(plan, {"slots": [{"weekday": 4, "start": "09:00"}]}, policy, CATALOGUE, town=DAYAN)
    assert kept.slots == (VisitSlot(4, time(9, 0)),)
    # re-derived after a change of hours: still on the town's days
    fewer = adjust_plan(plan, {"monthly_hours": 10}, policy, CATALOGUE, town=DAYAN)
    assert fewer.slots and {s.weekday for s in fewer.slots} <= {1, 4} and len(fewer.slots) <= 2
    # elsewhere Monday is fine
    adjust_plan(derive_plan(5, "home", policy, ["B01"], CATALOGUE), {"slots": monday}, policy, CATALOGUE)


def test_a_60_minute_visit_is_too_short_for_dayans_90_minute_plan() -> None:
    policy = in_force(date(2027, 4, 1))
    plan = derive_plan(5, "home", policy, ["B01"], CATALOGUE, town=DAYAN)
    start = datetime(2027, 4, 6, 1, 0, tzinfo=UTC)

    def visit(minutes: int) -> VerificationContext:
        return VerificationContext(
            policy=policy,
            zone=UTC,
            home_lat=29.6,
            home_lon=121.3,
            planned_start=start,
            planned_end=start + timedelta(minutes=plan.visit_minutes),
            checked_in_at=start,
            checked_out_at=start + timedelta(minutes=minutes),
        )

    assert too_short(visit(60))  # enough for the version's 60-minute visit, not for Dayan's 90
    assert not too_short(visit(70))  # 70 ≥ 75 % of 90
