"""Monthly settlements against the fund and the fund's ledger.

A build gathers the month from the database (verified visits, the census, open
corrections, the annual evaluation), prices it with ``ltc.domain.settlement`` and stores
the draft; building again from the same facts gives the same draft (same content hash,
same version). The workflow uses optimistic locking: every step names the version it saw
(``If-Match``), so of two officers approving at once exactly one wins. Approval and
payment post balanced entries to the ledger, each under a unique source id, so a replayed
job never posts twice. Approved settlements and ledger entries are also protected by
database triggers (migration 0007).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from ltc.db.engine import locked, write_transaction
from ltc.db.tables import (
    CarePlan,
    CensusEntry,
    LedgerEntry,
    LedgerPosting,
    Provider,
    ProviderEvaluation,
    Settlement,
    SettlementCorrection,
    SettlementLine,
    Visit,
    VisitException,
)
from ltc.domain import ledger
from ltc.domain import settlement as rules
from ltc.domain.access import Actor, Role, require_role
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.periods import Period, local_day
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.jobs import Progress, register_job_kind
from ltc.services.reference import policy_book

BILLABLE_CENSUS = ("present", "admitted")
SUMMARY_COLUMNS = (
    Settlement.id,
    Settlement.provider,
    Settlement.provider.name.as_alias("provider_name"),
    Settlement.provider.code.as_alias("provider_code"),
    Settlement.period,
    Settlement.status,
    Settlement.version,
    Settlement.gross_fen,
    Settlement.fund_fen,
    Settlement.personal_fen,
    Settlement.content_hash,
    Settlement.built_at,
    Settlement.submitted_at,
    Settlement.decided_at,
    Settlement.rejection_reason,
    Settlement.paid_at,
)


def _period(text: str) -> Period:
    return Period.parse(text)


# --------------------------------------------------------------------------- gathering the month


async def _home_inputs(ctx: ServiceContext, provider_id: int, period: Period, hourly: int | None):
    zone = ctx.settings.zone
    rows = await Visit.select(
        Visit.id,
        Visit.person,
        Visit.checked_in_at,
        Visit.checked_out_at,
        Visit.care_plan.level.as_alias("level"),
    ).where(
        (Visit.provider == provider_id)
        & (Visit.status == "done")
        & (Visit.planned_start >= period.start_utc(zone))
        & (Visit.planned_start < period.end_utc(zone))
        & Visit.care_plan.is_not_null()
    )
    # A visit counts once every exception on it is resolved and none was rejected.
    blocked = {
        r["visit"]
        for r in await VisitException.select(VisitException.visit).where(
            (VisitException.provider == provider_id)
            & (
                VisitException.status.is_in(["open", "explained"])
                | ((VisitException.status == "resolved") & (VisitException.resolution_code == "rejected"))
            )
        )
    }
    by_person: dict[int, dict[str, Any]] = defaultdict(lambda: {"visits": [], "excluded": [], "level": 0})
    for r in rows:
        entry = by_person[r["person"]]
        entry["level"] = max(entry["level"], r["level"] or 0)
        if r["id"] in blocked:
            entry["excluded"].append(r["id"])
            continue
        minutes = int((r["checked_out_at"] - r["checked_in_at"]).total_seconds() // 60)
        entry["visits"].append(rules.CountedVisit(r["id"], local_day(r["checked_in_at"], zone), max(minutes, 0)))
    return [
        rules.HomeCareInput(
            person_id=person,
            level=e["level"],
            visits=tuple(sorted(e["visits"], key=lambda v: v.visit_id)),
            excluded_visit_ids=tuple(sorted(e["excluded"])),
            hourly_price_fen=hourly,
        )
        for person, e in by_person.items()
    ]


async def _institutional_inputs(provider_id: int, period: Period, daily_price: int):
    rows = await CensusEntry.select(CensusEntry.person, CensusEntry.day, CensusEntry.status).where(
        (CensusEntry.provider == provider_id)
        & (CensusEntry.day >= period.first_day)
        & (CensusEntry.day <= period.last_day)
    )
    if not rows:
        return []
    levels = {
        r["person"]: r["level"]
        for r in await CarePlan.select(CarePlan.person, CarePlan.level).where(
            (CarePlan.provider == provider_id)
            & (CarePlan.care_mode == "institutional")
            & (CarePlan.status == "confirmed")
        )
    }
    days: dict[int, list[date]] = defaultdict(list)
    leave: dict[int, list[date]] = defaultdict(list)
    for r in rows:
        if r["status"] in BILLABLE_CENSUS:
            days[r["person"]].append(r["day"])
        elif r["status"] == "leave":
            leave[r["person"]].append(r["day"])
    persons = sorted((set(days) | set(leave)) & set(levels))
    return [
        rules.InstitutionalCareInput(
            person_id=p,
            level=levels[p],
            agreed_daily_price_fen=daily_price,
            days=tuple(sorted(days[p])),
            leave_days=tuple(sorted(leave[p])),
        )
        for p in persons
    ]


async def build_one(ctx: ServiceContext, provider_id: int, period: Period) -> dict[str, Any]:
    """Build (or rebuild) the provider's draft for the month. A settlement already submitted,
    approved or paid is left as it is."""
    provider = (
        await Provider.select(Provider.id, Provider.hourly_price_fen, Provider.daily_price_fen)
        .where(Provider.id == provider_id)
        .first()
    )
    if provider is None:
        raise NotFound("没有该护理机构", code="provider_not_found")
    book = policy_book(ctx.settings)
    home = await _home_inputs(ctx, provider_id, period, provider["hourly_price_fen"] or None)
    institutional = await _institutional_inputs(provider_id, period, provider["daily_price_fen"])
    corrections = (
        await SettlementCorrection.select()
        .where((SettlementCorrection.provider == provider_id) & SettlementCorrection.applied_in.is_null())
        .order_by(SettlementCorrection.id)
    )
    adjustments = [
        rules.Adjustment(
            period=_period(c["corrects_period"]),
            person_id=c["person"],
            amount_fen=c["amount_fen"],
            reason=c["reason"],
            fund_fen=c["fund_fen"],
        )
        for c in corrections
    ]
    deduction = None
    if period.month == 12:  # the annual evaluation adjusts the year-end settlement
        evaluation = (
            await ProviderEvaluation.select(ProviderEvaluation.score)
            .where(ProviderEvaluation.evaluation_key == f"{provider_id}:{period.year}")
            .first()
        )
        if evaluation is not None:
            deduction = rules.EvaluationDeduction(period.year, evaluation["score"])
    draft = rules.build_settlement(
        provider_id, period, home, institutional, adjustments, deduction, policy_for=book.in_force
    )
    digest = draft.content_hash()
    now = ctx.clock.now()
    key = f"{provider_id}:{period}"
    async with write_transaction():
        current = await locked(Settlement.select().where(Settlement.settlement_key == key)).first()
        if current is not None and current["status"] not in (rules.DRAFT, rules.REJECTED):
            return {"settlement_id": current["id"], "status": current["status"], "rebuilt": False}
        if current is not None and current["content_hash"] == digest and current["status"] == rules.DRAFT:
            return {"settlement_id": current["id"], "status": current["status"], "rebuilt": False}
        totals = {
            Settlement.gross_fen: draft.gross_fen,
            Settlement.fund_fen: draft.fund_fen,
            Settlement.personal_fen: draft.personal_fen,
            Settlement.content_hash: digest,
            Settlement.built_at: now,
            Settlement.status: rules.DRAFT,
        }
        if current is None:
            row = Settlement(
                provider=provider_id,
                period=str(period),
                settlement_key=key,
                status=rules.DRAFT,
                version=1,
                gross_fen=draft.gross_fen,
                fund_fen=draft.fund_fen,
                personal_fen=draft.personal_fen,
                content_hash=digest,
                built_at=now,
            )
            await row.save()
            settlement_id = row.id
        else:
            settlement_id = current["id"]
            await Settlement.update({**totals, Settlement.version: current["version"] + 1}).where(
                Settlement.id == settlement_id
            )
            await SettlementLine.delete().where(SettlementLine.settlement == settlement_id)
        if draft.lines:
            await SettlementLine.insert(
                *[
                    SettlementLine(
                        settlement=settlement_id,
                        line_no=n,
                        kind=line.kind,
                        person=line.person_id,
                        level=line.level,
                        quantity=line.quantity,
                        unit=line.unit,
                        unit_price_fen=line.unit_price_fen,
                        gross_fen=line.gross_fen,
                        fund_fen=line.fund_fen,
                        personal_fen=line.personal_fen,
                        visit_ids=list(line.visit_ids),
                        excluded_visit_ids=list(line.excluded_visit_ids),
                        days=[d.isoformat() for d in line.days],
                        leave_days=[d.isoformat() for d in line.leave_days],
                        verified_minutes=line.verified_minutes,
                        policy_version=line.policy_version,
                        adjusts_period=line.adjusts_period,
                        note=line.note,
                    )
                    for n, line in enumerate(draft.lines, start=1)
                ]
            )
        await record_change(
            actor=None,
            at=now,
            action="settlement.build",
            entity="settlement",
            entity_id=settlement_id,
            after={"period": str(period), "fund_fen": draft.fund_fen, "lines": len(draft.lines), "hash": digest},
        )
    return {"settlement_id": settlement_id, "status": rules.DRAFT, "rebuilt": True}


@register_job_kind("build_settlements", roles={Role.BUREAU, Role.ADMIN, Role.AGENCY})
async def build_settlements(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The month's drafts for one provider or for every provider with care to settle."""
    period = _period(params["period"])
    if params.get("provider_id"):
        provider_ids = [int(params["provider_id"])]
    else:
        zone = ctx.settings.zone
        with_visits = (
            await Visit.select(Visit.provider)
            .where(
                (Visit.status == "done")
                & (Visit.planned_start >= period.start_utc(zone))
                & (Visit.planned_start < period.end_utc(zone))
            )
            .distinct()
        )
        with_census = (
            await CensusEntry.select(CensusEntry.provider)
            .where((CensusEntry.day >= period.first_day) & (CensusEntry.day <= period.last_day))
            .distinct()
        )
        provider_ids = sorted({r["provider"] for r in [*with_visits, *with_census]})
    results = []
    for n, provider_id in enumerate(provider_ids, start=1):
        results.append(await build_one(ctx, provider_id, period))
        await progress(n / len(provider_ids))
    return {
        "period": str(period),
        "providers": len(provider_ids),
        "rebuilt": sum(1 for r in results if r["rebuilt"]),
        "settlement_ids": [r["settlement_id"] for r in results],
    }


