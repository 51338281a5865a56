from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ltc.domain.errors import InvalidInput
from ltc.domain.policy import Policy
from ltc.domain.visit_events import (
    EMPTY,
    Position,
    VisitEvent,
    apply_event,
    derive,
    fold,
)

POLICY = Policy(version="test", effective_from=date(2020, 1, 1))  # skew 10 min
CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


def uid(n: int) -> UUID:
    return UUID(int=n)


def event(
    n: int,
    kind: str = "check_in",
    minute: float = 0,
    *,
    recv: float | None = None,
    lat: float = 29.87,
    items: tuple[str, ...] = (),
) -> VisitEvent:
    at = T0 + timedelta(minutes=minute)
    received = at + timedelta(minutes=1) if recv is None else T0 + timedelta(minutes=recv)
    return VisitEvent(uid(n), kind, at, received, lat, 121.55, 15.0, items)


def test_check_in_then_check_out() -> None:
    state, outcome = apply_event(EMPTY, event(1), POLICY)
    assert outcome.code == "recorded" and outcome.effective and not outcome.refused
    assert state.status == "in_progress"
    assert state.checked_in_at == T0 and state.check_in_position == Position(29.87, 121.55, 15.0)
    assert state.check_in_received_at == T0 + timedelta(minutes=1)
    state, outcome = apply_event(state, event(2, "check_out", 55, items=("B05", "B01", "B05")), POLICY)
    assert outcome.code == "recorded"
    assert state.status == "done"
    assert state.checked_out_at == T0 + timedelta(minutes=55)
    assert state.items == ("B01", "B05")
    assert state.duration == timedelta(minutes=55)
    assert (state.check_in_event_id, state.check_out_event_id) == (uid(1), uid(2))


def test_the_same_event_twice_is_recorded_once() -> None:
    state = fold([event(1)], POLICY)
    again, outcome = apply_event(state, event(1), POLICY)
    assert outcome.code == "replayed" and outcome.effective and not outcome.refused
    assert again == state and len(again.events) == 1
    # a retry received later changes nothing, not even the receipt time
    later = VisitEvent(uid(1), "check_in", T0, T0 + timedelta(hours=3), 29.87, 121.55, 15.0)
    assert apply_event(state, later, POLICY)[0] == state


def test_the_same_id_with_another_body_is_a_conflict() -> None:
    state = fold([event(1)], POLICY)
    for other in (event(1, minute=1), event(1, lat=29.88), event(1, "check_out", 5)):
        same, outcome = apply_event(state, other, POLICY)
        assert outcome.code == "duplicate_event" and outcome.refused
        assert same == state


def test_a_check_out_before_the_check_in_is_refused() -> None:
    state = fold([event(1, minute=10)], POLICY)
    after, outcome = apply_event(state, event(2, "check_out", 9), POLICY)
    assert outcome.code == "checkout_before_checkin" and outcome.refused and not outcome.effective
    assert after.status == "in_progress" and after.checked_out_at is None
    # at the same minute is allowed (too_short flags it, the event is not refused)
    done, outcome = apply_event(state, event(3, "check_out", 10), POLICY)
    assert outcome.code == "recorded" and done.status == "done"


def test_device_time_far_in_the_future_is_refused() -> None:
    at_limit = VisitEvent(uid(1), "check_in", T0 + timedelta(minutes=10), T0, 29.87, 121.55, 5.0)
    _, outcome = apply_event(EMPTY, at_limit, POLICY)
    assert outcome.code == "recorded"
    past_limit = VisitEvent(uid(2), "check_in", T0 + timedelta(minutes=10, seconds=1), T0, 29.87, 121.55, 5.0)
    state2, outcome = apply_event(EMPTY, past_limit, POLICY)
    assert outcome.code == "time_in_future" and outcome.refused
    assert state2 == EMPTY
    # a device clock behind the server is fine (offline events arrive late)
    late = VisitEvent(uid(3), "check_in", T0, T0 + timedelta(hours=5), 29.87, 121.55, 5.0)
    assert apply_event(EMPTY, late, POLICY)[1].code == "recorded"
    lenient = Policy(version="l", effective_from=date(2020, 1, 1), max_clock_skew_minutes=30)
    assert apply_event(EMPTY, past_limit, lenient)[1].code == "recorded"


def test_the_earliest_check_in_wins() -> None:
    state = fold([event(5, minute=3), event(7, minute=1)], POLICY)
    assert state.check_in_event_id == uid(7) and state.checked_in_at == T0 + timedelta(minutes=1)
    _, outcome = apply_event(state, event(8, minute=2), POLICY)
    assert outcome.code == "superseded"
    tie = fold([event(9, minute=1), event(4, minute=1, lat=29.9)], POLICY)
    assert tie.check_in_event_id == uid(4)
    assert tie == fold([event(4, minute=1, lat=29.9), event(9, minute=1)], POLICY)


def test_the_first_check_out_after_the_check_in_ends_the_visit() -> None:
    state = fold([event(1), event(2, "check_out", 50), event(3, "check_out", 40)], POLICY)
    assert state.check_out_event_id == uid(3)
    _, outcome = apply_event(state, event(4, "check_out", 45), POLICY)
    assert outcome.code == "superseded"


