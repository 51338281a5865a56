"""The family's reference, token and masks: pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ltc.domain.family_follow import (
    REFERENCE_LETTERS,
    TOKEN_LIFETIME,
    application_reference,
    given_name,
    masked_name,
    monthly_answer_key,
    normalise_reference,
    read_grant,
    same_secret,
    sign_grant,
)

KEY = b"k" * 32
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_a_reference_names_the_day_and_eight_letters_read_out_without_confusion() -> None:
    reference = application_reference(date(2026, 12, 7))
    assert reference.startswith("SQ261207") and len(reference) == 16
    assert all(c in REFERENCE_LETTERS for c in reference[8:])
    assert len({application_reference(date(2026, 12, 7)) for _ in range(50)}) == 50


def test_a_quoted_reference_is_read_without_spaces_or_case() -> None:
    assert normalise_reference(" sq2612 07ab cd ") == "SQ261207ABCD"


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=29 * 60))
def test_a_token_opens_its_own_application_until_it_expires(application_id: int, seconds: int) -> None:
    token = sign_grant(KEY, application_id, NOW)
    grant = read_grant(KEY, token, NOW + timedelta(seconds=seconds))
    assert grant is not None and grant.application_id == application_id
    assert read_grant(KEY, token, NOW + TOKEN_LIFETIME) is None


@given(st.integers(min_value=1, max_value=10**6))
def test_a_token_changed_or_signed_with_another_key_opens_nothing(application_id: int) -> None:
    token = sign_grant(KEY, application_id, NOW)
    body, expires, mac = token.split(".")
    assert read_grant(KEY, f"{application_id + 1}.{expires}.{mac}", NOW) is None
    assert read_grant(KEY, f"{body}.{int(expires) + 600}.{mac}", NOW) is None
    assert read_grant(b"o" * 32, token, NOW) is None
    assert read_grant(KEY, "", NOW) is None and read_grant(KEY, "a.b.c", NOW) is None


def test_names_are_shown_no_further_than_needed() -> None:
    assert given_name("王小红") == "小红" and given_name("李") == "李"
    assert masked_name("张三丰") == "张**" and masked_name("张") == "张*"


def test_one_answer_key_per_person_and_month() -> None:
    assert monthly_answer_key(7, date(2026, 12, 1)) == monthly_answer_key(7, date(2026, 12, 31))
    assert monthly_answer_key(7, date(2026, 12, 1)) != monthly_answer_key(7, date(2027, 1, 1))
    assert monthly_answer_key(7, date(2026, 12, 1)) != monthly_answer_key(8, date(2026, 12, 1))


def test_secrets_are_compared_whole() -> None:
    assert same_secret("330213194801011234", "330213194801011234")
    assert not same_secret("330213194801011235", "330213194801011234")


@given(st.text(max_size=80))
def test_any_text_as_a_token_opens_nothing_and_never_fails(token: str) -> None:
    assert read_grant(KEY, token, NOW) is None
    assert read_grant(KEY, f"{token}.{token}.{token}", NOW) is None


def test_a_token_with_non_ascii_digits_opens_nothing() -> None:
    assert read_grant(KEY, "²³.١٢.x", NOW) is None
