from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ltc.domain.care_plan import VisitSlot
from ltc.domain.errors import InvalidInput
from ltc.domain.policy import Policy
from ltc.domain.scheduling import (
    Booking,
    CaregiverInput,
    PlanInput,
    PlannedVisit,
    find_conflicts,
    haversine_km,
    provider_batches,
    provider_groups,
    schedule,
)

ZONE = ZoneInfo("Asia/Shanghai")
# 25 km/h; visits pinned to their slot's start (windows are tested in test_scheduling_windows.py)
POLICY = Policy(version="test", effective_from=date(2020, 1, 1), visit_window_minutes=0)
MONDAY = date(2026, 3, 2)  # ISO week 2026-W10
HOME = (29.87, 121.55)
KM_PER_DEG_LAT = math.pi / 180 * 6371.0088


def north(km: float, origin: tuple[float, float] = HOME) -> tuple[float, float]:
    return (origin[0] + km / KM_PER_DEG_LAT, origin[1])


def plan(
    plan_id: int,
    slots: list[tuple[int, str]],
    *,
    provider: int = 1,
    at: tuple[float, float] = HOME,
    nurse: bool = False,
    previous: int | None = None,
    minutes: int = 60,
    **kw: object,
) -> PlanInput:
    parsed = tuple(VisitSlot(d, time.fromisoformat(t)) for d, t in slots)
    return PlanInput(plan_id, 1000 + plan_id, provider, at[0], at[1], parsed, minutes, nurse, previous, **kw)  # type: ignore[arg-type]


def carer(
    cid: int,
    *,
    provider: int = 1,
    qualification: str = "elderly_carer",
    at: tuple[float, float] = HOME,
    weekly_hours: float = 40,
    **kw: object,
) -> CaregiverInput:
    return CaregiverInput(cid, provider, qualification, at[0], at[1], weekly_hours, **kw)  # type: ignore[arg-type]


def run(plans, caregivers, days: int = 7, existing=(), policy: Policy = POLICY, start: date = MONDAY):  # type: ignore[no-untyped-def]
    return schedule(
        plans,
        caregivers,
        window_start=start,
        window_end=start + timedelta(days=days),
        zone=ZONE,
        policy=policy,
        existing=existing,
    )


def local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZONE)


def as_bookings(visits: list[PlannedVisit]) -> list[Booking]:
    return [Booking(v.caregiver_id, v.slot_start, v.slot_end, v.lat, v.lon, v.plan_id, v.window_opens) for v in visits]


def test_haversine() -> None:
    assert haversine_km(*HOME, *HOME) == 0.0
    assert haversine_km(*HOME, *north(10)) == pytest.approx(10, abs=1e-9)
    # Beijing – Shanghai ≈ 1067 km
    assert haversine_km(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1067, rel=0.01)


def test_visits_come_from_weekly_slots_in_the_local_zone() -> None:
    result = run([plan(1, [(0, "09:00"), (3, "14:30")])], [carer(7)], days=14)
    assert [v.slot_start for v in result.visits] == [
        local(MONDAY, "09:00"),
        local(MONDAY + timedelta(3), "14:30"),
        local(MONDAY + timedelta(7), "09:00"),
        local(MONDAY + timedelta(10), "14:30"),
    ]
    first = result.visits[0]
    assert first.slot_start.utcoffset() == timedelta(hours=8)
    assert first.slot_start.astimezone(ZoneInfo("UTC")).hour == 1
    assert first.slot_end - first.slot_start == timedelta(minutes=60)
    assert {v.caregiver_id for v in result.visits} == {7}
    assert first.person_id == 1001 and (first.lat, first.lon) == HOME
    assert result.unscheduled == []
    assert find_conflicts(result.visits, [carer(7)], POLICY) == []


def test_the_window_end_is_exclusive_and_plans_have_active_days() -> None:
    daily = [(d, "09:00") for d in range(7)]
    assert len(run([plan(1, daily)], [carer(1)], days=3).visits) == 3
    bounded = plan(1, daily, active_from=MONDAY + timedelta(2), active_until=MONDAY + timedelta(4))
    result = run([bounded], [carer(1)])
    assert [v.slot_start.date() for v in result.visits] == [MONDAY + timedelta(2), MONDAY + timedelta(3)]


