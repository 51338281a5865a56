"""Advance payments (预拨): the bureau pays a provider ahead of its settlements — the policy's
``advance_months`` of its average monthly fund amount — and each later settlement nets what
is still open (``ltc.domain.fund``). The ledger is the record: an advance debits the
provider's ``advance`` account, an approval that nets it credits the account, so what is
still open is that account's balance, and netting it twice is refused at approval."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from piccolo.query.functions.aggregate import Sum
from pydantic import BaseModel

from ltc.db.engine import write_transaction
from ltc.db.tables import LedgerPosting, Provider, Settlement
from ltc.domain import fund as planning
from ltc.domain import ledger as accounts
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.periods import Period
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.ledger import post_entry
from ltc.services.reference import policy_book


class AdvanceIn(Input):
    provider_id: RecordId


class AdvanceOut(BaseModel):
    provider_id: int
    provider_name: str
    period: str  # the month it was paid in: one advance a provider a month
    amount_fen: int
    paid_at: datetime
    open_fen: int  # what of the provider's advances is not netted yet


async def open_advances(provider_id: int | None = None) -> dict[int, int]:
    """What each provider was paid ahead and no approval has netted yet, by provider id."""
    query = LedgerPosting.select(
        LedgerPosting.account,
        Sum(LedgerPosting.debit_fen, alias="debit"),
        Sum(LedgerPosting.credit_fen, alias="credit"),
    ).group_by(LedgerPosting.account)
    if provider_id is None:
        query = query.where(LedgerPosting.account.like(f"{accounts.ADVANCE_PREFIX}%"))
    else:
        query = query.where(LedgerPosting.account == accounts.advance(provider_id))
    out = {}
    for row in await query:
        balance = int(row["debit"] or 0) - int(row["credit"] or 0)
        if balance:
            out[int(row["account"][len(accounts.ADVANCE_PREFIX) :])] = balance
    return out


async def _monthly_fund(provider_id: int, before: Period) -> list[int]:
    """The fund amount of the provider's last twelve approved (or paid) months before ``before``."""
    rows = (
        await Settlement.select(Settlement.fund_fen)
        .where(
            (Settlement.provider == provider_id)
            & Settlement.status.is_in([rules.APPROVED, rules.PAID])
            & (Settlement.period < str(before))
        )
        .order_by(Settlement.period, ascending=False)
        .limit(planning.HISTORY_MONTHS)
    )
    return [max(0, int(r["fund_fen"])) for r in rows]


async def proposed_advance(ctx: ServiceContext, actor: Actor, provider_id: int) -> int:
    """What an advance to the provider would be this month (0: no approved month to go by)."""
    require(actor, Action.MANAGE_BUDGET)
    today = local_today(ctx.clock, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(today)
    return planning.advance_amount(await _monthly_fund(provider_id, Period.of(today)), policy.advance_months)


async def pay_advance(ctx: ServiceContext, actor: Actor, data: AdvanceIn) -> AdvanceOut:
    """Pay the provider its advance for this month: once a month, never without a settled month."""
    require(actor, Action.MANAGE_BUDGET)
    provider = await Provider.select(Provider.id, Provider.name).where(Provider.id == data.provider_id).first()
    if provider is None:
        raise NotFound("没有该护理机构", code="provider_not_found")
    now = ctx.clock.now()
    period = Period.of(local_today(ctx.clock, ctx.settings.zone))
    target = await proposed_advance(ctx, actor, data.provider_id)
    if target <= 0:
        raise InvalidInput(
            "该机构尚无已审核的结算月份，无法计算预拨金额", code="no_settled_months", errors=[{"field": "provider_id"}]
        )
    # An advance tops what is still open up to the policy's months, so advances never pile up.
    amount = target - (await open_advances(data.provider_id)).get(data.provider_id, 0)
    if amount <= 0:
        raise Conflict("该机构的预拨款尚未冲抵完毕，已达预拨月数", code="advance_still_open")
    async with write_transaction():
        entry = accounts.entry_for_advance(data.provider_id, period, amount)
        if not await post_entry(entry, settlement_id=None, actor=actor, at=now):
            raise Conflict("本月已向该机构预拨", code="advance_already_paid")
        await record_change(
            actor=actor,
            at=now,
            action="fund.advance",
            entity="provider",
            entity_id=data.provider_id,
            after={"period": str(period), "amount_fen": amount},
        )
    opened = await open_advances(data.provider_id)
    return AdvanceOut(
        provider_id=data.provider_id,
        provider_name=provider["name"],
        period=str(period),
        amount_fen=amount,
        paid_at=now,
        open_fen=opened.get(data.provider_id, 0),
    )


async def list_advances(actor: Actor) -> list[AdvanceOut]:
    """Every advance paid, newest first, each with what of its provider's advances is open."""
    require(actor, Action.READ_FUND)
    entry = LedgerPosting.entry
    rows = (
        await LedgerPosting.select(
            LedgerPosting.account,
            LedgerPosting.debit_fen,
            entry.source_id.as_alias("source_id"),
            entry.posted_at.as_alias("posted_at"),
        )
        .where((entry.kind == "advance") & LedgerPosting.account.like(f"{accounts.ADVANCE_PREFIX}%"))
        .order_by(entry.posted_at, ascending=False)
    )
    opened = await open_advances()
    ids = {int(r["account"][len(accounts.ADVANCE_PREFIX) :]) for r in rows}
    named = await Provider.select(Provider.id, Provider.name).where(Provider.id.is_in(list(ids) or [0]))
    names = {p["id"]: p["name"] for p in named}
    out = []
    for r in rows:
        provider_id = int(r["account"][len(accounts.ADVANCE_PREFIX) :])
        out.append(
            AdvanceOut(
                provider_id=provider_id,
                provider_name=names.get(provider_id, ""),
                period=r["source_id"].rsplit(":", 1)[-1],
                amount_fen=int(r["debit_fen"]),
                paid_at=r["posted_at"],
                open_fen=opened.get(provider_id, 0),
            )
        )
    return out


async def check_advance_open(provider_id: int, lines: Iterable[tuple[str, int]]) -> None:
    """An approval nets no more advance than is still open: another month's approval may have
    netted it since this draft was built (then the draft is rebuilt)."""
    netted = -sum(fund for kind, fund in lines if kind == rules.ADVANCE_NETTING)
    if netted > 0 and netted > (await open_advances(provider_id)).get(provider_id, 0):
        raise Conflict("本结算单冲抵的预拨款已由另一结算单冲抵；请退回并重新生成", code="advance_already_netted")
