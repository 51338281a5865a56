from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from ltc.domain.policy import Policy
from ltc.domain.verification import (
    ALL_RULES,
    RULES_BY_CODE,
    CaregiverVisit,
    HospitalStay,
    VerificationContext,
    classify_alerts,
    verify,
)
from ltc.domain.visit_events import Position, VisitEvent, fold

ZONE = ZoneInfo("Asia/Shanghai")
POLICY = Policy(version="test", effective_from=date(2020, 1, 1))
HOME = (29.87, 121.55)
KM_PER_DEG_LAT = math.pi / 180 * 6371.0088
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)
END = START + timedelta(hours=1)


def north_m(meters: float, accuracy: float = 0.0) -> Position:
    return Position(HOME[0] + meters / 1000 / KM_PER_DEG_LAT, HOME[1], accuracy)


def ctx(**kw: object) -> VerificationContext:
    base = {
        "policy": POLICY,
        "zone": ZONE,
        "home_lat": HOME[0],
        "home_lon": HOME[1],
        "planned_start": START,
        "planned_end": END,
        "checked_in_at": START,
        "check_in": north_m(10, 10),
        "checked_out_at": END,
        "check_out": north_m(10, 10),
        "items": ("B01",),
        "plan_items": frozenset({"B01", "B05", "C05"}),
        "clinical_codes": frozenset({"C05"}),
        "caregiver_qualification": "elderly_carer",
    }
    return VerificationContext(**(base | kw))  # type: ignore[arg-type]


def flags(**kw: object) -> list[str]:
    return verify(ctx(**kw))


def test_a_clean_visit_has_no_flags() -> None:
    assert flags() == []
    assert [r.code for r in ALL_RULES] == [
        "outside_geofence",
        "too_short",
        "caregiver_overlap",
        "impossible_travel",
        "person_inpatient",
        "person_deceased",
        "item_not_in_plan",
        "clinical_item_without_nurse",
        "presence_code_invalid",
        "presence_code_missing",
        "start_far_from_plan",
        "no_items_recorded",
        "caregiver_substituted",
        "caregiver_certificate_expired",
        "photo_missing",
        "signature_missing",
    ]


@pytest.mark.parametrize(
    ("meters", "accuracy", "flagged"),
    [
        (199.5, 0, False),
        (200.5, 0, True),
        (249.5, 50, False),
        (250.5, 50, True),
        (1000, 900, False),
    ],
)
def test_outside_geofence_at_check_in_and_check_out(meters: float, accuracy: float, flagged: bool) -> None:
    expected = ["outside_geofence"] if flagged else []
    assert flags(check_in=north_m(meters, accuracy)) == expected
    assert flags(check_out=north_m(meters, accuracy)) == expected


def test_the_geofence_comes_from_the_policy() -> None:
    wide = replace(POLICY, geofence_m=500.0)
    assert flags(check_in=north_m(400)) == ["outside_geofence"]
    assert flags(policy=wide, check_in=north_m(400)) == []


@pytest.mark.parametrize(("minutes", "flagged"), [(60, False), (45, False), (44.99, True), (10, True), (0, True)])
def test_too_short(minutes: float, flagged: bool) -> None:
    out = START + timedelta(minutes=minutes)
    assert flags(checked_out_at=out) == (["too_short"] if flagged else [])


def test_too_short_uses_the_policy_share_and_waits_for_the_check_out() -> None:
    half = replace(POLICY, minimum_duration_share=Decimal("0.5"))
    assert flags(policy=half, checked_out_at=START + timedelta(minutes=30)) == []
    assert flags(policy=half, checked_out_at=START + timedelta(minutes=29, seconds=59)) == ["too_short"]
    assert flags(checked_out_at=None, check_out=None) == []


def other(visit_id: int, start_min: float, end_min: float | None, pos: Position | None = None) -> CaregiverVisit:
    pos = pos or north_m(10)
    return CaregiverVisit(
        visit_id,
        START + timedelta(minutes=start_min),
        pos,
        None if end_min is None else START + timedelta(minutes=end_min),
        None if end_min is None else pos,
    )


@pytest.mark.parametrize(
    ("start", "end", "flagged"),
    [
        (-60, 0, False),  # ends as this one starts
        (-60, 1, True),  # one minute into this one
        (60, 120, False),  # starts as this one ends
        (59, 120, True),
        (10, 20, True),  # inside
        (-10, 90, True),  # around
        (30, None, True),  # still open, checked in during this visit
        (60, None, False),
        (0, None, True),  # checked in at the same instant
    ],
)
def test_caregiver_overlap(start: float, end: float | None, flagged: bool) -> None:
    result = verify(ctx(caregiver_visits=(other(2, start, end),)), [RULES_BY_CODE["caregiver_overlap"]])
    assert result == (["caregiver_overlap"] if flagged else [])


