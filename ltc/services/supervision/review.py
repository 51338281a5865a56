"""The review sample (复审): drawn after each month's build from the drafts just (re)built,
decided line by line by a fund supervisor while the settlement is not yet approved, and
approval waiting until every sampled line is decided (policy ``approval_waits_for_review``).

A decision sets the line's fund amount (confirmed: as drawn; adjusted: the amount decided;
refused: nothing) and the settlement's total with it; one that changes the money bumps the
settlement's version, so an officer who saw the old total is told to look again. A rebuild of a draft draws again from
a new seed; a decision on a line that is unchanged (same fingerprint) is carried over."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Literal

from piccolo.columns.combination import Combinable
from pydantic import BaseModel, Field

from ltc.db.engine import locked, write_transaction
from ltc.db.queries.paging import Page, PageRequest, after_key, decode_cursor, page_of
from ltc.db.tables import Provider, ReviewSample, Settlement, SettlementLine, Visit, VisitException
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.periods import Period
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.reference import policy_book
from ltc.services.supervision.review_draw import set_line_fund

Outcome = Literal["confirmed", "adjusted", "refused"]
SampleStatus = Literal["pending", "confirmed", "adjusted", "refused"]
SAMPLE_STATUSES: tuple[SampleStatus, ...] = ("pending", "confirmed", "adjusted", "refused")
REVIEWABLE = (rules.DRAFT, rules.SUBMITTED, rules.REJECTED)  # before approval


class DecisionIn(Input):
    outcome: Outcome
    amount_fen: int | None = Field(default=None, ge=0, le=10**12, description="adjusted: the line's fund amount")
    note: str = Field(default="", max_length=2000)


class SampleOut(BaseModel):
    id: int
    settlement_id: int
    provider_id: int
    provider_name: str | None = None
    period: str
    line_id: int
    person_id: int | None
    person_name: str | None = None
    drawn_for: Literal["risk", "random"]
    reasons: list[str]
    score: float
    status: SampleStatus
    fund_fen_drawn: int
    amount_fen: int | None
    note: str
    seed: int
    drawn_at: datetime
    decided_at: datetime | None


class SampledVisit(BaseModel):
    id: int
    planned_start: datetime
    planned_end: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    flags: list[str]
    exceptions: list[str]


class SampleDetail(SampleOut):
    settlement_status: str
    settlement_version: int
    line: dict[str, Any]
    visits: list[SampledVisit]


class ReviewStatus(BaseModel):
    """A settlement's sample: how many lines, how many still pending, whether approval waits."""

    sampled: int
    pending: int
    waits: bool


_COLUMNS = (
    ReviewSample.id,
    ReviewSample.settlement.as_alias("settlement_id"),
    ReviewSample.provider.as_alias("provider_id"),
    ReviewSample.provider.name.as_alias("provider_name"),
    ReviewSample.period,
    ReviewSample.line_id,
    ReviewSample.person.as_alias("person_id"),
    ReviewSample.person.name.as_alias("person_name"),
    ReviewSample.drawn_for,
    ReviewSample.reasons,
    ReviewSample.score,
    ReviewSample.status,
    ReviewSample.fund_fen_drawn,
    ReviewSample.amount_fen,
    ReviewSample.note,
    ReviewSample.seed,
    ReviewSample.drawn_at,
    ReviewSample.decided_at,
)


def _not_found() -> NotFound:
    return NotFound("没有该复审抽样", code="review_sample_not_found")


# --------------------------------------------------------------------------- reading


def _scope(actor: Actor, provider_id: int | None) -> None:
    require(actor, Action.READ_SUPERVISION)
    if provider_id is not None:
        require_provider_visible(actor, provider_id)