# --------------------------------------------------------------------------- reading


def _visible_filter(actor: Actor):
    if actor.role == Role.AGENCY:
        return Settlement.provider == actor.provider_id
    if actor.role in (Role.BUREAU, Role.ADMIN):
        return None
    raise NotFound("没有该结算单", code="settlement_not_found")


async def list_settlements(ctx: ServiceContext, actor: Actor, period: str | None) -> list[dict[str, Any]]:
    query = (
        Settlement.select(*SUMMARY_COLUMNS)
        .order_by(Settlement.period, ascending=False)
        .order_by(Settlement.provider.code)
    )
    visible = _visible_filter(actor)
    if visible is not None:
        query = query.where(visible)
    if period:
        query = query.where(Settlement.period == str(_period(period)))
    return [_summary(r) for r in await query]


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "provider_id": row.pop("provider")}


async def get_settlement(ctx: ServiceContext, actor: Actor, settlement_id: int) -> dict[str, Any]:
    row = await Settlement.select(*SUMMARY_COLUMNS).where(Settlement.id == settlement_id).first()
    if row is None or (actor.role == Role.AGENCY and row["provider"] != actor.provider_id):
        raise NotFound("没有该结算单", code="settlement_not_found")
    if actor.role not in (Role.AGENCY, Role.BUREAU, Role.ADMIN):
        raise NotFound("没有该结算单", code="settlement_not_found")
    lines = (
        await SettlementLine.select(
            *SettlementLine.all_columns(exclude=[SettlementLine.settlement]),
            SettlementLine.person.name.as_alias("person_name"),
        )
        .where(SettlementLine.settlement == settlement_id)
        .order_by(SettlementLine.line_no)
        .output(load_json=True)
    )
    for line in lines:
        line["person_id"] = line.pop("person")
    return _summary(row) | {"lines": lines}


