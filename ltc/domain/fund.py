"""The fund's planning arithmetic (DOMAIN §8): the projection of months payable, advance
payments to providers (预拨) and their netting, payment deadlines after approval, and the
year's budget against actual (预决算). Pure: the services hand in the figures.

Projection (:func:`project`)
----------------------------
From the last twelve months' contributions and spend (months before the first month with
a figure for either are left out: a young scheme's empty months are not a trend), each series gets a
least-squares straight line ``a + b·t`` over its months ``t = 0 … n−1``. Month ``k`` ahead
(``t = n−1+k``) then receives the line's contributions and spends the line's spend, each
rounded half up to the fen and never below 0 (a falling line flattens at nothing). The
balance runs on from today's; months payable in month ``k`` is that balance ÷ the average of
the last three months' spend (projected ones included; months without spend left out, as
today's months payable), by :func:`ledger.months_payable`.
With a single month of history the line is flat at that month. Without any history there is
nothing to project (an empty list).

Advances (:func:`advance_amount`, :func:`advance_netting_line`)
---------------------------------------------------------------
An advance is ``advance_months`` × the average fund amount of the provider's approved months
(the last twelve), rounded half up. It is netted in the provider's next settlement as one
line of kind ``advance``: ``−min(open advance, the draft's fund amount)`` — a settlement is
never pushed below nothing by an advance; what is left stays open for the next one.

Payment deadlines (:func:`payment_standing`)
--------------------------------------------
An approved settlement is due ``payment_deadline_days`` after the (local) day of approval;
it is ``overdue`` after that day and ``due_soon`` within ``payment_due_soon_days`` of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from ltc.domain import settlement as rules
from ltc.domain.errors import InvalidInput
from ltc.domain.ledger import months_payable
from ltc.domain.money import check_fen, round_half_up
from ltc.domain.periods import Period

HISTORY_MONTHS = 12
PROJECTION_MONTHS = 12
SPEND_AVERAGE_MONTHS = 3  # as the fund's months payable today


def _fraction_round(value: Fraction) -> int:
    return round_half_up(value.numerator, value.denominator)


def trend(values: Sequence[int]) -> tuple[Fraction, Fraction]:
    """The least-squares line ``(a, b)`` through ``(t, values[t])``; flat for one value."""
    n = len(values)
    if n == 0:
        raise InvalidInput("a trend needs at least one month", code="invalid_history")
    if n == 1:
        return Fraction(values[0]), Fraction(0)
    mean_t = Fraction(n - 1, 2)
    mean_v = Fraction(sum(values), n)
    spread = sum(((t - mean_t) * (t - mean_t) for t in range(n)), Fraction(0))
    slope = sum(((t - mean_t) * (v - mean_v) for t, v in enumerate(values)), Fraction(0)) / spread
    return mean_v - slope * mean_t, slope


@dataclass(frozen=True, slots=True)
class ProjectedMonth:
    period: str
    contributions_fen: int
    spend_fen: int
    balance_fen: int  # at the month's end
    months_payable: Decimal | None


def history_window(
    contributions: Mapping[str, int], spend: Mapping[str, int], as_of: Period, months: int = HISTORY_MONTHS
) -> list[Period]:
    """The months of the last ``months`` up to ``as_of`` from the first with any figure."""
    window = [as_of]
    while len(window) < months:
        window.insert(0, window[0].previous())
    with_figures = [p for p in window if str(p) in contributions or str(p) in spend]
    return window[window.index(with_figures[0]) :] if with_figures else []


def project(
    balance_fen: int,
    contributions: Mapping[str, int],
    spend: Mapping[str, int],
    as_of: Period | str,
    months_ahead: int = PROJECTION_MONTHS,
) -> list[ProjectedMonth]:
    """The fund month by month after ``as_of`` (see the module doc)."""
    check_fen(balance_fen, "balance_fen")
    if months_ahead < 0:
        raise InvalidInput("months ahead cannot be negative", code="invalid_months")
    as_of = Period.parse(as_of)
    window = history_window(contributions, spend, as_of)
    if not window:
        return []
    income = [check_fen(contributions.get(str(p), 0), "contributions") for p in window]
    spent = [check_fen(spend.get(str(p), 0), "spend") for p in window]
    (a_in, b_in), (a_out, b_out) = trend(income), trend(spent)
    recent = spent[-SPEND_AVERAGE_MONTHS:]
    out: list[ProjectedMonth] = []
    period, balance = as_of, balance_fen
    for k in range(1, months_ahead + 1):
        t = len(window) - 1 + k
        period = period.next()
        month_in = max(0, _fraction_round(a_in + b_in * t))
        month_out = max(0, _fraction_round(a_out + b_out * t))
        balance += month_in - month_out
        recent = [*recent, month_out][-SPEND_AVERAGE_MONTHS:]
        paying = [s for s in recent if s > 0]
        out.append(ProjectedMonth(str(period), month_in, month_out, balance, months_payable(balance, paying)))
    return out


# ------------------------------------------------------------------------------ advances


def advance_amount(monthly_fund_fen: Sequence[int], advance_months: Decimal) -> int:
    """``advance_months`` × the average of the provider's monthly fund amounts (0 without)."""
    if advance_months <= 0:
        raise InvalidInput("advance months must be positive", code="invalid_months")
    months = [check_fen(v, "fund_fen") for v in monthly_fund_fen]
    if not months:
        return 0
    total = Fraction(sum(months)) * Fraction(advance_months) / len(months)
    return max(0, _fraction_round(total))


