"""Drawing the review sample (复审) after a month's build: each rebuilt draft's care lines scored
by the person's risk, a share drawn (``ltc.domain.review_sampling``) from a new seed, and
beside it every line decided before that is unchanged (same fingerprint), its decision
standing and applied again to the rebuilt line."""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from piccolo.utils.encoding import dump_json

from ltc.db.bulk import insert_rows
from ltc.db.engine import fetch_rows, write_transaction
from ltc.db.parameters import in_parts
from ltc.db.queries import months
from ltc.db.queries.review_lines import sampled_lines_sql
from ltc.db.queries.risk_facts import VisitTally
from ltc.db.tables import ReviewSample, Settlement, SettlementLine
from ltc.domain import settlement as rules
from ltc.domain.periods import Period
from ltc.domain.policy import PolicyBook
from ltc.domain.review_sampling import Drawn, LineRisk, draw
from ltc.domain.risk import RiskScore
from ltc.services.audit import Change, record_changes
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book
from ltc.services.supervision.renetting import net_again
from ltc.services.supervision.risk import MonthFacts, month_facts

SAMPLED_KINDS = (rules.HOME, rules.INSTITUTIONAL)
# review_sample's columns as a draw inserts them (the month's samples in one bulk write)
SAMPLE_COLUMNS = tuple(c._meta.name for c in ReviewSample._meta.columns if c._meta.name != "id")


@dataclass(slots=True)
class SampleRow:
    """A review_sample row as a draw writes it (``SAMPLE_COLUMNS``; a table object each would
    cost more than the draw)."""

    settlement: int
    provider: int
    period: str
    line_id: int
    line_fingerprint: str
    person: int
    seed: int
    drawn_for: str
    reasons: str  # JSON
    score: float
    status: str
    fund_fen_drawn: int
    drawn_at: datetime
    amount_fen: int | None = None
    note: str = ""
    decided_by: int | None = None
    decided_at: datetime | None = None


class SampledLine(NamedTuple):
    """A settlement line a sample may draw: care for a person (a tuple: a month has hundreds
    of thousands, read as rows)."""

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


async def sampled_lines(settlement_ids: Sequence[int], period: Period) -> list[SampledLine]:
    """The lines of the settlements of ``period`` a sample is drawn from: care for a person (not
    adjustments or deductions), in id order."""
    lines: list[SampledLine] = []
    for part in in_parts(settlement_ids):
        sql = sampled_lines_sql(len(part), SAMPLED_KINDS, months.of_period(period))
        lines += map(SampledLine._make, await fetch_rows(sql, *part))
    return sorted(lines)


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


def _draw(lines: list[SampledLine], facts: MonthFacts, reasons: dict[int, tuple[str, ...]]) -> _Draw:
    """``reasons``: of the scores met so far, by identity (the month's facts keep one score
    for each set of facts, which its hundreds of thousands of persons share)."""
    seed = secrets.randbits(62)
    risks = {line.id: facts.person_score(line.provider, line.person) for line in lines}
    at_risk = []
    for line_id, scored in risks.items():
        why = reasons.get(id(scored))
        if why is None:
            why = reasons[id(scored)] = scored.reasons
        at_risk.append(LineRisk(line_id, scored.score, why))
    drawn = draw(at_risk, facts.policy.review_share, facts.policy.review_risk_share, seed)
    return _Draw(seed, drawn, risks)


async def draw_samples(
    ctx: ServiceContext, period: Period, settlement_ids: list[int], tallies: list[VisitTally] | None = None
) -> None:
    """Draw the sample of each draft just (re)built; decisions on unchanged lines carried over.
    ``tallies``: the month's visit tallies, when the build read them beside its pricing."""
    if not settlement_ids:
        return
    facts = await month_facts(ctx, period, tallies)
    lines_of: dict[int, list[SampledLine]] = defaultdict(list)
    for line in await sampled_lines(settlement_ids, period):
        lines_of[line.settlement].append(line)
    now = ctx.clock.now()
    async with write_transaction() as transaction:
        decided_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for old in (
            await ReviewSample.select().where(ReviewSample.settlement.is_in(settlement_ids)).output(load_json=True)
        ):
            if old["status"] != "pending":
                decided_of[old["settlement"]].append(old)
        await ReviewSample.delete().where(ReviewSample.settlement.is_in(settlement_ids))
        reasons: dict[int, tuple[str, ...]] = {}
        draws = {s: _draw(lines_of.get(s, []), facts, reasons) for s in settlement_ids}
        printed = {d.line_id for one in draws.values() for d in one.drawn}
        printed |= {line.id for s in decided_of for line in lines_of.get(s, [])}
        prints = await fingerprints(sorted(printed), period)
        rows: list[SampleRow] = []
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
        if rows:
            samples = [tuple(getattr(row, c) for c in SAMPLE_COLUMNS) for row in rows]
            await insert_rows(transaction, ReviewSample, SAMPLE_COLUMNS, samples)
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
) -> tuple[list[SampleRow], int]:
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
            await set_line_fund(
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
) -> SampleRow:
    return SampleRow(
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


async def set_line_fund(
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
