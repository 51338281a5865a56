"""The review sample (复审): drawn after each month's build from the drafts just (re)built,
decided line by line by a fund supervisor while the settlement is not yet approved, and
approval waiting until every sampled line is decided (policy ``approval_waits_for_review``).

A decision sets the line's fund amount (confirmed: as drawn; adjusted: the amount decided;
refused: nothing) and the settlement's total with it; one that changes the money bumps the
settlement's version, so an officer who saw the old total is told to look again. A rebuild of a draft draws again from
a new seed; a decision on a line that is unchanged (same fingerprint) is carried over."""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from piccolo.columns.combination import Combinable
from piccolo.utils.encoding import dump_json
from pydantic import BaseModel, Field

from ltc.db.engine import locked, write_transaction
from ltc.db.parameters import in_parts
from ltc.db.queries import months
from ltc.db.queries.paging import Page, PageRequest, after_key, decode_cursor, page_of
from ltc.db.tables import Provider, ReviewSample, Settlement, SettlementLine, Visit, VisitException
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.periods import Period
from ltc.domain.policy import PolicyBook
from ltc.domain.review_sampling import Drawn, LineRisk, draw
from ltc.domain.risk import RiskScore
from ltc.services.audit import Change, record_change, record_changes
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.reference import policy_book
from ltc.services.supervision.renetting import net_again
from ltc.services.supervision.risk import MonthFacts, month_facts

Outcome = Literal["confirmed", "adjusted", "refused"]
SampleStatus = Literal["pending", "confirmed", "adjusted", "refused"]
SAMPLE_STATUSES: tuple[SampleStatus, ...] = ("pending", "confirmed", "adjusted", "refused")
REVIEWABLE = (rules.DRAFT, rules.SUBMITTED, rules.REJECTED)  # before approval
SAMPLED_KINDS = (rules.HOME, rules.INSTITUTIONAL)


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


SAMPLES_PER_INSERT = 1000  # a month's samples inserted a thousand rows a statement


def _not_found() -> NotFound:
    return NotFound("没有该复审抽样", code="review_sample_not_found")


@dataclass(frozen=True, slots=True)
class SampledLine:
    """A settlement line a sample may draw: care for a person."""

    id: int
    settlement: int
    provider: int
    kind: str
    person: int
    quantity: int
    gross_fen: int
    fund_fen: int
    policy_version: str


def line_fingerprint(
    kind: str,
    person: int,
    quantity: int,
    gross_fen: int,
    policy_version: str,
    visit_ids: Sequence[int],
    days: Sequence[str],
) -> str:
    """What makes a line the same line after a rebuild: its person, kind, quantity, gross
    amount, policy version, visits and days (not its fund amount, which a decision changes)."""
    parts = [kind, person, quantity, gross_fen, policy_version, dump_json(list(visit_ids)), dump_json(list(days))]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def decided_fund(status: str, fund_fen_drawn: int, amount_fen: int | None) -> int:
    """The line's fund amount after a decision (pending and confirmed: as drawn)."""
    if status == "refused":
        return 0
    if status == "adjusted" and amount_fen is not None:
        return amount_fen
    return fund_fen_drawn


# --------------------------------------------------------------------------- drawing


async def sampled_lines(settlement_ids: list[int]) -> list[SampledLine]:
    """The lines a sample is drawn from: care for a person (not adjustments or deductions)."""
    rows = await (
        SettlementLine.select(
            SettlementLine.id,
            SettlementLine.settlement,
            SettlementLine.settlement.provider.as_alias("provider"),
            SettlementLine.kind,
            SettlementLine.person,
            SettlementLine.quantity,
            SettlementLine.gross_fen,
            SettlementLine.fund_fen,
            SettlementLine.policy_version,
        )
        .where(
            SettlementLine.settlement.is_in(settlement_ids)
            & SettlementLine.kind.is_in(list(SAMPLED_KINDS))
            & SettlementLine.person.is_not_null()
        )
        .order_by(SettlementLine.id)
    )
    return [SampledLine(**r) for r in rows]


async def fingerprints(line_ids: Sequence[int], period: Period) -> dict[int, str]:
    """Each line's fingerprint (lines of ``period``), from its visits and days read only for these lines (a month's
    lines hold millions of visit ids; a sample needs the drawn lines' and those of a
    settlement whose decisions may carry over)."""
    prints: dict[int, str] = {}
    for part in in_parts(line_ids):
        for r in (
            await SettlementLine.select(
                SettlementLine.id,
                SettlementLine.kind,
                SettlementLine.person,
                SettlementLine.quantity,
                SettlementLine.gross_fen,
                SettlementLine.policy_version,
                SettlementLine.visit_ids,
                SettlementLine.days,
            )
            .where(SettlementLine.id.is_in(part) & months.of_period(period).where(SettlementLine.service_month))
            .output(load_json=True)
        ):
            prints[r["id"]] = line_fingerprint(
                r["kind"],
                r["person"],
                r["quantity"],
                r["gross_fen"],
                r["policy_version"],
                r["visit_ids"] or (),
                r["days"] or (),
            )
    return prints


@dataclass(frozen=True, slots=True)
class _Draw:
    """One settlement's draw: its seed, the lines drawn and every line's risk score."""

    seed: int
    drawn: tuple[Drawn, ...]
    risks: dict[int, RiskScore]


