"""The fund's yearly budget (预算) by month and care mode, entered by the bureau, against what
was approved (决算 so far): the fund amount of the month's approved or paid settlement lines
of that care mode, with the variance (``ltc.domain.fund.budget_against_actual``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.tables import FundBudget, SettlementLine
from ltc.domain import fund as planning
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.periods import Period
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.settlements.values import PERIOD_PATTERN

# The care a line pays for, by the line's kind; netting lines and adjustments count to no mode.
_MODE_OF_LINE = {rules.HOME: "home", rules.INSTITUTIONAL: "institutional"}


class BudgetIn(Input):
    period: str = Field(pattern=PERIOD_PATTERN)
    care_mode: str = Field(pattern="^(home|institutional)$")
    amount_fen: int = Field(ge=0, le=10**13)


class BudgetRowOut(BaseModel):
    period: str
    care_mode: str
    budget_fen: int
    actual_fen: int
    variance_fen: int  # actual less budget: positive when over the budget
    used_share: float | None  # actual ÷ budget (None without a budget)


class BudgetYear(BaseModel):
    year: int
    rows: list[BudgetRowOut]
    budget_fen: int
    actual_fen: int
    variance_fen: int


async def set_budget(ctx: ServiceContext, actor: Actor, data: BudgetIn) -> BudgetRowOut:
    """Enter (or replace) a month's budget for a care mode."""
    require(actor, Action.MANAGE_BUDGET)
    period = Period.parse(data.period)
    mode = planning.budget_mode(data.care_mode)
    key = f"{period}:{mode}"
    now = ctx.clock.now()
    async with write_transaction():
        before = await FundBudget.select(FundBudget.amount_fen).where(FundBudget.budget_key == key).first()
        if before is None:
            await FundBudget.insert(
                FundBudget(
                    budget_key=key,
                    year=period.year,
                    period=str(period),
                    care_mode=mode,
                    amount_fen=data.amount_fen,
                    updated_by=actor.user_id,
                    updated_at=now,
                )
            )
        else:
            await FundBudget.update(
                {
                    FundBudget.amount_fen: data.amount_fen,
                    FundBudget.updated_by: actor.user_id,
                    FundBudget.updated_at: now,
                }
            ).where(FundBudget.budget_key == key)
        await record_change(
            actor=actor,
            at=now,
            action="fund.budget",
            entity="fund_budget",
            entity_id=key,
            before={"amount_fen": before["amount_fen"]} if before else None,
            after={"amount_fen": data.amount_fen},
        )
    year = await budget_year(ctx, actor, period.year)
    return next(r for r in year.rows if r.period == str(period) and r.care_mode == mode)


async def budget_year(ctx: ServiceContext, actor: Actor, year: int) -> BudgetYear:
    require(actor, Action.READ_FUND)
    Period(year, 1)  # a year in range, or invalid_period
    budget = {
        (r["period"], r["care_mode"]): int(r["amount_fen"])
        for r in await FundBudget.select(FundBudget.period, FundBudget.care_mode, FundBudget.amount_fen).where(
            FundBudget.year == year
        )
    }
    actual: dict[tuple[str, str], int] = {}
    lines = await SettlementLine.select(
        SettlementLine.kind, SettlementLine.fund_fen, SettlementLine.settlement.period.as_alias("period")
    ).where(
        SettlementLine.settlement.status.is_in([rules.APPROVED, rules.PAID])
        & SettlementLine.settlement.period.like(f"{year:04d}-%")
        & SettlementLine.kind.is_in(list(_MODE_OF_LINE))
    )
    for line in lines:
        key = (line["period"], _MODE_OF_LINE[line["kind"]])
        actual[key] = actual.get(key, 0) + int(line["fund_fen"])
    rows = planning.budget_against_actual(year, budget, actual)
    out = [
        BudgetRowOut(
            period=r.period,
            care_mode=r.care_mode,
            budget_fen=r.budget_fen,
            actual_fen=r.actual_fen,
            variance_fen=r.variance_fen,
            used_share=float(r.used_share) if r.used_share is not None else None,
        )
        for r in rows
    ]
    return BudgetYear(
        year=year,
        rows=out,
        budget_fen=sum(r.budget_fen for r in rows),
        actual_fen=sum(r.actual_fen for r in rows),
        variance_fen=sum(r.variance_fen for r in rows),
    )
