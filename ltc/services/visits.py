"""Visits: generated from confirmed care plans by a job, checked in and out by agencies
(also in late batches from offline phones), verified by the named rules of
``ltc.domain.verification``, and swept for late, missed and unfinished visits.

A flag never refuses an event: it opens an exception the agency explains and the bureau
resolves. The visit's state is always folded from its recorded events, so replays and
late, out-of-order arrivals give the same visit.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

import anyio.to_thread
from piccolo.utils.encoding import dump_json, load_json

from ltc.db.bulk import insert_rows
from ltc.db.engine import current_engine, is_sqlite, is_unique_violation, write_transaction
from ltc.db.tables import (
    Assignment,
    Caregiver,
    CarePlan,
    HospitalStay,
    Person,
    UnscheduledSlot,
    Visit,
    VisitAlert,
    VisitEventRecord,
    VisitException,
)
from ltc.domain import scheduling
from ltc.domain.access import Action, Actor, Role, require_role
from ltc.domain.care_plan import parse_slot
from ltc.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from ltc.domain.verification import CaregiverVisit, VerificationContext, classify_alerts, verify
from ltc.domain.visit_events import VisitEvent, VisitState, apply_event, derive
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.jobs import Progress, register_job_kind
from ltc.services.reference import policy_book, service_catalogue

log = logging.getLogger(__name__)

INSERT_CHUNK = 50_000
SCHEDULE_BATCHES = 8
INSERT_STREAMS = 2
CONTINUITY_LOOKBACK = timedelta(days=42)
# A generated visit as `_insert_new` takes it: a plain tuple in this column order (JSON columns
# as the JSON text Piccolo would write, times aware), every column given as `Visit(...)` would.
INSERT_COLUMNS = (
    "care_plan",
    "person",
    "provider",
    "caregiver",
    "slot_key",
    "planned_start",
    "planned_end",
    "items",
    "source",
    "status",
    "checked_in_at",
    "checked_out_at",
    "done_items",
    "flags",
    "alerts",
    "created_at",
    "updated_at",
    "person_confirmation",
)
_SLOT_KEY = INSERT_COLUMNS.index("slot_key")
UNSCHEDULED_COLUMNS = ("care_plan", "provider", "slot_key", "slot_start", "slot_end", "reason", "reported_at")
EXPLANATION_CODES = (
    "weak_gps_signal",
    "device_clock_wrong",
    "person_asked_to_shorten",
    "person_not_at_home",
    "caregiver_substituted",
    "discharged_same_day",
    "record_error",
    "other",
)
RESOLUTION_CODES = ("accepted", "rejected")
VISIT_COLUMNS = (
    Visit.id,
    Visit.care_plan,
    Visit.person,
    Visit.person.name.as_alias("person_name"),
    Visit.person.address.as_alias("person_address"),
    Visit.person.lat.as_alias("person_lat"),
    Visit.person.lon.as_alias("person_lon"),
    Visit.provider,
    Visit.caregiver,
    Visit.caregiver.name.as_alias("caregiver_name"),
    Visit.planned_start,
    Visit.planned_end,
    Visit.items,
    Visit.source,
    Visit.status,
    Visit.checked_in_at,
    Visit.checked_out_at,
    Visit.done_items,
    Visit.flags,
    Visit.alerts,
    Visit.person_confirmation,
)


def slot_key(plan_id: int, start: datetime) -> str:
    return f"{plan_id}:{_utc_iso(start)}"


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "care_plan_id": row.pop("care_plan"),
        "person_id": row.pop("person"),
        "provider_id": row.pop("provider"),
        "caregiver_id": row.pop("caregiver"),
    }


def _visible(actor: Actor, provider_id: int) -> bool:
    return actor.sees_whole_region or (actor.role == Role.AGENCY and actor.provider_id == provider_id)


async def get_visit(ctx: ServiceContext, actor: Actor, visit_id: int) -> dict[str, Any]:
    row = await Visit.select(*VISIT_COLUMNS).where(Visit.id == visit_id).output(load_json=True).first()
    if row is None or not _visible(actor, row["provider"]):
        raise NotFound("没有该上门服务", code="visit_not_found")
    return _out(row)


async def list_visits(
    ctx: ServiceContext, actor: Actor, *, provider_id: int | None, day: date | None, caregiver_id: int | None = None
) -> list[dict[str, Any]]:
    if actor.role == Role.AGENCY:
        if provider_id is not None and provider_id != actor.provider_id:
            raise NotFound("没有该护理机构", code="provider_not_found")
        provider_id = actor.provider_id
    elif not actor.sees_whole_region:
        raise Forbidden("无权查看上门服务", code="role_not_allowed")
    day = day or local_today(ctx.clock, ctx.settings.zone)
    start = datetime.combine(day, time(0), ctx.settings.zone)
    query = Visit.select(*VISIT_COLUMNS).where(
        (Visit.planned_start >= start)
        & (Visit.planned_start < start + timedelta(days=1))
        & (Visit.status != "cancelled")
    )
    if provider_id is not None:
        query = query.where(Visit.provider == provider_id)
    if caregiver_id is not None:
        query = query.where(Visit.caregiver == caregiver_id)
    rows = await query.order_by(Visit.planned_start).order_by(Visit.id).output(load_json=True)
    return [_out(r) for r in rows]


# --------------------------------------------------------------------------- scheduling


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@register_job_kind("generate_visits", action=Action.GENERATE_VISITS)
async def generate_visits(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The visits of the rolling window from the confirmed home-care plans. Visits are keyed by
    (plan, slot): what is already stored is never generated again, so a rerun (or a rerun
    after a crash half-way) adds only what is missing. Chunks are committed as they go."""
    zone = ctx.settings.zone
    today = local_today(ctx.clock, zone)
    window_start = date.fromisoformat(params["from"]) if params.get("from") else today
    policy = policy_book(ctx.settings).in_force(window_start)
    days = int(params.get("days") or policy.schedule_window_days)
    window_end = window_start + timedelta(days=days)
    provider_filter = params.get("provider_id")

    plan_query = CarePlan.select(
        CarePlan.id,
        CarePlan.person,
        CarePlan.provider,
        CarePlan.slots,
        CarePlan.visit_minutes,
        CarePlan.needs_nurse,
        CarePlan.items,
        CarePlan.person.lat.as_alias("lat"),
        CarePlan.person.lon.as_alias("lon"),
        CarePlan.person.deceased_on.as_alias("deceased_on"),
    ).where((CarePlan.status == "confirmed") & (CarePlan.care_mode == "home"))
    if provider_filter:
        plan_query = plan_query.where(CarePlan.provider == int(provider_filter))
    plans_rows = await plan_query.output(load_json=True)
    active = {
        (r["person"], r["provider"])
        for r in await Assignment.select(Assignment.person, Assignment.provider).where(Assignment.status == "active")
    }
    plans_rows = [
        r
        for r in plans_rows
        if (r["person"], r["provider"]) in active and r["lat"] is not None and r["deceased_on"] is None
    ]
    provider_ids = sorted({r["provider"] for r in plans_rows})
    if not provider_ids:
        await progress(1.0)
        return {"visits": 0, "unscheduled": 0, "by_reason": {}, "skipped_existing": 0, "plans": 0}

    # Continuity: the caregiver of each person's latest visit in the recent past (history
    # before that grows every month and says nothing about who serves them now).
    previous: dict[int, int] = {}
    for row in (
        await Visit.select(Visit.person, Visit.caregiver)
        .where(
            Visit.provider.is_in(provider_ids)
            & Visit.caregiver.is_not_null()
            & (Visit.status != "cancelled")
            & (Visit.planned_start >= datetime.combine(window_start - CONTINUITY_LOOKBACK, time(0), zone))
        )
        .order_by(Visit.planned_start)
    ):
        previous[row["person"]] = row["caregiver"]  # the latest one wins
    plans = [
        scheduling.PlanInput(
            plan_id=r["id"],
            person_id=r["person"],
            provider_id=r["provider"],
            lat=r["lat"],
            lon=r["lon"],
            slots=tuple(parse_slot(s) for s in r["slots"]),
            duration_minutes=r["visit_minutes"],
            needs_nurse=r["needs_nurse"],
            previous_caregiver_id=previous.get(r["person"]),
        )
        for r in plans_rows
    ]
    work_start, work_end = time(policy.working_day_start_hour), time(policy.working_day_end_hour)
    caregivers = [
        scheduling.CaregiverInput(
            caregiver_id=c["id"],
            provider_id=c["provider"],
            qualification=c["qualification"],
            lat=c["lat"],
            lon=c["lon"],
            weekly_hours=c["weekly_hours"],
            work_start=work_start,
            work_end=work_end,
        )
        for c in await Caregiver.select().where(Caregiver.provider.is_in(provider_ids) & (Caregiver.active == True))
    ]
    # Existing bookings from the Monday of the first week to the Sunday of the last: they
    # occupy caregivers, count for weekly hours, and their keys are not generated again.
    span_start = datetime.combine(_monday(window_start), time(0), zone)
    span_end = datetime.combine(_monday(window_end) + timedelta(days=7), time(0), zone)
    existing = [
        scheduling.Booking(
            caregiver_id=v["caregiver"],
            start=v["planned_start"],
            end=v["planned_end"],
            lat=v["lat"],
            lon=v["lon"],
            plan_id=v["care_plan"],
        )
        for v in await Visit.select(
            Visit.caregiver,
            Visit.planned_start,
            Visit.planned_end,
            Visit.care_plan,
            Visit.person.lat.as_alias("lat"),
            Visit.person.lon.as_alias("lon"),
        ).where(
            Visit.provider.is_in(provider_ids)
            & (Visit.status != "cancelled")
            & (Visit.planned_start >= span_start)
            & (Visit.planned_start < span_end)
        )
    ]
    await progress(0.1)
    provider_of = {p.plan_id: p.provider_id for p in plans}
    items_of = {r["id"]: dump_json(r["items"]) for r in plans_rows}
    now = ctx.clock.now()
    empty = dump_json([])
    utc_text: dict[datetime, str] = {}

    def key_of(plan_id: int, start: datetime) -> str:
        """slot_key(), with each distinct start converted once (astimezone costs microseconds)."""
        text = utc_text.get(start)
        if text is None:
            text = utc_text[start] = _utc_iso(start)
        return f"{plan_id}:{text}"

    # Providers are scheduled independently (caregivers serve only their own), in batches: the
    # next batch is scheduled in a thread while the database stores the one before.
    batches = scheduling.provider_batches(plans, caregivers, existing, SCHEDULE_BATCHES)

    def schedule_batch(batch: tuple[list[Any], list[Any], list[Any]]) -> scheduling.ScheduleResult:
        batch_plans, batch_caregivers, batch_existing = batch
        return scheduling.schedule(
            batch_plans,
            batch_caregivers,
            window_start=window_start,
            window_end=window_end,
            zone=zone,
            policy=policy,
            existing=batch_existing,
        )

    inserted = skipped_existing = continuity = 0
    unscheduled: list[scheduling.UnscheduledVisit] = []
    # Chunks are stored on up to INSERT_STREAMS connections at once: on PostgreSQL each COPY
    # (foreign keys, indexes) keeps a server process busy, and two cores can take two.
    storing: set[asyncio.Future[int]] = set()

    async def stored_down_to(limit: int) -> None:
        nonlocal inserted
        while len(storing) > limit:
            done, _ = await asyncio.wait(storing, return_when=asyncio.FIRST_COMPLETED)
            for chunk in done:
                storing.discard(chunk)
                inserted += chunk.result()  # a failed chunk fails the run (the rerun completes it)

    pending = asyncio.ensure_future(anyio.to_thread.run_sync(schedule_batch, batches[0]))
    try:
        for number in range(len(batches)):
            result = await pending
            if number + 1 < len(batches):
                pending = asyncio.ensure_future(anyio.to_thread.run_sync(schedule_batch, batches[number + 1]))
            unscheduled.extend(result.unscheduled)
            skipped_existing += result.skipped_existing
            continuity += result.continuity
            for start in range(0, len(result.visits), INSERT_CHUNK):
                rows = [
                    (
                        v.plan_id,
                        v.person_id,
                        provider_of[v.plan_id],
                        v.caregiver_id,
                        key_of(v.plan_id, v.slot_start),
                        v.slot_start,
                        v.slot_end,
                        items_of[v.plan_id],
                        "schedule",
                        "planned",
                        None,
                        None,
                        empty,
                        empty,
                        empty,
                        now,
                        now,
                        "",
                    )
                    for v in result.visits[start : start + INSERT_CHUNK]
                ]
                storing.add(asyncio.ensure_future(_insert_new(rows)))
                await stored_down_to(INSERT_STREAMS - 1)
            await progress(0.1 + 0.85 * (number + 1) / len(batches))
        await stored_down_to(0)
    finally:
        # What is already being stored is let finish (committed chunks are never generated
        # again); a batch still in its thread is waited for.
        await asyncio.gather(pending, *storing, return_exceptions=True)

    window_from = datetime.combine(window_start, time(0), zone)
    window_to = datetime.combine(window_end, time(0), zone)
    async with write_transaction() as transaction:
        await UnscheduledSlot.delete().where(
            UnscheduledSlot.provider.is_in(provider_ids)
            & (UnscheduledSlot.slot_start >= window_from)
            & (UnscheduledSlot.slot_start < window_to)
        )
        if unscheduled:
            await insert_rows(
                transaction,
                UnscheduledSlot,
                UNSCHEDULED_COLUMNS,
                [
                    (
                        u.plan_id,
                        provider_of[u.plan_id],
                        key_of(u.plan_id, u.slot_start),
                        u.slot_start,
                        u.slot_end,
                        u.reason,
                        now,
                    )
                    for u in unscheduled
                ],
            )
    await progress(1.0)
    by_reason = Counter(u.reason for u in unscheduled)
    return {
        "plans": len(plans),
        "visits": inserted,
        "unscheduled": len(unscheduled),
        "by_reason": dict(sorted(by_reason.items())),
        "skipped_existing": skipped_existing,
        "continuity": continuity,
        "window": [window_start.isoformat(), window_end.isoformat()],
    }