async def sample_page(
    ctx: ServiceContext,
    actor: Actor,
    *,
    period: str | None = None,
    provider_id: int | None = None,
    status: str | None = None,
    settlement_id: int | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Page[SampleOut]:
    """The samples a filter passes, in the order they were drawn."""
    _scope(actor, provider_id)
    where: Combinable = ReviewSample.id > 0
    if period:
        where &= ReviewSample.period == str(Period.parse(period))
    if provider_id is not None:
        where &= ReviewSample.provider == provider_id
    if status:
        if status not in SAMPLE_STATUSES:
            raise InvalidInput("未知的复审状态", code="invalid_status", errors=[{"field": "status"}])
        where &= ReviewSample.status == status
    if settlement_id is not None:
        where &= ReviewSample.settlement == settlement_id
    request = PageRequest(limit=limit, after=decode_cursor(after, 1) if after else None)
    if request.after is not None:
        where &= after_key([ReviewSample.id], request.after)
    rows = (
        await ReviewSample.select(*_COLUMNS)
        .where(where)
        .order_by(ReviewSample.id)
        .limit(request.limit + 1)
        .output(load_json=True)
    )
    page = page_of(rows, request, lambda r: (r["id"],))
    return Page(items=[SampleOut.model_validate(r) for r in page.items], next_after=page.next_after)


async def get_sample(ctx: ServiceContext, actor: Actor, sample_id: int) -> SampleDetail:
    """One sampled line with the line itself, its visits, their flags and exceptions."""
    require(actor, Action.READ_SUPERVISION)
    row = await ReviewSample.select(*_COLUMNS).where(ReviewSample.id == sample_id).output(load_json=True).first()
    if row is None:
        raise _not_found()
    settlement = (
        await Settlement.select(Settlement.status, Settlement.version)
        .where(Settlement.id == row["settlement_id"])
        .first()
    )
    line = (
        await SettlementLine.select(*SettlementLine.all_columns(exclude=[SettlementLine.settlement]))
        .where(SettlementLine.id == row["line_id"])
        .output(load_json=True)
        .first()
    ) or {}
    visit_ids = [int(v) for v in line.get("visit_ids") or []]
    visits = (
        await Visit.select(
            Visit.id, Visit.planned_start, Visit.planned_end, Visit.checked_in_at, Visit.checked_out_at, Visit.flags
        )
        .where(Visit.id.is_in(visit_ids or [0]))
        .order_by(Visit.planned_start)
        .output(load_json=True)
    )
    exceptions: dict[int, list[str]] = defaultdict(list)
    for e in await VisitException.select(VisitException.visit, VisitException.code).where(
        VisitException.visit.is_in(visit_ids or [0])
    ):
        exceptions[e["visit"]].append(e["code"])
    return SampleDetail.model_validate(
        row
        | {
            "settlement_status": settlement["status"] if settlement else "",
            "settlement_version": settlement["version"] if settlement else 0,
            "line": line,
            "visits": [v | {"flags": v["flags"] or [], "exceptions": exceptions.get(v["id"], [])} for v in visits],
        }
    )


async def review_status(ctx: ServiceContext, settlement_id: int, period: str) -> ReviewStatus:
    """The settlement's sample, and whether its approval waits for it."""
    policy = policy_book(ctx.settings).in_force(Period.parse(period).first_day)
    sampled = await ReviewSample.count().where(ReviewSample.settlement == settlement_id)
    pending = await ReviewSample.count().where(
        (ReviewSample.settlement == settlement_id) & (ReviewSample.status == "pending")
    )
    return ReviewStatus(sampled=sampled, pending=pending, waits=bool(pending) and policy.approval_waits_for_review)


async def check_reviewed(ctx: ServiceContext, settlement_id: int, period: str) -> None:
    """Approval waits until every sampled line of the settlement is decided (policy)."""
    status = await review_status(ctx, settlement_id, period)
    if status.waits:
        raise Conflict(f"复审抽样尚有 {status.pending} 条未决定，暂不能审核通过", code="review_pending")


async def pending_count(actor: Actor) -> int:
    """Sampled lines still waiting for a supervisor's decision."""
    if not actor.may(Action.REVIEW_SAMPLES):
        return 0
    return await ReviewSample.count().where(ReviewSample.status == "pending")


# --------------------------------------------------------------------------- deciding


def check_decision(data: DecisionIn, fund_fen_drawn: int) -> None:
    """An adjustment names an amount no higher than the line paid; adjusting or refusing says why."""
    if data.outcome == "adjusted":
        if data.amount_fen is None:
            raise InvalidInput("调整须给出金额", code="amount_required", errors=[{"field": "amount_fen"}])
        if data.amount_fen > fund_fen_drawn:
            raise InvalidInput("调整后的金额不能高于原金额", code="amount_above_line", errors=[{"field": "amount_fen"}])
    if data.outcome != "confirmed" and not data.note:
        raise InvalidInput("调整或拒付须说明理由", code="note_required", errors=[{"field": "note"}])


async def decide(ctx: ServiceContext, actor: Actor, sample_id: int, data: DecisionIn) -> SampleDetail:
    """Confirm, adjust or refuse a sampled line while its settlement is not approved."""
    require(actor, Action.REVIEW_SAMPLES)
    now = ctx.clock.now()
    async with write_transaction():
        sample = await locked(ReviewSample.select().where(ReviewSample.id == sample_id)).first()
        if sample is None:
            raise _not_found()
        settlement = await locked(Settlement.select().where(Settlement.id == sample["settlement"])).first()
        if settlement is None or settlement["status"] not in REVIEWABLE:
            raise Conflict("结算单已审核，复审不能再改变它", code="review_closed")
        check_decision(data, sample["fund_fen_drawn"])
        amount = data.amount_fen if data.outcome == "adjusted" else None
        await ReviewSample.update(
            {
                ReviewSample.status: data.outcome,
                ReviewSample.amount_fen: amount,
                ReviewSample.note: data.note,
                ReviewSample.decided_by: actor.user_id,
                ReviewSample.decided_at: now,
            }
        ).where(ReviewSample.id == sample_id)
        change = await set_line_fund(
            policy_book(ctx.settings),
            sample["settlement"],
            sample["line_id"],
            sample["fund_fen_drawn"],
            data.outcome,
            amount,
        )
        if change:  # the version locks what an officer saw: a decision that moves money moves it on
            await Settlement.update({Settlement.version: settlement["version"] + 1}).where(
                Settlement.id == sample["settlement"]
            )
        await record_change(
            actor=actor,
            at=now,
            action="review_sample.decide",
            entity="review_sample",
            entity_id=sample_id,
            before={"status": sample["status"], "amount_fen": sample["amount_fen"]},
            after={"status": data.outcome, "amount_fen": amount, "fund_change_fen": change},
            reason=data.note,
        )
    return await get_sample(ctx, actor, sample_id)


async def provider_choices(actor: Actor) -> list[tuple[int, str]]:
    """The providers a supervision filter offers: (id, code and name), by code."""
    require(actor, Action.READ_SUPERVISION)
    rows = await Provider.select(Provider.id, Provider.code, Provider.name).order_by(Provider.code)
    return [(r["id"], f"{r['code']} {r['name']}") for r in rows]