def test_an_open_visit_overlaps_only_at_its_check_in() -> None:
    open_visit = ctx(checked_out_at=None, check_out=None)
    assert verify(replace(open_visit, caregiver_visits=(other(2, -10, 10),)), [RULES_BY_CODE["caregiver_overlap"]])
    assert not verify(replace(open_visit, caregiver_visits=(other(2, 10, 20),)), [RULES_BY_CODE["caregiver_overlap"]])


def far(km: float, accuracy: float = 0.0) -> Position:
    return north_m(10 + km * 1000, accuracy)


@pytest.mark.parametrize(
    ("km", "accuracy", "flagged"),
    [
        (1.99, 0, False),
        (2.01, 0, True),
        (2.1, 100, False),
        (2.3, 100, True),
    ],
)
def test_impossible_travel_around_the_policy_speed(km: float, accuracy: float, flagged: bool) -> None:
    # another visit's check-out one minute before this check-in: 2 km/min is 120 km/h
    before = CaregiverVisit(
        2, START - timedelta(minutes=30), far(km, accuracy), START - timedelta(minutes=1), far(km, accuracy)
    )
    result = verify(
        ctx(check_in=north_m(10, accuracy), caregiver_visits=(before,)), [RULES_BY_CODE["impossible_travel"]]
    )
    assert result == (["impossible_travel"] if flagged else [])
    # and to the next visit's check-in, one minute after this check-out
    after = CaregiverVisit(3, END + timedelta(minutes=1), far(km, accuracy))
    result = verify(
        ctx(check_out=north_m(10, accuracy), caregiver_visits=(after,)), [RULES_BY_CODE["impossible_travel"]]
    )
    assert result == (["impossible_travel"] if flagged else [])


def test_impossible_travel_only_between_neighbouring_events() -> None:
    # a far visit long before, then a near one just before: only the near one is adjacent
    long_before = CaregiverVisit(2, START - timedelta(hours=5), far(50), START - timedelta(hours=4), far(50))
    just_before = CaregiverVisit(
        3, START - timedelta(minutes=50), north_m(300), START - timedelta(minutes=5), north_m(300)
    )
    assert verify(ctx(caregiver_visits=(long_before, just_before)), [RULES_BY_CODE["impossible_travel"]]) == []
    # the same place at the same instant is not travel; another place at the same instant is
    same_time = CaregiverVisit(4, START - timedelta(minutes=40), far(5), START, far(5))
    assert verify(ctx(caregiver_visits=(same_time,)), [RULES_BY_CODE["impossible_travel"]]) == ["impossible_travel"]
    assert verify(ctx(caregiver_visits=(other(5, -40, 0),)), [RULES_BY_CODE["impossible_travel"]]) == []
    slower = replace(POLICY, impossible_speed_kmh=60.0)
    before = CaregiverVisit(2, START - timedelta(minutes=30), far(1.5), START - timedelta(minutes=1), far(1.5))
    assert verify(ctx(caregiver_visits=(before,)), [RULES_BY_CODE["impossible_travel"]]) == []  # 90 km/h
    assert verify(ctx(policy=slower, caregiver_visits=(before,)), [RULES_BY_CODE["impossible_travel"]]) == [
        "impossible_travel"
    ]


@pytest.mark.parametrize(("day", "flagged"), [(1, False), (3, True), (4, True), (5, False)])
def test_person_inpatient_from_admission_up_to_discharge(day: int, flagged: bool) -> None:
    at = datetime(2026, 3, day, 10, 0, tzinfo=ZONE)
    stays = (HospitalStay(date(2026, 3, 3), date(2026, 3, 5)),)
    result = flags(
        planned_start=at,
        planned_end=at + timedelta(hours=1),
        checked_in_at=at,
        checked_out_at=at + timedelta(hours=1),
        inpatient_stays=stays,
    )
    assert result == (["person_inpatient"] if flagged else [])


