"""What-if (测算): drafts of a policy version, stored with who drew them and what they change,
each run as a job that re-prices the last twelve settled months under the draft and under the
policy in force and projects the fund under each (``ltc.domain.what_if``). A run reads the
settled lines and writes nothing but the draft's last run and the job's result."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from piccolo.query.functions.aggregate import Count
from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.tables import Conclusion, Settlement, SettlementLine, WhatIfDraft
from ltc.domain import fund as planning
from ltc.domain import settlement as rules
from ltc.domain import what_if
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.ledger import months_payable
from ltc.domain.periods import Period
from ltc.domain.policy import Policy
from ltc.services import ledger
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.jobs import JobParams, Progress, get_job, register_job_kind, start_job
from ltc.services.reference import policy_book

Level = int
LevelTable = dict[Level, int]


class WhatIfIn(Input):
    """A draft: a name and the policy fields it changes (left out: as in force)."""

    name: str = Field(min_length=1, max_length=80)
    home_hourly_price_fen: int | None = Field(default=None, ge=1, le=what_if.MAX_PRICE_FEN)
    fund_share_home: Decimal | None = Field(default=None, ge=0, le=1)
    fund_share_institutional: Decimal | None = Field(default=None, ge=0, le=1)
    home_hours_by_level: LevelTable | None = None
    bed_day_cap_fen_by_level: LevelTable | None = None


def _changes_of(data: WhatIfIn) -> dict[str, Any]:
    """The draft's changed fields as the policy file writes them (shares as text, levels as keys)."""
    out: dict[str, Any] = {}
    for name in what_if.DRAFT_FIELDS:
        value = getattr(data, name)
        if value is None:
            continue
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, dict):
            value = {str(k): v for k, v in value.items()}
        out[name] = value
    return out


class WhatIfDraftOut(BaseModel):
    id: int
    name: str
    changes: dict[str, Any]
    base_version: str
    created_by: str
    created_at: datetime
    last_job: UUID | None
    last_run_at: datetime | None


class WhatIfMonth(BaseModel):
    period: str
    in_force_fen: int  # the fund amount as settled
    draft_fen: int  # under the draft, with the newly covered levels' estimate


class WhatIfProjected(BaseModel):
    period: str
    in_force_months: float | None
    draft_months: float | None


class WhatIfResult(BaseModel):
    draft_id: int
    changed: list[str]
    months: list[WhatIfMonth]
    in_force_total_fen: int
    draft_total_fen: int
    new_levels: list[int]  # levels the draft covers and the policy in force does not
    new_level_persons: int  # persons with a valid conclusion at those levels
    new_level_month_fen: int  # their estimated spend a month (included in draft_fen)
    cap_use: float  # the share of the monthly cap today's home recipients used
    in_force_months_payable: float | None
    draft_months_payable: float | None
    projection: list[WhatIfProjected]


class WhatIfParams(JobParams):
    draft_id: RecordId


def _in_force(ctx: ServiceContext) -> Policy:
    return policy_book(ctx.settings).in_force(local_today(ctx.clock, ctx.settings.zone))


_COLUMNS = (
    WhatIfDraft.id,
    WhatIfDraft.name,
    WhatIfDraft.changes,
    WhatIfDraft.base_version,
    WhatIfDraft.created_by._.username.as_alias("username"),
    WhatIfDraft.created_by._.display_name.as_alias("display_name"),
    WhatIfDraft.created_at,
    WhatIfDraft.last_job,
    WhatIfDraft.last_run_at,
)


def _out(row: dict[str, Any]) -> WhatIfDraftOut:
    return WhatIfDraftOut(
        id=row["id"],
        name=row["name"],
        changes=row["changes"] or {},
        base_version=row["base_version"],
        created_by=row["display_name"] or row["username"] or "",
        created_at=row["created_at"],
        last_job=row["last_job"],
        last_run_at=row["last_run_at"],
    )


async def create_draft(ctx: ServiceContext, actor: Actor, data: WhatIfIn) -> WhatIfDraftOut:
    require(actor, Action.RUN_WHAT_IF)
    changes = _changes_of(data)
    if not changes:
        raise InvalidInput("a draft changes at least one figure", code="draft_changes_nothing")
    in_force = _in_force(ctx)
    what_if.draft_policy(in_force, changes)  # refused here, not when it runs
    now = ctx.clock.now()
    async with write_transaction():
        row = WhatIfDraft(
            name=data.name, changes=changes, base_version=in_force.version, created_by=actor.user_id, created_at=now
        )
        await row.save()
        await record_change(
            actor=actor, at=now, action="what_if.create", entity="what_if_draft", entity_id=row.id, after=changes
        )
    return await get_draft(actor, row.id)


async def get_draft(actor: Actor, draft_id: int) -> WhatIfDraftOut:
    require(actor, Action.RUN_WHAT_IF)
    row = await WhatIfDraft.select(*_COLUMNS).where(WhatIfDraft.id == draft_id).output(load_json=True).first()
    if row is None:
        raise NotFound("没有该测算草案", code="what_if_not_found")
    return _out(row)


async def list_drafts(actor: Actor) -> list[WhatIfDraftOut]:
    require(actor, Action.RUN_WHAT_IF)
    rows = (
        await WhatIfDraft.select(*_COLUMNS).order_by(WhatIfDraft.id, ascending=False).limit(100).output(load_json=True)
    )
    return [_out(r) for r in rows]


