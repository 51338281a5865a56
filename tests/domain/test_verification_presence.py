"""The rules of presence and of who performed a visit: each flag's edges (exactly at a
threshold, either side), the policy switches, and the facts read from the deciding events."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest

from ltc.domain import presence
from ltc.domain.verification import VerificationContext, verify
from ltc.domain.visit_events import VisitEvent, derive
from tests.domain.test_verification import END, HOME, POLICY, START, ZONE, ctx, flags

STRICT = replace(
    POLICY, presence_code_required=True, photo_required_at_check_in=True, signature_required_at_check_out=True
)
PROVEN_BOTH = {"check_in_presence": presence.TIME_CODE, "check_out_presence": presence.HOUSEHOLD_CODE}


@pytest.mark.parametrize(
    ("offset", "flagged"),
    [
        (timedelta(minutes=120), False),  # exactly the policy's minutes is near enough
        (timedelta(minutes=-120), False),
        (timedelta(minutes=120, microseconds=1), True),
        (timedelta(minutes=-120, microseconds=-1), True),
        (timedelta(hours=13, minutes=31), True),  # 22:31 for a 09:00 slot
    ],
)
def test_start_far_from_plan_either_side(offset: timedelta, flagged: bool) -> None:
    at = START + offset
    found = flags(checked_in_at=at, checked_out_at=max(at, END) + timedelta(hours=1))
    assert ("start_far_from_plan" in found) is flagged


def test_start_far_from_plan_reads_the_policys_minutes_and_waits_for_a_check_in() -> None:
    assert "start_far_from_plan" in flags(
        policy=replace(POLICY, start_far_minutes=10), checked_in_at=START + timedelta(minutes=11)
    )
    assert flags(checked_in_at=None, check_in=None, checked_out_at=None, check_out=None) == []


def test_no_items_recorded_only_once_checked_out() -> None:
    assert flags(items=()) == ["no_items_recorded"]
    assert flags(items=(), checked_out_at=None, check_out=None) == []  # still open: nothing to judge
    assert flags(items=("B01",)) == []


def test_presence_code_invalid_at_check_in_or_check_out() -> None:
    assert flags(check_in_presence=presence.INVALID) == ["presence_code_invalid"]
    assert flags(check_out_presence=presence.INVALID) == ["presence_code_invalid"]
    assert flags(**PROVEN_BOTH) == []
    assert flags(check_in_presence=presence.NO_CODE) == []  # not required by this policy


def test_presence_code_missing_only_where_the_policy_requires_it() -> None:
    strict = replace(POLICY, presence_code_required=True)
    assert flags(policy=strict, **PROVEN_BOTH) == []
    assert flags(policy=strict, check_in_presence=presence.TIME_CODE) == ["presence_code_missing"]  # none at check-out
    assert flags(policy=strict, check_out_presence=presence.TIME_CODE) == ["presence_code_missing"]
    open_visit = {"checked_out_at": None, "check_out": None}
    assert flags(policy=strict, check_in_presence=presence.TIME_CODE, **open_visit) == []
    assert flags(policy=strict, **open_visit) == ["presence_code_missing"]
    # A wrong code is invalid, not missing.
    assert flags(policy=strict, check_in_presence=presence.INVALID, check_out_presence=presence.TIME_CODE) == [
        "presence_code_invalid"
    ]


def test_photo_and_signature_only_where_the_policy_asks() -> None:
    base = {"policy": STRICT, **PROVEN_BOTH}
    assert flags(**base, check_in_photo=True, check_out_signature=True) == []
    assert flags(**base, check_out_signature=True) == ["photo_missing"]
    assert flags(**base, check_in_photo=True) == ["signature_missing"]
    assert flags(**base, check_in_photo=True, checked_out_at=None, check_out=None) == []
    assert flags() == []  # the default policy asks for neither


def test_caregiver_substituted_when_a_performer_is_not_the_planned_caregiver() -> None:
    assert flags(planned_caregiver_id=7, performers=(7, 7)) == []
    assert flags(planned_caregiver_id=7, performers=(8, 7)) == ["caregiver_substituted"]
    assert flags(planned_caregiver_id=7, performers=(7, 8)) == ["caregiver_substituted"]
    assert flags(planned_caregiver_id=None, performers=(8,)) == []  # nobody was planned


@pytest.mark.parametrize(
    ("expires_on", "flagged"),
    [
        (date(2026, 3, 2), False),  # expires on the visit day itself: still valid that day
        (date(2026, 3, 1), True),
        (None, False),  # no expiry known
        (date(2027, 1, 1), False),
    ],
)
def test_caregiver_certificate_expired_before_the_visit_day(expires_on: date | None, flagged: bool) -> None:
    found = flags(planned_caregiver_id=7, certificates_expire_on={7: expires_on})
    assert ("caregiver_certificate_expired" in found) is flagged


def test_the_certificate_of_who_performed_counts() -> None:
    expired = {7: date(2020, 1, 1), 8: None}
    assert flags(planned_caregiver_id=7, performers=(8, 8), certificates_expire_on=expired) == ["caregiver_substituted"]
    assert flags(planned_caregiver_id=8, performers=(7,), certificates_expire_on=expired) == [
        "caregiver_certificate_expired",
        "caregiver_substituted",
    ]


def _event(kind: str, minutes: int, **extra: object) -> VisitEvent:
    return VisitEvent(
        event_id=uuid.uuid4(),
        kind=kind,
        at=START + timedelta(minutes=minutes),
        server_received_at=START + timedelta(minutes=minutes),
        lat=HOME[0],
        lon=HOME[1],
        accuracy_m=5,
        items=("B01",) if kind == "check_out" else (),
        **extra,  # type: ignore[arg-type]
    )


def test_the_facts_come_from_the_deciding_events() -> None:
    events = [
        _event("check_in", 0, presence=presence.TIME_CODE, performed_by=8, evidence=("photo",)),
        _event("check_in", 5, presence=presence.INVALID),  # superseded: the earlier check-in decides
        _event("check_out", 60, presence=presence.HOUSEHOLD_CODE, evidence=("signature",)),
    ]
    context = VerificationContext.from_state(
        derive(events),
        policy=STRICT,
        zone=ZONE,
        home_lat=HOME[0],
        home_lon=HOME[1],
        planned_start=START,
        planned_end=END,
        planned_caregiver_id=7,
    )
    assert (context.check_in_presence, context.check_out_presence) == (presence.TIME_CODE, presence.HOUSEHOLD_CODE)
    assert context.check_in_photo and context.check_out_signature
    assert context.performers == (8, 7)  # the check-out named nobody: the planned caregiver
    assert verify(context) == ["caregiver_substituted"]


def test_the_replay_body_leaves_out_what_the_server_found() -> None:
    first = _event("check_in", 0, presence=presence.TIME_CODE, evidence=("photo",))
    again = replace(first, presence=presence.INVALID, evidence=())
    assert first.body == again.body  # a retry with another code or without its photo is the same event


def test_a_context_without_events_keeps_its_defaults() -> None:
    assert ctx().check_in_presence == presence.NO_CODE and ctx().performers == ()