def advance_netting_line(open_advance_fen: int, draft_fund_fen: int) -> rules.SettlementLine | None:
    """The line that counts an advance as paid: at most the draft's fund amount."""
    check_fen(open_advance_fen, "open_advance_fen")
    netted = min(open_advance_fen, max(0, draft_fund_fen))
    if netted <= 0:
        return None
    return rules.SettlementLine(
        kind=rules.ADVANCE_NETTING,
        person_id=None,
        level=None,
        quantity=0,
        unit="",
        unit_price_fen=None,
        gross_fen=-netted,
        fund_fen=-netted,
        personal_fen=0,
        note=f"advance netted: {netted} fen of {open_advance_fen} fen paid ahead",
    )


def with_advance_netting(draft: rules.SettlementDraft, open_advance_fen: int) -> rules.SettlementDraft:
    """The draft with its advance netting line last (unchanged when nothing is open)."""
    line = advance_netting_line(open_advance_fen, draft.fund_fen)
    if line is None:
        return draft
    return rules.SettlementDraft.of(draft.provider_id, draft.period, [*draft.lines, line])


# ----------------------------------------------------------------------- payment deadlines

PaymentStanding = Literal["due_soon", "overdue"]
DUE_SOON: PaymentStanding = "due_soon"
OVERDUE: PaymentStanding = "overdue"


def payment_due(approved_on: date, deadline_days: int) -> date:
    if deadline_days < 1:
        raise InvalidInput("a payment deadline is at least a day", code="invalid_days")
    return approved_on + timedelta(days=deadline_days)


def payment_standing(due: date, today: date, due_soon_days: int) -> PaymentStanding | None:
    """``overdue`` after the due day, ``due_soon`` from ``due_soon_days`` before it, else None."""
    if today > due:
        return OVERDUE
    if (due - today).days <= due_soon_days:
        return DUE_SOON
    return None


# ------------------------------------------------------------------------------- budget

CARE_MODES = ("home", "institutional")


@dataclass(frozen=True, slots=True)
class BudgetRow:
    period: str
    care_mode: str
    budget_fen: int
    actual_fen: int

    @property
    def variance_fen(self) -> int:
        """Actual less budget: positive when spending runs over the budget."""
        return self.actual_fen - self.budget_fen

    @property
    def used_share(self) -> Decimal | None:
        """Actual ÷ budget to a tenth of a per cent (None without a budget)."""
        if self.budget_fen <= 0:
            return None
        return Decimal(round_half_up(self.actual_fen * 1000, self.budget_fen)).scaleb(-3)


def budget_against_actual(
    year: int, budget: Mapping[tuple[str, str], int], actual: Mapping[tuple[str, str], int]
) -> list[BudgetRow]:
    """Every month of ``year`` × care mode, keyed ``(period, care_mode)``: the budget and the
    approved fund amount; a month or mode without figures is 0."""
    rows = []
    for month in range(1, 13):
        period = str(Period(year, month))
        for mode in CARE_MODES:
            rows.append(
                BudgetRow(
                    period, mode, check_fen(budget.get((period, mode), 0)), check_fen(actual.get((period, mode), 0))
                )
            )
    return rows


def budget_mode(care_mode: str) -> str:
    if care_mode not in CARE_MODES:
        raise InvalidInput(f"unknown care mode {care_mode}", code="invalid_care_mode", errors=[{"field": "care_mode"}])
    return care_mode
