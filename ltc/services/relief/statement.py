"""The relief fund's monthly statement (READ_RELIEF): the relieved lines of the month's
approved and paid settlements, their totals, and the relief fund's reimbursement of the
month (MANAGE_RELIEF): each posts what the month's relief came to beyond what was already
reimbursed for it (debit ``fund_bank``, credit ``relief_due``; the other way when less)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from piccolo.query.functions.aggregate import Count, Sum

from ltc.db.engine import write_transaction
from ltc.db.personal_data import open_field
from ltc.db.queries.paging import Page, PageRequest, after_key, page_of
from ltc.db.tables import LedgerEntry, LedgerPosting, Provider, Settlement, SettlementLine
from ltc.domain import ledger, relief
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict, NotFound
from ltc.domain.identity import mask_id_number
from ltc.domain.periods import Period
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.ledger import post_entry
from ltc.services.reference import policy_book
from ltc.services.relief.enrolments import enrolments_until
from ltc.services.relief.values import MonthSummary, Reimbursement, ReliefStatement, StatementLine

_SETTLED = [rules.APPROVED, rules.PAID]  # what the fund owes or has paid: the relief it carries is due
_REIMBURSEMENTS = "relief:%:reimburse%"  # relief:<YYYY-MM>:reimburse:<n> (and a month's first, unnumbered)


def _relieved() -> Any:
    return (SettlementLine.relief_fen != 0) & SettlementLine.settlement.status.is_in(_SETTLED)


async def statement_months(actor: Actor) -> list[MonthSummary]:
    """Every month with relief, the latest first, each with its totals and whether the
    relief fund has reimbursed all of it."""
    require(actor, Action.READ_RELIEF)
    rows = (
        await SettlementLine.select(
            SettlementLine.settlement.period.as_alias("period"),
            Count(SettlementLine.id, alias="lines"),
            Sum(SettlementLine.personal_fen, alias="personal"),
            Sum(SettlementLine.relief_fen, alias="relief"),
        )
        .where(_relieved())
        .group_by(SettlementLine.settlement.period)
    )
    owed = await _to_reimburse_by_period()
    return [
        MonthSummary(
            period=r["period"],
            lines=int(r["lines"]),
            personal_fen=int(r["personal"] or 0),
            relief_fen=int(r["relief"] or 0),
            reimbursed=owed.get(r["period"], 0) == 0,
            to_reimburse_fen=owed.get(r["period"], 0),
        )
        for r in sorted(rows, key=lambda r: r["period"], reverse=True)
    ]


async def months_to_reimburse() -> int:
    """Months whose approved relief differs from what the relief fund has reimbursed for them
    (read off the settlements' totals: cheap enough for every page's to-do count)."""
    return sum(1 for amount in (await _to_reimburse_by_period()).values() if amount != 0)


async def _to_reimburse_by_period(period: Period | None = None) -> dict[str, int]:
    """Each month's approved relief less what the relief fund has reimbursed for it (either
    sign: a correction that took relief back is owed back to the relief fund)."""
    approved = Settlement.select(Settlement.period, Sum(Settlement.relief_fen, alias="relief")).where(
        Settlement.status.is_in(_SETTLED)
    )
    if period is not None:
        approved = approved.where(Settlement.period == str(period))
    out: dict[str, int] = defaultdict(int)
    for row in await approved.group_by(Settlement.period):
        out[row["period"]] += int(row["relief"] or 0)
    for month, paid in (await _reimbursed_by_period(period)).items():
        out[month] -= paid
    return dict(out)


def _reimbursements(period: Period | None) -> Any:
    pattern = _REIMBURSEMENTS if period is None else f"relief:{period}:reimburse%"
    return LedgerPosting.entry.source_id.like(pattern) & (LedgerPosting.account == ledger.FUND_BANK)


async def _reimbursed_by_period(period: Period | None = None) -> dict[str, int]:
    rows = (
        await LedgerPosting.select(
            LedgerPosting.entry.source_id.as_alias("source_id"),
            Sum(LedgerPosting.debit_fen, alias="debit"),
            Sum(LedgerPosting.credit_fen, alias="credit"),
        )
        .where(_reimbursements(period))
        .group_by(LedgerPosting.entry.source_id)
    )
    out: dict[str, int] = defaultdict(int)
    for row in rows:  # a handful a month
        out[row["source_id"].split(":")[1]] += int(row["debit"] or 0) - int(row["credit"] or 0)
    return dict(out)


async def _reimbursement(period: Period) -> Reimbursement | None:
    """The month's reimbursements: their sum, and when and by whom the latest was recorded."""
    rows = (
        await LedgerPosting.select(
            LedgerPosting.debit_fen,
            LedgerPosting.credit_fen,
            LedgerPosting.entry.posted_at.as_alias("posted_at"),
            LedgerPosting.entry._.posted_by._.username.as_alias("by"),
        )
        .where(_reimbursements(period))
        .order_by(LedgerPosting.entry.id)
    )
    if not rows:
        return None
    return Reimbursement(
        period=str(period),
        amount_fen=sum(r["debit_fen"] - r["credit_fen"] for r in rows),
        recorded_at=rows[-1]["posted_at"],
        recorded_by=rows[-1]["by"],
    )


async def month_totals(period: Period) -> tuple[int, int, int]:
    """(lines, personal, relief) of the month's relieved lines of approved and paid settlements."""
    rows = await SettlementLine.select(SettlementLine.personal_fen, SettlementLine.relief_fen).where(
        _relieved() & (SettlementLine.settlement.period == str(period))
    )
    return len(rows), sum(r["personal_fen"] for r in rows), sum(r["relief_fen"] for r in rows)