def test_a_nurse_only_plan_gets_a_nurse_or_is_reported() -> None:
    p = plan(1, [(0, "09:00")], nurse=True)
    result = run([p], [carer(1), carer(2, qualification="medical_carer")])
    assert result.visits == []
    assert [(u.plan_id, u.slot_start, u.reason) for u in result.unscheduled] == [
        (1, local(MONDAY, "09:00"), "no_qualified_caregiver")
    ]
    result = run([p], [carer(1), carer(2, qualification="nurse", at=north(30))])
    assert [v.caregiver_id for v in result.visits] == [2]


def test_only_caregivers_of_the_plan_s_provider() -> None:
    result = run([plan(1, [(0, "09:00")], provider=1)], [carer(5, provider=2)])
    assert [u.reason for u in result.unscheduled] == ["no_qualified_caregiver"]
    result = run([plan(1, [(0, "09:00")], provider=1)], [carer(5, provider=2), carer(6, provider=1, at=north(20))])
    assert [v.caregiver_id for v in result.visits] == [6]


def test_never_double_booked() -> None:
    plans = [plan(1, [(0, "09:00")]), plan(2, [(0, "09:30")], at=north(0.1))]
    result = run(plans, [carer(1)])
    assert [v.plan_id for v in result.visits] == [1]
    assert [(u.plan_id, u.reason) for u in result.unscheduled] == [(2, "no_caregiver_free")]
    result = run(plans, [carer(1), carer(2)])
    assert sorted(v.caregiver_id for v in result.visits) == [1, 2]
    assert find_conflicts(result.visits, [carer(1), carer(2)], POLICY) == []


def test_back_to_back_at_the_same_home_needs_no_travel() -> None:
    plans = [plan(1, [(0, "09:00")]), plan(2, [(0, "10:00")])]
    assert len(run(plans, [carer(1)]).visits) == 2


@pytest.mark.parametrize(("km", "both"), [(12.0, True), (12.4, True), (12.6, False), (20.0, False)])
def test_travel_between_consecutive_visits_must_fit_the_gap(km: float, both: bool) -> None:
    # a 30-minute gap covers 12.5 km at 25 km/h (the scheduler keeps a second of margin)
    plans = [plan(1, [(0, "09:00")]), plan(2, [(0, "10:30")], at=north(km))]
    result = run(plans, [carer(1)])
    assert len(result.visits) == (2 if both else 1)
    if not both:
        assert [u.reason for u in result.unscheduled] == ["no_caregiver_free"]
    # the travel rule applies to the visit after as well (plan 2 booked first by id order)
    reverse = [plan(1, [(0, "10:30")], at=north(km)), plan(2, [(0, "09:00")])]
    assert len(run(reverse, [carer(1)]).visits) == (2 if both else 1)


def test_policy_travel_speed_is_used() -> None:
    plans = [plan(1, [(0, "09:00")]), plan(2, [(0, "10:30")], at=north(20))]
    fast = Policy(version="fast", effective_from=date(2020, 1, 1), travel_speed_kmh=50.0)
    assert len(run(plans, [carer(1)]).visits) == 1
    assert len(run(plans, [carer(1)], policy=fast).visits) == 2


def test_weekly_hours_per_iso_week() -> None:
    daily = [(d, "09:00") for d in range(7)]
    # window from Thursday to the next Wednesday: two ISO weeks, 4 + 3 days
    result = run([plan(1, daily)], [carer(1, weekly_hours=3)], days=7, start=MONDAY + timedelta(3))
    per_week = Counter(v.slot_start.isocalendar()[1] for v in result.visits)
    assert per_week == {10: 3, 11: 3}
    assert [u.slot_start.date() for u in result.unscheduled] == [date(2026, 3, 8)]
    assert [u.reason for u in result.unscheduled] == ["weekly_hours_exceeded"]
    # fractional hours: 2.5 h is two one-hour visits
    assert len(run([plan(1, daily)], [carer(1, weekly_hours=2.5)]).visits) == 2


