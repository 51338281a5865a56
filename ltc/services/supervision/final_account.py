"""The year's final account (决算) of the quality reserve (质量保证金): per provider, the share
its grade earns is released to it and the rest forfeited to the fund, as one ledger entry
booked once per provider and year. A provider waits while a settlement of the year is not yet
approved or its evaluation is not yet scored; the account may be run again for those."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ltc.db.engine import write_transaction
from ltc.db.tables import FinalAccount, Provider, Settlement, SettlementLine
from ltc.domain import evaluation as rules
from ltc.domain import ledger as accounts
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict
from ltc.domain.settlement import RESERVE
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.ledger import post_entry
from ltc.services.supervision.evaluation import check_year, get_evaluation, year_policy

SETTLED = ("approved", "paid")
AccountState = Literal["booked", "ready", "settlements_pending", "not_scored"]


class ProviderAccountOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    provider_id: int
    provider_name: str
    reserve_fen: int  # withheld over the year's approved settlements
    score: int | None
    grade: str | None
    release_share: Decimal | None
    released_fen: int | None
    forfeited_fen: int | None
    state: AccountState


class FinalAccountOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    year_ended: bool
    providers: list[ProviderAccountOut]
    booked_now: int = 0  # how many this run booked


async def _reserves(year: int) -> dict[int, int]:
    """Each provider's reserve withheld by the year's approved or paid settlements."""
    rows = await SettlementLine.select(
        SettlementLine.settlement.provider.as_alias("provider_id"), SettlementLine.fund_fen
    ).where(
        (SettlementLine.kind == RESERVE)
        & SettlementLine.settlement.status.is_in(list(SETTLED))
        & SettlementLine.settlement.period.like(f"{year}-%")
    )
    out: dict[int, int] = {}
    for row in rows:
        out[row["provider_id"]] = out.get(row["provider_id"], 0) - row["fund_fen"]
    return out


async def _pending(year: int) -> set[int]:
    """Providers with a settlement of the year not yet approved (it may still withhold)."""
    rows = await Settlement.select(Settlement.provider).where(
        Settlement.period.like(f"{year}-%") & Settlement.status.not_in(list(SETTLED))
    )
    return {r["provider"] for r in rows}


async def year_account(ctx: ServiceContext, actor: Actor, year: int) -> FinalAccountOut:
    """Every provider with a reserve for the year: what it is and what its grade does with it."""
    require(actor, Action.MANAGE_BUDGET)
    check_year(ctx, year)
    policy = year_policy(ctx, year)
    reserves, pending = await _reserves(year), await _pending(year)
    booked = {r["provider"]: r for r in await FinalAccount.select().where(FinalAccount.year == year)}
    names = {
        r["id"]: r["name"]
        for r in await Provider.select(Provider.id, Provider.name).where(Provider.id.is_in([*reserves, *booked] or [0]))
    }
    rows: list[ProviderAccountOut] = []
    for provider_id in sorted(set(reserves) | set(booked)):
        done = booked.get(provider_id)
        if done is not None:
            rows.append(
                ProviderAccountOut(
                    provider_id=provider_id, provider_name=names[provider_id], reserve_fen=done["reserve_fen"],
                    score=done["score"], grade=done["grade"], release_share=rules.release_share(policy, done["grade"]),
                    released_fen=done["released_fen"], forfeited_fen=done["forfeited_fen"], state="booked",
                )
            )  # fmt: skip
            continue
        evaluation = await get_evaluation(ctx, actor, provider_id, year)
        reserve = reserves[provider_id]
        split = rules.final_account_split(policy, reserve, evaluation.grade) if evaluation.grade else None
        state: AccountState = (
            "settlements_pending" if provider_id in pending else "ready" if split is not None else "not_scored"
        )
        rows.append(
            ProviderAccountOut(
                provider_id=provider_id,
                provider_name=names[provider_id],
                reserve_fen=reserve,
                score=evaluation.score,
                grade=evaluation.grade,
                release_share=rules.release_share(policy, evaluation.grade) if evaluation.grade else None,
                released_fen=split.released_fen if split else None,
                forfeited_fen=split.forfeited_fen if split else None,
                state=state,
            )
        )
    ended = local_today(ctx.clock, ctx.settings.zone).year > year
    return FinalAccountOut(year=year, year_ended=ended, providers=rows)


async def run_final_account(ctx: ServiceContext, actor: Actor, year: int) -> FinalAccountOut:
    """Book the final account of every provider that is ready; the others wait for a later run."""
    overview = await year_account(ctx, actor, year)
    if not overview.year_ended:
        raise Conflict("年度尚未结束，不能决算", code="year_not_ended", errors=[{"field": "year"}])
    booked = 0
    for row in overview.providers:
        if row.state != "ready" or row.grade is None or row.released_fen is None or row.forfeited_fen is None:
            continue
        now = ctx.clock.now()
        entry = (
            accounts.entry_for_final_account(year, row.provider_id, row.released_fen, row.forfeited_fen)
            if row.reserve_fen
            else None
        )
        async with write_transaction():
            if await FinalAccount.exists().where(FinalAccount.account_key == f"{year}:{row.provider_id}"):
                continue  # booked meanwhile
            if entry is not None:  # nothing withheld: nothing to post, the account is still closed
                await post_entry(entry, settlement_id=None, actor=actor, at=now)
            await FinalAccount.insert(
                FinalAccount(
                    provider=row.provider_id,
                    year=year,
                    account_key=f"{year}:{row.provider_id}",
                    score=row.score,
                    grade=row.grade,
                    reserve_fen=row.reserve_fen,
                    released_fen=row.released_fen,
                    forfeited_fen=row.forfeited_fen,
                    posted_by=actor.user_id,
                    posted_at=now,
                )
            )
            await record_change(
                actor=actor,
                at=now,
                action="evaluation.final_account",
                entity="provider",
                entity_id=row.provider_id,
                after={
                    "year": year,
                    "grade": row.grade,
                    "reserve_fen": row.reserve_fen,
                    "released_fen": row.released_fen,
                    "forfeited_fen": row.forfeited_fen,
                },
            )
        booked += 1
    result = await year_account(ctx, actor, year)
    return result.model_copy(update={"booked_now": booked})
