"""Check-in and check-out: the hot path of every agency's day, one event at a time or in late
batches from offline phones.

A flag never refuses an event: it opens an exception the agency explains and the bureau
resolves. The visit's state is always folded from its recorded events, so replays and late,
out-of-order arrivals give the same visit."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from ltc.db.engine import is_unique_violation, write_transaction
from ltc.db.personal_data import with_person_address
from ltc.db.queries import months
from ltc.db.queries import visits as queries
from ltc.db.tables import VisitAlert
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from ltc.domain.partitions import within_reach
from ltc.domain.periods import service_month
from ltc.domain.visit_events import VisitEvent, apply_event, derive
from ltc.services.context import ServiceContext
from ltc.services.presence import verify_code
from ltc.services.reference import policy_book, service_catalogue
from ltc.services.visits.evidence import evidence_of, keep_evidence, performer_of
from ltc.services.visits.reads import visible
from ltc.services.visits.values import BatchEvent, CheckIn, CheckOut, RecordedEvent, RefusedEvent, VisitToVerify
from ltc.services.visits.verification import OVERLAP_RANGE, flags_of, record_exceptions

REFUSAL_ERRORS: dict[str, tuple[type[DomainError], str]] = {
    "duplicate_event": (Conflict, "同一 event_id 已用于不同的内容"),
    "checkout_before_checkin": (InvalidInput, "签退时间早于签到时间"),
    "time_in_future": (InvalidInput, "设备时间晚于服务器时间过多"),
}
ANSWERED_ALERTS = {"check_in": frozenset({"late", "missed"}), "check_out": frozenset({"missing_checkout"})}


async def record_event(
    ctx: ServiceContext, actor: Actor, visit_id: int, kind: str, data: CheckIn | CheckOut
) -> RecordedEvent:
    """Record one check-in or check-out; returns what the event did and the visit after it.

    On the hot path of every agency's day, three statements: the visit (locked with the event's
    id, with what verification needs, the person's hospital stays among it); its events with
    the caregiver's other visits near then; and the event stored with the visit's new state (a
    presence code, a named performer, a photo, an alert or a flag add a query each)."""
    require(actor, Action.CHECK_IN_OUT)
    now = ctx.clock.now()
    done = data.items if isinstance(data, CheckOut) else []
    confirmation = (data.person_confirmation if isinstance(data, CheckOut) else "").strip()[:100]
    event = VisitEvent(
        event_id=data.event_id,
        kind=kind,
        at=data.at,
        server_received_at=now,
        lat=data.lat,
        lon=data.lon,
        accuracy_m=data.accuracy_m or 0.0,
        items=tuple(done),
    )
    kept = evidence_of(data)
    async with write_transaction():
        row = await queries.visit_for_event(visit_id, months.around(now, ctx.settings.zone), event_id=event.event_id)
        if row is None or not visible(actor, row["provider_id"], row["caregiver_id"]):
            raise NotFound("没有该上门服务", code="visit_not_found")
        visit = VisitToVerify.model_validate(with_person_address(ctx.settings.keyring, row))
        records, nearby = await _events_of(visit, event, ctx.settings.zone)
        if any(r.visit != visit_id for r in records):
            raise _used_on_another_visit()
        # A resend of an event already kept is answered as a replay, even on a visit cancelled since.
        replay = any(r.event.event_id == event.event_id for r in records)
        if visit.status == "cancelled" and not replay:
            raise Conflict("该上门服务已取消", code="visit_cancelled")
        if not replay and not within_reach(visit.service_month, service_month(event.at, ctx.settings.zone)):
            raise Conflict("签到时间与该上门服务所属月份相差一个月以上", code="event_out_of_reach")
        unknown = service_catalogue(ctx.settings).unknown(event.items)
        if unknown:
            raise InvalidInput(f"未知服务项目：{', '.join(unknown)}", code="unknown_item")
        policy = policy_book(ctx.settings).in_force(visit.planned_start.astimezone(ctx.settings.zone).date())
        event = replace(
            event,
            performed_by=await performer_of(actor, visit, data.caregiver_id),
            presence=await verify_code(ctx, visit.person_id, data.presence_code, event.at),
            evidence=tuple(item.kind for item in kept),
        )
        new_state, outcome = apply_event(derive([r.event for r in records]), event, policy)
        if outcome.refused:
            error, detail = REFUSAL_ERRORS[outcome.code]
            raise error(detail, code=outcome.code)
        if outcome.code != "replayed":
            with _kept_elsewhere():
                await keep_evidence(ctx.settings.keyring, visit, event, kept, uploaded_by=actor.user_id, now=now)
            changes: dict[str, Any] = {
                "status": new_state.status,
                "checked_in_at": _in_utc(new_state.checked_in_at),
                "checked_out_at": _in_utc(new_state.checked_out_at),
                "done_items": list(new_state.items),
            }
            if new_state.check_out_event_id is not None:  # the deciding check-out carries the confirmation
                confirmations = {r.event.event_id: r.person_confirmation for r in records}
                confirmations[event.event_id] = confirmation
                changes["person_confirmation"] = confirmations[new_state.check_out_event_id]
            alerts = await _clear_alerts(visit, kind, now)
            if alerts != visit.alerts:
                changes["alerts"] = alerts
            flags = await flags_of(ctx, visit, new_state, nearby)
            if flags is not None and flags != visit.flags:
                changes["flags"] = flags
            with _kept_elsewhere():
                await queries.store_event(
                    visit_id,
                    visit.service_month,
                    event,
                    recorded_by=actor.user_id,
                    outcome=outcome.code,
                    person_confirmation=confirmation,
                    changes=changes | {"updated_at": now},
                )
            if flags is not None:
                await record_exceptions(visit, flags, now)
            visit = visit.model_copy(update=changes)
    return RecordedEvent(event_id=event.event_id, outcome=outcome.code, visit=visit)


def _used_on_another_visit() -> Conflict:
    return Conflict("该 event_id 已用于另一次服务", code="duplicate_event")


@contextmanager
def _kept_elsewhere() -> Iterator[None]:
    """The event's id (its photo's, its own) met by a unique key where the check-in's read did
    not look (see ``queries.events_for``): used on another visit."""
    try:
        yield
    except Exception as error:
        if not is_unique_violation(error):
            raise
        raise _used_on_another_visit() from error


async def record_batch(
    ctx: ServiceContext, actor: Actor, events: Sequence[BatchEvent]
) -> list[RecordedEvent | RefusedEvent]:
    """Events an offline phone kept, sent together: each on its own, with its own answer."""
    results: list[RecordedEvent | RefusedEvent] = []
    for item in events:
        try:
            results.append(await record_event(ctx, actor, item.visit_id, item.kind, item))
        except DomainError as error:
            results.append(RefusedEvent(event_id=item.event_id, error=error))
    return results


async def _events_of(
    visit: VisitToVerify, event: VisitEvent, zone: tzinfo
) -> tuple[list[queries.StoredEvent], queries.NearbyEvents | None]:
    """The visit's events and the one under the event's id; with them, in the same statement,
    the caregiver's other visits near when the visit will count as checked in (its first
    check-in so far, or this one if earlier), which verification compares it with."""
    event_months = months.of_event(event.at, zone)
    if visit.caregiver_id is None:
        return await queries.events_for(visit.id, visit.service_month, event.event_id, event_months), None
    checked_in = visit.checked_in_at
    if checked_in is None or (event.kind == "check_in" and event.at < checked_in):
        checked_in = event.at
    return await queries.events_and_nearby(
        visit.id,
        visit.service_month,
        event.event_id,
        event_months,
        (visit.caregiver_id, checked_in, OVERLAP_RANGE, zone),
    )


def _in_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


async def _clear_alerts(visit: VisitToVerify, kind: str, now: datetime) -> list[str]:
    """Clear the alerts the event answers; returns the visit's open alerts left (``Visit.alerts``
    mirrors the open ``VisitAlert`` rows, so a visit without alerts costs no query)."""
    answered = ANSWERED_ALERTS[kind]
    open_kinds = set(visit.alerts)
    if open_kinds & answered:
        await VisitAlert.update({VisitAlert.cleared_at: now}).where(
            (VisitAlert.visit == visit.id) & VisitAlert.kind.is_in(sorted(answered)) & VisitAlert.cleared_at.is_null()
        )
    return sorted(open_kinds - answered)
