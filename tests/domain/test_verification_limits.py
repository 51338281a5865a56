"""The verification conventions at their exact limits: exactly at the geofence edge is in,
exactly the limit speed is possible, a caregiver's several other visits, a jump between
two other visits, a hospital stay given as a tuple, visits without positions."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, timedelta
from uuid import UUID

from ltc.domain.scheduling import haversine_km
from ltc.domain.verification import RULES_BY_CODE, CaregiverVisit, VerificationContext, verify
from ltc.domain.visit_events import Position, VisitEvent, fold
from tests.domain.test_verification import END, HOME, POLICY, START, ZONE, ctx, far, flags, north_m, other


def only(rule: str, **kw: object) -> bool:
    return verify(ctx(**kw), [RULES_BY_CODE[rule]]) == [rule]


def meters_from_home(pos: Position) -> float:
    return haversine_km(HOME[0], HOME[1], pos.lat, pos.lon) * 1000.0


# ---------------------------------------------------------------------------- geofence


def test_exactly_at_the_geofence_edge_is_inside() -> None:
    pos = north_m(250)
    edge = meters_from_home(pos)  # the distance the rule measures
    assert not only("outside_geofence", policy=replace(POLICY, geofence_m=edge), check_in=pos)
    assert only("outside_geofence", policy=replace(POLICY, geofence_m=math.nextafter(edge, 0)), check_in=pos)
    assert not only("outside_geofence", policy=replace(POLICY, geofence_m=edge), check_out=pos)
    assert only("outside_geofence", policy=replace(POLICY, geofence_m=math.nextafter(edge, 0)), check_out=pos)


def test_exactly_the_geofence_plus_the_accuracy_is_inside() -> None:
    accuracy = meters_from_home(north_m(250)) - POLICY.geofence_m  # exact: the two are within a factor 2
    assert POLICY.geofence_m + accuracy == meters_from_home(north_m(250))
    at_edge = Position(north_m(250).lat, north_m(250).lon, accuracy)
    assert not only("outside_geofence", check_in=at_edge)
    # the least step below that the sum can show: one unit in the last place of the distance
    smaller = accuracy - math.ulp(meters_from_home(at_edge))
    assert only("outside_geofence", check_in=replace(at_edge, accuracy_m=smaller))


def test_a_visit_without_positions_is_never_outside() -> None:
    assert not only("outside_geofence", check_in=None, check_out=None)
    assert only("outside_geofence", check_in=None, check_out=north_m(900))
    assert only("outside_geofence", check_in=north_m(900), check_out=None)


# ---------------------------------------------------------------------------- speed


def test_exactly_the_limit_speed_is_possible() -> None:
    # another visit's check-out 10 minutes before this check-in, 15 km (less both accuracies) away
    there = far(15, accuracy=30)
    here = north_m(10, accuracy=20)
    before = CaregiverVisit(2, START - timedelta(minutes=40), there, START - timedelta(minutes=10), there)
    km = haversine_km(here.lat, here.lon, there.lat, there.lon) - (20 + 30) / 1000.0
    limit = km / (10 / 60)  # the speed the rule computes: about 90 km/h
    assert 85 < limit < 95
    exactly = replace(POLICY, impossible_speed_kmh=limit)
    just_below = replace(POLICY, impossible_speed_kmh=math.nextafter(limit, 0))
    assert not only("impossible_travel", policy=exactly, check_in=here, caregiver_visits=(before,))
    assert only("impossible_travel", policy=just_below, check_in=here, caregiver_visits=(before,))


def test_a_jump_between_two_other_visits_is_not_this_visits() -> None:
    # two other visits 50 km apart a minute from each other, both long before this one
    a = CaregiverVisit(2, START - timedelta(hours=3), far(50), START - timedelta(hours=2, minutes=1), far(50))
    b = CaregiverVisit(3, START - timedelta(hours=2), north_m(10), START - timedelta(hours=1), north_m(10))
    assert not only("impossible_travel", caregiver_visits=(a, b))
    assert not only("impossible_travel", caregiver_visits=(b, a))
    # ...and after this one
    c = CaregiverVisit(4, END + timedelta(hours=1), north_m(10), END + timedelta(hours=2), north_m(10))
    d = CaregiverVisit(5, END + timedelta(hours=2, minutes=1), far(50), END + timedelta(hours=3), far(50))
    assert not only("impossible_travel", caregiver_visits=(d, c, b, a))


def test_the_neighbours_are_found_in_time_order_whatever_the_order_given() -> None:
    near_before = CaregiverVisit(2, START - timedelta(hours=2), north_m(10), START - timedelta(hours=1), north_m(10))
    far_long_before = CaregiverVisit(3, START - timedelta(hours=6), far(80), START - timedelta(hours=5), far(80))
    jump_after = CaregiverVisit(4, END + timedelta(minutes=1), far(20))  # 20 km in a minute
    assert not only("impossible_travel", caregiver_visits=(near_before, far_long_before))
    assert not only("impossible_travel", caregiver_visits=(far_long_before, near_before))
    assert only("impossible_travel", caregiver_visits=(far_long_before, jump_after, near_before))


def test_events_without_a_position_or_a_time_are_left_out_of_the_travel() -> None:
    # the other visit's check-in has a time but no position, its check-out neither
    no_position = CaregiverVisit(2, START - timedelta(minutes=1), None, None, far(20))
    assert not only("impossible_travel", caregiver_visits=(no_position,))
    # this visit checked in without a position: only its check-out is compared
    after = CaregiverVisit(3, END + timedelta(minutes=1), far(20))
    before = CaregiverVisit(4, START - timedelta(minutes=30), far(20), START - timedelta(minutes=1), far(20))
    assert only("impossible_travel", check_in=None, caregiver_visits=(after,))
    assert not only("impossible_travel", check_in=None, caregiver_visits=(before,))
    # no position of its own at all: nothing of this visit to compare
    assert not only("impossible_travel", check_in=None, check_out=None, caregiver_visits=(before, after))


# ---------------------------------------------------------------------------- several visits of one caregiver


def test_an_overlap_with_any_of_the_caregivers_other_visits() -> None:
    never_started = CaregiverVisit(2, None)
    earlier = other(3, -120, -60)
    overlapping = other(4, 50, 90)
    later = other(5, 120, 180)
    for visits in [(never_started, earlier, overlapping, later), (later, overlapping, never_started, earlier)]:
        assert only("caregiver_overlap", caregiver_visits=visits)
    assert not only("caregiver_overlap", caregiver_visits=(never_started, earlier, later))
    assert not only("caregiver_overlap", checked_in_at=None, check_in=None, caregiver_visits=(overlapping,))


def test_a_check_out_before_the_check_in_counts_as_the_instant_of_the_check_in() -> None:
    # clocks out of step: the other visit "ended" before it began
    inside = CaregiverVisit(2, START + timedelta(minutes=30), north_m(10), START - timedelta(minutes=10))
    before = CaregiverVisit(3, START - timedelta(minutes=5), north_m(10), START - timedelta(minutes=50))
    after = CaregiverVisit(4, END, north_m(10), START + timedelta(minutes=30))
    assert only("caregiver_overlap", caregiver_visits=(inside,))
    assert not only("caregiver_overlap", caregiver_visits=(before,))
    assert not only("caregiver_overlap", caregiver_visits=(after,))
    # this visit's own check-out before its check-in: the instant of its check-in
    skewed = {"checked_out_at": START - timedelta(minutes=30)}
    assert not only("caregiver_overlap", caregiver_visits=(other(5, 10, 20),), **skewed)
    assert only("caregiver_overlap", caregiver_visits=(other(5, -10, 20),), **skewed)


# ---------------------------------------------------------------------------- hospital stays


def test_a_stay_given_as_a_tuple_honours_its_discharge_day() -> None:
    stay = ((date(2026, 3, 3), date(2026, 3, 5)),)
    for day, inpatient in ((2, False), (3, True), (4, True), (5, False), (6, False)):
        at = datetime(2026, 3, day, 10, 0, tzinfo=ZONE)
        visit = {"planned_start": at, "planned_end": at + timedelta(hours=1), "checked_in_at": at}
        assert flags(inpatient_stays=stay, checked_out_at=at + timedelta(hours=1), **visit) == (
            ["person_inpatient"] if inpatient else []
        )


def test_any_of_several_stays() -> None:
    stays = ((date(2026, 1, 1), date(2026, 1, 9)), (date(2026, 3, 2), None))
    assert flags(inpatient_stays=stays) == ["person_inpatient"]
    assert flags(inpatient_stays=stays[:1]) == []


# ---------------------------------------------------------------------------- durations and folded events


def test_the_share_of_the_planned_length_is_counted_to_the_microsecond() -> None:
    # planned 60 min and 1 µs: 75 % of it is 45 min and 0.75 µs, so 45 min is short by a fraction of a µs
    planned_end = START + timedelta(minutes=60, microseconds=1)
    assert only("too_short", planned_end=planned_end, checked_out_at=START + timedelta(minutes=45))
    assert not only("too_short", planned_end=planned_end, checked_out_at=START + timedelta(minutes=45, microseconds=1))


def test_two_other_events_at_the_same_instant() -> None:
    # one visit checked out and the next checked in at the same second, next door to each other
    a = CaregiverVisit(2, START - timedelta(hours=2), north_m(300), START - timedelta(hours=1), north_m(300))
    b = CaregiverVisit(3, START - timedelta(hours=1), north_m(320), START - timedelta(minutes=30), north_m(320))
    assert not only("impossible_travel", caregiver_visits=(a, b))
    assert not only("impossible_travel", caregiver_visits=(b, a))
    # the same with this visit's own check-in: another place at the same instant is impossible
    c = CaregiverVisit(4, START - timedelta(minutes=20), far(3), START, far(3))
    assert only("impossible_travel", caregiver_visits=(a, c))


def test_the_context_from_a_folded_state_takes_both_positions() -> None:
    def folded(check_in_m: float, check_out_m: float) -> VerificationContext:
        cin, cout = north_m(check_in_m), north_m(check_out_m)
        events = [
            VisitEvent(UUID(int=1), "check_in", START, START, cin.lat, cin.lon, 5.0),
            VisitEvent(UUID(int=2), "check_out", END, END, cout.lat, cout.lon, 5.0, ("B01",)),
        ]
        return VerificationContext.from_state(
            fold(events, POLICY),
            policy=POLICY,
            zone=ZONE,
            home_lat=HOME[0],
            home_lon=HOME[1],
            planned_start=START,
            planned_end=END,
        )

    assert verify(folded(10, 10)) == []
    assert verify(folded(900, 10)) == ["outside_geofence"]
    assert verify(folded(10, 900)) == ["outside_geofence"]
    context = folded(10, 900)
    assert (context.checked_in_at, context.checked_out_at, context.items) == (START, END, ("B01",))
