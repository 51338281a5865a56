"""The demo's activity goes through the real services: residents concluded, assigned,
given confirmed care plans, and visits generated."""

from __future__ import annotations

from ltc.db import engine as db_engine
from ltc.db.tables import Assignment, CarePlan, Conclusion, Visit
from ltc.runtime import open_runtime
from ltc.services.demo_activity import seed_demo_activity
from ltc.services.seed import seed_demo
from ltc.settings import Settings


async def test_the_demo_activity_fills_every_stage(app, tmp_path, settings: Settings) -> None:
    own = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'demo.sqlite'}", "redis_url": ""})
    session_engine = db_engine.current_engine()
    try:
        await _check_activity(own)
    finally:
        db_engine.bind(session_engine)  # the rest of the session keeps its own database


async def _check_activity(own: Settings) -> None:
    async with open_runtime(own, migrate=True) as runtime:
        await seed_demo(runtime.services, password="demo-password", residents=160)
        outcome = await seed_demo_activity(runtime.services)
        assert outcome.beneficiaries >= 15
        severe = await Conclusion.count().where(Conclusion.severe == True)
        assert 0 < severe < outcome.beneficiaries, "one profile in five is not severe"
        assert await Assignment.count().where(Assignment.status == "active") == severe
        assert await CarePlan.count().where(CarePlan.status == "confirmed") == outcome.care_plans > 0
        assert await Visit.count() == outcome.visits > 0
        assert outcome.contributions == 12
        await _check_not_open_town_waits()
        await _check_caregiver_sign_ins(runtime.services)
        await _check_fund(runtime.services)
        await _check_supervision(runtime.services)
        await _check_remote_hamlet_and_relief(runtime.services)


async def _check_not_open_town_waits() -> None:
    """大堰镇 opens on 2027-04-01: its residents are registered, with no application, conclusion
    or care before that day."""
    from ltc.db.tables import Application, Person

    dayan = Person.town.code == "330213012"
    in_dayan = [r["id"] for r in await Person.select(Person.id).where(dayan)]
    assert in_dayan, "the demo registers residents of 大堰镇"
    assert not await Application.exists().where(Application.person.is_in(in_dayan))
    assert not await Conclusion.exists().where(Conclusion.person.is_in(in_dayan))
    assert not await Assignment.exists().where(Assignment.person.is_in(in_dayan))
    assert not await CarePlan.exists().where(CarePlan.person.is_in(in_dayan))


async def _check_supervision(services) -> None:
    """The supervisor finds two tip-offs to triage and a case with a finding and a rectification."""
    from ltc.db.tables import Inspection, InspectionFinding, InspectionOutcome, TipOff
    from ltc.services.demo_supervision import seed_demo_supervision

    seeded = await seed_demo_supervision(services)
    assert (seeded.tip_offs, seeded.cases) == (3, 1)
    assert await TipOff.count().where(TipOff.status == "new") == 2
    case = await Inspection.select().first()
    assert case["status"] == "open" and await TipOff.exists().where(TipOff.inspection == case["id"])
    finding = await InspectionFinding.select().where(InspectionFinding.inspection == case["id"]).first()
    assert finding["points"] > 0
    outcome = await InspectionOutcome.select().where(InspectionOutcome.inspection == case["id"]).first()
    assert outcome["action"] == "rectify" and outcome["deadline"] is not None


async def _check_remote_hamlet_and_relief(services) -> None:
    """A hamlet of 松岙镇 no home-care provider reaches: its beneficiaries stay uncovered, two get
    the family-care allowance (one checked this month by agent1, one still due), and the
    civil-affairs list of hardship groups is uploaded for three beneficiaries."""
    from ltc.db.tables import Job, RemoteBenefit, RemoteCheck
    from ltc.domain.periods import Period
    from ltc.services import remote_benefits
    from ltc.services.clock import local_today
    from ltc.services.demo_activity import demo_user
    from ltc.services.demo_towns import seed_demo_towns

    seeded = await seed_demo_towns(services)
    assert (seeded.uncovered, seeded.family_care, seeded.checks, seeded.relief_listed) == (4, 2, 1, 3)
    assert await RemoteBenefit.count().where(RemoteBenefit.kind == "family_care_allowance") == 2
    assert await RemoteCheck.count() == 1
    agent = await demo_user("agent1")
    assert agent is not None and agent.town_id is not None
    month = Period.of(local_today(services.clock, services.settings.zone))
    assert await remote_benefits.checks_due(agent, month) == 1
    bureau = await demo_user("bureau")
    assert len(await remote_benefits.list_uncovered(bureau)) == 2  # the hamlet's two without a benefit
    assert await Job.exists().where(Job.kind == "import_relief")


async def _check_caregiver_sign_ins(services) -> None:
    """Each demo caregiver sign-in is its agency's busiest caregiver of the next two days, one
    account per caregiver, so signing in as one shows a day's work."""
    from datetime import timedelta

    from ltc.db.tables import AppUser

    now = services.clock.now()
    soon = (Visit.status == "planned") & (Visit.planned_start >= now) & (Visit.planned_start < now + timedelta(days=2))
    accounts = await AppUser.select(AppUser.provider, AppUser.caregiver).where(AppUser.role == "caregiver")
    assert len({a["caregiver"] for a in accounts}) == len(accounts), "one account per caregiver"
    busy = 0
    for account in accounts:
        visits = await Visit.select(Visit.caregiver).where(soon & (Visit.provider == account["provider"]))
        counts = [sum(1 for v in visits if v["caregiver"] == c) for c in {v["caregiver"] for v in visits}]
        own = sum(1 for v in visits if v["caregiver"] == account["caregiver"])
        assert own == max(counts, default=0)
        busy += own > 0
    assert busy > 0, "some caregiver sign-in has visits to show"


async def _check_fund(services) -> None:
    """A year of contributions before today: a positive balance over twelve months, no warning
    (no spend yet), and a second seeding posts nothing again."""
    from ltc.db.tables import AppUser
    from ltc.domain.access import Actor, Role
    from ltc.services import ledger
    from ltc.services.demo_activity import seed_fund

    row = await AppUser.select(AppUser.id).where(AppUser.username == "bureau").first()
    bureau = Actor(user_id=row["id"], username="bureau", role=Role.BUREAU)
    position = await ledger.fund_position(services, bureau)
    assert len(position.balance_by_period) == 12 and str(position.period) not in position.balance_by_period
    balances = list(position.balance_by_period.values())
    assert balances == sorted(balances) and balances[0] > 0, "the balance grows month by month"
    assert position.balance_fen == balances[-1] >= 12 * await ledger.monthly_commitment_fen(services)
    assert position.warning is None and position.ledger_imbalance_fen == 0
    assert position.commitment_fen > 0 and position.months_at_commitment is not None
    assert 12 <= position.months_at_commitment <= 15, "about a year of the care plans' commitment"
    assert await seed_fund(services, bureau) == 0, "posted once"
