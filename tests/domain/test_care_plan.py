from __future__ import annotations

import calendar
import itertools
import json
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest

from ltc.domain.care_plan import (
    VisitSlot,
    adjust_plan,
    changed_fields,
    derive_plan,
    max_visits_in_a_month,
    plan_bounds,
)
from ltc.domain.catalogue import ServiceCatalogue
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.policy import Policy

CATALOGUE_FILE = Path(__file__).resolve().parents[2] / "policies" / "service_catalogue.json"
POLICY = Policy(version="test", effective_from=date(2020, 1, 1))


@pytest.fixture(scope="module")
def catalogue() -> ServiceCatalogue:
    return ServiceCatalogue.from_dict(json.loads(CATALOGUE_FILE.read_text(encoding="utf-8")))


def visits_in_month(slots: tuple[VisitSlot, ...], year: int, month: int) -> int:
    days = calendar.monthrange(year, month)[1]
    weekdays = [date(year, month, d).weekday() for d in range(1, days + 1)]
    return sum(weekdays.count(s.weekday) for s in slots)


# ---------------------------------------------------------------- catalogue


def test_the_catalogue_has_the_42_items_of_domain_5(catalogue: ServiceCatalogue) -> None:
    assert catalogue.version == "2021.1"
    assert len(catalogue) == 42
    assert catalogue.basic_codes == {f"B{i:02d}" for i in range(1, 28)}
    assert catalogue.clinical_codes == {f"C{i:02d}" for i in range(1, 16)}
    assert catalogue.item("B01").name == "头面部清洁梳理"
    assert catalogue.item("C15").name == "PICC维护" and catalogue.item("C15").clinical
    assert all(i.name_en and i.name_en != i.name for i in catalogue)
    assert "B27" in catalogue and "B28" not in catalogue
    assert catalogue.unknown(["B01", "X1", "X1", "C02"]) == ["X1"]
    assert catalogue.needs_nurse(["B01", "C05"]) and not catalogue.needs_nurse(["B01"])
    assert ServiceCatalogue.from_dict(catalogue.to_dict()) == catalogue


def test_catalogue_lookup_and_validation() -> None:
    with pytest.raises(InvalidInput) as caught:
        ServiceCatalogue.from_dict({"version": "x", "items": [{"code": "A", "name": "a"}, {"code": "A", "name": "b"}]})
    assert caught.value.code == "invalid_catalogue"
    with pytest.raises(InvalidInput):
        ServiceCatalogue.from_dict({"version": "x", "items": [{"name": "no code"}]})
    with pytest.raises(InvalidInput):
        ServiceCatalogue.from_dict({"version": "x", "items": []})
    small = ServiceCatalogue.from_dict({"version": "x", "items": [{"code": "A", "name": "a"}]})
    assert small.get("B") is None
    with pytest.raises(NotFound) as missing:
        small.item("B")
    assert missing.value.code == "unknown_service_item"


# ---------------------------------------------------------------- derive


@pytest.mark.parametrize(("level", "hours", "weekly"), [(3, 20, 4), (4, 25, 5), (5, 30, 6)])
def test_home_plan_hours_visits_and_pattern(catalogue: ServiceCatalogue, level: int, hours: int, weekly: int) -> None:
    plan = derive_plan(level, "home", POLICY, ["B01", "B05"], catalogue)
    assert plan.care_mode == "home" and plan.policy_version == "test"
    assert plan.monthly_hours == hours
    assert plan.visit_minutes == 60
    assert plan.visits_per_month == hours
    assert plan.weekly_visits == weekly
    assert len({s.weekday for s in plan.slots}) == weekly  # spread over distinct days
    assert not plan.needs_nurse and plan.bed_day_cap_fen == 0
    for slot in plan.slots:
        assert slot.start_minute >= 8 * 60 and slot.start_minute + 60 <= 18 * 60
    # no real month ever gets more visits than the hours allow, and the bound is exact
    real = [visits_in_month(plan.slots, y, m) for y in (2025, 2026, 2027, 2028) for m in range(1, 13)]
    assert max(real) <= plan.visits_per_month
    assert max(real) == plan.max_visits_in_a_month
    # the pattern is the densest: any pattern with one more weekly visit overshoots some month
    for days in itertools.combinations(range(7), weekly + 1):
        assert max_visits_in_a_month([VisitSlot(d, time(9)) for d in days]) > plan.visits_per_month