def test_a_check_out_arriving_first_waits_for_its_check_in() -> None:
    state, outcome = apply_event(EMPTY, event(2, "check_out", 55, items=("B01",)), POLICY)
    assert outcome.code == "pending_check_in" and state.status == "planned"
    state, outcome = apply_event(state, event(1), POLICY)
    assert outcome.code == "recorded"
    assert state.status == "done" and state.checked_out_at == T0 + timedelta(minutes=55)
    assert state == fold([event(1), event(2, "check_out", 55, items=("B01",))], POLICY)


def test_an_earlier_check_in_can_make_a_refused_check_out_count() -> None:
    # documented: the state depends on the set of events, an outcome on the moment
    state, outcome = apply_event(fold([event(1, minute=10)], POLICY), event(2, "check_out", 5), POLICY)
    assert outcome.code == "checkout_before_checkin"
    state, _ = apply_event(state, event(3, minute=0), POLICY)
    assert state.status == "done" and state.check_out_event_id == uid(2)


def test_conflicting_bodies_keep_the_first_received_whatever_the_order() -> None:
    first = event(1, minute=0, recv=1)
    second = event(1, minute=2, recv=5)
    assert fold([first, second], POLICY) == fold([second, first], POLICY)
    assert fold([second, first], POLICY).checked_in_at == T0


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "pause"}, "invalid_event_kind"),
        ({"at": datetime(2026, 3, 2, 9)}, "naive_time"),
        ({"server_received_at": datetime(2026, 3, 2, 9)}, "naive_time"),
        ({"lat": 91.0}, "coordinates_out_of_range"),
        ({"accuracy_m": -1.0}, "invalid_accuracy"),
        ({"accuracy_m": float("nan")}, "invalid_accuracy"),
        ({"event_id": "not-a-uuid"}, "invalid_event_id"),
    ],
)
def test_invalid_events(kwargs: dict, code: str) -> None:
    fields = {
        "event_id": uid(1),
        "kind": "check_in",
        "at": T0,
        "server_received_at": T0,
        "lat": 29.87,
        "lon": 121.55,
        "accuracy_m": 5.0,
    } | kwargs
    with pytest.raises(InvalidInput) as caught:
        VisitEvent(**fields)
    assert caught.value.code == code


def test_derive_is_the_fold_of_recorded_events() -> None:
    events = [event(1), event(2, "check_out", 30)]
    assert derive(reversed(events)) == fold(events, POLICY)


# ---------------------------------------------------------------- properties


@st.composite
def event_streams(draw):  # type: ignore[no-untyped-def]
    """Events of one visit: some ids repeated with the same body (retries, received later),
    some with another body (conflicts), some from a clock far ahead (refused)."""
    base = []
    for n in range(draw(st.integers(1, 7))):
        kind = draw(st.sampled_from(["check_in", "check_out"]))
        minute = draw(st.integers(-5, 90))
        recv = minute + draw(st.sampled_from([-20, -11, -10, 0, 3, 120]))
        items = tuple(draw(st.sets(st.sampled_from(["B01", "B02", "C05"]), max_size=2))) if kind == "check_out" else ()
        e = VisitEvent(
            uid(draw(st.integers(1, 5)) if n > 3 else n + 1),
            kind,
            T0 + timedelta(minutes=minute),
            T0 + timedelta(minutes=recv),
            29.87 + draw(st.integers(0, 3)) / 1000,
            121.55,
            float(draw(st.sampled_from([5, 20]))),
            items,
        )
        base.append(e)
    retries = [
        VisitEvent(
            e.event_id,
            e.kind,
            e.at,
            e.server_received_at + timedelta(minutes=draw(st.integers(0, 60))),
            e.lat,
            e.lon,
            e.accuracy_m,
            e.items,
        )
        for e in draw(st.lists(st.sampled_from(base), max_size=4))
    ]
    return base + retries


@settings(max_examples=300, deadline=None)
@given(event_streams(), st.data())
def test_fold_is_independent_of_order_and_repetition(events, data) -> None:  # type: ignore[no-untyped-def]
    reference = fold(events, POLICY)
    shuffled = data.draw(st.permutations(events))
    repeated = data.draw(st.lists(st.sampled_from(events), max_size=6))
    assert fold(list(shuffled) + repeated, POLICY) == reference
    assert fold(list(reversed(events)) + list(shuffled), POLICY) == reference
    # the state's invariants
    if reference.status == "planned":
        assert reference.checked_in_at is None and reference.checked_out_at is None
    if reference.status == "in_progress":
        assert reference.checked_in_at is not None and reference.checked_out_at is None
    if reference.status == "done":
        assert reference.checked_out_at >= reference.checked_in_at  # type: ignore[operator]
    assert len({e.event_id for e in reference.events}) == len(reference.events)
    skew = timedelta(minutes=POLICY.max_clock_skew_minutes)
    assert all(e.at - e.server_received_at <= skew for e in reference.events)
    # replaying the recorded events changes nothing
    for e in reference.events:
        state, outcome = apply_event(reference, e, POLICY)
        assert state == reference and outcome.code == "replayed"
