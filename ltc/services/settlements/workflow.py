"""A settlement's way from draft to paid: reading settlements, the workflow's steps (submit,
approve, reject, pay) and the month's payment run.

Every step names the version the caller saw (optimistic locking), so of two officers
approving at once exactly one wins. Who may take which step is the access table's word
(``rules.transition``). Approval and payment post balanced entries to the ledger, each under
a unique source id, so a replayed job never posts twice. Approved settlements and ledger
entries are also protected by database triggers (migration 0007)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ltc.db.engine import locked, write_transaction
from ltc.db.queries import lists, months
from ltc.db.queries.paging import Page
from ltc.db.tables import Provider, Settlement, SettlementCorrection, SettlementLine
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.errors import Conflict, NotFound
from ltc.domain.ledger import entry_for_approval, entry_for_payment
from ltc.domain.periods import Period
from ltc.domain.settlement import OFFSET_ACCOUNTS, approval_offsets
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.jobs import Progress, register_job_kind, start_job
from ltc.services.ledger import post_entry
from ltc.services.settlements.nettings import apply_nettings, check_nettings_open
from ltc.services.settlements.values import (
    PaymentResult,
    PaySettlementsParams,
    SettlementDetail,
    SettlementSummary,
    WorkflowAction,
)
from ltc.services.supervision.advances import check_advance_open
from ltc.services.supervision.review import check_reviewed

SUMMARY_COLUMNS = (
    Settlement.id,
    Settlement.provider.as_alias("provider_id"),
    Settlement.provider.name.as_alias("provider_name"),
    Settlement.provider.code.as_alias("provider_code"),
    Settlement.period,
    Settlement.status,
    Settlement.version,
    Settlement.gross_fen,
    Settlement.fund_fen,
    Settlement.personal_fen,
    Settlement.relief_fen,
    Settlement.content_hash,
    Settlement.built_at,
    Settlement.submitted_at,
    Settlement.decided_at,
    Settlement.rejection_reason,
    Settlement.paid_at,
)


def _not_found() -> NotFound:
    return NotFound("没有该结算单", code="settlement_not_found")


# --------------------------------------------------------------------------- reading


async def list_settlements(ctx: ServiceContext, actor: Actor, period: str | None) -> list[SettlementSummary]:
    """The settlements of a month (or of every month), newest first; an agency sees its own."""
    if not actor.may(Action.READ_SETTLEMENTS):
        raise _not_found()
    query = lists.settlements_query(
        SUMMARY_COLUMNS,
        period=str(Period.parse(period)) if period else None,
        provider=actor.provider_scope,
        status=None,
    )
    return [SettlementSummary.model_validate(r) for r in await lists.SETTLEMENT_ORDER.ordered(query)]


def _settlement_scope(actor: Actor, provider_id: int | None) -> int | None:
    """The provider a settlement list is limited to: the agency's own, else the one asked."""
    if not actor.may(Action.READ_SETTLEMENTS):
        raise _not_found()
    if provider_id is not None:
        require_provider_visible(actor, provider_id)
    return actor.provider_scope if actor.provider_scope is not None else provider_id


async def settlement_page(
    ctx: ServiceContext,
    actor: Actor,
    *,
    period: str | None = None,
    provider_id: int | None = None,
    status: str | None = None,
    after: str | None,
    limit: int,
) -> Page[SettlementSummary]:
    """A page of the settlements of a month, a provider and a status, the newest month first
    and by provider code within one; an agency sees its own (another provider's is not found)."""
    query = lists.settlements_query(
        SUMMARY_COLUMNS,
        period=str(Period.parse(period)) if period else None,
        provider=_settlement_scope(actor, provider_id),
        status=status,
    )
    page = await lists.page_of(query, lists.SETTLEMENT_ORDER, after, limit)
    return Page(items=[SettlementSummary.model_validate(r) for r in page.items], next_after=page.next_after)


async def settlement_totals(
    ctx: ServiceContext, actor: Actor, *, period: str | None, provider_id: int | None = None, status: str | None = None
) -> dict[str, int]:
    """What the settlements the same filters pass add up to (all pages)."""
    return await lists.settlement_totals(
        period=str(Period.parse(period)) if period else None,
        provider=_settlement_scope(actor, provider_id),
        status=status,
    )


async def _visible(actor: Actor, settlement_id: int) -> dict[str, Any]:
    """The settlement's summary row, if the actor may see it ('not found' otherwise, so that
    another provider's settlements are not revealed)."""
    row = await Settlement.select(*SUMMARY_COLUMNS).where(Settlement.id == settlement_id).first()
    scope = actor.provider_scope
    if row is None or not actor.may(Action.READ_SETTLEMENTS) or (scope is not None and row["provider_id"] != scope):
        raise _not_found()
    return row


async def get_settlement(ctx: ServiceContext, actor: Actor, settlement_id: int) -> SettlementDetail:
    """One settlement with its lines in order."""
    row = await _visible(actor, settlement_id)
    lines = (
        await SettlementLine.select(
            *SettlementLine.all_columns(exclude=[SettlementLine.settlement, SettlementLine.person]),
            SettlementLine.person.as_alias("person_id"),
            SettlementLine.person.name.as_alias("person_name"),
        )
        .where(SettlementLine.settlement == settlement_id)
        .where(months.of_period(Period.parse(row["period"])).where(SettlementLine.service_month))
        .order_by(SettlementLine.line_no)
        .output(load_json=True)
    )
    return SettlementDetail.model_validate(row | {"lines": lines})


# --------------------------------------------------------------------------- the workflow


