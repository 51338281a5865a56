from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain.errors import InvalidInput
from ltc.domain.money import format_yuan, parse_yuan, round_half_up, share_fen, split


def test_share_rounds_half_up_to_the_fen() -> None:
    assert share_fen(1015, Decimal("0.90")) == 914  # 913.5 → 914
    assert share_fen(1005, Decimal("0.90")) == 905  # 904.5 → 905
    assert share_fen(1004, Decimal("0.90")) == 904  # 903.6 → 904
    assert share_fen(1001, Decimal("0.90")) == 901  # 900.9 → 901
    assert share_fen(1011, Decimal("0.90")) == 910  # 909.9 → 910
    assert share_fen(1013, Decimal("0.75")) == 760  # 759.75 → 760
    assert share_fen(1002, Decimal("0.75")) == 752  # 751.5 → 752
    assert share_fen(1001, Decimal("0.75")) == 751  # 750.75 → 751
    assert share_fen(1003, Decimal("0.05")) == 50  # 50.15 → 50


def test_share_of_a_negative_amount_is_symmetric() -> None:
    assert share_fen(-1015, Decimal("0.90")) == -914
    assert share_fen(-1003, Decimal("0.05")) == -50


def test_share_takes_exact_fractions() -> None:
    assert share_fen(6000, Fraction(90, 60)) == 9000
    assert share_fen(6030, Fraction(7, 60)) == 704  # 703.5 → 704
    assert share_fen(6001, Fraction(1, 60)) == 100  # 100.0166…


def test_round_half_up() -> None:
    assert [round_half_up(n, 2) for n in (-3, -2, -1, 0, 1, 2, 3)] == [-2, -1, -1, 0, 1, 1, 2]
    assert round_half_up(5, -2) == -3
    with pytest.raises(ZeroDivisionError):
        round_half_up(1, 0)


def test_split_hand_computed() -> None:
    assert split(120000, Decimal("0.90")) == (108000, 12000)
    assert split(210000, Decimal("0.75")) == (157500, 52500)
    assert split(1015, Decimal("0.90")) == (914, 101)
    assert split(0, Decimal("0.90")) == (0, 0)


def test_split_refuses_a_rate_outside_zero_to_one() -> None:
    with pytest.raises(InvalidInput) as err:
        split(100, Decimal("1.1"))
    assert err.value.code == "invalid_rate"


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        share_fen(10.0, Decimal("0.9"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        share_fen(10, 0.9)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        split(100, 0.9)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_yuan(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_yuan(12.3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        share_fen(True, Decimal("0.9"))  # type: ignore[arg-type]


def test_format_yuan() -> None:
    assert format_yuan(123456) == "1,234.56"
    assert format_yuan(0) == "0.00"
    assert format_yuan(5) == "0.05"
    assert format_yuan(-5) == "-0.05"
    assert format_yuan(100000000) == "1,000,000.00"
    assert format_yuan(-123456) == "-1,234.56"


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12.30", 1230),
        ("12.3", 1230),
        ("12", 1200),
        ("0.05", 5),
        ("1,234.56", 123456),
        (" 7.1 ", 710),
        ("-3.25", -325),
        ("+1", 100),
        ("0", 0),
    ],
)
def test_parse_yuan(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["12.345", "1.001", "", "abc", "1.", ".5", "1,23.00", "1e3", "12,34", "--1", "1 000"])
def test_parse_yuan_refuses(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_yuan(text)
    assert err.value.code == "invalid_amount"


def test_parse_yuan_decimal_and_int() -> None:
    assert parse_yuan(Decimal("12.30")) == 1230
    assert parse_yuan(Decimal("-0.5")) == -50
    assert parse_yuan(12) == 1200
    with pytest.raises(InvalidInput):
        parse_yuan(Decimal("0.001"))
    with pytest.raises(InvalidInput):
        parse_yuan(Decimal("NaN"))


rates = st.decimals(min_value=0, max_value=1, places=4)


@given(amount=st.integers(min_value=-(10**12), max_value=10**12), rate=rates)
def test_split_always_sums_and_is_within_half_a_fen(amount: int, rate: Decimal) -> None:
    fund, personal = split(amount, rate)
    assert fund + personal == amount
    exact = Fraction(amount) * Fraction(rate)
    assert abs(fund - exact) <= Fraction(1, 2)
    assert abs(fund - exact) < 1


@given(fen=st.integers(min_value=-(10**12), max_value=10**12))
def test_format_then_parse_round_trips(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen
