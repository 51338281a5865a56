"""Payment deadlines: an approved settlement is paid within the policy's
``payment_deadline_days`` of its approval (``ltc.domain.fund.payment_standing``). The bureau
sees which are due soon or overdue, counts them among its to-dos, and hears of each once per
standing (a notice: ``payment_due_soon`` then ``payment_overdue``), from a daily sweep."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel

from ltc.db.engine import write_transaction
from ltc.db.tables import AppUser, Notice, Settlement
from ltc.domain import fund as planning
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.periods import local_day
from ltc.domain.policy import PolicyBook
from ltc.services import notices
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book


class PaymentDue(BaseModel):
    settlement_id: int
    provider_id: int
    provider_name: str
    period: str
    fund_fen: int
    approved_on: date
    due_on: date
    standing: planning.PaymentStanding


class SweepResult(BaseModel):
    due_soon: int
    overdue: int
    notices: int


def _days_before_due_soon(book: PolicyBook) -> int:
    return max(0, min(v.payment_deadline_days - v.payment_due_soon_days for v in book.versions))


async def payments_due(ctx: ServiceContext) -> list[PaymentDue]:
    """The approved, unpaid settlements due soon or overdue, the most pressing first."""
    today = local_today(ctx.clock, ctx.settings.zone)
    book = policy_book(ctx.settings)
    rows = await Settlement.select(
        Settlement.id,
        Settlement.provider,
        Settlement.provider.name.as_alias("provider_name"),
        Settlement.period,
        Settlement.fund_fen,
        Settlement.decided_at,
    ).where(
        (Settlement.status == rules.APPROVED)
        & Settlement.decided_at.is_not_null()
        # an approval newer than the shortest time to "due soon" cannot be due yet (a day spare)
        & (Settlement.decided_at <= ctx.clock.now() - timedelta(days=_days_before_due_soon(book) - 1))
    )
    out = []
    for r in rows:
        approved_on = local_day(r["decided_at"], ctx.settings.zone)
        policy = book.in_force(approved_on)
        due = planning.payment_due(approved_on, policy.payment_deadline_days)
        standing = planning.payment_standing(due, today, policy.payment_due_soon_days)
        if standing is not None:
            out.append(
                PaymentDue(
                    settlement_id=r["id"],
                    provider_id=r["provider"],
                    provider_name=r["provider_name"] or "",
                    period=r["period"],
                    fund_fen=int(r["fund_fen"]),
                    approved_on=approved_on,
                    due_on=due,
                    standing=standing,
                )
            )
    return sorted(out, key=lambda p: (p.due_on, p.settlement_id))


class Deadline(BaseModel):
    due_on: date
    standing: planning.PaymentStanding | None


def deadline_of(ctx: ServiceContext, status: str, decided_at: datetime | None) -> Deadline | None:
    """An approved, unpaid settlement's payment deadline and standing (None otherwise)."""
    if status != rules.APPROVED or decided_at is None:
        return None
    approved_on = local_day(decided_at, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(approved_on)
    due = planning.payment_due(approved_on, policy.payment_deadline_days)
    today = local_today(ctx.clock, ctx.settings.zone)
    return Deadline(due_on=due, standing=planning.payment_standing(due, today, policy.payment_due_soon_days))


async def list_payments_due(ctx: ServiceContext, actor: Actor) -> list[PaymentDue]:
    require(actor, Action.PAY_SETTLEMENTS)
    return await payments_due(ctx)


async def count_payments_due(ctx: ServiceContext) -> int:
    return len(await payments_due(ctx))


NOTICE_OF = {planning.DUE_SOON: "payment_due_soon", planning.OVERDUE: "payment_overdue"}


async def sweep_payment_deadlines(ctx: ServiceContext) -> SweepResult:
    """Tell the bureau's officers of each settlement that became due soon or overdue, once."""
    due = await payments_due(ctx)
    officers = [
        r["id"] for r in await AppUser.select(AppUser.id).where((AppUser.role == "bureau") & (AppUser.active == True))
    ]
    sent = 0
    now = ctx.clock.now()
    async with write_transaction():
        for item in due:
            kind = NOTICE_OF[item.standing]
            told = await Notice.exists().where(
                (Notice.kind == kind) & (Notice.link == f"/settlements/{item.settlement_id}")
            )
            if told:
                continue
            params: notices.NoticeParams = {
                "provider_name": item.provider_name,
                "period": item.period,
                "due_on": item.due_on.isoformat(),
            }
            sent += await notices.notify(officers, kind, params, f"/settlements/{item.settlement_id}", now)
    return SweepResult(
        due_soon=sum(1 for d in due if d.standing == planning.DUE_SOON),
        overdue=sum(1 for d in due if d.standing == planning.OVERDUE),
        notices=sent,
    )
