"""Money at its limits: the ends of a fund share's range, rates that are not numbers, the
codes of every refusal, and the conversion of a rate done once."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import pytest

from ltc.domain import money
from ltc.domain.errors import InvalidInput
from ltc.domain.money import check_fen, parse_yuan, round_half_up, share_fen, split


@pytest.fixture(autouse=True)
def no_remembered_rates() -> Iterator[None]:
    """Each test converts its rates itself, whatever earlier tests left in the cache."""
    money._cached_ratio.cache_clear()
    yield
    money._cached_ratio.cache_clear()


@pytest.mark.parametrize("rate", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_rate_that_is_not_a_finite_number_is_refused(rate: str) -> None:
    for use in (lambda r: share_fen(100, r), lambda r: split(100, r)):
        with pytest.raises(InvalidInput) as err:
            use(Decimal(rate))
        assert err.value.code == "invalid_rate"


def test_finite_decimals_ints_and_fractions_are_rates() -> None:
    assert share_fen(1000, Decimal("0.37")) == 370
    assert share_fen(250, 2) == 500  # an int rate
    assert share_fen(90, Fraction(1, 3)) == 30
    assert share_fen(-250, 2) == -500


def test_a_fund_share_of_exactly_zero_or_exactly_one_is_allowed() -> None:
    assert split(100, 0) == (0, 100)
    assert split(100, Decimal(0)) == (0, 100)
    assert split(100, Decimal("1")) == (100, 0)
    assert split(100, Fraction(1)) == (100, 0)
    assert split(100, Decimal("0.999")) == (100, 0)  # 99.9 → 100: rounded, yet within [0, 1]
    for outside in (Decimal("1.001"), Decimal("-0.001"), Fraction(101, 100), 2, -1):
        with pytest.raises(InvalidInput) as err:
            split(100, outside)
        assert err.value.code == "invalid_rate"


def test_a_rate_is_converted_once_and_a_fraction_needs_no_conversion() -> None:
    info = money._cached_ratio.cache_info
    share_fen(1000, Decimal("0.37"))
    assert (info().currsize, info().hits) == (1, 0)
    share_fen(2000, Decimal("0.37"))
    assert (info().currsize, info().hits) == (1, 1)
    share_fen(1000, Fraction(37, 100))  # already exact, in lowest terms: straight through
    assert info().currsize == 1
    assert share_fen(1000, Fraction(74, 200)) == 370


def test_check_fen() -> None:
    assert check_fen(0) == 0
    assert check_fen(-7) == -7

    class Fen(int):
        pass

    assert check_fen(Fen(5)) == 5  # an int subclass is still an int of fen
    for bad in (True, 1.0, Decimal(1), "1", None):
        with pytest.raises(TypeError):
            check_fen(bad)


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("0.001"),  # three decimals
        Decimal("12.345"),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("1E+30"),  # too large to quantize to the fen
        Decimal("sNaN"),
    ],
)
def test_a_decimal_that_is_not_an_amount_is_refused_with_the_code(amount: Decimal) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_yuan(amount)
    assert err.value.code == "invalid_amount"


def test_parse_yuan_of_whole_and_negative_decimals() -> None:
    assert parse_yuan(Decimal("12.3")) == 1230
    assert parse_yuan(Decimal("-12.30")) == -1230
    assert parse_yuan(Decimal(7)) == 700
    assert parse_yuan(-3) == -300
    assert parse_yuan("-0.05") == -5
    assert parse_yuan("-1,234") == -123400
    with pytest.raises(TypeError):
        parse_yuan(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_yuan(True)


def test_round_half_up_by_hand() -> None:
    # halves away from zero, on both sides and with a negative denominator
    assert [round_half_up(n, 4) for n in (-6, -2, -1, 1, 2, 6)] == [-2, -1, 0, 0, 1, 2]
    assert round_half_up(7, -2) == -4  # -3.5 → -4
    assert round_half_up(-7, -2) == 4
    assert round_half_up(0, -5) == 0
    assert round_half_up(10**20 + 1, 2) == 5 * 10**19 + 1
    with pytest.raises(TypeError):
        round_half_up(1, 2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        round_half_up(1.0, 2)  # type: ignore[arg-type]