# --------------------------------------------------------------------------- the workflow


async def act(
    ctx: ServiceContext, actor: Actor, settlement_id: int, action: str, *, if_match: str | None, reason: str = ""
) -> dict[str, Any]:
    """submit | approve | reject | pay, against the version the caller saw."""
    if if_match is None or not if_match.strip().strip('"').isdigit():
        raise InvalidInput("须在 If-Match 头中给出所见的结算单版本", code="if_match_required")
    seen = int(if_match.strip().strip('"'))
    await get_settlement(ctx, actor, settlement_id)  # 404 for what the caller may not see
    now = ctx.clock.now()
    async with write_transaction():
        row = await locked(Settlement.select().where(Settlement.id == settlement_id)).first()
        if row["version"] != seen:
            raise Conflict(
                f"结算单已被他人更新（当前版本 {row['version']}，您看到的是 {seen}），请刷新", code="version_conflict"
            )
        target = rules.transition(row["status"], action, str(actor.role), reason=reason)
        changes: dict[Any, Any] = {Settlement.status: target, Settlement.version: row["version"] + 1}
        if action == "submit":
            changes[Settlement.submitted_at] = now
        elif action in ("approve", "reject"):
            changes |= {Settlement.decided_at: now, Settlement.decided_by: actor.user_id}
            changes[Settlement.rejection_reason] = reason.strip() if action == "reject" else ""
        elif action == "pay":
            changes[Settlement.paid_at] = now
        await Settlement.update(changes).where(Settlement.id == settlement_id)
        if action == "approve":
            await post_entry(
                ledger.entry_for_approval(settlement_id, row["provider"], row["fund_fen"]),
                settlement_id=settlement_id,
                actor=actor,
                at=now,
            )
            await _mark_corrections_applied(settlement_id)
        elif action == "pay":
            await post_entry(
                ledger.entry_for_payment(settlement_id, row["provider"], row["fund_fen"]),
                settlement_id=settlement_id,
                actor=actor,
                at=now,
            )
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


