"""The fund's planning on the shared database: an advance paid to a provider is netted in its
next settlement and its account is back to nothing once approved; an advance is paid once a
month; the approved settlement becomes due soon, then overdue, and the bureau hears of each
once; the year's budget is set and read against what was approved."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ltc.db.tables import AppUser, AuditEntry, CarePlan, Notice, Person, Provider, Settlement, SettlementLine, Visit
from ltc.domain import ledger as accounts
from ltc.domain import settlement as rules
from ltc.domain.access import Actor, Role
from ltc.domain.errors import Conflict, Forbidden, InvalidInput
from ltc.domain.periods import service_month
from ltc.services import ledger
from ltc.services.clock import FixedClock
from ltc.services.settlements import build, workflow
from ltc.services.settlements.values import BuildSettlementsParams
from ltc.services.supervision import advances, budget, payment_deadlines
from ltc.services.supervision.advances import AdvanceIn
from ltc.services.supervision.budget import BudgetIn
from tests.helpers import decide_review_samples

SHANGHAI = ZoneInfo("Asia/Shanghai")

NOW = datetime(2029, 6, 2, 2, 0, tzinfo=UTC)


async def _actor(username: str) -> Actor:
    row = await AppUser.select(AppUser.id, AppUser.role, AppUser.provider).where(AppUser.username == username).first()
    return Actor(user_id=row["id"], username=username, role=Role(row["role"]), provider_id=row["provider"])


async def _provider_with_care() -> tuple[int, int, int]:
    code = f"F{uuid.uuid4().hex[:12]}"
    provider = Provider(code=code, name=code, kind="home", lat=29.6, lon=121.4, created_at=NOW)
    await provider.save()
    person = Person(id_number=uuid.uuid4().hex[:18], name="测试", sex="F", birth_date=date(1940, 1, 1), created_at=NOW)
    await person.save()
    plan = CarePlan(
        person=person.id,
        provider=provider.id,
        version=1,
        version_key=f"{person.id}:1",
        current_key=f"person:{person.id}",
        level=3,
        care_mode="home",
        policy_version="test",
        status="confirmed",
        created_at=NOW,
    )
    await plan.save()
    return provider.id, person.id, plan.id


async def _visit(provider_id: int, person_id: int, plan_id: int, checked_in: datetime) -> None:
    await Visit(
        care_plan=plan_id,
        person=person_id,
        provider=provider_id,
        slot_key=f"test:{uuid.uuid4().hex}",
        planned_start=checked_in,
        service_month=service_month(checked_in, SHANGHAI),
        planned_end=checked_in + timedelta(hours=1),
        status="done",
        checked_in_at=checked_in,
        checked_out_at=checked_in + timedelta(hours=1),
        created_at=NOW,
        updated_at=NOW,
    ).save()


async def test_an_advance_is_netted_once_and_the_payment_deadline_alerts(services) -> None:
    ctx = replace(services, clock=FixedClock(NOW))
    bureau = await _actor("bureau")
    provider_id, person_id, plan_id = await _provider_with_care()
    # April approved with 30.00 yuan of fund: the advance is two months of it.
    await Settlement(
        provider=provider_id,
        period="2029-04",
        settlement_key=f"{provider_id}:2029-04",
        status="approved",
        version=3,
        gross_fen=3_400,
        fund_fen=3_000,
        personal_fen=400,
        built_at=NOW,
        decided_at=NOW,
    ).save()
    with pytest.raises(Forbidden):
        await advances.pay_advance(ctx, await _actor("supervisor1"), AdvanceIn(provider_id=provider_id))
    paid = await advances.pay_advance(ctx, bureau, AdvanceIn(provider_id=provider_id))
    assert (paid.amount_fen, paid.period, paid.open_fen) == (6_000, "2029-06", 6_000)
    with pytest.raises(Conflict) as twice:
        await advances.pay_advance(ctx, bureau, AdvanceIn(provider_id=provider_id))
    assert twice.value.code == "advance_still_open"  # what is open already reaches the policy's months
    assert (
        await AuditEntry.count().where(
            (AuditEntry.action == "fund.advance") & (AuditEntry.entity_id == str(provider_id))
        )
        == 1
    )
    assert any(a.provider_id == provider_id for a in await advances.list_advances(bureau))

    # May's two hours: 120.00 yuan, the fund's 108.00, of which 5 % (5.40) is withheld as the
    # quality reserve and the 60.00 advance is netted.
    for day in (5, 6):
        await _visit(provider_id, person_id, plan_id, datetime(2029, 5, day, 2, 0, tzinfo=UTC))

    async def progress(_: float) -> None:
        return None

    await build.build_settlements(ctx, BuildSettlementsParams(period="2029-05", provider_id=provider_id), progress)
    row = await Settlement.select().where(Settlement.settlement_key == f"{provider_id}:2029-05").first()
    lines = await SettlementLine.select(SettlementLine.kind, SettlementLine.fund_fen).where(
        SettlementLine.settlement == row["id"]
    )
    assert [(x["kind"], x["fund_fen"]) for x in lines] == [
        (rules.HOME, 10_800),
        (rules.RESERVE, -540),
        (rules.ADVANCE_NETTING, -6_000),
    ]
    assert row["fund_fen"] == 4_260
    await decide_review_samples(ctx, await _actor("supervisor1"), row["id"])
    row = await Settlement.select().where(Settlement.id == row["id"]).first()
    submitted = await workflow.act(ctx, bureau, row["id"], "submit", seen_version=row["version"])
    await workflow.act(ctx, bureau, row["id"], "approve", seen_version=submitted.version)
    assert await advances.open_advances(provider_id) == {}, "the advance account is back to nothing"
    by_account = await ledger._account_sums()
    debit, credit = by_account[accounts.advance(provider_id)]
    assert debit == credit == 6_000

    # Due 30 days after approval: soon from 7 days before, overdue after; told once each.
    ours = f"/settlements/{row['id']}"
    for day, standing in ((date(2029, 6, 20), None), (date(2029, 6, 28), "due_soon"), (date(2029, 7, 3), "overdue")):
        later = replace(services, clock=FixedClock(datetime(day.year, day.month, day.day, 2, tzinfo=UTC)))
        due = {d.settlement_id: d for d in await payment_deadlines.list_payments_due(later, bureau)}
        assert (due[row["id"]].standing if row["id"] in due else None) == standing
        await payment_deadlines.sweep_payment_deadlines(later)
        await payment_deadlines.sweep_payment_deadlines(later)
        if standing:
            told = await Notice.count().where((Notice.link == ours) & (Notice.kind == f"payment_{standing}"))
            officers = await AppUser.count().where((AppUser.role == "bureau") & (AppUser.active == True))
            assert told == officers
    assert due[row["id"]].due_on == date(2029, 7, 2)


async def test_the_budget_is_set_by_the_bureau_and_read_against_actual(services) -> None:
    ctx = replace(services, clock=FixedClock(NOW))
    bureau = await _actor("bureau")
    with pytest.raises(Forbidden):
        await budget.set_budget(
            ctx, await _actor("supervisor1"), BudgetIn(period="2029-05", care_mode="home", amount_fen=1)
        )
    before = await budget.budget_year(ctx, bureau, 2029)
    may = next(r for r in before.rows if (r.period, r.care_mode) == ("2029-05", "home"))
    row = await budget.set_budget(
        ctx, bureau, BudgetIn(period="2029-05", care_mode="home", amount_fen=may.actual_fen + 1_000)
    )
    assert (row.budget_fen, row.variance_fen) == (may.actual_fen + 1_000, -1_000)
    again = await budget.set_budget(ctx, bureau, BudgetIn(period="2029-05", care_mode="home", amount_fen=0))
    assert (again.budget_fen, again.used_share) == (0, None)
    assert len((await budget.budget_year(ctx, bureau, 2029)).rows) == 24
    with pytest.raises(InvalidInput):
        await budget.budget_year(ctx, bureau, 1800)


async def test_the_fund_position_carries_its_projection(services) -> None:
    position = await ledger.fund_position(replace(services, clock=FixedClock(NOW)), await _actor("supervisor1"))
    assert len(position.projection) in (0, 12)
    if position.projection:
        assert position.projection[0].period == "2029-07"


async def test_the_month_list_and_the_page_say_when_an_approved_settlement_is_overdue(client, auth, services) -> None:
    from tests.helpers import HTML

    provider_id, _, _ = await _provider_with_care()
    long_ago = datetime(2025, 1, 3, 2, 0, tzinfo=UTC)  # approved well over 30 days ago
    settlement = Settlement(
        provider=provider_id,
        period="2024-12",
        settlement_key=f"{provider_id}:2024-12",
        status="approved",
        version=3,
        gross_fen=1_000,
        fund_fen=900,
        personal_fen=100,
        built_at=long_ago,
        decided_at=long_ago,
    )
    await settlement.save()
    bureau = await auth("bureau")
    listed = await client.get(f"/settlements?period=2024-12&provider_id={provider_id}", headers=bureau | HTML)
    assert listed.status_code == 200 and 'data-testid="payment-standing"' in listed.text
    shown = await client.get(f"/settlements/{settlement.id}", headers=bureau | HTML)
    assert 'data-testid="payment-deadline"' in shown.text and "2025-02-02" in shown.text


async def test_a_refused_line_takes_the_reserve_and_the_advance_netting_down_with_it(services) -> None:
    """May's care is refused in review: nothing is withheld from care the fund does not pay, and
    the advance nets nothing of a draft that pays nothing (it stays open for a later month)."""
    from ltc.services.supervision import review

    ctx = replace(services, clock=FixedClock(NOW))
    bureau, supervisor = await _actor("bureau"), await _actor("supervisor1")
    provider_id, person_id, plan_id = await _provider_with_care()
    await Settlement(
        provider=provider_id,
        period="2029-04",
        settlement_key=f"{provider_id}:2029-04",
        status="approved",
        version=3,
        gross_fen=3_400,
        fund_fen=3_000,
        personal_fen=400,
        built_at=NOW,
        decided_at=NOW,
    ).save()
    await advances.pay_advance(ctx, bureau, AdvanceIn(provider_id=provider_id))
    for day in (5, 6):
        await _visit(provider_id, person_id, plan_id, datetime(2029, 5, day, 2, 0, tzinfo=UTC))

    async def progress(_: float) -> None:
        return None

    await build.build_settlements(ctx, BuildSettlementsParams(period="2029-05", provider_id=provider_id), progress)
    row = await Settlement.select().where(Settlement.settlement_key == f"{provider_id}:2029-05").first()
    page = await review.sample_page(ctx, supervisor, settlement_id=row["id"], status="pending", limit=50)
    home = next(s for s in page.items if s.line_id is not None)
    await review.decide(ctx, supervisor, home.id, review.DecisionIn(outcome="refused", note="未提供服务"))
    lines = await SettlementLine.select(SettlementLine.kind, SettlementLine.fund_fen, SettlementLine.gross_fen).where(
        SettlementLine.settlement == row["id"]
    )
    assert [(x["kind"], x["fund_fen"]) for x in lines] == [
        (rules.HOME, 0),
        (rules.RESERVE, 0),
        (rules.ADVANCE_NETTING, 0),
    ]
    after = await Settlement.select().where(Settlement.id == row["id"]).first()
    assert after["fund_fen"] == sum(x["fund_fen"] for x in lines) == 0
    assert after["gross_fen"] == row["gross_fen"] + 540 + 6_000, "the netting lines' gross moved with them"
    assert (await advances.open_advances(provider_id))[provider_id] == 6_000, "still open for a later month"
