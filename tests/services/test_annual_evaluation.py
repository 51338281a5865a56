"""The annual evaluation by indicators and the year's final account of the quality reserve,
through the services on a database of this module's own (approved settlements stay forever):
a provider's months withhold the reserve, it evaluates itself, the bureau scores it, and the
final account releases the grade's share once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ltc.bench.scratch import scratch_database
from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations
from ltc.db.tables import (
    AppUser,
    AuditEntry,
    FollowUpCall,
    Inspection,
    InspectionFinding,
    LedgerEntry,
    LedgerPosting,
    Settlement,
    SettlementLine,
    TipOff,
)
from ltc.domain import ledger as accounts
from ltc.domain.access import Actor, Role
from ltc.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from ltc.domain.periods import Period
from ltc.services import providers
from ltc.services.clock import FixedClock
from ltc.services.context import ServiceContext
from ltc.services.providers import EvaluationIn
from ltc.services.settlements import build, workflow
from ltc.services.settlements.values import BuildSettlementsParams
from ltc.services.supervision import evaluation, final_account
from ltc.services.supervision.evaluation import FollowUpIn, IndicatorScoreIn
from ltc.settings import Settings
from tests.helpers import decide_review_samples
from tests.services.test_settlement_sequences import new_person, new_provider, new_visit

YEAR = 2031
MONTHS = [Period(YEAR, 1), Period(YEAR, 2)]
SCORED = {"staffing": 95, "care_records": 90, "safety": 85, "training": 80}


@pytest.fixture(scope="module")
async def own_database(settings: Settings) -> AsyncIterator[None]:
    async with scratch_database("evaluation") as url:
        session = db_engine.current_engine()
        engine = db_engine.configure_engine(url)
        if not settings.uses_sqlite:
            await engine.start_connection_pool()  # type: ignore[attr-defined]  # a PostgresEngine
        try:
            await apply_migrations()
            yield
        finally:
            db_engine.bind(session)
            await db_engine.stop(engine)


async def _user(role: Role, provider_id: int | None = None) -> Actor:
    name = f"{role.value}-{uuid.uuid4().hex[:8]}"
    row = AppUser(
        username=name,
        password_hash="-",
        role=role.value,
        provider=provider_id,
        created_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    await row.save()
    return Actor(user_id=row.id, username=name, role=role, provider_id=provider_id)


async def _settled_months(ctx: ServiceContext, bureau: Actor, provider_id: int, *, approve: int) -> list[int]:
    """Two months of home care built; the first ``approve`` of them submitted and approved."""
    person_id, plan_id = await new_person(provider_id, 3)
    zone = ctx.settings.zone
    for month in MONTHS:
        for day in (3, 12):
            await new_visit(provider_id, person_id, plan_id, datetime(month.year, month.month, day, 9, tzinfo=zone), 60)
    ids = []
    for n, month in enumerate(MONTHS):
        params = BuildSettlementsParams(period=str(month), provider_id=provider_id)
        result = await build.build_settlements(ctx, params, _no_progress)
        settlement_id = result.settlement_ids[0]
        ids.append(settlement_id)
        if n < approve:
            await decide_review_samples(ctx, await _user(Role.SUPERVISOR), settlement_id)
            for action in ("submit", "approve"):
                row = await Settlement.select(Settlement.version).where(Settlement.id == settlement_id).first()
                await workflow.act(ctx, bureau, settlement_id, action, seen_version=row["version"])
    return ids


async def _no_progress(_: float) -> None:
    return None


async def test_the_year_withholds_a_reserve_that_the_final_account_releases_by_grade(services, own_database) -> None:
    ctx = replace(services, clock=FixedClock(datetime(YEAR, 6, 1, tzinfo=UTC)))
    bureau = await _user(Role.BUREAU)
    provider_id = await new_provider(6000)
    agency = await _user(Role.AGENCY, provider_id)
    other_agency = await _user(Role.AGENCY, await new_provider(6000))
    await _settled_months(ctx, bureau, provider_id, approve=2)

    # each month withholds 5 % of its fund amount: 2 h × 60.00 × 90 % = 108.00 → 5.40
    lines = await SettlementLine.select(SettlementLine.kind, SettlementLine.fund_fen).where(
        SettlementLine.settlement.provider == provider_id
    )
    assert sorted(line["fund_fen"] for line in lines if line["kind"] == "reserve") == [-540, -540]
    reserve_account = await LedgerPosting.select(LedgerPosting.credit_fen).where(
        LedgerPosting.account == accounts.reserve(provider_id)
    )
    assert sum(p["credit_fen"] for p in reserve_account) == 1_080

    # the agency evaluates itself; another agency cannot, nor can it score; the bureau scores
    for code in SCORED:
        await evaluation.self_evaluate(
            ctx, agency, provider_id, YEAR, IndicatorScoreIn(indicator=code, score=100, note="自评")
        )
    with pytest.raises(NotFound):
        await evaluation.self_evaluate(
            ctx, other_agency, provider_id, YEAR, IndicatorScoreIn(indicator="safety", score=1)
        )
    with pytest.raises(Forbidden):
        await evaluation.score_indicator(ctx, agency, provider_id, YEAR, IndicatorScoreIn(indicator="safety", score=1))
    with pytest.raises(InvalidInput) as err:
        await evaluation.score_indicator(
            ctx, bureau, provider_id, YEAR, IndicatorScoreIn(indicator="complaints", score=1)
        )
    assert err.value.code == "unknown_indicator"
    half = await evaluation.get_evaluation(ctx, bureau, provider_id, YEAR)
    assert (half.scored, half.score, half.grade) == (False, None, None)
    assert {i.indicator: i.self_score for i in half.indicators if not i.derived} == dict.fromkeys(SCORED, 100)
    for code, score in SCORED.items():
        await evaluation.score_indicator(ctx, bureau, provider_id, YEAR, IndicatorScoreIn(indicator=code, score=score))
    person_id = (await SettlementLine.select(SettlementLine.person).where(SettlementLine.person.is_not_null()).first())[
        "person"
    ]
    for answer in ("satisfied", "satisfied", "neutral"):
        await evaluation.record_follow_up(ctx, bureau, provider_id, FollowUpIn(person_id=person_id, answer=answer))
    assert await FollowUpCall.count().where(FollowUpCall.provider == provider_id) == 3

    # a tip-off joined to a case about the provider, and a finding on it deducting 10 credit points
    in_year = datetime(YEAR, 6, 1, tzinfo=UTC)
    case = Inspection(
        provider=provider_id, kind="routine", period_from=f"{YEAR}-01", period_to=f"{YEAR}-03", opened_at=in_year
    )
    await case.save()
    await TipOff(reference=f"JB{uuid.uuid4().hex[:10]}", inspection=case.id, received_at=in_year).save()
    await InspectionFinding(inspection=case.id, category="overbilling", points=10, recorded_at=in_year).save()

    done = await evaluation.get_evaluation(ctx, agency, provider_id, YEAR)
    by_code = {i.indicator: i.score for i in done.indicators}
    # 4 visits, none flagged → 100; follow-ups (100 + 100 + 60) / 3 → 87; one complaint → 90;
    # findings deducting 10 points → 90
    assert [by_code[c] for c in ("exception_rate", "satisfaction", "complaints", "inspection_findings")] == [
        100,
        87,
        90,
        90,
    ]
    # (20×100 + 15×87 + 10×90 + 15×90 + 10×95 + 10×90 + 10×85 + 10×80) / 100 = 90.55 → 91
    assert (done.scored, done.score, done.grade) == (True, 91, "excellent")

    # not before the year has ended
    with pytest.raises(Conflict) as conflict:
        await final_account.run_final_account(ctx, bureau, YEAR)
    assert conflict.value.code == "year_not_ended"
    with pytest.raises(Forbidden):
        await final_account.run_final_account(ctx, agency, YEAR)

    later = replace(ctx, clock=FixedClock(datetime(YEAR + 1, 1, 20, tzinfo=UTC)))
    account = await final_account.run_final_account(later, bureau, YEAR)
    mine = next(p for p in account.providers if p.provider_id == provider_id)
    assert (mine.state, mine.reserve_fen, mine.released_fen, mine.forfeited_fen) == ("booked", 1_080, 1_080, 0)
    assert account.booked_now == 1
    postings = await LedgerPosting.select().where(LedgerPosting.account == accounts.reserve(provider_id))
    assert sum(p["credit_fen"] - p["debit_fen"] for p in postings) == 0, "the reserve account is back to 0"
    again = await final_account.run_final_account(later, bureau, YEAR)
    assert again.booked_now == 0
    source = f"final-account:{YEAR}:provider:{provider_id}"
    assert await LedgerEntry.count().where(LedgerEntry.source_id == source) == 1
    assert (
        await AuditEntry.count().where(
            (AuditEntry.action == "evaluation.final_account") & (AuditEntry.entity_id == str(provider_id))
        )
        == 1
    )
    with pytest.raises(Conflict) as conflict:
        await evaluation.score_indicator(
            later, bureau, provider_id, YEAR, IndicatorScoreIn(indicator="safety", score=1)
        )
    assert conflict.value.code == "evaluation_closed"


async def test_a_provider_waits_for_its_settlements_and_its_scoring(services, own_database) -> None:
    ctx = replace(services, clock=FixedClock(datetime(YEAR + 1, 1, 20, tzinfo=UTC)))
    bureau = await _user(Role.BUREAU)
    provider_id = await new_provider(6000)
    ids = await _settled_months(ctx, bureau, provider_id, approve=1)  # February is still a draft
    account = await final_account.year_account(ctx, bureau, YEAR)
    assert next(p for p in account.providers if p.provider_id == provider_id).state == "settlements_pending"
    await decide_review_samples(ctx, await _user(Role.SUPERVISOR), ids[1])
    for action in ("submit", "approve"):
        row = await Settlement.select(Settlement.version).where(Settlement.id == ids[1]).first()
        await workflow.act(ctx, bureau, ids[1], action, seen_version=row["version"])
    account = await final_account.run_final_account(ctx, bureau, YEAR)
    mine = next(p for p in account.providers if p.provider_id == provider_id)
    assert (mine.state, mine.reserve_fen, mine.grade) == ("not_scored", 1_080, None)
    # scored as failing: the reserve is forfeited to the fund
    for code in SCORED:
        await evaluation.score_indicator(ctx, bureau, provider_id, YEAR, IndicatorScoreIn(indicator=code, score=0))
    account = await final_account.run_final_account(ctx, bureau, YEAR)
    mine = next(p for p in account.providers if p.provider_id == provider_id)
    # (20×100 + 40×0) / 60 = 33 → fail
    assert (mine.state, mine.grade, mine.released_fen, mine.forfeited_fen) == ("booked", "fail", 0, 1_080)


async def test_years_before_the_indicators_keep_the_single_score(services, own_database) -> None:
    ctx = replace(services, clock=FixedClock(datetime(YEAR, 6, 1, tzinfo=UTC)))
    bureau = await _user(Role.BUREAU)
    provider_id = await new_provider(6000)
    recorded = await providers.record_evaluation(ctx, bureau, provider_id, EvaluationIn(year=2025, score=70))
    assert recorded.score == 70
    with pytest.raises(Conflict) as conflict:
        await providers.record_evaluation(ctx, bureau, provider_id, EvaluationIn(year=2027, score=70))
    assert conflict.value.code == "evaluation_by_indicators"
    old = await evaluation.get_evaluation(ctx, bureau, provider_id, 2025)
    assert (old.by_indicators, old.indicators) == (False, [])
    with pytest.raises(Conflict) as conflict:
        await evaluation.score_indicator(ctx, bureau, provider_id, 2025, IndicatorScoreIn(indicator="safety", score=1))
    assert conflict.value.code == "evaluation_by_single_score"
    with pytest.raises(InvalidInput) as err:
        await evaluation.get_evaluation(ctx, bureau, provider_id, YEAR + 1)
    assert err.value.code == "invalid_year"