def test_the_policy_argument_drives_the_plan(catalogue: ServiceCatalogue) -> None:
    generous = Policy(
        version="g",
        effective_from=date(2020, 1, 1),
        home_hours_by_level={2: 10, 3: 40},
        visit_minutes=30,
        working_day_start_hour=9,
        working_day_end_hour=12,
    )
    plan = derive_plan(3, "home", generous, ["B01"], catalogue)
    assert plan.visits_per_month == 80 and plan.visit_minutes == 30
    assert plan.max_visits_in_a_month <= 80
    assert all(9 * 60 <= s.start_minute and s.start_minute + 30 <= 12 * 60 for s in plan.slots)
    # several visits a day, never overlapping
    by_day: dict[int, list[int]] = {}
    for s in plan.slots:
        by_day.setdefault(s.weekday, []).append(s.start_minute)
    assert max(len(v) for v in by_day.values()) > 1
    for starts in by_day.values():
        starts.sort()
        assert all(b - a >= 30 for a, b in itertools.pairwise(starts))
    assert derive_plan(2, "home", generous, ["B01"], catalogue).monthly_hours == 10
    with pytest.raises(InvalidInput) as caught:
        derive_plan(2, "home", POLICY, ["B01"], catalogue)
    assert caught.value.code == "level_not_entitled"


def test_stagger_spreads_start_times_but_not_the_entitlement(catalogue: ServiceCatalogue) -> None:
    plans = [derive_plan(4, "home", POLICY, ["B01"], catalogue, stagger=k) for k in range(30)]
    assert len({p.slots[0].start for p in plans}) > 5
    assert {p.visits_per_month for p in plans} == {25}
    assert derive_plan(4, "home", POLICY, ["B01"], catalogue, stagger=3) == plans[3]


def test_clinical_items_make_a_plan_need_a_nurse(catalogue: ServiceCatalogue) -> None:
    assert derive_plan(3, "home", POLICY, ["B01", "C12"], catalogue).needs_nurse


def test_institutional_plan_is_in_bed_days(catalogue: ServiceCatalogue) -> None:
    plan = derive_plan(4, "institutional", POLICY, ["B15", "B16"], catalogue)
    assert plan.care_mode == "institutional"
    assert plan.bed_day_cap_fen == 7000
    assert plan.slots == () and plan.monthly_hours == 0 and plan.visits_per_month == 0