def test_weekly_hours_count_existing_visits() -> None:
    booked = [Booking(1, local(MONDAY, "08:00"), local(MONDAY, "10:00"), *north(1))]
    result = run([plan(1, [(1, "09:00"), (2, "09:00")])], [carer(1, weekly_hours=3)], existing=booked)
    assert len(result.visits) == 1
    assert [u.reason for u in result.unscheduled] == ["weekly_hours_exceeded"]


def test_working_hours_and_days() -> None:
    weekdays_only = carer(1, working_days=frozenset(range(5)), work_start=time(9), work_end=time(17))
    slots = [(0, "08:30"), (0, "09:00"), (1, "16:00"), (1, "16:30"), (5, "10:00")]
    result = run([plan(1, slots)], [weekdays_only])
    assert [v.slot_start.strftime("%a %H:%M") for v in result.visits] == ["Mon 09:00", "Tue 16:00"]
    assert {u.reason for u in result.unscheduled} == {"no_caregiver_free"}
    assert find_conflicts(result.visits, [weekdays_only], POLICY) == []


def test_continuity_prefers_the_previous_caregiver() -> None:
    far_busy = carer(1, at=north(8))
    near_idle = carer(2)
    booked = [Booking(1, local(MONDAY, "14:00"), local(MONDAY, "16:00"), *north(8))]
    p = plan(1, [(0, "09:00"), (2, "09:00")], previous=1)
    result = run([p], [far_busy, near_idle], existing=booked)
    assert [v.caregiver_id for v in result.visits] == [1, 1]
    assert result.continuity == 2
    # without a previous caregiver the least booked (then nearest) is chosen
    fresh = run([plan(1, [(0, "09:00"), (2, "09:00")])], [far_busy, near_idle], existing=booked)
    assert [v.caregiver_id for v in fresh.visits] == [2, 2]
    assert fresh.continuity == 0


def test_a_previous_caregiver_who_cannot_serve_is_not_kept() -> None:
    p = plan(1, [(0, "09:00")], previous=9, nurse=True)
    result = run([p], [carer(9), carer(3, qualification="nurse")])  # 9 is not a nurse
    assert [v.caregiver_id for v in result.visits] == [3]
    busy = [Booking(9, local(MONDAY, "09:00"), local(MONDAY, "10:00"), *HOME)]
    result = run([plan(1, [(0, "09:00")], previous=9)], [carer(9), carer(4)], existing=busy)
    assert [v.caregiver_id for v in result.visits] == [4]


def test_load_is_balanced_then_nearest_first() -> None:
    caregivers = [carer(1, at=north(5)), carer(2, at=north(1)), carer(3, at=north(3))]
    plans = [plan(i, [(0, "09:00"), (2, "10:00")]) for i in range(1, 4)]
    result = run(plans, caregivers)
    by_plan = {v.plan_id: v.caregiver_id for v in result.visits}
    assert by_plan == {1: 2, 2: 3, 3: 1}  # each to a different caregiver, nearest first
    assert Counter(v.caregiver_id for v in result.visits) == {1: 2, 2: 2, 3: 2}


def test_nurses_are_kept_for_plans_that_need_them() -> None:
    caregivers = [carer(1, qualification="nurse"), carer(2, at=north(6))]
    result = run([plan(1, [(0, "09:00")])], caregivers)
    assert [v.caregiver_id for v in result.visits] == [2]
    # but a nurse still serves a basic plan when nobody else can
    booked = [Booking(2, local(MONDAY, "09:00"), local(MONDAY, "10:00"), *north(6))]
    result = run([plan(1, [(0, "09:00")])], caregivers, existing=booked)
    assert [v.caregiver_id for v in result.visits] == [1]


def test_plans_with_a_previous_caregiver_go_first() -> None:
    # plan 2 keeps its caregiver even though plan 1 (lower id) would otherwise take the slot
    plans = [plan(1, [(0, "09:00")]), plan(2, [(0, "09:00")], previous=1)]
    result = run(plans, [carer(1)])
    assert [v.plan_id for v in result.visits] == [2]
    assert [u.plan_id for u in result.unscheduled] == [1]


