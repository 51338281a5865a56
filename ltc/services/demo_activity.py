"""Demo activity on top of the demo district, so every page has something to show: a few
dozen residents go the whole way through the real services — application, acceptance,
on-site assessment, notice, conclusion, assignment, a confirmed care plan — and the
coming fortnight of visits is generated. Deterministic: the same residents, answers and
levels every time (the dates follow the day it is seeded)."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from ltc.db.engine import write_transaction
from ltc.db.tables import AppUser, Assignment, Caregiver, Person, Visit
from ltc.domain.access import Actor, Role
from ltc.domain.errors import DomainError
from ltc.domain.instruments import Answer, Instrument
from ltc.domain.money import round_half_up, share_fen
from ltc.domain.periods import Period
from ltc.services import care_plans, ledger
from ltc.services.assessment import applications, assessments, conclusions
from ltc.services.assessment.values import ApplicationIn, AssessmentIn, SelfEval
from ltc.services.clock import FixedClock, local_today
from ltc.services.context import ServiceContext
from ltc.services.reference import instrument_catalog, policy_book
from ltc.services.visits.generation import generate_in_one_job
from ltc.services.visits.values import GenerateVisitsParams

log = logging.getLogger(__name__)

EVERY_NTH_RESIDENT = 8
DEMO_FUND_MONTHS = 12
FUND_INCOME_MARGIN = Decimal("1.15")  # the fund takes in a little more than it commits a month
# (ADL, cognition, perception) totals → levels 5, 4, 3, 3, 2 (the last is not severe).
PROFILES = [(0, 0, 0), (20, 8, 12), (20, 16, 12), (35, 16, 10), (50, 16, 12)]
HOME_ITEMS = [["B01", "B07", "B09"], ["B05", "B11", "B19"], ["B01", "B06", "B15", "C05"]]
SELF_EVAL: dict[str, Answer] = dict.fromkeys(
    ["eating", "continence", "bathing", "dressing", "toilet_use", "transfer"], "dependent"
)


def _answers(instrument: Instrument, totals: dict[str, int]) -> dict[str, Any]:
    """Answers whose dimension totals are the given ones (largest option that fits first)."""
    answers: dict[str, Any] = {}
    remaining: dict[str, float] = dict(totals)
    for item in instrument.items:
        fitting = [o for o in item.options if o.points <= remaining[item.dimension]]
        chosen = max(fitting, key=lambda o: o.points)
        answers[item.key] = chosen.value
        remaining[item.dimension] -= chosen.points
    return answers


async def demo_user(username: str) -> Actor | None:
    row = await AppUser.select().where(AppUser.username == username).first()
    if row is None:
        return None
    return Actor(
        user_id=row["id"], username=username, role=Role(row["role"]), provider_id=row["provider"], town_id=row["town"]
    )


class DemoActivity(BaseModel):
    """How far the demo's residents went: concluded beneficiaries, confirmed care plans, visits."""

    model_config = ConfigDict(frozen=True)

    beneficiaries: int
    care_plans: int = 0
    visits: int = 0
    contributions: int = 0


@dataclass(frozen=True, slots=True)
class Team:
    """Who takes a demo resident through the assessment: the officer, the assessor, the expert."""

    bureau: Actor
    assessor: Actor
    expert: Actor


