"""Time windows in the scheduler: a visit starts at the earliest whole minute its caregiver
can give it inside its slot's window, keeps the slot's start as its key, and the independent
checker refuses a visit outside its window or a window that is not one of the plan's slots."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ltc.domain.care_plan import VisitSlot, parse_slot
from ltc.domain.errors import InvalidInput
from ltc.domain.policy import Policy
from ltc.domain.scheduling import Booking, CaregiverInput, PlanInput, find_conflicts, schedule
from tests.domain.test_scheduling import HOME, MONDAY, ZONE, as_bookings, carer, local, north

WINDOWED = Policy(version="w", effective_from=date(2020, 1, 1), visit_window_minutes=60)
PINNED = Policy(version="p", effective_from=date(2020, 1, 1), visit_window_minutes=0)


def plan_at(plan_id: int, slots: list[VisitSlot], at: tuple[float, float] = HOME, minutes: int = 60) -> PlanInput:
    return PlanInput(plan_id, 1000 + plan_id, 1, at[0], at[1], tuple(slots), minutes)


def run(plans, caregivers, policy: Policy, days: int = 1, existing=()):  # type: ignore[no-untyped-def]
    return schedule(
        plans,
        caregivers,
        window_start=MONDAY,
        window_end=MONDAY + timedelta(days=days),
        zone=ZONE,
        policy=policy,
        existing=existing,
    )


def test_a_slot_s_window_is_its_own_or_the_policy_s() -> None:
    assert VisitSlot(0, time(9)).window(WINDOWED) == 60
    assert VisitSlot(0, time(9), 15).window(WINDOWED) == 15
    assert VisitSlot(0, time(9), 0).window(WINDOWED) == 0
    assert parse_slot({"weekday": 1, "start": "09:30", "window_minutes": 45}) == VisitSlot(1, time(9, 30), 45)
    assert parse_slot({"weekday": 1, "start": "09:30"}).to_dict() == {"weekday": 1, "start": "09:30"}
    for bad in (-1, 241, "30", True, 1.5):
        try:
            parse_slot({"weekday": 1, "start": "09:30", "window_minutes": bad})
        except InvalidInput as exc:
            assert exc.code == "invalid_slot_window"
        else:
            raise AssertionError(f"{bad!r} accepted")
    assert sorted([VisitSlot(0, time(9), 30), VisitSlot(0, time(9))]) == [
        VisitSlot(0, time(9)),
        VisitSlot(0, time(9), 30),
    ]


def test_the_second_visit_moves_inside_its_window_after_the_first_and_the_travel() -> None:
    plans = [plan_at(1, [VisitSlot(0, time(9))]), plan_at(2, [VisitSlot(0, time(9, 30))], at=north(5))]
    pinned = run(plans, [carer(1)], PINNED)
    assert [v.plan_id for v in pinned.visits] == [1] and len(pinned.unscheduled) == 1
    windowed = run(plans, [carer(1)], WINDOWED)
    first, second = sorted(windowed.visits, key=lambda v: v.slot_start)
    assert first.slot_start == local(MONDAY, "09:00")
    # 5 km at 25 km/h is 12 minutes: 10:12 is the earliest whole minute after the travel
    assert second.slot_start == local(MONDAY, "10:13") or second.slot_start == local(MONDAY, "10:12")
    assert second.key == (2, local(MONDAY, "09:30")) and second.window_closes == local(MONDAY, "10:30")
    assert find_conflicts(windowed.visits, [carer(1)], WINDOWED, plans=plans, zone=ZONE) == []
    # one that cannot fit inside its window is reported, never placed outside it
    late = [plans[0], plan_at(2, [VisitSlot(0, time(9, 30), 30)], at=north(5))]
    result = run(late, [carer(1)], WINDOWED)
    assert [v.plan_id for v in result.visits] == [1] and result.unscheduled[0].slot_start == local(MONDAY, "09:30")


def test_windows_place_more_than_pinned_slots_on_a_crowded_morning() -> None:
    # eight people wanting 09:00 and two caregivers: pinned, two visits; with a two-hour window, more
    plans = [plan_at(i, [VisitSlot(0, time(9), 120)], at=north(0.2 * i)) for i in range(8)]
    caregivers = [carer(1), carer(2)]
    pinned = run([plan_at(p.plan_id, [VisitSlot(0, time(9), 0)], (p.lat, p.lon)) for p in plans], caregivers, WINDOWED)
    windowed = run(plans, caregivers, WINDOWED)
    assert len(pinned.visits) == 2
    # each caregiver: 09:00 and 10:01 (half a minute's travel, rounded up to the minute); 11:02 is past 11:00
    assert len(windowed.visits) == 4
    assert find_conflicts(windowed.visits, caregivers, WINDOWED, plans=plans, zone=ZONE) == []
    assert {u.reason for u in windowed.unscheduled} == {"no_caregiver_free"}


def test_the_checker_refuses_a_visit_outside_its_window_or_not_of_a_slot() -> None:
    plans = [plan_at(1, [VisitSlot(0, time(9))])]
    (visit,) = run(plans, [carer(1)], WINDOWED).visits
    late = visit._replace(slot_start=local(MONDAY, "10:31"), slot_end=local(MONDAY, "11:31"))
    assert [c.kind for c in find_conflicts([late], [carer(1)], WINDOWED, plans=plans, zone=ZONE)] == ["outside_window"]
    early = visit._replace(slot_start=local(MONDAY, "08:59"), slot_end=local(MONDAY, "09:59"))
    assert [c.kind for c in find_conflicts([early], [carer(1)], WINDOWED, plans=plans, zone=ZONE)] == ["outside_window"]
    wider = visit._replace(window_closes=local(MONDAY, "11:00"))
    assert [c.kind for c in find_conflicts([wider], [carer(1)], WINDOWED, plans=plans, zone=ZONE)] == ["not_a_slot"]
    elsewhere = visit._replace(
        window_opens=local(MONDAY, "09:05"), window_closes=local(MONDAY, "10:05"),
        slot_start=local(MONDAY, "09:05"), slot_end=local(MONDAY, "10:05"),
    )  # fmt: skip
    assert [c.kind for c in find_conflicts([elsewhere], [carer(1)], WINDOWED, plans=plans, zone=ZONE)] == ["not_a_slot"]


def test_a_rerun_keys_on_the_slot_s_start_not_where_the_visit_was_placed() -> None:
    plans = [plan_at(1, [VisitSlot(0, time(9))]), plan_at(2, [VisitSlot(0, time(9))])]  # same home: 10:00
    first = run(plans, [carer(1)], WINDOWED)
    moved = [v for v in first.visits if v.slot_start != v.window_opens]
    assert moved, "one visit was placed later in its window"
    again = run(plans, [carer(1)], WINDOWED, existing=as_bookings(first.visits))
    assert again.visits == [] and again.skipped_existing == len(first.visits)


@st.composite
def crowded_days(draw):  # type: ignore[no-untyped-def]
    caregivers = [
        CaregiverInput(
            i, 1, "elderly_carer", HOME[0] + draw(st.floats(-0.05, 0.05)), HOME[1] + draw(st.floats(-0.05, 0.05)), 40
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    plans = []
    for j in range(draw(st.integers(1, 10))):
        minute = draw(st.integers(16, 32)) * 30
        plans.append(
            PlanInput(
                j, j, 1, HOME[0] + draw(st.floats(-0.05, 0.05)), HOME[1] + draw(st.floats(-0.05, 0.05)),
                (VisitSlot(0, time(minute // 60, minute % 60), draw(st.sampled_from([0, 30, 60, 120]))),),
                draw(st.sampled_from([30, 60])),
            )
        )  # fmt: skip
    return plans, caregivers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded_days())
def test_windows_never_place_fewer_than_pinned_slots_and_stay_inside(data) -> None:  # type: ignore[no-untyped-def]
    plans, caregivers = data
    windowed = run(plans, caregivers, WINDOWED)
    pinned_plans = [
        PlanInput(p.plan_id, p.person_id, 1, p.lat, p.lon, tuple(VisitSlot(s.weekday, s.start, 0) for s in p.slots), p.duration_minutes)
        for p in plans
    ]  # fmt: skip
    pinned = run(pinned_plans, caregivers, WINDOWED)
    assert find_conflicts(windowed.visits, caregivers, WINDOWED, plans=plans, zone=ZONE) == []
    assert find_conflicts(pinned.visits, caregivers, WINDOWED, plans=pinned_plans, zone=ZONE) == []
    for v in windowed.visits:
        assert v.window_opens is not None and v.window_closes is not None
        assert v.window_opens <= v.slot_start <= v.window_closes
    assert len(windowed.visits) + len(windowed.unscheduled) == len(plans)
    again = run(plans, caregivers, WINDOWED, existing=as_bookings(windowed.visits))
    assert again.visits == [] and again.skipped_existing == len(windowed.visits)


def test_the_repair_moves_a_chain_of_two_visits_where_one_move_cannot_make_room() -> None:
    # The nurse B is the only one for the nurse-only visit at 09:00, but B has c then. c
    # (pinned at 09:00) could only go to A, who has b then; b's window reaches 10:00, when D
    # (working 10:00-12:00, already booked at 11:00 next door to b) can take it. Moving c
    # alone finds no place, moving b alone frees no nurse: only the chain places all three.
    far = north(20)
    a = carer(1, work_start=time(9), work_end=time(10))
    b_nurse = carer(2, qualification="nurse", work_start=time(9), work_end=time(10))
    d = carer(3, work_start=time(10), work_end=time(12))
    booked = Booking(3, local(MONDAY, "11:00"), local(MONDAY, "12:00"), far[0], far[1])
    b = replace(plan_at(1, [VisitSlot(0, time(9))], at=far), previous_caregiver_id=1)
    c = replace(plan_at(2, [VisitSlot(0, time(9), 0)]), previous_caregiver_id=2)
    nurse_only = replace(plan_at(3, [VisitSlot(0, time(9), 0)]), needs_nurse=True)
    plans, caregivers = [b, c, nurse_only], [a, b_nurse, d]
    result = run(plans, caregivers, WINDOWED, existing=[booked])
    assert result.unscheduled == []
    assert {v.plan_id: (v.caregiver_id, v.slot_start) for v in result.visits} == {
        1: (3, local(MONDAY, "10:00")),
        2: (1, local(MONDAY, "09:00")),
        3: (2, local(MONDAY, "09:00")),
    }
    assert find_conflicts(result.visits, caregivers, WINDOWED, existing=[booked], plans=plans, zone=ZONE) == []
    # one move is all the repair may make with the chain turned off: the nurse-only visit stays out
    with patch("ltc.domain.scheduling.REPAIR_DEPTH", 0):
        single = run(plans, caregivers, WINDOWED, existing=[booked])
    assert [u.plan_id for u in single.unscheduled] == [3]
    # a second run adds nothing
    again = run(plans, caregivers, WINDOWED, existing=[booked, *as_bookings(result.visits)])
    assert again.visits == [] and again.unscheduled == []
