"""The pure rules that keep corrections and builds from corrupting the fund: a month must have
ended to be submitted, approved or corrected, a future month cannot be built, and a
correction keeps the person's month within [0, what the month could have paid]."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.periods import Period
from ltc.domain.policy import Policy, PolicyBook
from ltc.domain.settlement import (
    Adjustment,
    CountedVisit,
    HomeCareInput,
    InstitutionalCareInput,
    PersonMonth,
    build_settlement,
    check_buildable,
    check_correction,
    check_month_ended,
    month_ceiling,
    month_ended,
)

MARCH = Period.parse("2026-03")
V1 = Policy(version="v1", effective_from=date(2020, 1, 1))
V2 = Policy(
    version="v2",
    effective_from=date(2026, 3, 16),
    home_hourly_price_fen=7000,
    home_hours_by_level={3: 10, 4: 30, 5: 40},
    bed_day_cap_fen_by_level={3: 6500, 4: 7000, 5: 9000},
    fund_share_home=Decimal("0.95"),
)
ONE = PolicyBook(city="t", versions=(V1,))
TWO = PolicyBook(city="t", versions=(V1, V2))


# --------------------------------------------------------------------------- the month's end


@pytest.mark.parametrize(
    ("today", "ended"),
    [(date(2026, 3, 1), False), (date(2026, 3, 31), False), (date(2026, 4, 1), True), (date(2027, 1, 1), True)],
)
def test_a_month_ends_after_its_last_local_day(today: date, ended: bool) -> None:
    assert month_ended(MARCH, today) is ended
    if ended:
        check_month_ended(MARCH, today, "approve")
    else:
        with pytest.raises(Conflict) as err:
            check_month_ended(MARCH, today, "approve")
        assert err.value.code == "period_not_ended"


@pytest.mark.parametrize(
    ("today", "buildable"),
    [(date(2026, 2, 28), False), (date(2026, 3, 1), True), (date(2026, 3, 31), True), (date(2026, 5, 2), True)],
)
def test_a_month_is_built_from_its_first_day_never_before(today: date, buildable: bool) -> None:
    if buildable:
        check_buildable(MARCH, today)
    else:
        with pytest.raises(InvalidInput) as err:
            check_buildable(MARCH, today)
        assert err.value.code == "period_in_future"


# --------------------------------------------------------------------------- the ceiling


def test_the_ceiling_of_a_home_month_is_the_level_cap_at_the_price() -> None:
    person = PersonMonth(0, 0, home_levels=(3,), hourly_prices=(6000,))
    # 20 h × 60.00 yuan; the fund 90 %
    assert month_ceiling(person, MARCH, ONE.in_force) == (120_000, 108_000)
    policy_price = PersonMonth(0, 0, home_levels=(3,))
    assert month_ceiling(policy_price, MARCH, ONE.in_force) == (120_000, 108_000)  # V1's default price


def test_the_ceiling_of_an_institutional_month_is_every_day_at_the_capped_price() -> None:
    dear = PersonMonth(0, 0, institutional_levels=(4,), daily_prices=(9000,))
    assert month_ceiling(dear, MARCH, ONE.in_force) == (31 * 7000, 31 * 7000 * 3 // 4)
    cheap = PersonMonth(0, 0, institutional_levels=(4,), daily_prices=(5000,))
    assert month_ceiling(cheap, MARCH, ONE.in_force) == (31 * 5000, 31 * 5000 * 3 // 4)


def test_the_ceiling_takes_the_largest_of_two_versions_and_no_care_gives_nothing() -> None:
    person = PersonMonth(0, 0, home_levels=(4,))
    # V2: 30 h at 70.00, fund 95 %; V1 would give 25 h at 60.00
    assert month_ceiling(person, MARCH, TWO.in_force) == (210_000, 199_500)
    assert month_ceiling(PersonMonth(0, 0), MARCH, TWO.in_force) == (0, 0)


def test_a_day_without_a_policy_pays_nothing() -> None:
    late = PolicyBook(city="t", versions=(Policy(version="late", effective_from=date(2026, 3, 20)),))
    person = PersonMonth(0, 0, institutional_levels=(3,), daily_prices=(6000,))
    assert month_ceiling(person, MARCH, late.in_force) == (31 * 6000, 31 * 6000 * 3 // 4)
    assert month_ceiling(person, Period.parse("2026-02"), late.in_force) == (0, 0)


levels = st.sampled_from([3, 4, 5])


@settings(max_examples=150, deadline=None)
@given(
    level=levels,
    minutes=st.lists(st.integers(0, 600), max_size=40),
    hourly=st.one_of(st.none(), st.integers(0, 20_000)),
    bed_days=st.sets(st.integers(0, 30), max_size=31),
    daily=st.integers(0, 20_000),
    book=st.sampled_from([ONE, TWO]),
)
def test_no_facts_of_a_month_pay_more_than_its_ceiling(level, minutes, hourly, bed_days, daily, book) -> None:
    home = HomeCareInput(
        person_id=1,
        level=level,
        visits=tuple(CountedVisit(n + 1, MARCH.first_day + timedelta(days=n % 31), m) for n, m in enumerate(minutes)),
        hourly_price_fen=hourly,
    )
    inst = InstitutionalCareInput(
        person_id=1,
        level=level,
        agreed_daily_price_fen=daily,
        days=tuple(MARCH.first_day + timedelta(days=d) for d in sorted(bed_days)),
    )
    draft = build_settlement(7, MARCH, [home], [inst], policy_for=book.in_force)
    person = PersonMonth(
        0,
        0,
        home_levels=(level,),
        institutional_levels=(level,),
        hourly_prices=() if hourly is None else (hourly,),
        daily_prices=(daily,),
    )
    gross, fund = month_ceiling(person, MARCH, book.in_force)
    assert draft.gross_fen <= gross and draft.fund_fen <= fund


# --------------------------------------------------------------------------- the bound


PAID = PersonMonth(paid_gross_fen=10_000, paid_fund_fen=9_000, home_levels=(3,))
CEILING = (120_000, 108_000)


@pytest.mark.parametrize(
    ("amount", "fund"),
    [(-10_000, -9_000), (-1_000, None), (-9_000, -9_000), (110_000, 99_000), (500, 0), (0, -100), (-500, -450)],
)
def test_a_correction_within_the_month_is_accepted(amount: int, fund: int | None) -> None:
    check_correction(PAID, amount, fund, CEILING)


@pytest.mark.parametrize(
    ("amount", "fund", "code"),
    [
        (0, None, "correction_zero"),
        (0, 0, "correction_zero"),
        (-10_001, -9_000, "correction_exceeds_paid"),
        (-9_500, None, "correction_exceeds_paid"),  # the fund's part defaults to all of it
        (-1_000_000_000_000, None, "correction_exceeds_paid"),
        (110_001, 99_000, "correction_exceeds_ceiling"),
        (100_000, 99_001, "correction_exceeds_ceiling"),
        (1_000_000_000_000, None, "correction_exceeds_ceiling"),
        (-1_001, 0, "correction_fund_share"),  # the person's own part would go negative
        (0, 1_001, "correction_fund_share"),
    ],
)
def test_a_correction_beyond_the_month_is_refused(amount: int, fund: int | None, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_correction(PAID, amount, fund, CEILING)
    assert err.value.code == code


def test_earlier_corrections_count_against_the_bound() -> None:
    # what was paid already includes the corrections recorded before: a second refund
    # cannot take back what the first took back already
    after_refund = PersonMonth(paid_gross_fen=10_000 - 6_000, paid_fund_fen=9_000 - 6_000)
    with pytest.raises(InvalidInput) as err:
        check_correction(after_refund, -6_000, None, CEILING)
    assert err.value.code == "correction_exceeds_paid"
    check_correction(after_refund, -3_000, None, CEILING)


def test_an_adjustment_line_names_its_correction() -> None:
    adjustment = Adjustment(period=MARCH, person_id=1, amount_fen=-100, reason="r", correction_id=42)
    draft = build_settlement(7, MARCH.next(), [], [], [adjustment], policy_for=ONE.in_force)
    (line,) = draft.lines
    assert (line.kind, line.correction_id, line.to_dict()["correction_id"]) == ("adjustment", 42, 42)
    other = build_settlement(
        7, MARCH.next(), [], [], [Adjustment(MARCH, 1, -100, "r", correction_id=43)], policy_for=ONE.in_force
    )
    assert other.content_hash() != draft.content_hash(), "the correction carried is part of the draft"