async def last_result(actor: Actor, draft: WhatIfDraftOut) -> WhatIfResult | None:
    """The figures of the draft's last run, once it is done."""
    if draft.last_job is None:
        return None
    job = await get_job(actor, draft.last_job)
    return WhatIfResult.model_validate(job.result) if job.status == "done" and job.result else None


async def run_draft(ctx: ServiceContext, actor: Actor, draft_id: int) -> UUID:
    """Start (again) the draft's run: a job; its id is the draft's last run."""
    await get_draft(actor, draft_id)
    now = ctx.clock.now()
    # started outside the transaction below, so that it is handed to the queue at once
    job_id = await start_job(ctx, actor, "what_if", WhatIfParams(draft_id=draft_id))
    async with write_transaction():
        await WhatIfDraft.update({WhatIfDraft.last_job: job_id, WhatIfDraft.last_run_at: now}).where(
            WhatIfDraft.id == draft_id
        )
        await record_change(
            actor=actor,
            at=now,
            action="what_if.run",
            entity="what_if_draft",
            entity_id=draft_id,
            after={"job_id": str(job_id)},
        )
    return job_id


async def _settled_lines(ctx: ServiceContext) -> list[what_if.SettledLine]:
    """The lines of the last twelve months with an approved or paid settlement."""
    settled = [rules.APPROVED, rules.PAID]
    periods = await Settlement.select(Settlement.period).where(Settlement.status.is_in(settled)).distinct()
    months = sorted(r["period"] for r in periods)[-planning.HISTORY_MONTHS :]
    if not months:
        return []
    book = policy_book(ctx.settings)
    default_price: dict[str, int] = {}
    for version in book.versions:
        default_price[version.version] = version.home_hourly_price_fen
    rows = await SettlementLine.select(
        SettlementLine.settlement.period.as_alias("period"),
        SettlementLine.kind,
        SettlementLine.level,
        SettlementLine.quantity,
        SettlementLine.unit_price_fen,
        SettlementLine.verified_minutes,
        SettlementLine.fund_fen,
        SettlementLine.policy_version,
    ).where(SettlementLine.settlement.status.is_in(settled) & SettlementLine.settlement.period.is_in(months))
    return [
        what_if.SettledLine(
            period=r["period"],
            kind=r["kind"],
            level=r["level"],
            quantity=int(r["quantity"]),
            unit_price_fen=r["unit_price_fen"],
            verified_minutes=int(r["verified_minutes"]),
            fund_fen=int(r["fund_fen"]),
            default_price=r["unit_price_fen"] == default_price.get(r["policy_version"]),
        )
        for r in rows
    ]


async def _persons_by_level(ctx: ServiceContext) -> dict[int, int]:
    today = local_today(ctx.clock, ctx.settings.zone)
    rows = (
        await Conclusion.select(Conclusion.level, Count(Conclusion.id, alias="persons"))
        .where((Conclusion.status == "active") & (Conclusion.valid_until >= today))
        .group_by(Conclusion.level)
    )
    return {int(r["level"]): int(r["persons"]) for r in rows}


def _months(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


@register_job_kind("what_if", action=Action.RUN_WHAT_IF, params=WhatIfParams)
async def run_what_if(ctx: ServiceContext, params: WhatIfParams, progress: Progress) -> WhatIfResult:
    row = (
        await WhatIfDraft.select(WhatIfDraft.changes)
        .where(WhatIfDraft.id == params.draft_id)
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound("没有该测算草案", code="what_if_not_found")
    in_force = _in_force(ctx)
    draft = what_if.draft_policy(in_force, row["changes"] or {})
    lines = await _settled_lines(ctx)
    await progress(0.5)
    months = what_if.reprice_months(lines, draft)
    use = what_if.cap_use(lines, in_force)
    persons = await _persons_by_level(ctx)
    new_levels = sorted(what_if.covered_levels(draft) - what_if.covered_levels(in_force))
    estimate = what_if.new_level_estimate(persons, in_force, draft, use) if months else 0
    settled = {p: v[0] for p, v in months.items()}
    drafted = {p: v[1] + estimate for p, v in months.items()}
    balance, contributions = await ledger.balance_and_contributions(ctx)
    as_of = Period.of(local_today(ctx.clock, ctx.settings.zone))
    in_force_projection = planning.project(balance, contributions, settled, as_of)
    draft_projection = planning.project(balance, contributions, drafted, as_of)
    recent = sorted(settled)[-planning.SPEND_AVERAGE_MONTHS :]
    return WhatIfResult(
        draft_id=params.draft_id,
        changed=what_if.changed_fields(in_force, draft),
        months=[WhatIfMonth(period=p, in_force_fen=settled[p], draft_fen=drafted[p]) for p in months],
        in_force_total_fen=sum(settled.values()),
        draft_total_fen=sum(drafted.values()),
        new_levels=new_levels,
        new_level_persons=sum(persons.get(level, 0) for level in new_levels),
        new_level_month_fen=estimate,
        cap_use=float(use),
        in_force_months_payable=_months(months_payable(balance, [settled[p] for p in recent if settled[p] > 0])),
        draft_months_payable=_months(months_payable(balance, [drafted[p] for p in recent if drafted[p] > 0])),
        projection=[
            WhatIfProjected(
                period=a.period, in_force_months=_months(a.months_payable), draft_months=_months(b.months_payable)
            )
            for a, b in zip(in_force_projection, draft_projection, strict=True)
        ],
    )