def test_a_rerun_adds_nothing_twice() -> None:
    caregivers = [carer(1), carer(2, at=north(2))]
    plans = [plan(i, [(d, f"{9 + i}:00") for d in (0, 2, 4)], at=north(i / 3)) for i in range(1, 5)]
    first = run(plans, caregivers, days=14)
    assert len(first.visits) == 24
    again = run(plans, caregivers, days=14, existing=as_bookings(first.visits))
    assert again.visits == [] and again.unscheduled == []
    assert again.skipped_existing == 24
    # a longer window with half of the visits already booked: only the rest is added
    kept = first.visits[::2]
    longer = run(plans, caregivers, days=21, existing=as_bookings(kept))
    keys = [v.key for v in longer.visits] + [v.key for v in kept]
    assert len(keys) == len(set(keys)) == 36
    assert longer.skipped_existing == 12
    assert find_conflicts(longer.visits, caregivers, POLICY, existing=as_bookings(kept), plans=plans) == []


def test_existing_bookings_without_a_plan_block_time() -> None:
    blocked = [Booking(1, local(MONDAY, "08:30"), local(MONDAY, "09:30"), *HOME)]
    result = run([plan(1, [(0, "09:00"), (0, "11:00")])], [carer(1)], existing=blocked)
    assert [v.slot_start for v in result.visits] == [local(MONDAY, "11:00")]


def test_invalid_inputs() -> None:
    with pytest.raises(InvalidInput) as caught:
        run([], [carer(1, qualification="doctor")])
    assert caught.value.code == "invalid_qualification"
    with pytest.raises(InvalidInput) as caught:
        run([], [carer(1), carer(1)])
    assert caught.value.code == "duplicate_caregiver"
    with pytest.raises(InvalidInput) as caught:
        schedule([], [], window_start=MONDAY, window_end=MONDAY - timedelta(1), zone=ZONE, policy=POLICY)
    assert caught.value.code == "invalid_window"


# ---------------------------------------------------------------- the checker


def visit(plan_id: int, cid: int, day: date, start: str, end: str, at: tuple[float, float] = HOME) -> PlannedVisit:
    return PlannedVisit(plan_id, plan_id, cid, local(day, start), local(day, end), at[0], at[1])


def kinds(conflicts) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(c.kind for c in conflicts)


def test_find_conflicts_catches_each_broken_constraint() -> None:
    cgs = [carer(1, weekly_hours=2), carer(2, provider=2)]
    assert kinds(
        find_conflicts([visit(1, 1, MONDAY, "09:00", "10:00"), visit(2, 1, MONDAY, "09:30", "10:30")], cgs, POLICY)
    ) == ["overlap"]
    assert kinds(
        find_conflicts(
            [visit(1, 1, MONDAY, "09:00", "10:00"), visit(2, 1, MONDAY, "10:10", "11:00", north(5))], cgs, POLICY
        )
    ) == ["travel"]
    assert (
        find_conflicts(
            [visit(1, 1, MONDAY, "09:00", "10:00"), visit(2, 1, MONDAY, "10:15", "11:00", north(5))], cgs, POLICY
        )
        == []
    )
    three = [visit(i, 1, MONDAY + timedelta(i), "09:00", "10:00") for i in range(3)]
    assert kinds(find_conflicts(three, cgs, POLICY)) == ["weekly_hours"]
    assert kinds(find_conflicts([*three[:2], visit(9, 1, MONDAY + timedelta(7), "09:00", "10:00")], cgs, POLICY)) == []
    dup = [visit(1, 1, MONDAY, "09:00", "10:00"), visit(1, 1, MONDAY, "09:00", "10:00")]
    assert "duplicate_key" in kinds(find_conflicts(dup, cgs, POLICY))
    existing = [Booking(1, local(MONDAY, "09:00"), local(MONDAY, "10:00"), *HOME, plan_id=1)]
    assert "existing_key" in kinds(find_conflicts(dup[:1], cgs, POLICY, existing=existing))
    assert kinds(find_conflicts([visit(1, 1, MONDAY, "07:00", "08:00")], cgs, POLICY)) == ["outside_working_hours"]
    assert kinds(find_conflicts([visit(1, 99, MONDAY, "09:00", "10:00")], cgs, POLICY)) == ["unknown_caregiver"]
    plans = [plan(1, [(0, "09:00")], nurse=True)]
    assert kinds(find_conflicts([visit(1, 2, MONDAY, "09:00", "10:00")], cgs, POLICY, plans=plans)) == [
        "not_qualified",
        "wrong_provider",
    ]
    # an interval inside a long one is caught even when not adjacent by start
    nested = [
        visit(1, 1, MONDAY, "09:00", "12:00"),
        visit(2, 1, MONDAY, "09:30", "10:00"),
        visit(3, 1, MONDAY, "10:30", "11:00"),
    ]
    assert kinds(find_conflicts(nested, [carer(1)], POLICY)) == ["overlap", "overlap"]


