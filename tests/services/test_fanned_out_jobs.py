"""The whole city's visit generation and the month's build fanned out into parts give what
one job gives: the same visits and unscheduled slots, the same drafts (content hashes)."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ltc.db.tables import Job, Settlement, UnscheduledSlot, Visit
from ltc.domain.periods import Period
from ltc.services import jobs
from ltc.services.clock import FixedClock, local_today
from ltc.services.context import ServiceContext
from ltc.services.settlements import build
from ltc.services.settlements.values import BuildSettlementsParams
from ltc.services.visits import generation
from ltc.services.visits.values import GenerateVisitsParams
from tests.services.test_settlement_build import (  # noqa: F401  (remove_what_the_test_made: autouse)
    per_visit_draft,
    person_with_plan,
    provider,
    remove_what_the_test_made,
    visit,
    with_policy_change,
)
from tests.web.test_visits import beneficiary, no_progress, plan_for
from tests.worker.test_outbox_and_heartbeat import RecordingQueue


async def run_fanned_out(services: ServiceContext, kind: str, params: jobs.JobParams) -> dict[str, Any]:
    """The job started, fanned out, its parts run (all at once), and its conclusion run: its row."""
    services = replace(services, queue=RecordingQueue())
    parent = await jobs.start_job(services, None, kind, params)
    assert await jobs.execute_job(services, parent, 0) == "waiting"
    parts = await Job.select(Job.id).where(Job.parent == parent)
    assert len(parts) > 1
    for part in parts:
        assert await jobs.execute_job(services, part["id"], 0) == "done"
    assert await jobs.execute_job(services, parent, 1) == "done"
    row = await Job.select().where(Job.id == parent).output(load_json=True).first()
    assert row is not None and row["parts_done"] == row["parts"] == len(parts)
    return row


def content_hash(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(sorted(rows, key=repr), default=str, sort_keys=True).encode()).hexdigest()


async def window_contents(start: datetime, end: datetime) -> tuple[str, str, int]:
    """The window's visits and unscheduled slots as generation leaves them, hashed (no ids or
    times of writing); and the number of visits."""
    visits = await Visit.select(
        Visit.care_plan, Visit.person, Visit.provider, Visit.caregiver, Visit.slot_key, Visit.planned_start
    ).where((Visit.planned_start >= start) & (Visit.planned_start < end))
    slots = await UnscheduledSlot.select(
        UnscheduledSlot.care_plan, UnscheduledSlot.provider, UnscheduledSlot.slot_key, UnscheduledSlot.reason
    ).where((UnscheduledSlot.slot_start >= start) & (UnscheduledSlot.slot_start < end))
    return content_hash(visits), content_hash(slots), len(visits)


async def test_the_city_generated_in_parts_gets_the_visits_one_job_gets(client, auth, services) -> None:
    for _ in range(3):  # three providers of their own, besides what the session holds
        await plan_for(client, await beneficiary(client, auth))
    ctx = replace(services, clock=FixedClock(datetime.now(UTC)))
    zone = ctx.settings.zone
    first = local_today(ctx.clock, zone) + timedelta(days=120)  # a window no other test reaches
    start, end = datetime.combine(first, time(0), zone), datetime.combine(first + timedelta(days=7), time(0), zone)
    params = GenerateVisitsParams(from_day=first, days=7)

    whole = await generation.generate_in_one_job(ctx, params, no_progress)
    assert whole.visits > 0
    in_one_job = await window_contents(start, end)
    await Visit.delete().where((Visit.planned_start >= start) & (Visit.planned_start < end))
    await UnscheduledSlot.delete().where((UnscheduledSlot.slot_start >= start) & (UnscheduledSlot.slot_start < end))

    row = await run_fanned_out(ctx, "generate_visits", params.model_copy(update={"parts": 3}))
    assert await window_contents(start, end) == in_one_job
    assert row["result"] == whole.model_dump(mode="json")
    # Run again, the parts find every slot stored: nothing is added twice.
    again = await run_fanned_out(ctx, "generate_visits", params.model_copy(update={"parts": 3}))
    assert again["result"]["visits"] == 0 and again["result"]["skipped_existing"] == whole.visits
    assert await window_contents(start, end) == in_one_job


async def test_the_month_built_in_parts_gets_the_drafts_one_job_gets(services, tmp_path, monkeypatch) -> None:
    period = Period(2031, 9)
    ctx = with_policy_change(services, tmp_path, date(2031, 9, 16), period)
    zone = ctx.settings.zone
    rng = random.Random(11)
    providers = [await provider(hourly) for hourly in (0, 6500, 5800, 6100, 0)]
    for provider_id in providers:
        for n in range(3):
            person_id, plan_id = await person_with_plan(provider_id, 3 + n % 3)
            for _ in range(rng.randrange(3, 9)):
                local = datetime(2031, 9, 1 + rng.randrange(30), rng.randrange(7, 20), rng.randrange(60), tzinfo=zone)
                length = timedelta(minutes=rng.randrange(30, 90))
                await visit(provider_id, person_id, plan_id, local.astimezone(UTC), length)
    sampled: list[list[int]] = []
    real_draw = build.draw_samples

    async def drawn(ctx: ServiceContext, period: Period, settlement_ids: list[int], tallies: Any = None) -> None:
        sampled.append(sorted(settlement_ids))
        await real_draw(ctx, period, settlement_ids, tallies)

    monkeypatch.setattr(build, "draw_samples", drawn)

    row = await run_fanned_out(ctx, "build_settlements", BuildSettlementsParams(period=str(period), parts=3))
    result = row["result"]
    assert result["providers"] == result["rebuilt"] == len(providers)
    assert sampled == [sorted(result["settlement_ids"])], "the sample is drawn once, over the month"
    for provider_id in providers:
        expected = await per_visit_draft(ctx, provider_id, period)
        stored = await Settlement.select(Settlement.content_hash).where(Settlement.provider == provider_id).first()
        assert stored is not None and stored["content_hash"] == expected.content_hash()
    # The month in one job finds the same drafts: nothing rebuilt.
    again = await build.build_in_one_job(ctx, BuildSettlementsParams(period=str(period)), no_progress)
    assert again.rebuilt == 0 and again.settlement_ids == result["settlement_ids"]