def _draw(lines: list[SampledLine], facts: MonthFacts) -> _Draw:
    seed = secrets.randbits(62)
    risks = {line.id: facts.person_score(line.provider, line.person) for line in lines}
    drawn = draw(
        [LineRisk(i, s.score, s.reasons) for i, s in risks.items()],
        facts.policy.review_share,
        facts.policy.review_risk_share,
        seed,
    )
    return _Draw(seed, drawn, risks)


async def draw_samples(ctx: ServiceContext, period: Period, settlement_ids: list[int]) -> None:
    """Draw the sample of each draft just (re)built; decisions on unchanged lines carried over."""
    if not settlement_ids:
        return
    facts = await month_facts(ctx, period)
    lines_of: dict[int, list[SampledLine]] = defaultdict(list)
    for line in await sampled_lines(settlement_ids):
        lines_of[line.settlement].append(line)
    now = ctx.clock.now()
    async with write_transaction():
        decided_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for old in (
            await ReviewSample.select().where(ReviewSample.settlement.is_in(settlement_ids)).output(load_json=True)
        ):
            if old["status"] != "pending":
                decided_of[old["settlement"]].append(old)
        await ReviewSample.delete().where(ReviewSample.settlement.is_in(settlement_ids))
        draws = {s: _draw(lines_of.get(s, []), facts) for s in settlement_ids}
        printed = {d.line_id for one in draws.values() for d in one.drawn}
        printed |= {line.id for s in decided_of for line in lines_of.get(s, [])}
        prints = await fingerprints(sorted(printed), period)
        rows: list[ReviewSample] = []
        changes: list[Change] = []
        for settlement_id in settlement_ids:
            kept, carried = await _sample_of(
                policy_book(ctx.settings),
                settlement_id,
                lines_of.get(settlement_id, []),
                decided_of.get(settlement_id, []),
                draws[settlement_id],
                prints,
                facts.period,
                now,
            )
            rows += kept
            changes.append(
                Change(
                    actor=None,
                    at=now,
                    action="review_sample.draw",
                    entity="settlement",
                    entity_id=settlement_id,
                    after={
                        "seed": draws[settlement_id].seed,
                        "lines": sorted(r.line_id for r in kept),
                        "carried": carried,
                    },
                )
            )
        for start in range(0, len(rows), SAMPLES_PER_INSERT):
            await ReviewSample.insert(*rows[start : start + SAMPLES_PER_INSERT])
        await record_changes(changes)


async def _sample_of(
    book: PolicyBook,
    settlement_id: int,
    lines: list[SampledLine],
    decided: list[dict[str, Any]],
    new: _Draw,
    prints: dict[int, str],
    period: Period,
    now: datetime,
) -> tuple[list[ReviewSample], int]:
    """One settlement's sample from its new draw, and beside it every line decided before that
    is unchanged, its decision standing (and applied again to the rebuilt line); with how many
    decisions carried over."""
    by_print = {prints[line.id]: line for line in lines if line.id in prints}
    carried = {old["line_fingerprint"]: old for old in decided if old["line_fingerprint"] in by_print}
    by_id = {line.id: line for line in lines}
    rows = [
        _row(
            by_id[d.line_id],
            prints[d.line_id],
            period,
            new.seed,
            d.drawn_for,
            list(d.reasons),
            new.risks[d.line_id].score,
            now,
        )
        for d in new.drawn
    ]
    drawn_ids = {d.line_id for d in new.drawn}
    for print_, old in carried.items():
        line = by_print[print_]
        if line.id not in drawn_ids:  # kept beside the new draw: its decision stands
            rows.append(_row(line, print_, period, old["seed"], old["drawn_for"], old["reasons"], old["score"], now))
    for sample in rows:
        was = carried.get(sample.line_fingerprint)
        if was is not None:
            sample.status, sample.amount_fen, sample.note = was["status"], was["amount_fen"], was["note"]
            sample.decided_by, sample.decided_at = was["decided_by"], was["decided_at"]
            sample.fund_fen_drawn = was["fund_fen_drawn"]  # what the line paid before any decision
            await _set_line_fund(
                book, settlement_id, sample.line_id, sample.fund_fen_drawn, sample.status, sample.amount_fen
            )
    return rows, len(carried)


def _row(
    line: SampledLine,
    fingerprint: str,
    period: Period,
    seed: int,
    drawn_for: str,
    reasons: list[str],
    score: float,
    now: datetime,
) -> ReviewSample:
    return ReviewSample(
        settlement=line.settlement,
        provider=line.provider,
        period=str(period),
        line_id=line.id,
        line_fingerprint=fingerprint,
        person=line.person,
        seed=seed,
        drawn_for=drawn_for,
        reasons=dump_json(reasons),
        score=score,
        status="pending",
        fund_fen_drawn=line.fund_fen,
        drawn_at=now,
    )


async def _set_line_fund(
    book: PolicyBook, settlement_id: int, line_id: int, drawn: int, status: str, amount: int | None
) -> int:
    """Set the line's fund amount as decided and the settlement's total with it, then what the
    draft withholds and nets from its care again; the change of the total."""
    line = await SettlementLine.select(SettlementLine.fund_fen).where(SettlementLine.id == line_id).first()
    if line is None:
        return 0
    change = decided_fund(status, drawn, amount) - line["fund_fen"]
    if change:
        await SettlementLine.update({SettlementLine.fund_fen: line["fund_fen"] + change}).where(
            SettlementLine.id == line_id
        )
        await Settlement.update({Settlement.fund_fen: Settlement.fund_fen + change}).where(
            Settlement.id == settlement_id
        )
        change += await net_again(book, settlement_id)
    return change


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
        change = await _set_line_fund(
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
