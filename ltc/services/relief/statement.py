"""The relief fund's monthly statement (READ_RELIEF): the relieved lines of the month's
approved and paid settlements, their totals, and the relief fund's reimbursement of the
month (MANAGE_RELIEF), posted once (debit ``fund_bank``, credit ``relief_due``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

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
_SOURCE = "relief:{period}:reimburse"


def _relieved() -> Any:
    return (SettlementLine.relief_fen != 0) & SettlementLine.settlement.status.is_in(_SETTLED)


async def statement_months(actor: Actor) -> list[MonthSummary]:
    """Every month with relief due, the latest first, each with its totals and whether the
    relief fund has reimbursed it."""
    require(actor, Action.READ_RELIEF)
    rows = await SettlementLine.select(
        SettlementLine.settlement.period.as_alias("period"), SettlementLine.personal_fen, SettlementLine.relief_fen
    ).where(_relieved())
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        month = totals[row["period"]]
        month[0], month[1], month[2] = month[0] + 1, month[1] + row["personal_fen"], month[2] + row["relief_fen"]
    reimbursed = await _reimbursed_periods()
    return [
        MonthSummary(period=p, lines=t[0], personal_fen=t[1], relief_fen=t[2], reimbursed=p in reimbursed)
        for p, t in sorted(totals.items(), reverse=True)
    ]


async def months_to_reimburse() -> int:
    """Months whose approved settlements carry relief the relief fund has not reimbursed yet
    (read off the settlements' totals: cheap enough for every page's to-do count)."""
    rows = await Settlement.select(Settlement.period).where(
        (Settlement.relief_fen != 0) & Settlement.status.is_in(_SETTLED)
    )
    return len({r["period"] for r in rows} - await _reimbursed_periods())


async def _reimbursed_periods() -> set[str]:
    rows = await LedgerEntry.select(LedgerEntry.source_id).where(LedgerEntry.source_id.like("relief:%:reimburse"))
    return {r["source_id"].split(":")[1] for r in rows}


async def _reimbursement(period: Period) -> Reimbursement | None:
    entry = (
        await LedgerEntry.select(LedgerEntry.id, LedgerEntry.posted_at, LedgerEntry.posted_by.username.as_alias("by"))
        .where(LedgerEntry.source_id == _SOURCE.format(period=period))
        .first()
    )
    if entry is None:
        return None
    amount = sum(
        r["debit_fen"]
        for r in await LedgerPosting.select(LedgerPosting.debit_fen).where(
            (LedgerPosting.entry == entry["id"]) & (LedgerPosting.account == ledger.FUND_BANK)
        )
    )
    return Reimbursement(period=str(period), amount_fen=amount, recorded_at=entry["posted_at"], recorded_by=entry["by"])


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
    groups = policy_book(ctx.settings).in_force(month.last_day).relief_groups
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
        group = relief.group_on(enrolments.get(row["person_id"], ()), month.last_day, groups)
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
    )
    return head, Page(items=lines, next_after=page.next_after)


async def record_reimbursement(ctx: ServiceContext, actor: Actor, period: str) -> Reimbursement:
    """The relief fund has paid the month's relief to the insurance fund: posted once a month
    (a second time: 409 ``relief_already_reimbursed``); a month without relief due, or one
    still running, has nothing to reimburse (409 ``relief_nothing_due``, ``period_not_ended``)."""
    require(actor, Action.MANAGE_RELIEF)
    month = Period.parse(period)
    rules.check_month_ended(month, local_today(ctx.clock, ctx.settings.zone), "reimburse")
    now = ctx.clock.now()
    async with write_transaction():
        if await LedgerEntry.exists().where(LedgerEntry.source_id == _SOURCE.format(period=month)):
            raise Conflict(f"{month} 的救助资金已结算", code="relief_already_reimbursed")
        _, _, amount = await month_totals(month)
        if amount <= 0:
            raise Conflict(f"{month} 没有应由救助资金承担的金额", code="relief_nothing_due")
        await post_entry(ledger.entry_for_relief_reimbursement(month, amount), settlement_id=None, actor=actor, at=now)
        await record_change(
            actor=actor,
            at=now,
            action="relief.reimburse",
            entity="relief_statement",
            entity_id=None,
            after={"period": str(month), "amount_fen": amount},
        )
    done = await _reimbursement(month)
    if done is None:
        raise NotFound("no reimbursement", code="not_found")
    return done
