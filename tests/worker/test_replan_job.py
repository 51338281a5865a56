"""The re-planning job and the scheduler as the worker runs them: an absence keeps the
scheduler off the absent caregiver, and a job run again (a redelivered message) moves and
tells nothing twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ltc.db.tables import Notice, Visit
from ltc.services import roster
from ltc.services.absences import AbsenceIn, record_absence
from ltc.services.clock import FixedClock
from ltc.services.replan_values import ReplanParams
from ltc.services.visits import generation
from ltc.services.visits.values import GenerateVisitsParams
from tests.web.test_absences import add_visit, next_weekday
from tests.web.test_visits import beneficiary, plan_for


async def no_progress(_: float) -> None:
    return None


async def test_the_scheduler_gives_an_absent_caregiver_no_visit(client, auth, services) -> None:
    b = await beneficiary(client, auth, nurse=True)
    elderly, nurse = b["caregivers"][0]["id"], b["caregivers"][1]["id"]
    await plan_for(client, b)
    ctx = replace(services, clock=FixedClock(datetime.now(UTC)))
    start = ctx.clock.now()
    actor = await _agency_actor(b)
    await record_absence(
        ctx,
        actor,
        elderly,
        AbsenceIn.model_validate({"from": start, "to": start + timedelta(days=15), "reason": "leave"}),
    )
    result = await generation.generate_visits(
        ctx, GenerateVisitsParams(provider_id=b["provider"]["id"], days=14), no_progress
    )
    assert result.visits >= 6
    given = {r["caregiver"] for r in await Visit.select(Visit.caregiver).where(Visit.provider == b["provider"]["id"])}
    assert given == {nurse}  # without the absence the nearer, non-nurse caregiver would take them


async def test_a_rerun_of_the_job_moves_and_tells_nothing_twice(client, auth, services) -> None:
    b = await beneficiary(client, auth, nurse=True)
    absent, nurse = b["caregivers"][0]["id"], b["caregivers"][1]["id"]
    day = next_weekday()
    visit = await add_visit(client, b, absent, day + timedelta(hours=9), ["B01"])
    params = ReplanParams(caregiver_id=absent, starts_at=day, ends_at=day + timedelta(days=1))
    first = await roster.replan_absence(services, params, no_progress)
    assert (first.moved, [m.caregiver_id for m in first.moved_to]) == (1, [nurse])
    notices = await Notice.count()
    again = await roster.replan_absence(services, params, no_progress)
    assert (again.moved, again.unscheduled, again.notices) == (0, 0, 0)
    assert await Notice.count() == notices
    assert (await Visit.select(Visit.caregiver).where(Visit.id == visit).first())["caregiver"] == nurse


async def _agency_actor(b):
    from ltc.db.tables import AppUser
    from ltc.domain.access import Actor, Role

    username = f"agency-{b['provider']['code'].lower()}"
    row = await AppUser.select(AppUser.id).where(AppUser.username == username).first()
    return Actor(user_id=row["id"], username=username, role=Role.AGENCY, provider_id=b["provider"]["id"])


async def test_an_absence_cancelled_before_its_job_ran_re_plans_nothing(client, auth, services) -> None:
    from ltc.services.absences import cancel_absence

    b = await beneficiary(client, auth, nurse=True)
    absent = b["caregivers"][0]["id"]
    day = next_weekday()
    visit = await add_visit(client, b, absent, day + timedelta(hours=9), ["B01"])
    actor = await _agency_actor(b)
    recorded = await record_absence(
        services,
        actor,
        absent,
        AbsenceIn.model_validate({"from": day, "to": day + timedelta(days=1), "reason": "sick"}),
    )
    await cancel_absence(services, actor, absent, recorded.id)
    params = ReplanParams(caregiver_id=absent, starts_at=day, ends_at=day + timedelta(days=1), absence_id=recorded.id)
    result = await roster.replan_absence(services, params, no_progress)
    assert result.moved == 0
    assert (await Visit.select(Visit.caregiver).where(Visit.id == visit).first())["caregiver"] == absent