async def _insert_new(rows: list[tuple[Any, ...]]) -> int:
    """Insert a chunk (tuples in ``INSERT_COLUMNS`` order) in one transaction; if another run
    stored some of these keys meanwhile, insert only the ones still missing."""
    try:
        async with write_transaction() as transaction:
            await insert_rows(transaction, Visit, INSERT_COLUMNS, rows)
        return len(rows)
    except Exception as error:
        if not is_unique_violation(error):
            raise
    keys = [r[_SLOT_KEY] for r in rows]
    async with write_transaction() as transaction:
        stored: set[str] = set()
        for start in range(0, len(keys), 5000):  # within either database's limit on parameters
            part = keys[start : start + 5000]
            stored.update(r["slot_key"] for r in await Visit.select(Visit.slot_key).where(Visit.slot_key.is_in(part)))
        missing = [r for r in rows if r[_SLOT_KEY] not in stored]
        if missing:
            await insert_rows(transaction, Visit, INSERT_COLUMNS, missing)
    return len(missing)


async def unscheduled_slots(ctx: ServiceContext, actor: Actor, provider_id: int | None) -> list[dict[str, Any]]:
    query = UnscheduledSlot.select(
        UnscheduledSlot.id,
        UnscheduledSlot.care_plan,
        UnscheduledSlot.care_plan.person.as_alias("person_id"),
        UnscheduledSlot.care_plan.person.name.as_alias("person_name"),
        UnscheduledSlot.provider,
        UnscheduledSlot.slot_start,
        UnscheduledSlot.slot_end,
        UnscheduledSlot.reason,
    ).order_by(UnscheduledSlot.slot_start)
    if actor.role == Role.AGENCY:
        query = query.where(UnscheduledSlot.provider == actor.provider_id)
    elif not actor.sees_whole_region:
        raise Forbidden("无权查看", code="role_not_allowed")
    elif provider_id is not None:
        query = query.where(UnscheduledSlot.provider == provider_id)
    return await query


