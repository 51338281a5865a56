"""The password policy: each rule at its exact limit, and expiry on the day before, of and after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ltc.domain.errors import InvalidInput
from ltc.domain.password_policy import (
    MAX_PASSWORD_LENGTH,
    PasswordPolicy,
    character_classes,
    check_new_password,
    password_expired,
    password_expires_at,
    reject_reused_password,
)

POLICY = PasswordPolicy(min_length=10, min_classes=3, history=5, max_age_days=90)


def code_of(password: str, username: str = "officer7", policy: PasswordPolicy = POLICY) -> str | None:
    try:
        check_new_password(password, username, policy)
    except InvalidInput as error:
        return error.code
    return None


def test_the_minimum_length_is_allowed_and_one_less_is_not() -> None:
    assert code_of("Abcdefgh1!") is None  # 10
    assert code_of("Abcdefg1!") == "password_too_short"  # 9


def test_the_maximum_length() -> None:
    assert code_of("Aa1" + "x" * (MAX_PASSWORD_LENGTH - 3)) is None
    assert code_of("Aa1" + "x" * (MAX_PASSWORD_LENGTH - 2)) == "password_too_long"


@pytest.mark.parametrize(
    "password, classes",
    [
        ("abcdefghij", 1),
        ("abcdefghiJ", 2),
        ("abcdefghJ1", 3),
        ("abcdefgJ1!", 4),
        ("abcdefghi-", 2),
        ("密码密码密码密码密码1A", 3),
    ],
)
def test_character_classes(password: str, classes: int) -> None:
    assert character_classes(password) == classes


@pytest.mark.parametrize(
    "password, classes",
    [
        # Each class's first and last character counts in that class, and in no other.
        ("a", 1),
        ("z", 1),
        ("A", 1),
        ("Z", 1),
        ("0", 1),
        ("9", 1),
        ("XYZ", 1),
        ("az", 1),
        ("AZ09", 2),
        ("`{@[/:", 1),  # the neighbours of the ranges are "other characters"
    ],
)
def test_the_ends_of_each_character_class(password: str, classes: int) -> None:
    assert character_classes(password) == classes


def test_two_classes_are_too_simple_and_three_are_enough() -> None:
    assert code_of("abcdefghiJ") == "password_too_simple"
    assert code_of("abcdefghJ1") is None
    assert code_of("abcdefghiJ", policy=PasswordPolicy(min_classes=2)) is None


def test_the_username_may_not_be_the_password_nor_in_it() -> None:
    assert code_of("Officer7!x", username="officer7") == "password_contains_username"
    assert code_of("xx-OFFICER7-yy", username="officer7") == "password_contains_username"
    assert code_of("Officer8!x", username="officer7") is None


def test_a_reused_password_has_its_own_code() -> None:
    error = reject_reused_password()
    assert error.code == "password_reused"
    assert isinstance(error.detail, str) and "recently" in error.detail, "the refusal says why"


CHANGED = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)


def test_expiry_the_day_before_of_and_after() -> None:
    expires = CHANGED + timedelta(days=90)
    assert password_expires_at(CHANGED, POLICY) == expires
    assert not password_expired(CHANGED, expires - timedelta(days=1), POLICY)
    assert not password_expired(CHANGED, expires - timedelta(microseconds=1), POLICY)
    assert password_expired(CHANGED, expires, POLICY)
    assert password_expired(CHANGED, expires + timedelta(days=1), POLICY)


def test_a_one_day_age_expires_after_one_day() -> None:
    daily = PasswordPolicy(max_age_days=1)
    assert password_expires_at(CHANGED, daily) == CHANGED + timedelta(days=1)
    assert password_expired(CHANGED, CHANGED + timedelta(days=1), daily)


def test_no_expiry_when_the_policy_sets_no_age() -> None:
    never = PasswordPolicy(max_age_days=0)
    assert password_expires_at(CHANGED, never) is None
    assert not password_expired(CHANGED, CHANGED + timedelta(days=10_000), never)


def test_a_freshly_set_password_has_not_expired() -> None:
    assert not password_expired(CHANGED, CHANGED, POLICY)
