from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ltc.domain.errors import InvalidInput
from ltc.domain.policy import Policy
from ltc.domain.replanning import KEPT_CHECKED_IN, Colleague, VisitToMove, moved_to, qualified, replan
from ltc.domain.roster import Absence, absence_bookings, check_absence, roster_days, working_span
from ltc.domain.scheduling import Booking, CaregiverInput, PlanInput, PlannedVisit, find_conflicts, schedule

ZONE = ZoneInfo("Asia/Shanghai")
POLICY = Policy(version="test", effective_from=date(2020, 1, 1))  # 25 km/h
SPEED = POLICY.travel_speed_kmh
MONDAY = date(2026, 3, 2)
HOME = (29.87, 121.55)
KM_PER_DEG_LAT = math.pi / 180 * 6371.0088


def north(km: float) -> tuple[float, float]:
    return (HOME[0] + km / KM_PER_DEG_LAT, HOME[1])


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), ZONE)


def carer(cid: int, *, qualification: str = "elderly_carer", km: float = 0.0, weekly_hours: float = 40, **kw):
    lat, lon = north(km)
    return CaregiverInput(cid, 1, qualification, lat, lon, weekly_hours, **kw)


def visit(vid: int, start: datetime, minutes: int = 60, *, km: float = 0.0, **kw) -> VisitToMove:
    lat, lon = north(km)
    return VisitToMove(vid, 100 + vid, 1000 + vid, start, start + timedelta(minutes=minutes), lat, lon, **kw)


def run(visits, colleagues, bookings=(), absences=()):
    return replan(visits, colleagues, bookings=bookings, absences=absences, speed_kmh=SPEED, zone=ZONE)


# --------------------------------------------------------------------------- examples


def test_a_visit_goes_to_the_plans_usual_caregiver_first() -> None:
    colleagues = [Colleague(carer(2, km=0.1)), Colleague(carer(3, km=5))]
    result = run([visit(1, at(MONDAY, 9), usual_caregiver_ids=(3,))], colleagues)
    assert [(m.visit_id, m.caregiver_id, m.usual) for m in result.moves] == [(1, 3, True)]


def test_then_the_least_booked_then_the_nearest() -> None:
    colleagues = [Colleague(carer(2, km=0.1)), Colleague(carer(3, km=3)), Colleague(carer(4, km=1))]
    busy = [Booking(2, at(MONDAY + timedelta(days=1), 9), at(MONDAY + timedelta(days=1), 10), *HOME)]
    result = run([visit(1, at(MONDAY, 9))], colleagues, bookings=busy)
    assert result.moves[0].caregiver_id == 4  # 2 is booked that week; 4 is nearer than 3


def test_a_nurse_visit_waits_for_a_nurse_and_skills_limit_the_items() -> None:
    colleagues = [Colleague(carer(2), skills=frozenset({"B01"})), Colleague(carer(3))]
    nurse_visit = visit(1, at(MONDAY, 9), needs_nurse=True)
    assert run([nurse_visit], colleagues).unscheduled[0].reason == "no_qualified_caregiver"
    result = run([visit(2, at(MONDAY, 9), items=frozenset({"B01", "B02"}))], colleagues)
    assert result.moves[0].caregiver_id == 3
    assert qualified(colleagues[0], visit(3, at(MONDAY, 9), items=frozenset({"B01"})))


def test_an_absent_colleague_a_day_off_and_hours_outside_work_are_refused() -> None:
    colleagues = [
        Colleague(carer(2)),
        Colleague(carer(3, working_days=frozenset({1, 2, 3, 4}))),  # not on Mondays
        Colleague(carer(4, work_start=time(13, 0))),
    ]
    away = [Absence(2, at(MONDAY, 0), at(MONDAY, 12), "sick")]
    result = run([visit(1, at(MONDAY, 9))], colleagues, absences=away)
    assert result.unscheduled[0].reason == "no_caregiver_free"
    assert run([visit(1, at(MONDAY, 14))], colleagues, absences=away).moves[0].caregiver_id in {2, 4}


def test_travel_time_between_homes_counts() -> None:
    colleague = Colleague(carer(2))
    before = [Booking(2, at(MONDAY, 8), at(MONDAY, 9), *north(20))]  # 20 km away: 48 minutes at 25 km/h
    assert run([visit(1, at(MONDAY, 9, 30))], [colleague], bookings=before).unscheduled[0].reason == (
        "no_caregiver_free"
    )
    assert run([visit(1, at(MONDAY, 10))], [colleague], bookings=before).moves


