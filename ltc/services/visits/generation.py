"""Generating visits: the rolling window's visits from the confirmed home-care plans, by a job.

Visits are keyed by (plan, slot): what is already stored is never generated again, so a rerun
(or a rerun after a crash half-way) adds only what is missing. Providers are scheduled
independently (caregivers serve only their own), in batches: the next batch is scheduled in a
thread while the database stores the one before, and chunks are committed as they go."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from uuid import UUID

import anyio.to_thread
from piccolo.utils.encoding import dump_json

from ltc.db.queries import visits as queries
from ltc.db.tables import Assignment, CarePlan, Provider, Visit
from ltc.domain import scheduling
from ltc.domain.access import Action, Actor, require
from ltc.domain.care_plan import parse_slot
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.policy import Policy
from ltc.services.absences import absence_bookings, active_caregivers
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.job_parts import FanOut
from ltc.services.jobs import Progress, register_conclusion, register_job_kind, start_job
from ltc.services.partitions import ensure_for
from ltc.services.reference import policy_book
from ltc.services.visits import storage
from ltc.services.visits.values import GenerateVisitsParams, GenerateVisitsPartParams, GenerateVisitsResult

INSERT_CHUNK = 50_000
SCHEDULE_BATCHES = 8
INSERT_STREAMS = 2
CONTINUITY_LOOKBACK = timedelta(days=42)

Batch = tuple[list[scheduling.PlanInput], list[scheduling.CaregiverInput], list[scheduling.Booking]]


async def start_generation(ctx: ServiceContext, actor: Actor, params: GenerateVisitsParams) -> UUID:
    """Generate the window's visits now, as a job; an agency generates its own provider's."""
    scope = actor.provider_scope
    if scope is not None:
        if params.provider_id not in (None, scope):  # another agency's: not revealed
            raise NotFound("没有该机构", code="provider_not_found")
        params = params.model_copy(update={"provider_id": scope})
    elif params.provider_id is not None and not await Provider.exists().where(Provider.id == params.provider_id):
        require(actor, Action.GENERATE_VISITS)  # the role first: no existence answered to whom may not ask
        raise InvalidInput("没有该机构", code="provider_not_found", errors=[{"field": "provider_id", "message": ""}])
    return await start_job(ctx, actor, "generate_visits", params, provider_id=params.provider_id)


@register_job_kind("generate_visits", action=Action.GENERATE_VISITS, params=GenerateVisitsParams)
async def generate_visits(
    ctx: ServiceContext, params: GenerateVisitsParams, progress: Progress
) -> GenerateVisitsResult | FanOut:
    """The visits of the rolling window from the confirmed home-care plans (see the module):
    one provider's in this job, the whole city's in parts of providers balanced by their
    plans, which any number of workers share (``job_parts``; 1: the whole in this job)."""
    parts = params.parts or ctx.settings.job_parts
    if params.provider_id is not None or parts == 1:
        return await generate_in_one_job(ctx, params, progress)
    window = _window(ctx, params)
    groups = scheduling.provider_groups(await queries.home_plans_by_provider(), parts)
    days = (window.end - window.start).days
    await ensure_for(window.start, window.end)  # once, before the parts write into those months
    return FanOut(
        "generate_visits_part",
        [GenerateVisitsPartParams(provider_ids=group, from_day=window.start, days=days) for group in groups],
    )


async def generate_in_one_job(
    ctx: ServiceContext, params: GenerateVisitsParams, progress: Progress
) -> GenerateVisitsResult:
    """One provider's visits, or (none given) every provider's, in this job."""
    providers = None if params.provider_id is None else [params.provider_id]
    return await _generate(ctx, _window(ctx, params), providers, progress)


@register_job_kind("generate_visits_part", action=Action.GENERATE_VISITS, params=GenerateVisitsPartParams)
async def generate_visits_part(
    ctx: ServiceContext, params: GenerateVisitsPartParams, progress: Progress
) -> GenerateVisitsResult:
    """A part of the whole city's generation: its providers' visits and unscheduled slots."""
    window = _window(ctx, GenerateVisitsParams(from_day=params.from_day, days=params.days))
    return await _generate(ctx, window, params.provider_ids, progress)


@register_conclusion("generate_visits", part_result=GenerateVisitsResult)
async def conclude_generation(
    ctx: ServiceContext, params: GenerateVisitsParams, parts: list[GenerateVisitsResult], progress: Progress
) -> GenerateVisitsResult:
    """The whole city's result: the parts' summed (each stored its own visits and slots)."""
    window = _window(ctx, params)
    by_reason: Counter[str] = Counter()
    for part in parts:
        by_reason.update(part.by_reason)
    return GenerateVisitsResult(
        plans=sum(p.plans for p in parts),
        visits=sum(p.visits for p in parts),
        unscheduled=sum(p.unscheduled for p in parts),
        by_reason=dict(sorted(by_reason.items())),
        skipped_existing=sum(p.skipped_existing for p in parts),
        continuity=sum(p.continuity for p in parts),
        window=parts[0].window if parts else (window.start, window.end),  # the window the parts were given
    )


async def _generate(
    ctx: ServiceContext, window: _Window, provider_ids: list[int] | None, progress: Progress
) -> GenerateVisitsResult:
    """The window's visits of these providers (None: every provider) stored, and their
    unscheduled slots replaced."""
    plan_rows = await _plans_to_schedule(provider_ids)
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
    plans = [_plan_input(r, previous.get((r["person"], r["provider"]))) for r in plan_rows]
    caregivers = await _caregivers(provider_ids, window.policy)
    existing = await _existing_bookings(provider_ids, window)
    # Absences enter as bookings of the time they take out of the caregivers' working days.
    existing += await absence_bookings(
        caregivers, window.midnight(_monday(window.start)), window.midnight(window.end), window.zone
    )
    await ensure_for(window.start, window.end)  # the window's months' partitions (PostgreSQL)
    await progress(0.1)
    rows = storage.GeneratedRows(
        provider_of={p.plan_id: p.provider_id for p in plans},
        items_of={r["id"]: dump_json(r["items"]) for r in plan_rows},
        now=ctx.clock.now(),
        key_of=storage.slot_keys(),
        month_of=storage.service_months(window.zone),
    )
    batches = scheduling.provider_batches(plans, caregivers, existing, SCHEDULE_BATCHES)
    tally = await _schedule_and_store(batches, window, rows, progress)
    await storage.replace_unscheduled(
        provider_ids, window.midnight(window.start), window.midnight(window.end), rows.unscheduled(tally.unscheduled)
    )
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


async def _plans_to_schedule(provider_ids: list[int] | None) -> list[dict[str, Any]]:
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
    if provider_ids is not None:
        plan_query = plan_query.where(CarePlan.provider.is_in(provider_ids))
    rows = await plan_query.output(load_json=True)
    active = {
        (r["person"], r["provider"])
        for r in await Assignment.select(Assignment.person, Assignment.provider).where(Assignment.status == "active")
    }
    return [
        r for r in rows if (r["person"], r["provider"]) in active and r["lat"] is not None and r["deceased_on"] is None
    ]


async def _previous_caregivers(provider_ids: list[int], window: _Window) -> dict[tuple[int, int], int]:
    """Continuity: the caregiver of each person's latest visit at each provider in the recent
    past (history before that grows every month and says nothing about who serves them now;
    another provider's caregiver cannot serve them here, and providers are scheduled apart)."""
    previous: dict[tuple[int, int], int] = {}
    for row in (
        await Visit.select(Visit.person, Visit.provider, Visit.caregiver)
        .where(
            Visit.provider.is_in(provider_ids)
            & Visit.caregiver.is_not_null()
            & (Visit.status != "cancelled")
            & (Visit.planned_start >= window.midnight(window.start - CONTINUITY_LOOKBACK))
        )
        .order_by(Visit.planned_start)
    ):
        previous[(row["person"], row["provider"])] = row["caregiver"]  # the latest one wins
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
    """The active caregivers with their own working days and hours (the policy's working day
    where a registry entry has none)."""
    return [row.as_input(policy) for row in await active_caregivers(provider_ids)]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def _existing_bookings(provider_ids: list[int], window: _Window) -> list[scheduling.Booking]:
    """Existing bookings from the Monday of the first week to the Sunday of the last: they
    occupy caregivers, count for weekly hours, and their keys are not generated again."""
    span_start = window.midnight(_monday(window.start))
    span_end = window.midnight(_monday(window.end) + timedelta(days=7))
    return await queries.bookings_between(span_start, span_end, provider_ids=provider_ids)


@dataclass
class _Tally:
    inserted: int = 0
    skipped_existing: int = 0
    continuity: int = 0
    unscheduled: list[scheduling.UnscheduledVisit] = field(default_factory=list)


async def _schedule_and_store(
    batches: list[Batch], window: _Window, rows: storage.GeneratedRows, progress: Progress
) -> _Tally:
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
                    asyncio.ensure_future(storage.insert_new(rows.visits(result.visits[start : start + INSERT_CHUNK])))
                )
                await stored_down_to(INSERT_STREAMS - 1)
            await progress(0.1 + 0.85 * (number + 1) / len(batches))
        await stored_down_to(0)
    finally:
        # What is already being stored is let finish (committed chunks are never generated
        # again); a batch still in its thread is waited for.
        await asyncio.gather(pending, *storing, return_exceptions=True)
    return tally
