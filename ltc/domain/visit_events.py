"""Folding a visit's check-in and check-out events into its state (DOMAIN §5, API "Visits").

Field devices may be offline, retry, and send events late and out of order. The state is
therefore a function of the *set* of events received, never of their order:

* An event is identified by its client-generated ``event_id``. The same id with the same
  body (kind, device time, position, accuracy, items) is recorded once; the earliest
  server receipt is kept. The same id with a different body is a ``duplicate_event``
  conflict; of two such bodies the one the server received first is kept (ties: the
  smaller body), so a replay in any order keeps the same one.
* An event whose device time is more than ``policy.max_clock_skew_minutes`` after the
  server's receipt is refused (``time_in_future``) and never recorded: the answer depends
  on the event alone.
* Of several check-ins, the earliest by device time wins (tie: the smaller ``event_id``):
  the visit began when the caregiver first said so. The others stay recorded as
  ``superseded``.
* A check-out counts only against the winning check-in: the earliest check-out (tie:
  smaller id) whose device time is not before the check-in's ends the visit. A check-out
  before the check-in is refused (``checkout_before_checkin``); one that arrives before any
  check-in waits (``pending_check_in``). Both stay recorded, so that whatever arrives later
  (an earlier check-in) gives the same state as if the events had come in order; an outcome
  describes the event against the state at the time it was applied.

Status: ``planned`` (no check-in), ``in_progress`` (checked in), ``done`` (checked out).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ltc.domain.errors import InvalidInput
from ltc.domain.policy import Policy

EVENT_KINDS: tuple[str, ...] = ("check_in", "check_out")
STATUSES: tuple[str, ...] = ("planned", "in_progress", "done")
REFUSALS: frozenset[str] = frozenset({"duplicate_event", "checkout_before_checkin", "time_in_future"})


@dataclass(frozen=True, slots=True)
class Position:
    lat: float
    lon: float
    accuracy_m: float = 0.0


@dataclass(frozen=True, slots=True)
class VisitEvent:
    event_id: UUID
    kind: str  # check_in | check_out
    at: datetime  # device time, timezone-aware
    server_received_at: datetime  # timezone-aware
    lat: float
    lon: float
    accuracy_m: float
    items: tuple[str, ...] = ()  # service items done (check-out); kept sorted, without repeats
    # Not part of the body a retry repeats: what the server found when it first recorded the
    # event (a replay keeps the first one's), see ltc.domain.presence.
    presence: str = ""  # what the presence code proved: "" (none given) | time_code | household_code | invalid
    performed_by: int | None = None  # the caregiver who performed it (None: the visit's planned caregiver)
    evidence: tuple[str, ...] = ()  # what was kept with it: photo (check-in), signature (check-out)

    def __post_init__(self) -> None:
        if not isinstance(self.event_id, UUID):
            raise InvalidInput(f"event_id {self.event_id!r} is not a UUID", code="invalid_event_id")
        if self.kind not in EVENT_KINDS:
            raise InvalidInput(f"event kind {self.kind!r} is not check_in or check_out", code="invalid_event_kind")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InvalidInput("the device time needs an offset", code="naive_time")
        if self.server_received_at.tzinfo is None or self.server_received_at.utcoffset() is None:
            raise InvalidInput("the server time needs an offset", code="naive_time")
        if not (-90.0 <= self.lat <= 90.0) or not (-180.0 <= self.lon <= 180.0):
            raise InvalidInput(f"({self.lat}, {self.lon}) is not a WGS-84 position", code="coordinates_out_of_range")
        if not self.accuracy_m >= 0:
            raise InvalidInput("accuracy_m must be zero or more", code="invalid_accuracy")
        object.__setattr__(self, "items", tuple(sorted(set(self.items))))
        object.__setattr__(self, "evidence", tuple(sorted(set(self.evidence))))

    @property
    def position(self) -> Position:
        return Position(self.lat, self.lon, self.accuracy_m)

    @property
    def body(self) -> tuple[Any, ...]:
        """What a retry must repeat exactly (the server's receipt time is not part of it)."""
        return (self.kind, self.at.timestamp(), float(self.lat), float(self.lon), float(self.accuracy_m), self.items)

    def _precedence(self) -> tuple[Any, ...]:
        return (self.server_received_at.timestamp(), self.body)


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """What applying one event did. ``code``: ``recorded`` (new, and it now decides the
    check-in or check-out), ``superseded`` (new, another event of its kind decides),
    ``pending_check_in`` (a check-out with no check-in yet), ``replayed`` (the same event
    again: nothing changed), or a refusal: ``duplicate_event``, ``checkout_before_checkin``,
    ``time_in_future``."""

    code: str
    event_id: UUID
    effective: bool = False  # the event now decides the check-in or the check-out

    @property
    def refused(self) -> bool:
        return self.code in REFUSALS


@dataclass(frozen=True, slots=True)
class VisitState:
    checked_in_at: datetime | None = None
    check_in_position: Position | None = None
    check_in_received_at: datetime | None = None
    checked_out_at: datetime | None = None
    check_out_position: Position | None = None
    check_out_received_at: datetime | None = None
    items: tuple[str, ...] = ()
    status: str = "planned"
    check_in_event_id: UUID | None = None
    check_out_event_id: UUID | None = None
    events: tuple[VisitEvent, ...] = field(default=(), repr=False)  # one per event_id, by event_id

    def event(self, event_id: UUID) -> VisitEvent | None:
        for e in self.events:
            if e.event_id == event_id:
                return e
        return None

    @property
    def duration(self) -> timedelta | None:
        if self.checked_in_at is None or self.checked_out_at is None:
            return None
        return self.checked_out_at - self.checked_in_at


EMPTY = VisitState()


def derive(events: Iterable[VisitEvent]) -> VisitState:
    """The state a set of recorded events (one per ``event_id``) gives, whatever their order."""
    ordered = tuple(sorted(events, key=lambda e: e.event_id))
    check_ins = [e for e in ordered if e.kind == "check_in"]
    if not check_ins:
        return VisitState(events=ordered)
    first_in = min(check_ins, key=lambda e: (e.at, e.event_id))
    outs = [e for e in ordered if e.kind == "check_out" and e.at >= first_in.at]
    if not outs:
        return VisitState(
            checked_in_at=first_in.at,
            check_in_position=first_in.position,
            check_in_received_at=first_in.server_received_at,
            status="in_progress",
            check_in_event_id=first_in.event_id,
            events=ordered,
        )
    first_out = min(outs, key=lambda e: (e.at, e.event_id))
    return VisitState(
        checked_in_at=first_in.at,
        check_in_position=first_in.position,
        check_in_received_at=first_in.server_received_at,
        checked_out_at=first_out.at,
        check_out_position=first_out.position,
        check_out_received_at=first_out.server_received_at,
        items=first_out.items,
        status="done",
        check_in_event_id=first_in.event_id,
        check_out_event_id=first_out.event_id,
        events=ordered,
    )


def _classify(state: VisitState, event: VisitEvent, replay: bool = False) -> EventOutcome:
    effective = event.event_id in (state.check_in_event_id, state.check_out_event_id)
    if replay:
        return EventOutcome("replayed", event.event_id, effective)
    if effective:
        return EventOutcome("recorded", event.event_id, True)
    if event.kind == "check_out":
        if state.checked_in_at is None:
            return EventOutcome("pending_check_in", event.event_id)
        if event.at < state.checked_in_at:
            return EventOutcome("checkout_before_checkin", event.event_id)
    return EventOutcome("superseded", event.event_id)


def apply_event(state: VisitState, event: VisitEvent, policy: Policy) -> tuple[VisitState, EventOutcome]:
    """Apply one event; returns the new state and what the event did (see the module doc)."""
    if event.at - event.server_received_at > timedelta(minutes=policy.max_clock_skew_minutes):
        return state, EventOutcome("time_in_future", event.event_id)
    known = state.event(event.event_id)
    if known is None:
        new_state = derive((*state.events, event))
        return new_state, _classify(new_state, event)
    others = tuple(e for e in state.events if e.event_id != event.event_id)
    if known.body == event.body:
        if event.server_received_at < known.server_received_at:
            state = derive((*others, event))
        return state, _classify(state, event, replay=True)
    if event._precedence() < known._precedence():
        # a replay met the later of two conflicting bodies first: the first received is kept
        new_state = derive((*others, event))
        return new_state, _classify(new_state, event)
    return state, EventOutcome("duplicate_event", event.event_id)


def fold(events: Iterable[VisitEvent], policy: Policy, state: VisitState = EMPTY) -> VisitState:
    """Apply events in the order given; any order (and any repeats) gives the same state."""
    for event in events:
        state, _ = apply_event(state, event, policy)
    return state