def test_weekly_hours_are_a_reason_of_their_own() -> None:
    colleague = Colleague(carer(2, weekly_hours=1))
    busy = [Booking(2, at(MONDAY, 8), at(MONDAY, 9), *HOME)]
    result = run([visit(1, at(MONDAY + timedelta(days=1), 9))], [colleague], bookings=busy)
    assert result.unscheduled[0].reason == "weekly_hours_exceeded"


def test_a_checked_in_visit_is_kept_and_moved_visits_book_the_colleague() -> None:
    colleague = Colleague(carer(2))
    result = run(
        [visit(1, at(MONDAY, 9), checked_in=True), visit(2, at(MONDAY, 9)), visit(3, at(MONDAY, 9, 30))], [colleague]
    )
    assert [k.reason for k in result.kept] == [KEPT_CHECKED_IN]
    assert [m.visit_id for m in result.moves] == [2]
    assert [u.visit_id for u in result.unscheduled] == [3]  # the colleague is taken by visit 2 then
    assert moved_to(result) == {2: 1}


# --------------------------------------------------------------------------- availability


def test_an_absence_books_only_the_working_hours_it_covers() -> None:
    cg = carer(2, working_days=frozenset({0, 1, 2, 3, 4}))
    friday = MONDAY + timedelta(days=4)
    away = Absence(2, at(friday, 12), at(friday + timedelta(days=3), 10))  # Friday noon to Monday 10:00
    bookings = absence_bookings([away, Absence(9, at(MONDAY, 8), at(MONDAY, 9))], [cg], ZONE)
    assert [(b.start, b.end) for b in bookings] == [
        (at(friday, 12), at(friday, 18)),
        (at(friday + timedelta(days=3), 8), at(friday + timedelta(days=3), 10)),
    ]
    assert working_span(cg, friday + timedelta(days=1), ZONE) is None


def test_the_scheduler_places_no_visit_on_an_absent_caregiver() -> None:
    from ltc.domain.care_plan import VisitSlot

    plan = PlanInput(1, 1001, 1, *HOME, (VisitSlot(0, time(9, 0)), VisitSlot(1, time(9, 0))), 60)
    absent, colleague = carer(2, km=0.1), carer(3, km=2)
    away = [Absence(2, at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0), "sick")]
    result = schedule(
        [plan],
        [absent, colleague],
        window_start=MONDAY,
        window_end=MONDAY + timedelta(days=2),
        zone=ZONE,
        policy=POLICY,
        existing=absence_bookings(away, [absent, colleague], ZONE),
    )
    by_day = {v.slot_start.date(): v.caregiver_id for v in result.visits}
    assert by_day[MONDAY] == 3 and len(result.visits) == 2  # Monday's is not the absent one's
    assert (
        result.stats([absent, colleague], POLICY, existing=absence_bookings(away, [absent], ZONE), zone=ZONE).conflicts
        == 0
    )


def test_the_roster_tells_working_absent_and_day_off() -> None:
    cg = carer(2, working_days=frozenset({0, 1}))
    days = [MONDAY + timedelta(days=i) for i in range(3)]
    away = [Absence(2, at(MONDAY + timedelta(days=1), 17), at(MONDAY + timedelta(days=1), 23), "training")]
    out = roster_days(cg, days, away, [at(MONDAY, 9), at(MONDAY, 11)], ZONE)
    assert [(d.state, d.absence_reason, d.visits) for d in out] == [
        ("working", None, 2),
        ("absent", "training", 0),
        ("day_off", None, 0),
    ]