async def conclude(
    ctx: ServiceContext,
    team: Team,
    person_id: int,
    profile: tuple[int, int, int],
    care_mode: Literal["home", "institutional"],
) -> None:
    """One resident the whole way through the real services: application a month ago,
    acceptance, the on-site assessment with answers of the given dimension totals, the notice
    and the final conclusion (whose placement the assignment engine makes)."""
    today = local_today(ctx.clock, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(today)
    instrument = instrument_catalog(ctx.settings).get(policy.assessment_instrument)
    adl, cognition, perception = profile
    now = ctx.clock.now()
    application = await applications.apply(
        ctx,
        team.bureau,
        ApplicationIn(
            person_id=person_id,
            applied_on=today - timedelta(days=30),
            disabled_since=today - timedelta(days=400),
            care_mode=care_mode,
            self_eval=SelfEval(answers=SELF_EVAL),
        ),
    )
    await applications.accept(ctx, team.bureau, application.id, [team.assessor.user_id, team.expert.user_id])
    assessment, _ = await assessments.submit_assessment(
        ctx,
        team.assessor,
        AssessmentIn(
            event_id=UUID(int=person_id),
            application_id=application.id,
            instrument=instrument.code,
            instrument_version=instrument.version,
            answers=_answers(instrument, {"adl": adl, "cognition": cognition, "perception": perception}),
            assessor_ids=[team.assessor.user_id, team.expert.user_id],
            started_at=now - timedelta(days=20, hours=1),
            finished_at=now - timedelta(days=20),
        ),
    )
    await conclusions.publish(ctx, team.bureau, assessment.id, today - timedelta(days=policy.notice_days + 2))
    await conclusions.finalize(ctx, team.bureau, assessment.id)


async def seed_demo_activity(ctx: ServiceContext) -> DemoActivity:
    bureau, assessor, expert = await demo_user("bureau"), await demo_user("assessor1"), await demo_user("expert1")
    if bureau is None or assessor is None or expert is None:
        return DemoActivity(beneficiaries=0)
    today = local_today(ctx.clock, ctx.settings.zone)
    residents = (
        await Person.select(Person.id, Person.town.code.as_alias("town"))
        .where(Person.lat.is_not_null() & (Person.insured == True))
        .order_by(Person.id)
    )
    applied_on = today - timedelta(days=30)
    # Only towns where the scheme is open take applications: the others' residents wait registered.
    open_then = policy_book(ctx.settings).in_force(applied_on)
    town_of = {r["id"]: r["town"] for r in residents}
    chosen = [r["id"] for r in residents][::EVERY_NTH_RESIDENT]
    concluded = 0
    for n, person_id in enumerate(chosen):
        if not open_then.scheme_open_in(town_of[person_id], applied_on):
            continue
        try:
            await conclude(
                ctx,
                Team(bureau, assessor, expert),
                person_id,
                PROFILES[n % len(PROFILES)],
                "institutional" if n % 6 == 5 else "home",
            )
            concluded += 1
        except DomainError as error:  # a resident the rules refuse is simply left out of the demo
            log.info("demo activity: person %s left out (%s)", person_id, error.code)
    planned = 0
    for n, row in enumerate(
        await Assignment.select(Assignment.person, Assignment.provider, Assignment.care_mode)
        .where(Assignment.status == "active")
        .order_by(Assignment.person)
    ):
        agency = (
            await AppUser.select(AppUser.id, AppUser.username)
            .where((AppUser.provider == row["provider"]) & (AppUser.role == "agency"))
            .first()
        )
        if agency is None:
            continue
        actor = Actor(user_id=agency["id"], username=agency["username"], role=Role.AGENCY, provider_id=row["provider"])
        items = HOME_ITEMS[n % len(HOME_ITEMS)] if row["care_mode"] == "home" else ["B01", "B13"]
        try:
            plan = await care_plans.create_plan(ctx, actor, row["person"], items)
            await care_plans.confirm(ctx, actor, plan.id, "家属")
            planned += 1
        except DomainError as error:
            log.info("demo activity: no plan for person %s (%s)", row["person"], error.code)

    async def no_progress(_: float) -> None:
        return None

    generated = await generate_in_one_job(ctx, GenerateVisitsParams(), no_progress)
    await give_sign_ins_to_busy_caregivers(ctx)
    contributions = await seed_fund(ctx, bureau)
    return DemoActivity(
        beneficiaries=concluded, care_plans=planned, visits=generated.visits, contributions=contributions
    )


async def give_sign_ins_to_busy_caregivers(ctx: ServiceContext) -> int:
    """Each demo caregiver sign-in goes to its agency's caregiver with the most visits in the
    next two days, so that signing in as one shows a day's work; how many moved."""
    now = ctx.clock.now()
    visits = await Visit.select(Visit.provider, Visit.caregiver).where(
        (Visit.status == "planned") & (Visit.planned_start >= now) & (Visit.planned_start < now + timedelta(days=2))
    )
    busiest: dict[int, Counter[int]] = defaultdict(Counter)
    for visit in visits:
        if visit["caregiver"] is not None:
            busiest[visit["provider"]][visit["caregiver"]] += 1
    taken = {row["caregiver"] for row in await AppUser.select(AppUser.caregiver).where(AppUser.caregiver.is_not_null())}
    moved = 0
    async with write_transaction():
        for account in await AppUser.select(AppUser.id, AppUser.provider, AppUser.caregiver).where(
            (AppUser.role == Role.CAREGIVER.value) & AppUser.username.like("caregiver-%")
        ):
            counts = busiest.get(account["provider"])
            if not counts:
                continue
            best, _ = max(counts.items(), key=lambda item: (item[1], -item[0]))
            if best == account["caregiver"] or best in taken:
                continue
            names = await Caregiver.select(Caregiver.name).where(Caregiver.id == best)
            await AppUser.update({AppUser.caregiver: best, AppUser.display_name: names[0]["name"]}).where(
                AppUser.id == account["id"]
            )
            taken.discard(account["caregiver"])
            taken.add(best)
            moved += 1
    return moved


async def seed_fund(ctx: ServiceContext, bureau: Actor) -> int:
    """A year of the fund's income before today, so its balance and months payable mean
    something: a transfer on the 10th of each of the last twelve months, of the month's care
    commitment and a margin (the residents' fund is meant to hold about a year of spend).
    Posted through the ledger like any contribution, each on its own day; posted once."""
    commitment = await ledger.monthly_commitment_fen(ctx)
    monthly = max(round_half_up(share_fen(commitment, FUND_INCOME_MARGIN), 10_000) * 10_000, 100_000)
    month = Period.of(local_today(ctx.clock, ctx.settings.zone))
    posted = 0
    for _ in range(DEMO_FUND_MONTHS):
        month = month.previous()
        on_the_tenth = datetime.combine(month.first_day + timedelta(days=9), time(10), ctx.settings.zone)
        then = replace(ctx, clock=FixedClock(on_the_tenth))
        done = await ledger.record_contribution(then, bureau, f"demo-transfer-{month}", monthly)
        posted += done.posted
    return posted
