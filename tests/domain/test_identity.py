"""Resident id numbers: GB 11643 check digit, birth date and sex, masking, age."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain.errors import InvalidInput
from ltc.domain.identity import (
    age_on,
    check_digit,
    make_id_number,
    mask_id_number,
    parse_id_number,
)

TODAY = date(2026, 11, 22)


def test_the_published_example_has_check_character_x() -> None:
    # The standard's own example: 11010519491231002X.
    assert check_digit("11010519491231002") == "X"
    parsed = parse_id_number("11010519491231002x", today=TODAY)
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31) and parsed.sex == "F" and parsed.region == "110105"


@pytest.mark.parametrize(
    "raw",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 characters
        "1101051949123100X2",  # X not last
        "110105194902300028",  # 30 February
        "110105203001010012",  # born in the future
        "",
    ],
)
def test_bad_numbers_are_refused_with_the_code(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_id_number(raw, today=TODAY)
    assert refused.value.code == "invalid_id_number"


def test_a_future_birth_date_with_a_valid_check_digit_is_refused() -> None:
    future = make_id_number("330213", date(2027, 1, 1), 11, "M")
    with pytest.raises(InvalidInput):
        parse_id_number(future, today=TODAY)


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(0, 999),
    sex=st.sampled_from(["M", "F"]),
)
def test_made_numbers_parse_back(birth: date, sequence: int, sex: str) -> None:
    parsed = parse_id_number(make_id_number("330213", birth, sequence, sex), today=TODAY)
    assert (parsed.birth_date, parsed.sex, parsed.region) == (birth, sex, "330213")


def test_masking_keeps_the_first_four_and_last_four() -> None:
    assert mask_id_number("330213193712202288") == "3302**********2288"


@pytest.mark.parametrize(
    "birth, day, age",
    [
        (date(1960, 6, 15), date(2020, 6, 14), 59),
        (date(1960, 6, 15), date(2020, 6, 15), 60),
        (date(1960, 2, 29), date(2021, 2, 28), 60),
        (date(1960, 2, 29), date(2021, 3, 1), 61),
    ],
)
def test_age_counts_completed_years(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age
