from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain import settlement as rules
from ltc.domain.errors import InvalidInput
from ltc.domain.fund import (
    DUE_SOON,
    OVERDUE,
    advance_amount,
    advance_netting_line,
    budget_against_actual,
    payment_due,
    payment_standing,
    project,
    trend,
    with_advance_netting,
)
from ltc.domain.ledger import FUND_BANK, advance, balances, entry_for_advance, entry_for_approval
from ltc.domain.periods import Period


def test_trend_by_hand() -> None:
    # points (0,1) (1,3) (2,5): the line 1 + 2t
    assert trend([1, 3, 5]) == (Fraction(1), Fraction(2))
    assert trend([7]) == (Fraction(7), Fraction(0))
    with pytest.raises(InvalidInput) as nothing:
        trend([])
    assert nothing.value.code == "invalid_history"
    # (0,0) (1,1) (2,0) (3,1): mean t 1.5, mean v 0.5, slope 0.2
    assert trend([0, 1, 0, 1]) == (Fraction(1, 5), Fraction(1, 5))


def test_projection_by_hand() -> None:
    # contributions flat at 100, spend rising by 10 from 50: next months spend 80, 90, 100
    contributions = {"2026-01": 100, "2026-02": 100, "2026-03": 100}
    spend = {"2026-01": 50, "2026-02": 60, "2026-03": 70}
    months = project(1000, contributions, spend, "2026-03", months_ahead=3)
    assert [m.period for m in months] == ["2026-04", "2026-05", "2026-06"]
    assert [m.spend_fen for m in months] == [80, 90, 100]
    assert [m.contributions_fen for m in months] == [100, 100, 100]
    assert [m.balance_fen for m in months] == [1020, 1030, 1030]
    # 1020 ÷ avg(60, 70, 80) = 1020 ÷ 70 = 14.57 → 14.6
    assert months[0].months_payable == Decimal("14.6")
    # 1030 ÷ avg(80, 90, 100) = 11.44 → 11.4
    assert months[2].months_payable == Decimal("11.4")


def test_projection_leaves_out_the_months_before_the_scheme_and_flattens_at_nothing() -> None:
    spend = {"2026-05": 100, "2026-06": 50}  # falling 50 a month: 0, then never below 0
    months = project(500, {}, spend, "2026-06", months_ahead=3)
    assert [m.spend_fen for m in months] == [0, 0, 0]
    assert [m.balance_fen for m in months] == [500, 500, 500]
    # months without spend are left out of the average: 500 ÷ avg(100, 50) = 6.67
    assert months[0].months_payable == Decimal("6.7")
    assert months[1].months_payable == Decimal("10.0")  # 500 ÷ 50
    assert months[2].months_payable is None  # no spend left to divide by
    assert project(500, {}, {}, "2026-06") == []


def test_projection_of_a_negative_balance_stays_negative() -> None:
    months = project(-300, {}, {"2026-06": 100}, "2026-06", months_ahead=1)
    assert months[0].balance_fen == -400
    assert months[0].months_payable == Decimal("-4.0")


@given(
    balance=st.integers(-(10**9), 10**9),
    contributions=st.lists(st.integers(0, 10**8), min_size=12, max_size=12),
    spend=st.lists(st.integers(0, 10**8), min_size=12, max_size=12),
)
def test_projection_balance_runs_from_its_own_months(balance: int, contributions: list[int], spend: list[int]) -> None:
    periods = [str(Period(2025, m)) for m in range(1, 13)]
    months = project(
        balance, dict(zip(periods, contributions, strict=True)), dict(zip(periods, spend, strict=True)), "2025-12"
    )
    running = balance
    for month in months:
        assert month.contributions_fen >= 0 and month.spend_fen >= 0
        running += month.contributions_fen - month.spend_fen
        assert month.balance_fen == running
    if any(contributions) or any(spend):
        assert len(months) == 12 and months[0].period == "2026-01"


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_a_flat_history_projects_flat(values: list[int]) -> None:
    value = values[0]
    flat = [value] * len(values)
    a, b = trend(flat)
    assert (a, b) == (value, 0)


def test_advance_amount_by_hand() -> None:
    assert advance_amount([100_00, 200_00, 300_00], Decimal("2")) == 400_00
    assert advance_amount([1, 2], Decimal("1.5")) == 2  # 1.5 × 1.5 = 2.25 → 2
    assert advance_amount([], Decimal("2")) == 0
    with pytest.raises(InvalidInput):
        advance_amount([1], Decimal("0"))


def test_advance_netting_never_takes_a_draft_below_nothing() -> None:
    line = advance_netting_line(500, 300)
    assert line is not None and line.kind == rules.ADVANCE_NETTING
    assert (line.gross_fen, line.fund_fen, line.personal_fen) == (-300, -300, 0)
    assert advance_netting_line(200, 300).fund_fen == -200  # type: ignore[union-attr]
    assert advance_netting_line(0, 300) is None
    assert advance_netting_line(500, -20) is None


@given(open_fen=st.integers(0, 10**9), care=st.integers(0, 10**9))
def test_an_approval_with_netting_settles_the_advance_and_balances(open_fen: int, care: int) -> None:
    home = rules.SettlementLine(
        kind=rules.HOME, person_id=1, level=3, quantity=60, unit="minute", unit_price_fen=None,
        gross_fen=care, fund_fen=care, personal_fen=0,
    )  # fmt: skip
    draft = with_advance_netting(rules.SettlementDraft.of(7, Period(2026, 3), [home]), open_fen)
    netted = min(open_fen, care)
    assert draft.fund_fen == care - netted >= 0
    entries = []
    if open_fen:
        entries.append(entry_for_advance(7, "2026-02", open_fen))
    offsets = rules.approval_offsets(7, [(x.kind, x.fund_fen) for x in draft.lines])
    entries.append(entry_for_approval(1, 7, draft.fund_fen, offsets))
    totals = balances(entries)
    assert totals.get(advance(7), 0) == open_fen - netted  # back to 0 once all is netted
    assert totals.get(FUND_BANK, 0) == -open_fen


def test_an_advance_is_booked_once_a_month() -> None:
    entry = entry_for_advance(7, "2026-02", 100)
    assert entry.source_id == "advance:7:2026-02"
    with pytest.raises(InvalidInput):
        entry_for_advance(7, "2026-02", 0)


def test_payment_standing_by_hand() -> None:
    due = payment_due(date(2026, 3, 10), 30)
    assert due == date(2026, 4, 9)
    assert payment_standing(due, date(2026, 4, 1), 7) is None
    assert payment_standing(due, date(2026, 4, 2), 7) == DUE_SOON
    assert payment_standing(due, date(2026, 4, 9), 7) == DUE_SOON
    assert payment_standing(due, date(2026, 4, 10), 7) == OVERDUE
    with pytest.raises(InvalidInput) as no_days:
        payment_due(date(2026, 3, 10), 0)
    assert no_days.value.code == "invalid_days"


def test_budget_against_actual_by_hand() -> None:
    rows = budget_against_actual(2026, {("2026-01", "home"): 1000}, {("2026-01", "home"): 1100})
    assert len(rows) == 24
    first = rows[0]
    assert (first.period, first.care_mode, first.variance_fen, first.used_share) == (
        "2026-01",
        "home",
        100,
        Decimal("1.100"),
    )
    assert rows[1].used_share is None
