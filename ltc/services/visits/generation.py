"""Generating visits: the rolling window's visits from the confirmed home-care plans, by a job.

Visits are keyed by (plan, slot): what is already stored is never generated again, so a rerun
(or a rerun after a crash half-way) adds only what is missing. Providers are scheduled
independently (caregivers serve only their own), in batches: the next batch is scheduled in a
thread while the database stores the one before, and chunks are committed as they go."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from uuid import UUID

import anyio.to_thread
from piccolo.utils.encoding import dump_json

from ltc.db.bulk import insert_rows
from ltc.db.engine import is_unique_violation, write_transaction
from ltc.db.tables import Assignment, Caregiver, CarePlan, UnscheduledSlot, Visit
from ltc.domain import scheduling
from ltc.domain.access import Action, Actor
from ltc.domain.care_plan import parse_slot
from ltc.domain.policy import Policy
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.jobs import Progress, register_job_kind, start_job
from ltc.services.reference import policy_book
from ltc.services.visits.values import GenerateVisitsParams, GenerateVisitsResult

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
KEYS_PER_QUERY = 5000  # within either database's limit on parameters

Row = tuple[Any, ...]
Batch = tuple[list[scheduling.PlanInput], list[scheduling.CaregiverInput], list[scheduling.Booking]]


def slot_key(plan_id: Hashable, start: datetime) -> str:
    return f"{plan_id}:{_utc_iso(start)}"


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


async def start_generation(ctx: ServiceContext, actor: Actor, params: GenerateVisitsParams) -> UUID:
    """Generate the window's visits now, as a job; an agency generates its own provider's."""
    scope = actor.provider_scope
    if scope is not None:
        params = params.model_copy(update={"provider_id": scope})
    return await start_job(ctx, actor, "generate_visits", params, provider_id=params.provider_id)


@register_job_kind("generate_visits", action=Action.GENERATE_VISITS, params=GenerateVisitsParams)
async def generate_visits(
    ctx: ServiceContext, params: GenerateVisitsParams, progress: Progress
) -> GenerateVisitsResult:
    """The visits of the rolling window from the confirmed home-care plans (see the module)."""
    window = _window(ctx, params)
    plan_rows = await _plans_to_schedule(params.provider_id)
    provider_ids = sorted({r["provider"] for r in plan_rows})
    if not provider_ids:
        await progress(1.0)
        return GenerateVisitsResult(
            plans=0,
            visits=0,
            unscheduled=0,
            by_reason={},
            skipped_existing=0,
            continuity=0,
            window=(window.start, window.end),
        )
    previous = await _previous_caregivers(provider_ids, window)
    plans = [_plan_input(r, previous.get(r["person"])) for r in plan_rows]
    caregivers = await _caregivers(provider_ids, window.policy)
    existing = await _existing_bookings(provider_ids, window)
    await progress(0.1)
    rows = _Rows(
        provider_of={p.plan_id: p.provider_id for p in plans},
        items_of={r["id"]: dump_json(r["items"]) for r in plan_rows},
        now=ctx.clock.now(),
        key_of=_slot_keys(),
    )
    batches = scheduling.provider_batches(plans, caregivers, existing, SCHEDULE_BATCHES)
    tally = await _schedule_and_store(batches, window, rows, progress)
    await _replace_unscheduled(provider_ids, window, rows.unscheduled(tally.unscheduled))
    await progress(1.0)
    by_reason = Counter(u.reason for u in tally.unscheduled)
    return GenerateVisitsResult(
        plans=len(plans),
        visits=tally.inserted,
        unscheduled=len(tally.unscheduled),
        by_reason=dict(sorted(by_reason.items())),
        skipped_existing=tally.skipped_existing,
        continuity=tally.continuity,
        window=(window.start, window.end),
    )


# --------------------------------------------------------------------------- the steps


@dataclass(frozen=True)
class _Window:
    start: date
    end: date
    zone: tzinfo
    policy: Policy

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), self.zone)


def _window(ctx: ServiceContext, params: GenerateVisitsParams) -> _Window:
    """From the day asked (default today) for the days asked (default the policy's window)."""
    zone = ctx.settings.zone
    start = params.from_day or local_today(ctx.clock, zone)
    policy = policy_book(ctx.settings).in_force(start)
    days = params.days or policy.schedule_window_days
    return _Window(start=start, end=start + timedelta(days=days), zone=zone, policy=policy)


async def _plans_to_schedule(provider_id: int | None) -> list[dict[str, Any]]:
    """The confirmed home-care plans at the person's active provider, of living persons whose
    home has a position."""
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
    if provider_id is not None:
        plan_query = plan_query.where(CarePlan.provider == provider_id)
    rows = await plan_query.output(load_json=True)
    active = {
        (r["person"], r["provider"])
        for r in await Assignment.select(Assignment.person, Assignment.provider).where(Assignment.status == "active")
    }
    return [
        r for r in rows if (r["person"], r["provider"]) in active and r["lat"] is not None and r["deceased_on"] is None
    ]


async def _previous_caregivers(provider_ids: list[int], window: _Window) -> dict[int, int]:
    """Continuity: the caregiver of each person's latest visit in the recent past (history
    before that grows every month and says nothing about who serves them now)."""
    previous: dict[int, int] = {}
    for row in (
        await Visit.select(Visit.person, Visit.caregiver)
        .where(
            Visit.provider.is_in(provider_ids)
            & Visit.caregiver.is_not_null()
            & (Visit.status != "cancelled")
            & (Visit.planned_start >= window.midnight(window.start - CONTINUITY_LOOKBACK))
        )
        .order_by(Visit.planned_start)
    ):
        previous[row["person"]] = row["caregiver"]  # the latest one wins
    return previous


def _plan_input(row: dict[str, Any], previous_caregiver: int | None) -> scheduling.PlanInput:
    return scheduling.PlanInput(
        plan_id=row["id"],
        person_id=row["person"],
        provider_id=row["provider"],
        lat=row["lat"],
        lon=row["lon"],
        slots=tuple(parse_slot(s) for s in row["slots"]),
        duration_minutes=row["visit_minutes"],
        needs_nurse=row["needs_nurse"],
        previous_caregiver_id=previous_caregiver,
    )


async def _caregivers(provider_ids: list[int], policy: Policy) -> list[scheduling.CaregiverInput]:
    work_start, work_end = time(policy.working_day_start_hour), time(policy.working_day_end_hour)
    return [
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


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def _existing_bookings(provider_ids: list[int], window: _Window) -> list[scheduling.Booking]:
    """Existing bookings from the Monday of the first week to the Sunday of the last: they
    occupy caregivers, count for weekly hours, and their keys are not generated again."""
    span_start = window.midnight(_monday(window.start))
    span_end = window.midnight(_monday(window.end) + timedelta(days=7))
    return [
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


def _slot_keys() -> Callable[[Hashable, datetime], str]:
    """slot_key(), with each distinct start converted once (astimezone costs microseconds)."""
    utc_text: dict[datetime, str] = {}

    def key_of(plan_id: Hashable, start: datetime) -> str:
        text = utc_text.get(start)
        if text is None:
            text = utc_text[start] = _utc_iso(start)
        return f"{plan_id}:{text}"

    return key_of


@dataclass(frozen=True)
class _Rows:
    """The scheduler's visits and unscheduled slots as rows to insert: tuples in
    ``INSERT_COLUMNS`` and ``UNSCHEDULED_COLUMNS`` order."""

    provider_of: dict[Hashable, Hashable]
    items_of: dict[Hashable, str]
    now: datetime
    key_of: Callable[[Hashable, datetime], str]

    def visits(self, visits: Sequence[scheduling.PlannedVisit]) -> list[Row]:
        provider_of, items_of, key_of, now = self.provider_of, self.items_of, self.key_of, self.now
        empty = dump_json([])
        return [
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
            for v in visits
        ]

    def unscheduled(self, slots: Sequence[scheduling.UnscheduledVisit]) -> list[Row]:
        return [
            (
                u.plan_id,
                self.provider_of[u.plan_id],
                self.key_of(u.plan_id, u.slot_start),
                u.slot_start,
                u.slot_end,
                u.reason,
                self.now,
            )
            for u in slots
        ]


@dataclass
class _Tally:
    inserted: int = 0
    skipped_existing: int = 0
    continuity: int = 0
    unscheduled: list[scheduling.UnscheduledVisit] = field(default_factory=list)


async def _schedule_and_store(batches: list[Batch], window: _Window, rows: _Rows, progress: Progress) -> _Tally:
    """Schedule the batches one by one in a thread, each while the one before is stored.
    Chunks are stored on up to INSERT_STREAMS connections at once: on PostgreSQL each COPY
    (foreign keys, indexes) keeps a server process busy, and two cores can take two."""
    tally = _Tally()
    storing: set[asyncio.Future[int]] = set()

    def schedule_batch(batch: Batch) -> scheduling.ScheduleResult:
        batch_plans, batch_caregivers, batch_existing = batch
        return scheduling.schedule(
            batch_plans,
            batch_caregivers,
            window_start=window.start,
            window_end=window.end,
            zone=window.zone,
            policy=window.policy,
            existing=batch_existing,
        )

    async def stored_down_to(limit: int) -> None:
        while len(storing) > limit:
            done, _ = await asyncio.wait(storing, return_when=asyncio.FIRST_COMPLETED)
            for chunk in done:
                storing.discard(chunk)
                tally.inserted += chunk.result()  # a failed chunk fails the run (the rerun completes it)

    pending = asyncio.ensure_future(anyio.to_thread.run_sync(schedule_batch, batches[0]))
    try:
        for number in range(len(batches)):
            result = await pending
            if number + 1 < len(batches):
                pending = asyncio.ensure_future(anyio.to_thread.run_sync(schedule_batch, batches[number + 1]))
            tally.unscheduled.extend(result.unscheduled)
            tally.skipped_existing += result.skipped_existing
            tally.continuity += result.continuity
            for start in range(0, len(result.visits), INSERT_CHUNK):
                storing.add(
                    asyncio.ensure_future(_insert_new(rows.visits(result.visits[start : start + INSERT_CHUNK])))
                )
                await stored_down_to(INSERT_STREAMS - 1)
            await progress(0.1 + 0.85 * (number + 1) / len(batches))
        await stored_down_to(0)
    finally:
        # What is already being stored is let finish (committed chunks are never generated
        # again); a batch still in its thread is waited for.
        await asyncio.gather(pending, *storing, return_exceptions=True)
    return tally


async def _insert_new(rows: list[Row]) -> int:
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
        for start in range(0, len(keys), KEYS_PER_QUERY):
            part = keys[start : start + KEYS_PER_QUERY]
            stored.update(r["slot_key"] for r in await Visit.select(Visit.slot_key).where(Visit.slot_key.is_in(part)))
        missing = [r for r in rows if r[_SLOT_KEY] not in stored]
        if missing:
            await insert_rows(transaction, Visit, INSERT_COLUMNS, missing)
    return len(missing)


async def _replace_unscheduled(provider_ids: list[int], window: _Window, rows: list[Row]) -> None:
    """The window's unscheduled slots of these providers, as this run found them."""
    async with write_transaction() as transaction:
        await UnscheduledSlot.delete().where(
            UnscheduledSlot.provider.is_in(provider_ids)
            & (UnscheduledSlot.slot_start >= window.midnight(window.start))
            & (UnscheduledSlot.slot_start < window.midnight(window.end))
        )
        if rows:
            await insert_rows(transaction, UnscheduledSlot, UNSCHEDULED_COLUMNS, rows)