@pytest.mark.parametrize(
    ("start", "end", "reason", "code"),
    [
        (datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10), "sick", "absence_without_zone"),
        (at(MONDAY, 10), at(MONDAY, 9), "sick", "absence_backwards"),
        (at(MONDAY, 10), at(MONDAY + timedelta(days=400), 9), "sick", "absence_too_long"),
        (at(MONDAY, 9), at(MONDAY, 10), "holiday", "unknown_absence_reason"),
    ],
)
def test_an_absence_is_checked(start: datetime, end: datetime, reason: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_absence(start, end, reason)
    assert refused.value.code == code


# --------------------------------------------------------------------------- properties

QUALS = ["elderly_carer", "medical_carer", "nurse"]
ITEMS = ["B01", "B02", "C01"]


@st.composite
def situations(draw):
    n = draw(st.integers(1, 5))
    colleagues = []
    for cid in range(2, 2 + n):
        start_hour = draw(st.integers(6, 10))
        cg = carer(
            cid,
            qualification=draw(st.sampled_from(QUALS)),
            km=draw(st.floats(0, 15)),
            weekly_hours=draw(st.integers(1, 12)),
            work_start=time(start_hour),
            work_end=time(start_hour + draw(st.integers(4, 10))),
            working_days=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        )
        skills = frozenset(draw(st.sets(st.sampled_from(ITEMS))))
        colleagues.append(Colleague(cg, skills))
    bookings = []
    for c in colleagues:  # a few existing visits, one per day at most, so they never clash among themselves
        for day in draw(st.sets(st.integers(0, 6), max_size=3)):
            hour = draw(st.integers(7, 17))
            bookings.append(
                Booking(
                    c.caregiver.caregiver_id,
                    at(MONDAY + timedelta(days=day), hour),
                    at(MONDAY + timedelta(days=day), hour, 45),
                    *north(draw(st.floats(0, 15))),
                )
            )
    absences = []
    for c in colleagues:
        if draw(st.booleans()):
            day, hours = draw(st.integers(0, 6)), draw(st.integers(1, 48))
            start = at(MONDAY + timedelta(days=day), draw(st.integers(0, 23)))
            absences.append(Absence(c.caregiver.caregiver_id, start, start + timedelta(hours=hours), "sick"))
    visits = []
    for vid in range(draw(st.integers(0, 12))):
        start = at(
            MONDAY + timedelta(days=draw(st.integers(0, 6))),
            draw(st.integers(6, 19)),
            draw(st.sampled_from([0, 15, 30, 45])),
        )
        visits.append(
            visit(
                vid,
                start,
                draw(st.sampled_from([30, 60, 90])),
                km=draw(st.floats(0, 15)),
                needs_nurse=draw(st.booleans()),
                items=frozenset(draw(st.sets(st.sampled_from(ITEMS), max_size=2))),
                usual_caregiver_ids=tuple(
                    draw(
                        st.lists(
                            st.sampled_from([c.caregiver.caregiver_id for c in colleagues]), max_size=2, unique=True
                        )
                    )
                ),
                checked_in=draw(st.booleans()) and draw(st.booleans()),
            )
        )
    return colleagues, bookings, absences, visits


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
def test_a_replan_never_breaks_a_rule(situation) -> None:
    colleagues, bookings, absences, visits = situation
    result = run(visits, colleagues, bookings, absences)
    by_id = {v.visit_id: v for v in visits}
    colleague_of = {c.caregiver.caregiver_id: c for c in colleagues}

    # every visit is moved, listed unscheduled or kept, exactly once
    accounted = [m.visit_id for m in result.moves] + [u.visit_id for u in result.unscheduled + result.kept]
    assert sorted(accounted) == sorted(by_id)
    # a checked-in visit is never moved
    assert {k.visit_id for k in result.kept} == {v.visit_id for v in visits if v.checked_in}

    planned = []
    for move in result.moves:
        v, c = by_id[move.visit_id], colleague_of[move.caregiver_id]
        assert qualified(c, v)  # never unqualified
        assert not any(a.caregiver_id == move.caregiver_id and a.overlaps(v.start, v.end) for a in absences)
        planned.append(PlannedVisit(v.plan_id, v.person_id, move.caregiver_id, v.start, v.end, v.lat, v.lon))
    plans = [PlanInput(v.plan_id, v.person_id, 1, v.lat, v.lon, (), 60, v.needs_nurse) for v in visits]
    caregivers = [c.caregiver for c in colleagues]
    before = set(find_conflicts([], caregivers, POLICY, existing=bookings, zone=ZONE))
    after = find_conflicts(planned, caregivers, POLICY, existing=bookings, plans=plans, zone=ZONE)
    # never double-booked, never unreachable, never outside working hours, never over the week's hours
    assert [c for c in after if c not in before] == []
