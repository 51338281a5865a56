"""The fund's monthly analysis and quarterly report (基金运行分析): over the approved or paid
settlements of a month or a quarter (three months), the care paid for by town, by level, by
care mode and by provider — persons, home visits, bed-days, the gross amount and the fund's
and persons' parts — and the months the fund's balance could pay at the span's end.

Only the lines of care count (home and institutional): adjustments and netting lines are
money already decided about earlier months, reported in the settlements themselves."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel

from ltc.db.tables import SettlementLine
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import InvalidInput
from ltc.domain.ledger import months_payable
from ltc.domain.periods import Period
from ltc.services import ledger
from ltc.services.context import ServiceContext

Dimension = Literal["town", "level", "care_mode", "provider"]
DIMENSIONS: tuple[Dimension, ...] = ("town", "level", "care_mode", "provider")
QUARTER_PATTERN = r"^\d{4}-Q[1-4]$"


class AnalysisRow(BaseModel):
    key: str  # the town's name, the level, the care mode or the provider's name
    persons: int
    visits: int
    bed_days: int
    gross_fen: int
    fund_fen: int
    personal_fen: int


class FundAnalysis(BaseModel):
    span: str  # "2026-03" or "2026-Q1"
    periods: list[str]
    groups: dict[str, list[AnalysisRow]]  # by dimension
    total: AnalysisRow
    balance_fen: int | None  # at the end of the span's last month (None: no ledger posting by then)
    months_payable: float | None


def span_periods(span: str) -> list[Period]:
    """A month ``YYYY-MM`` or a quarter ``YYYY-Qn`` (its three months)."""
    text = span.strip()
    if re.fullmatch(QUARTER_PATTERN, text):
        year, quarter = int(text[:4]), int(text[-1])
        return [Period(year, 3 * (quarter - 1) + m) for m in (1, 2, 3)]
    return [Period.parse(text)]


class _Totals:
    def __init__(self) -> None:
        self.persons: set[int] = set()
        self.visits = self.bed_days = self.gross = self.fund = self.personal = 0

    def add(self, line: dict[str, Any]) -> None:
        if line["person"] is not None:
            self.persons.add(line["person"])
        if line["kind"] == rules.HOME:
            ids = line["visit_ids"]
            self.visits += len(json.loads(ids) if isinstance(ids, str) else ids or [])
        else:
            self.bed_days += int(line["quantity"])
        self.gross += int(line["gross_fen"])
        self.fund += int(line["fund_fen"])
        self.personal += int(line["personal_fen"])

    def row(self, key: str) -> AnalysisRow:
        return AnalysisRow(
            key=key,
            persons=len(self.persons),
            visits=self.visits,
            bed_days=self.bed_days,
            gross_fen=self.gross,
            fund_fen=self.fund,
            personal_fen=self.personal,
        )


async def analyse(ctx: ServiceContext, actor: Actor, span: str) -> FundAnalysis:
    require(actor, Action.READ_FUND)
    try:
        periods = span_periods(span)
    except InvalidInput:
        raise InvalidInput(
            f"{span!r} is not a month or a quarter", code="invalid_span", errors=[{"field": "span"}]
        ) from None
    names = [str(p) for p in periods]
    lines = await SettlementLine.select(
        SettlementLine.kind,
        SettlementLine.person,
        SettlementLine.level,
        SettlementLine.quantity,
        SettlementLine.visit_ids,
        SettlementLine.gross_fen,
        SettlementLine.fund_fen,
        SettlementLine.personal_fen,
        SettlementLine.person._.town._.name.as_alias("town"),
        SettlementLine.settlement._.provider._.name.as_alias("provider"),
    ).where(
        SettlementLine.settlement.status.is_in([rules.APPROVED, rules.PAID])
        & SettlementLine.settlement.period.is_in(names)
        & SettlementLine.kind.is_in([rules.HOME, rules.INSTITUTIONAL])
    )
    groups: dict[str, dict[str, _Totals]] = {d: defaultdict(_Totals) for d in DIMENSIONS}
    total = _Totals()
    for line in lines:
        keys = {
            "town": line["town"] or "",
            "level": str(line["level"] or ""),
            "care_mode": line["kind"],
            "provider": line["provider"] or "",
        }
        for dimension, key in keys.items():
            groups[dimension][key].add(line)
        total.add(line)
    balance, months = await _months_payable_at(ctx, periods[-1])
    return FundAnalysis(
        span=span.strip(),
        periods=names,
        groups={
            d: sorted((t.row(k) for k, t in by_key.items()), key=lambda r: (-r.fund_fen, r.key))
            for d, by_key in groups.items()
        },
        total=total.row(""),
        balance_fen=balance,
        months_payable=months,
    )


async def _months_payable_at(ctx: ServiceContext, last: Period) -> tuple[int | None, float | None]:
    """The balance at the end of ``last`` and the months it pays at the average spend of the
    three months with spend up to it (as the fund's months payable)."""
    spend, balances = await ledger.spend_and_balance_by_period(ctx)
    known = [p for p in sorted(balances) if p <= str(last)]
    if not known:
        return None, None
    balance = balances[known[-1]]
    recent = sorted((p for p, v in spend.items() if v > 0 and p <= str(last)), reverse=True)[:3]
    months = months_payable(balance, [spend[p] for p in recent])
    return balance, float(months) if months is not None else None