def test_person_inpatient_open_stays_tuples_and_the_local_day() -> None:
    open_stay = ((date(2026, 3, 1), None),)
    assert flags(inpatient_stays=open_stay) == ["person_inpatient"]
    # 00:30 in Shanghai on 3 March is still 2 March in UTC: the local day counts
    at = datetime(2026, 3, 3, 0, 30, tzinfo=ZONE)
    stays = ((date(2026, 3, 3), date(2026, 3, 4)),)
    shifted = {
        "planned_start": at,
        "planned_end": at + timedelta(hours=1),
        "checked_in_at": at.astimezone(ZoneInfo("UTC")),
        "checked_out_at": at + timedelta(hours=1),
    }
    assert flags(inpatient_stays=stays, **shifted) == ["person_inpatient"]
    # without a check-in the planned day is used
    assert flags(
        inpatient_stays=((date(2026, 3, 2), date(2026, 3, 3)),),
        checked_in_at=None,
        check_in=None,
        checked_out_at=None,
        check_out=None,
    ) == ["person_inpatient"]


@pytest.mark.parametrize(
    ("death", "flagged"), [(date(2026, 3, 2), False), (date(2026, 3, 1), True), (date(2026, 3, 3), False)]
)
def test_person_deceased_after_the_day_of_death(death: date, flagged: bool) -> None:
    assert flags(date_of_death=death) == (["person_deceased"] if flagged else [])


def test_items() -> None:
    assert flags(items=("B01", "B02")) == ["item_not_in_plan"]
    assert flags(items=("B02",), plan_items=None) == []
    assert flags(items=("C05",)) == ["clinical_item_without_nurse"]
    assert flags(items=("C05",), caregiver_qualification="medical_carer") == ["clinical_item_without_nurse"]
    assert flags(items=("C05",), caregiver_qualification="nurse") == []
    assert flags(items=()) == ["no_items_recorded"]  # a check-out with no item is its own flag


def test_verify_sorts_codes_and_takes_a_rule_subset() -> None:
    result = flags(
        items=("C99", "C05"),
        checked_out_at=START + timedelta(minutes=5),
        check_in=north_m(900),
        date_of_death=date(2026, 2, 1),
    )
    assert result == [
        "clinical_item_without_nurse",
        "item_not_in_plan",
        "outside_geofence",
        "person_deceased",
        "too_short",
    ]
    assert verify(ctx(check_in=north_m(900)), [RULES_BY_CODE["too_short"]]) == []


def test_context_from_a_folded_state() -> None:
    events = [
        VisitEvent(UUID(int=1), "check_in", START, START, HOME[0], HOME[1], 5.0),
        VisitEvent(
            UUID(int=2),
            "check_out",
            START + timedelta(minutes=20),
            START + timedelta(minutes=20),
            HOME[0],
            HOME[1],
            5.0,
            ("B05", "C05"),
        ),
    ]
    state = fold(events, POLICY)
    context = VerificationContext.from_state(
        state,
        policy=POLICY,
        zone=ZONE,
        home_lat=HOME[0],
        home_lon=HOME[1],
        planned_start=START,
        planned_end=END,
        plan_items=frozenset({"B05"}),
        clinical_codes=frozenset({"C05"}),
    )
    assert verify(context) == ["clinical_item_without_nurse", "item_not_in_plan", "too_short"]


# ---------------------------------------------------------------- sweep


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (0, set()),
        (30, set()),
        (30.02, {"late"}),
        (120, {"late"}),
        (120.02, {"missed"}),
    ],
)
def test_sweep_without_a_check_in(now: float, expected: set[str]) -> None:
    # planned 09:00–10:00: late after 09:30, missed after 11:00
    assert classify_alerts(START, END, None, None, at(now), POLICY) == expected


def test_sweep_after_a_check_in() -> None:
    assert classify_alerts(START, END, at(30), None, at(40), POLICY) == set()
    assert classify_alerts(START, END, at(30.02), None, at(40), POLICY) == {"late"}
    # missing check-out: still open 2 h after the planned end
    assert classify_alerts(START, END, at(0), None, at(180), POLICY) == set()
    assert classify_alerts(START, END, at(0), None, at(180.02), POLICY) == {"missing_checkout"}
    assert classify_alerts(START, END, at(45), None, at(300), POLICY) == {"late", "missing_checkout"}
    assert classify_alerts(START, END, at(0), at(60), at(600), POLICY) == set()


def test_sweep_thresholds_come_from_the_policy() -> None:
    strict = replace(POLICY, late_after_minutes=5, missed_after_end_minutes=0, missing_checkout_after_end_minutes=30)
    assert classify_alerts(START, END, None, None, at(6), strict) == {"late"}
    assert classify_alerts(START, END, None, None, at(61), strict) == {"missed"}
    assert classify_alerts(START, END, at(0), None, at(91), strict) == {"missing_checkout"}