# --------------------------------------------------------------------------- ad-hoc visits


async def add_visit(ctx: ServiceContext, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """An unscheduled or replacement visit added by the agency; it is verified like any other."""
    require_role(actor, Role.AGENCY)
    start, end = data["planned_start"], data["planned_end"]
    if end <= start:
        raise InvalidInput("结束时间须晚于开始时间", code="invalid_times")
    if end - start > timedelta(hours=12):
        raise InvalidInput("单次上门服务不超过 12 小时", code="invalid_times")
    assignment = (
        await Assignment.select(Assignment.provider)
        .where((Assignment.person == data["person_id"]) & (Assignment.status == "active"))
        .first()
    )
    if assignment is None or assignment["provider"] != actor.provider_id:
        raise NotFound("没有该服务对象", code="person_not_found")
    caregiver = (
        await Caregiver.select(Caregiver.provider, Caregiver.active).where(Caregiver.id == data["caregiver_id"]).first()
    )
    if caregiver is None or caregiver["provider"] != actor.provider_id or not caregiver["active"]:
        raise NotFound("没有该护理人员", code="caregiver_not_found")
    catalogue = service_catalogue(ctx.settings)
    unknown = catalogue.unknown(data.get("items") or [])
    if unknown:
        raise InvalidInput(f"未知服务项目：{', '.join(unknown)}", code="unknown_item")
    plan = (
        await CarePlan.select(CarePlan.id)
        .where((CarePlan.person == data["person_id"]) & (CarePlan.status == "confirmed"))
        .first()
    )
    now = ctx.clock.now()
    async with write_transaction():
        visit = Visit(
            care_plan=plan["id"] if plan else None,
            person=data["person_id"],
            provider=actor.provider_id,
            caregiver=data["caregiver_id"],
            slot_key=f"agency:{uuid4()}",
            planned_start=start,
            planned_end=end,
            items=sorted(set(data.get("items") or [])),
            source="agency",
            status="planned",
            created_at=now,
            updated_at=now,
        )
        await visit.save()
        await record_change(
            actor=actor,
            at=now,
            action="visit.add",
            entity="visit",
            entity_id=visit.id,
            after={
                "person_id": data["person_id"],
                "caregiver_id": data["caregiver_id"],
                "planned_start": start.isoformat(),
            },
        )
    return await get_visit(ctx, actor, visit.id)


# --------------------------------------------------------------------------- check-in / check-out


def _event_of(row: dict[str, Any]) -> VisitEvent:
    return VisitEvent(
        event_id=row["event_id"] if isinstance(row["event_id"], UUID) else UUID(str(row["event_id"])),
        kind=row["kind"],
        at=row["at"],
        server_received_at=row["server_received_at"],
        lat=row["lat"],
        lon=row["lon"],
        accuracy_m=row["accuracy_m"],
        items=tuple(row["items"]),
    )


async def _events(visit_ids: list[int]) -> dict[int, list[VisitEvent]]:
    by_visit: dict[int, list[VisitEvent]] = defaultdict(list)
    if not visit_ids:
        return by_visit
    rows = await VisitEventRecord.select().where(VisitEventRecord.visit.is_in(visit_ids)).output(load_json=True)
    for row in rows:
        by_visit[row["visit"]].append(_event_of(row))
    return by_visit


REFUSAL_ERRORS = {
    "duplicate_event": (Conflict, "同一 event_id 已用于不同的内容"),
    "checkout_before_checkin": (InvalidInput, "签退时间早于签到时间"),
    "time_in_future": (InvalidInput, "设备时间晚于服务器时间过多"),
}


# The check-in's queries, written out as SQL: they run on every event of every agency's day,
# and building them through the ORM (the joined selects above all) cost more than running them. The columns
# are VISIT_COLUMNS' and what verification needs; JSON columns come back as text.
_VISIT_FOR_EVENT_SQL = """
SELECT v.id, v.care_plan, v.person, p.name AS person_name, p.address AS person_address,
       p.lat AS person_lat, p.lon AS person_lon, v.provider, v.caregiver, c.name AS caregiver_name,
       v.planned_start, v.planned_end, v.items, v.source, v.status, v.checked_in_at,
       v.checked_out_at, v.done_items, v.flags, v.alerts, v.person_confirmation,
       p.deceased_on, c.qualification, cp.items AS plan_items
FROM visit v
JOIN person p ON p.id = v.person
LEFT JOIN caregiver c ON c.id = v.caregiver
LEFT JOIN care_plan cp ON cp.id = v.care_plan
WHERE v.id = {}"""
_VISIT_JSON = ("items", "done_items", "flags", "alerts", "plan_items")
_VERIFY_ONLY = ("deceased_on", "qualification", "plan_items")
_EVENTS_SQL = "SELECT * FROM visit_event WHERE visit = {} OR event_id = {}"
_STAYS_SQL = "SELECT admitted_on, discharged_on FROM hospital_stay WHERE person = {}"
_INSERT_EVENT_SQL = """
INSERT INTO visit_event (visit, event_id, kind, at, server_received_at, lat, lon, accuracy_m, items,
                         recorded_by, outcome, person_confirmation)
VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})"""
_CAREGIVER_EVENTS_SQL = """
SELECT e.* FROM visit_event e JOIN visit v ON v.id = e.visit
WHERE v.caregiver = {} AND v.id <> {} AND v.checked_in_at >= {} AND v.checked_in_at <= {}"""


async def _visit_for_event(visit_id: int) -> dict[str, Any] | None:
    """The visit, locked against other writers, with what verification needs."""
    sql = _VISIT_FOR_EVENT_SQL if is_sqlite(current_engine()) else _VISIT_FOR_EVENT_SQL + " FOR UPDATE OF v"
    rows = await Visit.raw(sql, visit_id)
    if not rows:
        return None
    row = rows[0]
    for name in _VISIT_JSON:
        row[name] = load_json(row[name]) if isinstance(row[name], str) else row[name]
    return row


async def _event_rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    rows = await VisitEventRecord.raw(sql, *args)
    for row in rows:
        if isinstance(row["items"], str):
            row["items"] = load_json(row["items"])
    return rows


async def record_event(
    ctx: ServiceContext, actor: Actor, visit_id: int, kind: str, data: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """Record one check-in or check-out; returns (the visit, what the event did).

    On the hot path of every agency's day: the visit (locked, with what verification needs),
    its events, the other visits of the caregiver and the person's hospital stays are read in
    four queries, and the visit is written once."""
    require_role(actor, Role.AGENCY)
    now = ctx.clock.now()
    confirmation = str(data.get("person_confirmation") or "").strip()[:100]
    event = VisitEvent(
        event_id=UUID(str(data["event_id"])),
        kind=kind,
        at=data["at"],
        server_received_at=now,
        lat=data["lat"],
        lon=data["lon"],
        accuracy_m=data.get("accuracy_m") or 0.0,
        items=tuple(data.get("items") or ()),
    )
    async with write_transaction():
        visit = await _visit_for_event(visit_id)
        if visit is None or not _visible(actor, visit["provider"]):
            raise NotFound("没有该上门服务", code="visit_not_found")
        records = await _event_rows(_EVENTS_SQL, visit_id, event.event_id)
        if any(r["visit"] != visit_id for r in records):
            raise Conflict("该 event_id 已用于另一次服务", code="duplicate_event")
        if visit["status"] == "cancelled":
            raise Conflict("该上门服务已取消", code="visit_cancelled")
        catalogue = service_catalogue(ctx.settings)
        unknown = catalogue.unknown(event.items)
        if unknown:
            raise InvalidInput(f"未知服务项目：{', '.join(unknown)}", code="unknown_item")
        policy = policy_book(ctx.settings).in_force(visit["planned_start"].astimezone(ctx.settings.zone).date())
        new_state, outcome = apply_event(derive([_event_of(r) for r in records]), event, policy)
        if outcome.refused:
            error, detail = REFUSAL_ERRORS[outcome.code]
            raise error(detail, code=outcome.code)
        if outcome.code != "replayed":
            await VisitEventRecord.raw(
                _INSERT_EVENT_SQL,
                visit_id,
                event.event_id,
                kind,
                event.at,
                now,
                event.lat,
                event.lon,
                event.accuracy_m,
                dump_json(list(event.items)),
                actor.user_id,
                outcome.code,
                confirmation,
            )
            changes: dict[str, Any] = {
                "status": new_state.status,
                "checked_in_at": _in_utc(new_state.checked_in_at),
                "checked_out_at": _in_utc(new_state.checked_out_at),
                "done_items": list(new_state.items),
                "updated_at": now,
            }
            if new_state.check_out_event_id is not None:  # the deciding check-out carries the confirmation
                confirmations = {_event_of(r).event_id: r["person_confirmation"] for r in records}
                confirmations[event.event_id] = confirmation
                changes["person_confirmation"] = confirmations[new_state.check_out_event_id]
            alerts = await _clear_alerts(visit, kind, now)
            if alerts != visit["alerts"]:
                changes["alerts"] = alerts
            flags = await _flags_of(ctx, visit, new_state)
            if flags is not None and flags != visit["flags"]:
                changes["flags"] = flags
            await Visit.raw(
                f"UPDATE visit SET {', '.join(f'{name} = {{}}' for name in changes)} WHERE id = {{}}",
                *(dump_json(v) if isinstance(v, list) else v for v in changes.values()),
                visit_id,
            )
            if flags is not None:
                await _record_exceptions(visit, flags, now)
            visit.update(changes)
    for name in _VERIFY_ONLY:
        del visit[name]
    return _out(visit), outcome.code


def _in_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


async def record_batch(ctx: ServiceContext, actor: Actor, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events an offline phone kept, sent together: each on its own, with its own answer."""
    from ltc.domain.errors import DomainError

    results = []
    for item in events:
        try:
            visit, outcome = await record_event(ctx, actor, item["visit_id"], item["kind"], item)
            results.append(
                {
                    "event_id": str(item["event_id"]),
                    "status": 200 if outcome == "replayed" else 201,
                    "outcome": outcome,
                    "visit": visit,
                }
            )
        except DomainError as error:
            results.append(
                {
                    "event_id": str(item["event_id"]),
                    "status": _status_of(error),
                    "code": error.code,
                    "detail": error.detail,
                }
            )
    return results


def _status_of(error: Exception) -> int:
    return {NotFound: 404, Conflict: 409, Forbidden: 403}.get(type(error), 422)


async def _clear_alerts(visit: dict[str, Any], kind: str, now: datetime) -> list[str]:
    """Clear the alerts the event answers; returns the visit's open alerts left (``Visit.alerts``
    mirrors the open ``VisitAlert`` rows, so a visit without alerts costs no query)."""
    answered = {"late", "missed"} if kind == "check_in" else {"missing_checkout"}
    open_kinds = set(visit["alerts"])
    if open_kinds & answered:
        await VisitAlert.update({VisitAlert.cleared_at: now}).where(
            (VisitAlert.visit == visit["id"])
            & VisitAlert.kind.is_in(sorted(answered))
            & VisitAlert.cleared_at.is_null()
        )
    return sorted(open_kinds - answered)


async def _flags_of(ctx: ServiceContext, visit: dict[str, Any], state: VisitState) -> list[str] | None:
    """Every verification rule on the visit as ``state`` stands; None while it cannot be verified
    (not checked in, or the home has no position)."""
    if state.checked_in_at is None or visit["person_lat"] is None:
        return None
    zone = ctx.settings.zone
    policy = policy_book(ctx.settings).in_force(state.checked_in_at.astimezone(zone).date())
    plan_items = None
    if visit["care_plan"] is not None:
        plan_items = frozenset(visit["plan_items"] or ()) | frozenset(visit["items"])
    caregiver_visits: list[CaregiverVisit] = []
    if visit["caregiver"] is not None:
        day = timedelta(days=1)
        others: dict[int, list[VisitEvent]] = defaultdict(list)
        for r in await _event_rows(
            _CAREGIVER_EVENTS_SQL,
            visit["caregiver"],
            visit["id"],
            state.checked_in_at.astimezone(UTC) - day,
            state.checked_in_at.astimezone(UTC) + day,
        ):
            others[r["visit"]].append(_event_of(r))
        for other_id, events in others.items():
            s = derive(events)
            caregiver_visits.append(
                CaregiverVisit(other_id, s.checked_in_at, s.check_in_position, s.checked_out_at, s.check_out_position)
            )
    stays = [(r["admitted_on"], r["discharged_on"]) for r in await HospitalStay.raw(_STAYS_SQL, visit["person"])]
    context = VerificationContext.from_state(
        state,
        policy=policy,
        zone=zone,
        home_lat=visit["person_lat"],
        home_lon=visit["person_lon"],
        planned_start=visit["planned_start"],
        planned_end=visit["planned_end"],
        plan_items=plan_items,
        clinical_codes=service_catalogue(ctx.settings).clinical_codes,
        caregiver_qualification=visit["qualification"] or "",
        caregiver_visits=tuple(caregiver_visits),
        inpatient_stays=tuple(stays),
        date_of_death=visit["deceased_on"],
    )
    return verify(context)


async def _record_exceptions(visit: dict[str, Any], flags: list[str], now: datetime) -> None:
    """Open an exception per new flag (or reopen a withdrawn one) and withdraw the open ones whose
    rule no longer fires. A visit never flagged has no exceptions: nothing to read."""
    if not flags and not visit["flags"]:
        return
    existing = {
        r["code"]: r
        for r in await VisitException.select(VisitException.id, VisitException.code, VisitException.status).where(
            VisitException.visit == visit["id"]
        )
    }
    for code in flags:
        if code not in existing:
            await VisitException.insert(
                VisitException(
                    visit=visit["id"],
                    provider=visit["provider"],
                    code=code,
                    exception_key=f"{visit['id']}:{code}",
                    status="open",
                    opened_at=now,
                )
            )
        elif existing[code]["status"] == "withdrawn":
            await VisitException.update({VisitException.status: "open", VisitException.opened_at: now}).where(
                VisitException.id == existing[code]["id"]
            )
    stale = [r["id"] for code, r in existing.items() if code not in flags and r["status"] == "open"]
    if stale:
        await VisitException.update({VisitException.status: "withdrawn"}).where(VisitException.id.is_in(stale))


async def _verify(ctx: ServiceContext, visit_id: int, now: datetime) -> list[str]:
    """Verify a stored visit again from its recorded events (after hospital stays or a death
    were imported); returns its flags. Runs in the caller's write transaction."""
    visit = await _visit_for_event(visit_id)
    flags = await _flags_of(ctx, visit, derive((await _events([visit_id]))[visit_id]))
    if flags is None:
        return []
    if flags != visit["flags"]:
        await Visit.update({Visit.flags: flags}).where(Visit.id == visit_id)
    await _record_exceptions(visit, flags, now)
    return flags


async def reverify_person(ctx: ServiceContext, person_id: int, since: date | None = None) -> int:
    """Verify again a person's checked-in visits (after hospital stays or a death were imported)."""
    query = Visit.select(Visit.id).where((Visit.person == person_id) & Visit.checked_in_at.is_not_null())
    if since is not None:
        query = query.where(Visit.planned_start >= datetime.combine(since, time(0), ctx.settings.zone))
    ids = [r["id"] for r in await query]
    now = ctx.clock.now()
    for visit_id in ids:
        async with write_transaction():
            await _verify(ctx, visit_id, now)
    return len(ids)


# --------------------------------------------------------------------------- the sweep


@register_job_kind("sweep_visit_alerts", action=Action.SWEEP_ALERTS)
async def sweep_visit_alerts(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Raise late / missed / missing check-out alerts for the visits of the last two days, and
    clear the ones that no longer hold. Safe to run at any moment, any number of times."""
    now = ctx.clock.now()
    rows = await Visit.select(
        Visit.id,
        Visit.provider,
        Visit.planned_start,
        Visit.planned_end,
        Visit.checked_in_at,
        Visit.checked_out_at,
    ).where(
        (Visit.planned_start >= now - timedelta(days=2))
        & (Visit.planned_start <= now)
        & Visit.status.is_in(["planned", "in_progress"])
    )
    raised = cleared = 0
    book = policy_book(ctx.settings)
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        ids = [r["id"] for r in batch]
        async with write_transaction():
            open_alerts: dict[int, set[str]] = defaultdict(set)
            for a in await VisitAlert.select(VisitAlert.visit, VisitAlert.kind).where(
                VisitAlert.visit.is_in(ids) & VisitAlert.cleared_at.is_null()
            ):
                open_alerts[a["visit"]].add(a["kind"])
            for row in batch:
                policy = book.in_force(row["planned_start"].astimezone(ctx.settings.zone).date())
                due = classify_alerts(
                    row["planned_start"], row["planned_end"], row["checked_in_at"], row["checked_out_at"], now, policy
                )
                if row["checked_in_at"] is not None:
                    due.discard("late")  # an alert asks for an event; once it arrived, late is history
                have = open_alerts[row["id"]]
                for kind in sorted(due - have):
                    key = f"{row['id']}:{kind}"
                    if await VisitAlert.exists().where(VisitAlert.alert_key == key):
                        await VisitAlert.update({VisitAlert.cleared_at: None, VisitAlert.raised_at: now}).where(
                            VisitAlert.alert_key == key
                        )
                    else:
                        await VisitAlert.insert(
                            VisitAlert(
                                visit=row["id"], provider=row["provider"], kind=kind, alert_key=key, raised_at=now
                            )
                        )
                    raised += 1
                gone = have - due
                if gone:
                    await VisitAlert.update({VisitAlert.cleared_at: now}).where(
                        (VisitAlert.visit == row["id"])
                        & VisitAlert.kind.is_in(sorted(gone))
                        & VisitAlert.cleared_at.is_null()
                    )
                    cleared += len(gone)
                if due != have:
                    await Visit.update({Visit.alerts: sorted(due)}).where(Visit.id == row["id"])
        await progress((start + len(batch)) / max(len(rows), 1))
    return {"visits": len(rows), "raised": raised, "cleared": cleared}


async def list_alerts(ctx: ServiceContext, actor: Actor, *, open_only: bool = True) -> list[dict[str, Any]]:
    query = VisitAlert.select(
        VisitAlert.id,
        VisitAlert.visit.as_alias("visit_id"),
        VisitAlert.provider.as_alias("provider_id"),
        VisitAlert.kind,
        VisitAlert.raised_at,
        VisitAlert.cleared_at,
        VisitAlert.visit.person.name.as_alias("person_name"),
        VisitAlert.visit.caregiver.name.as_alias("caregiver_name"),
        VisitAlert.visit.planned_start.as_alias("planned_start"),
    ).order_by(VisitAlert.raised_at, ascending=False)
    if actor.role == Role.AGENCY:
        query = query.where(VisitAlert.provider == actor.provider_id)
    elif not actor.sees_whole_region:
        raise Forbidden("无权查看", code="role_not_allowed")
    if open_only:
        query = query.where(VisitAlert.cleared_at.is_null())
    return await query


# --------------------------------------------------------------------------- exceptions


async def list_exceptions(ctx: ServiceContext, actor: Actor, *, status: str | None = None) -> list[dict[str, Any]]:
    query = VisitException.select(
        VisitException.id,
        VisitException.visit.as_alias("visit_id"),
        VisitException.provider.as_alias("provider_id"),
        VisitException.code,
        VisitException.status,
        VisitException.opened_at,
        VisitException.reason_code,
        VisitException.explanation,
        VisitException.explained_at,
        VisitException.resolution_code,
        VisitException.resolution_note,
        VisitException.resolved_at,
        VisitException.visit.person.name.as_alias("person_name"),
        VisitException.visit.caregiver.name.as_alias("caregiver_name"),
        VisitException.visit.planned_start.as_alias("planned_start"),
    ).order_by(VisitException.opened_at, ascending=False)
    if actor.role == Role.AGENCY:
        query = query.where(VisitException.provider == actor.provider_id)
    elif not actor.sees_whole_region:
        raise Forbidden("无权查看", code="role_not_allowed")
    if status:
        query = query.where(VisitException.status == status)
    return await query


async def _exception(actor: Actor, exception_id: int) -> dict[str, Any]:
    row = await VisitException.select().where(VisitException.id == exception_id).first()
    if row is None or not _visible(actor, row["provider"]):
        raise NotFound("没有该异常", code="exception_not_found")
    return row


async def explain(ctx: ServiceContext, actor: Actor, exception_id: int, reason_code: str, text: str) -> dict[str, Any]:
    require_role(actor, Role.AGENCY)
    if reason_code not in EXPLANATION_CODES:
        raise InvalidInput(f"说明代码须为 {', '.join(EXPLANATION_CODES)} 之一", code="unknown_reason_code")
    if reason_code == "other" and not text.strip():
        raise InvalidInput("选择“其他”时须填写说明", code="explanation_required")
    now = ctx.clock.now()
    async with write_transaction():
        row = await _exception(actor, exception_id)
        if row["status"] not in ("open", "explained"):
            raise Conflict(f"异常状态为 {row['status']}，不能再说明", code="invalid_state")
        await VisitException.update(
            {
                VisitException.status: "explained",
                VisitException.reason_code: reason_code,
                VisitException.explanation: text.strip(),
                VisitException.explained_by: actor.user_id,
                VisitException.explained_at: now,
            }
        ).where(VisitException.id == exception_id)
        await record_change(
            actor=actor,
            at=now,
            action="visit_exception.explain",
            entity="visit_exception",
            entity_id=exception_id,
            before={"status": row["status"]},
            after={"status": "explained", "reason_code": reason_code},
        )
    return await _exception(actor, exception_id)


async def resolve(
    ctx: ServiceContext, actor: Actor, exception_id: int, resolution_code: str, note: str
) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    if resolution_code not in RESOLUTION_CODES:
        raise InvalidInput(f"处理结果须为 {', '.join(RESOLUTION_CODES)} 之一", code="unknown_resolution_code")
    now = ctx.clock.now()
    async with write_transaction():
        row = await _exception(actor, exception_id)
        if row["status"] != "explained":
            raise Conflict("须先由机构说明，再由医保局处理", code="not_explained")
        await VisitException.update(
            {
                VisitException.status: "resolved",
                VisitException.resolution_code: resolution_code,
                VisitException.resolution_note: note.strip(),
                VisitException.resolved_by: actor.user_id,
                VisitException.resolved_at: now,
            }
        ).where(VisitException.id == exception_id)
        await record_change(
            actor=actor,
            at=now,
            action="visit_exception.resolve",
            entity="visit_exception",
            entity_id=exception_id,
            before={"status": "explained"},
            after={"status": "resolved", "resolution_code": resolution_code},
        )
    return await _exception(actor, exception_id)


# --------------------------------------------------------------------------- hospital stays, deaths


async def import_hospital_stays(ctx: ServiceContext, actor: Actor, stays: list[dict[str, Any]]) -> dict[str, Any]:
    """Inpatient stays from the hospitals' records, by id number; visits already made on those
    days are verified again. The same stay twice is stored once (a later discharge date updates it)."""
    require_role(actor, Role.BUREAU, Role.ADMIN)
    by_number = {
        r["id_number"]: r["id"]
        for r in await Person.select(Person.id, Person.id_number).where(
            Person.id_number.is_in([s["id_number"] for s in stays] or ["-"])
        )
    }
    unknown = [s["id_number"] for s in stays if s["id_number"] not in by_number]
    if unknown:
        raise InvalidInput(
            f"{len(unknown)} 个身份证号码未登记", code="unknown_person", errors=[{"id_number": n} for n in unknown]
        )
    for s in stays:
        if s.get("discharged_on") is not None and s["discharged_on"] < s["admitted_on"]:
            raise InvalidInput("出院日期早于入院日期", code="invalid_dates")
    now = ctx.clock.now()
    touched: dict[int, date] = {}
    async with write_transaction():
        for s in stays:
            person_id = by_number[s["id_number"]]
            key = f"{person_id}:{s['admitted_on'].isoformat()}"
            if await HospitalStay.exists().where(HospitalStay.stay_key == key):
                await HospitalStay.update(
                    {
                        HospitalStay.discharged_on: s.get("discharged_on"),
                        HospitalStay.hospital: s.get("hospital", ""),
                    }
                ).where(HospitalStay.stay_key == key)
            else:
                await HospitalStay.insert(
                    HospitalStay(
                        person=person_id,
                        stay_key=key,
                        admitted_on=s["admitted_on"],
                        discharged_on=s.get("discharged_on"),
                        hospital=s.get("hospital", ""),
                        imported_at=now,
                    )
                )
            touched[person_id] = min(touched.get(person_id, s["admitted_on"]), s["admitted_on"])
        await record_change(
            actor=actor,
            at=now,
            action="hospital_stays.import",
            entity="hospital_stay",
            entity_id=len(stays),
            after={"stays": len(stays), "persons": len(touched)},
        )
    reverified = 0
    for person_id, since in touched.items():
        reverified += await reverify_person(ctx, person_id, since)
    return {"stays": len(stays), "persons": len(touched), "visits_verified_again": reverified}


async def record_deaths(ctx: ServiceContext, actor: Actor, records: list[dict[str, Any]]) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    today = local_today(ctx.clock, ctx.settings.zone)
    by_number = {
        r["id_number"]: r["id"]
        for r in await Person.select(Person.id, Person.id_number).where(
            Person.id_number.is_in([r["id_number"] for r in records] or ["-"])
        )
    }
    unknown = [r["id_number"] for r in records if r["id_number"] not in by_number]
    if unknown:
        raise InvalidInput(
            f"{len(unknown)} 个身份证号码未登记", code="unknown_person", errors=[{"id_number": n} for n in unknown]
        )
    if any(r["died_on"] > today for r in records):
        raise InvalidInput("死亡日期晚于今天", code="invalid_dates")
    now = ctx.clock.now()
    async with write_transaction():
        for r in records:
            await Person.update({Person.deceased_on: r["died_on"]}).where(Person.id == by_number[r["id_number"]])
            await record_change(
                actor=actor,
                at=now,
                action="person.death",
                entity="person",
                entity_id=by_number[r["id_number"]],
                after={"deceased_on": r["died_on"].isoformat()},
            )
        # No visits after death: the ones not begun are cancelled.
        for r in records:
            after = datetime.combine(r["died_on"] + timedelta(days=1), time(0), ctx.settings.zone)
            await Visit.update({Visit.status: "cancelled", Visit.updated_at: now}).where(
                (Visit.person == by_number[r["id_number"]])
                & (Visit.status == "planned")
                & (Visit.planned_start >= after)
            )
    reverified = 0
    for r in records:
        reverified += await reverify_person(ctx, by_number[r["id_number"]], r["died_on"])
    return {"persons": len(records), "visits_verified_again": reverified}