def test_stats() -> None:
    cgs = [carer(1), carer(2, qualification="nurse")]
    plans = [
        plan(1, [(0, "09:00")], previous=1),
        plan(2, [(0, "09:00")], nurse=True),
        plan(3, [(0, "09:00")], nurse=True),
    ]
    result = run(plans, cgs)
    stats = result.stats(cgs, POLICY, plans=plans)
    assert (stats.visits, stats.unscheduled, stats.conflicts, stats.continuity, stats.caregivers_used) == (
        2,
        1,
        0,
        1,
        2,
    )
    assert stats.by_reason == {"no_qualified_caregiver": 0, "no_caregiver_free": 1, "weekly_hours_exceeded": 0}


# ---------------------------------------------------------------- properties


@st.composite
def small_inputs(draw):  # type: ignore[no-untyped-def]
    n_cg = draw(st.integers(0, 5))
    caregivers = []
    for i in range(n_cg):
        start_h = draw(st.integers(7, 10))
        caregivers.append(
            CaregiverInput(
                i,
                draw(st.integers(1, 2)),
                draw(st.sampled_from(["elderly_carer", "medical_carer", "nurse"])),
                HOME[0] + draw(st.floats(-0.1, 0.1)),
                HOME[1] + draw(st.floats(-0.1, 0.1)),
                draw(st.sampled_from([0, 1.5, 4, 10, 40])),
                time(start_h),
                time(draw(st.integers(start_h + 2, 20))),
                frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
            )
        )
    plans = []
    for j in range(draw(st.integers(0, 8))):
        slots = draw(st.sets(st.tuples(st.integers(0, 6), st.integers(14, 38)), min_size=1, max_size=5))
        plans.append(
            PlanInput(
                100 + j,
                j,
                draw(st.integers(1, 2)),
                HOME[0] + draw(st.floats(-0.1, 0.1)),
                HOME[1] + draw(st.floats(-0.1, 0.1)),
                tuple(
                    VisitSlot(d, time(h // 2, 30 * (h % 2)), draw(st.sampled_from([None, 0, 15, 60, 120])))
                    for d, h in sorted(slots)
                ),
                draw(st.sampled_from([30, 45, 60, 90])),
                draw(st.booleans()),
                draw(st.one_of(st.none(), st.integers(0, 5))),
            )
        )
    existing = []
    for _ in range(draw(st.integers(0, 4))):
        if not caregivers:
            break
        cg = draw(st.sampled_from(caregivers))
        day = MONDAY + timedelta(days=draw(st.integers(-2, 9)))
        start = local(day, f"{draw(st.integers(7, 17)):02d}:{draw(st.sampled_from(['00', '15', '30']))}")
        existing.append(Booking(cg.caregiver_id, start, start + timedelta(minutes=45), cg.lat, cg.lon))
    days = draw(st.integers(1, 10))
    start = MONDAY + timedelta(days=draw(st.integers(0, 6)))
    speed = draw(st.sampled_from([5.0, 25.0, 60.0]))
    window = draw(st.sampled_from([0, 30, 60]))
    return (
        plans,
        caregivers,
        existing,
        days,
        start,
        Policy(version="p", effective_from=date(2020, 1, 1), travel_speed_kmh=speed, visit_window_minutes=window),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_inputs())
def test_random_schedules_have_no_conflicts(data) -> None:  # type: ignore[no-untyped-def]
    plans, caregivers, existing, days, start, policy = data
    result = run(plans, caregivers, days=days, existing=existing, policy=policy, start=start)
    # existing bookings may break weekly hours on their own: compare against their own conflicts
    baseline = Counter(c.kind for c in find_conflicts([], caregivers, policy, existing=existing))
    found = Counter(c.kind for c in find_conflicts(result.visits, caregivers, policy, existing=existing, plans=plans))
    assert found == baseline
    # every visit starts inside its slot's window, on a whole minute
    for v in result.visits:
        assert v.window_opens is not None and v.window_closes is not None
        assert v.window_opens <= v.slot_start <= v.window_closes
        assert v.slot_start.second == 0
    # weekly hours respected for every caregiver who was within them before
    minutes: dict[tuple[int, int], float] = defaultdict(float)
    for b in existing:
        minutes[(b.caregiver_id, b.start.isocalendar()[1])] += (b.end - b.start).total_seconds() / 60
    before = dict(minutes)
    for v in result.visits:
        minutes[(v.caregiver_id, v.slot_start.isocalendar()[1])] += (v.slot_end - v.slot_start).total_seconds() / 60
    limit = {c.caregiver_id: c.weekly_hours * 60 for c in caregivers}
    for key, total in minutes.items():
        if before.get(key, 0) <= limit[key[0]]:
            assert total <= limit[key[0]] + 1e-9
    # every slot of the window is either planned or reported, once
    expected = {
        (p.plan_id, local(start + timedelta(d), s.start.isoformat(timespec="minutes")))
        for p in plans
        for d in range(days)
        for s in p.slots
        if (start + timedelta(d)).weekday() == s.weekday
    }
    keys = [v.key for v in result.visits] + [u.key for u in result.unscheduled]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected
    # a re-run with the result booked adds nothing
    again = run(
        plans, caregivers, days=days, existing=[*existing, *as_bookings(result.visits)], policy=policy, start=start
    )
    assert again.visits == []
    assert again.skipped_existing == len(result.visits)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_inputs(), st.integers(1, 3))
def test_scheduling_provider_batches_one_by_one_gives_the_whole_run(data, count) -> None:  # type: ignore[no-untyped-def]
    plans, caregivers, existing, days, start, policy = data
    whole = run(plans, caregivers, days=days, existing=existing, policy=policy, start=start)
    batches = provider_batches(plans, caregivers, existing, count)
    assert sorted(p.plan_id for group in batches for p in group[0]) == sorted(p.plan_id for p in plans)
    parts = [run(p, c, days=days, existing=e, policy=policy, start=start) for p, c, e in batches]
    assert sorted(v for part in parts for v in part.visits) == sorted(whole.visits)
    assert sorted(u for part in parts for u in part.unscheduled) == sorted(whole.unscheduled)
    assert sum(part.skipped_existing for part in parts) == whole.skipped_existing
    assert sum(part.continuity for part in parts) == whole.continuity


def test_provider_batches_keep_providers_whole_and_sizes_even() -> None:
    plans = [plan(i, [(0, "09:00")], provider=1 + i % 4) for i in range(40)]
    caregivers = [carer(i, provider=1 + i % 4) for i in range(8)]
    batches = provider_batches(plans, caregivers, [], 2)
    assert [sorted({p.provider_id for p in b[0]}) for b in batches] == [[1, 2], [3, 4]]
    assert [sorted({c.provider_id for c in b[1]}) for b in batches] == [[1, 2], [3, 4]]
    assert provider_batches([], caregivers, [], 8) == [([], [], [])]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(1, 500), st.integers(0, 300), max_size=60), st.integers(1, 16))
def test_provider_groups_hold_every_provider_with_plans_once_in_at_most_count_groups(plans_of, count) -> None:  # type: ignore[no-untyped-def]
    groups = provider_groups(plans_of, count)
    flat = [provider for group in groups for provider in group]
    assert flat == sorted(p for p, n in plans_of.items() if n)  # each once, in id order
    assert all(groups) and len(groups) <= count
    share = -(-sum(plans_of.values()) // count)
    # Every group but the last was filled to the mean share, and overshot it by one provider at most.
    for group in groups[:-1]:
        size = sum(plans_of[p] for p in group)
        assert share <= size < share + max(plans_of[p] for p in group)