async def statement(
    ctx: ServiceContext, actor: Actor, period: str, request: PageRequest | None = None
) -> tuple[ReliefStatement, Page[StatementLine]]:
    """The month's statement: its totals and reimbursement, and a page of its lines (all of
    them when no page is asked) in line order, each naming the person (the id number masked
    unless the reader sees full numbers), their group, the provider and the amounts."""
    require(actor, Action.READ_RELIEF)
    month = Period.parse(period)
    query = (
        SettlementLine.select(
            SettlementLine.id,
            SettlementLine.settlement.as_alias("settlement_id"),
            SettlementLine.line_no,
            SettlementLine.kind,
            SettlementLine.person.as_alias("person_id"),
            SettlementLine.person.name.as_alias("person_name"),
            SettlementLine.person.id_number_enc.as_alias("id_number_enc"),
            SettlementLine.settlement.provider.as_alias("provider_id"),
            SettlementLine.personal_fen,
            SettlementLine.relief_fen,
            SettlementLine.adjusts_period,
        )
        .where(_relieved() & (SettlementLine.settlement.period == str(month)))
        .order_by(SettlementLine.id)
    )
    if request is not None:
        if request.after is not None:
            query = query.where(after_key([SettlementLine.id], request.after))
        query = query.limit(request.limit + 1)
    rows = await query
    page = page_of(rows, request, lambda r: (r["id"],)) if request is not None else Page(items=list(rows))
    enrolments = await enrolments_until(month.last_day)
    book = policy_book(ctx.settings)
    keyring = ctx.settings.keyring
    providers = {
        p["id"]: p
        for p in await Provider.select(Provider.id, Provider.code, Provider.name).where(
            Provider.id.is_in(sorted({r["provider_id"] for r in page.items}) or [0])
        )
    }
    lines = []
    for row in page.items:
        id_number = ""
        if row["person_id"] is not None and row["id_number_enc"]:
            clear = open_field(keyring, row | {"id": row["person_id"]}, "id_number")
            id_number = clear if actor.sees_full_id_numbers else mask_id_number(clear)
        # a correction's line carries the relief of the month it corrects: the group of that month
        day = Period.parse(row["adjusts_period"]).last_day if row["adjusts_period"] else month.last_day
        group = relief.group_on(enrolments.get(row["person_id"], ()), day, book.in_force(day).relief_groups)
        lines.append(
            StatementLine(
                settlement_id=row["settlement_id"],
                line_no=row["line_no"],
                kind=row["kind"],
                person_id=row["person_id"],
                person_name=row["person_name"] or "",
                id_number=id_number,
                group=group,
                provider_id=row["provider_id"],
                provider_code=providers[row["provider_id"]]["code"],
                provider_name=providers[row["provider_id"]]["name"],
                personal_fen=row["personal_fen"],
                relief_fen=row["relief_fen"],
            )
        )
    _, personal, relieved = await month_totals(month)
    head = ReliefStatement(
        period=str(month),
        lines=lines if request is None else [],
        personal_fen=personal,
        relief_fen=relieved,
        reimbursed=await _reimbursement(month),
        to_reimburse_fen=(await _to_reimburse_by_period(month)).get(str(month), 0),
        month_ended=rules.month_ended(month, local_today(ctx.clock, ctx.settings.zone)),
    )
    return head, Page(items=lines, next_after=page.next_after)


async def record_reimbursement(
    ctx: ServiceContext, actor: Actor, period: str, shown_fen: int | None = None
) -> Reimbursement:
    """The relief fund has paid the month's relief to the insurance fund, or the fund has
    returned what a correction took back: each time the difference between the month's
    approved relief and what was reimbursed for it so far (409 ``relief_nothing_due`` when
    none; ``period_not_ended`` while the month runs). ``shown_fen``, the amount the officer
    confirmed, must still be the difference (409 ``relief_amount_changed``): a second click
    or a relief approved meanwhile posts nothing unconfirmed."""
    require(actor, Action.MANAGE_RELIEF)
    month = Period.parse(period)
    rules.check_month_ended(month, local_today(ctx.clock, ctx.settings.zone), "reimburse")
    now = ctx.clock.now()
    async with write_transaction():
        amount = (await _to_reimburse_by_period(month)).get(str(month), 0)
        if shown_fen is not None and shown_fen != amount:
            raise Conflict(f"{month} 的救助资金应结算金额已变化，请核对后再确认", code="relief_amount_changed")
        if amount == 0:
            raise Conflict(f"{month} 没有应由救助资金结算的金额", code="relief_nothing_due")
        number = 1 + await LedgerEntry.count().where(LedgerEntry.source_id.like(f"relief:{month}:reimburse%"))
        entry = ledger.entry_for_relief_reimbursement(month, amount, number)
        if not await post_entry(entry, settlement_id=None, actor=actor, at=now):
            raise Conflict(f"{month} 的救助资金结算刚刚已记录", code="relief_amount_changed")
        await record_change(
            actor=actor,
            at=now,
            action="relief.reimburse",
            entity="relief_statement",
            entity_id=None,
            after={"period": str(month), "amount_fen": amount, "source_id": entry.source_id},
        )
    done = await _reimbursement(month)
    if done is None:
        raise NotFound("no reimbursement", code="not_found")
    return done