@pytest.mark.parametrize("level", [0, 1, 2])
@pytest.mark.parametrize("mode", ["home", "institutional"])
def test_levels_below_severe_are_not_entitled(catalogue: ServiceCatalogue, level: int, mode: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        derive_plan(level, mode, POLICY, ["B01"], catalogue)
    assert caught.value.code == "level_not_entitled"


@pytest.mark.parametrize(
    ("level", "mode", "items", "code"),
    [
        (6, "home", ["B01"], "invalid_level"),
        (-1, "home", ["B01"], "invalid_level"),
        (3, "hospital", ["B01"], "invalid_care_mode"),
        (3, "home", ["B01", "Z99"], "unknown_service_item"),
        (3, "home", [], "no_service_items"),
    ],
)
def test_derive_refuses_bad_input(
    catalogue: ServiceCatalogue, level: int, mode: str, items: list[str], code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        derive_plan(level, mode, POLICY, items, catalogue)
    assert caught.value.code == code


def test_max_visits_in_a_month() -> None:
    assert max_visits_in_a_month(()) == 0
    assert max_visits_in_a_month([VisitSlot(d, time(9)) for d in range(7)]) == 31
    assert max_visits_in_a_month([VisitSlot(0, time(9)), VisitSlot(3, time(9))]) == 9


# ---------------------------------------------------------------- adjust


@pytest.fixture()
def plan(catalogue: ServiceCatalogue):  # type: ignore[no-untyped-def]
    return derive_plan(3, "home", POLICY, ["B01", "B05"], catalogue)


def codes(exc: InvalidInput) -> list[str]:
    return [e["code"] for e in exc.errors]


def test_adjust_hours_up_to_the_level_limit(plan, catalogue) -> None:  # type: ignore[no-untyped-def]
    lower = adjust_plan(plan, {"monthly_hours": 12}, POLICY, catalogue)
    assert lower.monthly_hours == 12 and lower.visits_per_month == 12
    assert lower.max_visits_in_a_month <= 12 and lower.slots
    assert lower.slots[0].start == plan.slots[0].start  # keeps the usual time
    at_limit = adjust_plan(lower, {"monthly_hours": 20}, POLICY, catalogue)
    assert at_limit.monthly_hours == 20
    with pytest.raises(InvalidInput) as caught:
        adjust_plan(plan, {"monthly_hours": 21}, POLICY, catalogue)
    assert caught.value.code == "hours_above_policy"
    for bad in (0, -3, "20", 1.5, True):
        with pytest.raises(InvalidInput) as caught:
            adjust_plan(plan, {"monthly_hours": bad}, POLICY, catalogue)
        assert caught.value.code == "invalid_hours"


def test_adjust_items(plan, catalogue) -> None:  # type: ignore[no-untyped-def]
    changed = adjust_plan(plan, {"items": ["B02", "C09", "B02"]}, POLICY, catalogue)
    assert changed.items == ("B02", "C09") and changed.needs_nurse
    with pytest.raises(InvalidInput) as caught:
        adjust_plan(plan, {"items": ["B02", "Q1"]}, POLICY, catalogue)
    assert caught.value.code == "unknown_service_item"
    assert caught.value.errors[0]["items"] == ["Q1"]
    with pytest.raises(InvalidInput) as caught:
        adjust_plan(plan, {"items": []}, POLICY, catalogue)
    assert caught.value.code == "no_service_items"


def test_adjust_slots_inside_working_hours(plan, catalogue) -> None:  # type: ignore[no-untyped-def]
    ok = adjust_plan(
        plan, {"slots": [{"weekday": 0, "start": "08:00"}, {"weekday": 2, "start": "17:00"}]}, POLICY, catalogue
    )
    assert ok.slots == (VisitSlot(0, time(8)), VisitSlot(2, time(17)))
    for start in ("07:59", "17:01"):
        with pytest.raises(InvalidInput) as caught:
            adjust_plan(plan, {"slots": [{"weekday": 0, "start": start}]}, POLICY, catalogue)
        assert caught.value.code == "slot_outside_working_hours"


def test_adjust_slots_other_rules(plan, catalogue) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        adjust_plan(plan, {"slots": [(1, "09:00"), (1, "09:59")]}, POLICY, catalogue)
    assert caught.value.code == "overlapping_slots"
    assert adjust_plan(plan, {"slots": [(1, "09:00"), (1, "10:00")]}, POLICY, catalogue).weekly_visits == 2
    five = [(d, "10:00") for d in range(5)]
    with pytest.raises(InvalidInput) as caught:  # 23 visits in a 31-day month > 20 h
        adjust_plan(plan, {"slots": five}, POLICY, catalogue)
    assert caught.value.code == "slots_exceed_monthly_hours"
    assert adjust_plan(plan, {"monthly_hours": 20, "slots": five[:4]}, POLICY, catalogue).weekly_visits == 4
    with pytest.raises(InvalidInput) as caught:
        adjust_plan(plan, {"slots": []}, POLICY, catalogue)
    assert caught.value.code == "no_visit_slots"
    for bad in ({"weekday": 7, "start": "09:00"}, {"weekday": 1, "start": "9h"}, "Monday"):
        with pytest.raises(InvalidInput) as caught:
            adjust_plan(plan, {"slots": [bad]}, POLICY, catalogue)
        assert caught.value.code == "invalid_slot"


def test_adjust_lists_every_broken_rule(plan, catalogue) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        adjust_plan(plan, {"items": ["NOPE"], "slots": [(0, "07:00")], "colour": "red"}, POLICY, catalogue)
    assert set(codes(caught.value)) == {"unknown_change", "unknown_service_item", "slot_outside_working_hours"}


def test_adjusting_an_institutional_plan(catalogue) -> None:  # type: ignore[no-untyped-def]
    plan = derive_plan(5, "institutional", POLICY, ["B15"], catalogue)
    assert adjust_plan(plan, {"items": ["B15", "C05"]}, POLICY, catalogue).needs_nurse
    with pytest.raises(InvalidInput) as caught:
        adjust_plan(plan, {"monthly_hours": 10}, POLICY, catalogue)
    assert caught.value.code == "not_a_home_plan"


# ---------------------------------------------------------------- bounds and versions


@pytest.mark.parametrize("level", [3, 4, 5])
def test_the_bounds_shown_are_the_bounds_adjust_enforces(catalogue: ServiceCatalogue, level: int) -> None:
    plan = derive_plan(level, "home", POLICY, ["B01"], catalogue)
    bounds = plan_bounds(level, "home", POLICY)
    assert bounds.max_monthly_hours == POLICY.home_hours(level) and bounds.min_monthly_hours == 1
    assert (bounds.day_start_hour, bounds.day_end_hour) == (8, 18) and bounds.visit_minutes == 60
    assert adjust_plan(plan, {"monthly_hours": bounds.max_monthly_hours}, POLICY, catalogue).monthly_hours
    assert adjust_plan(plan, {"monthly_hours": bounds.min_monthly_hours}, POLICY, catalogue).monthly_hours == 1
    with pytest.raises(InvalidInput) as caught:
        adjust_plan(plan, {"monthly_hours": bounds.max_monthly_hours + 1}, POLICY, catalogue)
    assert caught.value.errors[0]["field"] == "monthly_hours"
    assert (bounds.earliest_start, bounds.latest_start) == ("08:00", "17:00")
    for start in (bounds.earliest_start, bounds.latest_start):
        assert adjust_plan(plan, {"slots": [{"weekday": 0, "start": start}]}, POLICY, catalogue).slots
    for start in ("07:59", "17:01"):
        with pytest.raises(InvalidInput):
            adjust_plan(plan, {"slots": [{"weekday": 0, "start": start}]}, POLICY, catalogue)


def test_bounds_of_a_longer_visit_and_of_institutional_care(catalogue: ServiceCatalogue) -> None:
    longer = Policy(version="t2", effective_from=date(2020, 1, 1), visit_minutes=90)
    assert plan_bounds(4, "home", longer).min_monthly_hours == 2  # one 90-minute visit needs 2 whole hours
    assert plan_bounds(4, "home", longer).latest_start == "16:30"
    institutional = plan_bounds(5, "institutional", POLICY)
    assert institutional.max_monthly_hours == 0 and institutional.bed_day_cap_fen == 8000
    with pytest.raises(InvalidInput):
        plan_bounds(7, "home", POLICY)


def test_changed_fields_between_versions(plan, catalogue) -> None:  # type: ignore[no-untyped-def]
    assert changed_fields(plan, plan) == frozenset()
    fewer = adjust_plan(plan, {"monthly_hours": 12}, POLICY, catalogue)
    assert changed_fields(plan, fewer) == {"monthly_hours", "visits_per_month", "slots"}
    reordered = replace(plan, items=tuple(reversed(plan.items)))
    assert changed_fields(plan, reordered) == frozenset()  # the order of the items means nothing
    nursed = adjust_plan(plan, {"items": ["B01", "C05"]}, POLICY, catalogue)
    assert changed_fields(plan, nursed) == {"items", "needs_nurse"}