async def act(
    ctx: ServiceContext,
    actor: Actor,
    settlement_id: int,
    action: WorkflowAction,
    *,
    seen_version: int,
    reason: str = "",
) -> SettlementDetail:
    """submit | approve | reject | pay, against the version the caller saw."""
    await _visible(actor, settlement_id)  # 'not found' for what the caller may not see
    now = ctx.clock.now()
    async with write_transaction():
        row = await locked(Settlement.select().where(Settlement.id == settlement_id)).first()
        if row is None:
            raise _not_found()
        if row["version"] != seen_version:
            raise Conflict(
                f"结算单已被他人更新（当前版本 {row['version']}，您看到的是 {seen_version}），请刷新",
                code="version_conflict",
            )
        target = rules.transition(row["status"], action, str(actor.role), reason=reason)
        if action in rules.AFTER_MONTH_END:
            rules.check_month_ended(Period.parse(row["period"]), local_today(ctx.clock, ctx.settings.zone), action)
            await _check_corrections_open(settlement_id)
            await check_nettings_open(settlement_id)
        if action == "approve":
            await check_reviewed(ctx, settlement_id, row["period"])
        changes: dict[Any, Any] = {Settlement.status: target, Settlement.version: row["version"] + 1}
        if action == "submit":
            changes[Settlement.submitted_at] = now
        elif action in ("approve", "reject"):
            changes |= {Settlement.decided_at: now, Settlement.decided_by: actor.user_id}
            changes[Settlement.rejection_reason] = reason.strip() if action == "reject" else ""
        elif action == "pay":
            changes[Settlement.paid_at] = now
        try:  # approving applies the corrections on the lines (a database trigger, migration 0010)
            await Settlement.update(changes).where(Settlement.id == settlement_id)
        except Exception as error:
            if "correction_already_applied" in str(error) or "correction_applied_once" in str(error):
                raise _applied_elsewhere() from error  # another approval applied one at this moment
            raise
        if action == "approve":
            # One approval of a provider at a time: what it nets is read and settled together.
            await locked(Provider.select(Provider.id).where(Provider.id == row["provider"])).first()
            await apply_nettings(settlement_id)
            netting = await _netting_lines(settlement_id)
            await check_advance_open(row["provider"], netting)
            offsets = approval_offsets(row["provider"], netting)
            entry = entry_for_approval(settlement_id, row["provider"], row["fund_fen"], offsets, row["relief_fen"])
            await post_entry(entry, settlement_id=settlement_id, actor=actor, at=now)
        elif action == "pay":
            # One stop: the provider is paid the fund's share and the relief together.
            entry = entry_for_payment(settlement_id, row["provider"], row["fund_fen"] + row["relief_fen"])
            await post_entry(entry, settlement_id=settlement_id, actor=actor, at=now)
        await record_change(
            actor=actor,
            at=now,
            action=f"settlement.{action}",
            entity="settlement",
            entity_id=settlement_id,
            before={"status": row["status"], "version": row["version"]},
            after={"status": target, "version": row["version"] + 1} | ({"reason": reason.strip()} if reason else {}),
        )
    return await get_settlement(ctx, actor, settlement_id)


async def _netting_lines(settlement_id: int) -> list[tuple[str, int]]:
    """The settlement's lines that net money against its care, as ``(kind, fund_fen)``."""
    rows = await SettlementLine.select(SettlementLine.kind, SettlementLine.fund_fen).where(
        (SettlementLine.settlement == settlement_id) & SettlementLine.kind.is_in(list(OFFSET_ACCOUNTS))
    )
    return [(r["kind"], r["fund_fen"]) for r in rows]


def _applied_elsewhere() -> Conflict:
    return Conflict("本结算单所含的更正已由另一结算单执行；请退回并重新生成", code="correction_already_applied")


async def _check_corrections_open(settlement_id: int) -> None:
    """A settlement is submitted or approved only while every correction on its lines is
    open (or applied by itself): a correction is applied by one approval only. The database
    refuses it too (migration 0010); this gives the stable answer first."""
    carried = SettlementLine.select(SettlementLine.correction_id).where(
        (SettlementLine.settlement == settlement_id) & SettlementLine.correction_id.is_not_null()
    )
    if await SettlementCorrection.exists().where(
        SettlementCorrection.id.is_in(carried)
        & SettlementCorrection.applied_in.is_not_null()
        & (SettlementCorrection.applied_in != settlement_id)
    ):
        raise _applied_elsewhere()


# --------------------------------------------------------------------------- the payment run


@register_job_kind("pay_settlements", action=Action.PAY_SETTLEMENTS, params=PaySettlementsParams, serial=True)
async def pay_settlements(ctx: ServiceContext, params: PaySettlementsParams, progress: Progress) -> PaymentResult:
    """Pay every approved settlement of a month (after the treasury's transfer). Each payment
    is its own transaction and its ledger entry has a unique source id: a rerun after a crash
    pays what is left and posts nothing twice."""
    period = str(Period.parse(params.period))
    actor = Actor(user_id=params.actor_id, username="", role=params.actor_role)
    require(actor, Action.PAY_SETTLEMENTS)
    pending = (
        await Settlement.select(Settlement.id, Settlement.version)
        .where((Settlement.period == period) & (Settlement.status == rules.APPROVED))
        .order_by(Settlement.id)
    )
    for n, row in enumerate(pending, start=1):
        await act(ctx, actor, row["id"], "pay", seen_version=row["version"])
        await progress(n / len(pending))
    return PaymentResult(period=period, paid=len(pending), settlement_ids=[r["id"] for r in pending])


async def start_payment(ctx: ServiceContext, actor: Actor, period: str) -> UUID:
    """Queue the month's payment run, on the word of the officer who starts it."""
    require(actor, Action.PAY_SETTLEMENTS)
    params = PaySettlementsParams(period=str(Period.parse(period)), actor_id=actor.user_id, actor_role=actor.role)
    return await start_job(ctx, actor, "pay_settlements", params)