async def _mark_corrections_applied(settlement_id: int) -> None:
    row = await Settlement.select(Settlement.provider).where(Settlement.id == settlement_id).first()
    carried = await SettlementLine.count().where(
        (SettlementLine.settlement == settlement_id) & (SettlementLine.kind == rules.ADJUSTMENT)
    )
    if carried:
        await SettlementCorrection.update({SettlementCorrection.applied_in: settlement_id}).where(
            (SettlementCorrection.provider == row["provider"]) & SettlementCorrection.applied_in.is_null()
        )


async def add_correction(ctx: ServiceContext, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """A correction to an approved month: it becomes an adjustment line of the next draft."""
    require_role(actor, Role.BUREAU, Role.ADMIN)
    period = _period(data["corrects_period"])
    approved = await Settlement.exists().where(
        (Settlement.settlement_key == f"{data['provider_id']}:{period}")
        & Settlement.status.is_in([rules.APPROVED, rules.PAID])
    )
    if not approved:
        raise Conflict("只能更正已审核通过的月份；未审核的请重新生成", code="period_not_approved")
    if not data["reason"].strip():
        raise InvalidInput("须说明更正原因", code="reason_required")
    now = ctx.clock.now()
    async with write_transaction():
        row = SettlementCorrection(
            provider=data["provider_id"],
            person=data.get("person_id"),
            corrects_period=str(period),
            amount_fen=data["amount_fen"],
            fund_fen=data.get("fund_fen"),
            reason=data["reason"].strip(),
            created_by=actor.user_id,
            created_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="settlement.correction",
            entity="settlement_correction",
            entity_id=row.id,
            after={k: v for k, v in data.items() if k != "reason"},
        )
    return {
        "id": row.id,
        "provider_id": data["provider_id"],
        "corrects_period": str(period),
        "amount_fen": data["amount_fen"],
    }


# --------------------------------------------------------------------------- the ledger


async def post_entry(
    entry: ledger.JournalEntry, *, settlement_id: int | None, actor: Actor | None, at: datetime
) -> bool:
    """Post a balanced entry once: a second post of the same source id does nothing."""
    if await LedgerEntry.exists().where(LedgerEntry.source_id == entry.source_id):
        return False
    row = LedgerEntry(
        source_id=entry.source_id,
        kind=entry.kind,
        memo=entry.memo,
        settlement=settlement_id,
        posted_at=at,
        posted_by=actor.user_id if actor else None,
    )
    await row.save()
    await LedgerPosting.insert(
        *[
            LedgerPosting(entry=row.id, account=p.account, debit_fen=p.debit_fen, credit_fen=p.credit_fen)
            for p in entry.postings
        ]
    )
    return True


async def record_contribution(ctx: ServiceContext, actor: Actor, source_id: str, amount_fen: int) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    if amount_fen <= 0:
        raise InvalidInput("缴入金额须为正数（分）", code="invalid_amount")
    now = ctx.clock.now()
    async with write_transaction():
        posted = await post_entry(
            ledger.entry_for_contribution(f"contribution:{source_id}", amount_fen),
            settlement_id=None,
            actor=actor,
            at=now,
        )
        if posted:
            await record_change(
                actor=actor,
                at=now,
                action="fund.contribution",
                entity="ledger_entry",
                entity_id=source_id,
                after={"amount_fen": amount_fen},
            )
    return {"source_id": source_id, "posted": posted}


async def fund_position(ctx: ServiceContext, actor: Actor, as_of: Period | None = None) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    from piccolo.query.functions.aggregate import Sum

    sums = await LedgerPosting.select(
        LedgerPosting.account,
        Sum(LedgerPosting.debit_fen, alias="debit"),
        Sum(LedgerPosting.credit_fen, alias="credit"),
    ).group_by(LedgerPosting.account)
    by_account = {r["account"]: (int(r["debit"] or 0), int(r["credit"] or 0)) for r in sums}
    debit_total = sum(d for d, _ in by_account.values())
    credit_total = sum(c for _, c in by_account.values())
    cash = by_account.get(ledger.FUND_BANK, (0, 0))
    cash_fen = cash[0] - cash[1]
    payables_fen = sum(c - d for a, (d, c) in by_account.items() if a.startswith(ledger.PAYABLE_PREFIX))
    spend_rows = (
        await Settlement.select(Settlement.period, Sum(Settlement.fund_fen, alias="fund"))
        .where(Settlement.status.is_in([rules.APPROVED, rules.PAID]))
        .group_by(Settlement.period)
    )
    spend = {r["period"]: int(r["fund"] or 0) for r in spend_rows}
    as_of = as_of or Period.of(ctx.clock.now().astimezone(ctx.settings.zone).date())
    recent = sorted((p for p, v in spend.items() if v > 0 and _period(p) <= as_of), reverse=True)[:3]
    balance = cash_fen - payables_fen
    months = ledger.months_payable(balance, [spend[p] for p in recent])
    return {
        "balance_fen": balance,
        "cash_fen": cash_fen,
        "payables_fen": payables_fen,
        "month_spend_fen": spend.get(str(as_of), 0),
        "months_payable": float(months) if months is not None else None,
        "period": str(as_of),
        "spend_by_period": dict(sorted(spend.items())),
        "ledger_imbalance_fen": debit_total - credit_total,
    }


@register_job_kind("pay_settlements", roles={Role.BUREAU, Role.ADMIN})
async def pay_settlements(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Pay every approved settlement of a month (after the treasury's transfer). Each payment
    is its own transaction and its ledger entry has a unique source id: a rerun after a crash
    pays what is left and posts nothing twice."""
    period = str(_period(params["period"]))
    actor = Actor(user_id=int(params["actor_id"]), username="", role=Role(params.get("actor_role", "bureau")))
    pending = (
        await Settlement.select(Settlement.id, Settlement.version)
        .where((Settlement.period == period) & (Settlement.status == rules.APPROVED))
        .order_by(Settlement.id)
    )
    for n, row in enumerate(pending, start=1):
        await act(ctx, actor, row["id"], "pay", if_match=str(row["version"]))
        await progress(n / len(pending))
    return {"period": period, "paid": len(pending), "settlement_ids": [r["id"] for r in pending]}


async def start_payment(ctx: ServiceContext, actor: Actor, period: str) -> Any:
    from ltc.services.jobs import start_job

    require_role(actor, Role.BUREAU, Role.ADMIN)
    return await start_job(
        ctx,
        actor,
        "pay_settlements",
        {"period": str(_period(period)), "actor_id": actor.user_id, "actor_role": str(actor.role)},
    )
