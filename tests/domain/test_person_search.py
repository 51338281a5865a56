"""What a search box's text is taken for, and the calendar month of the person's visits."""

from __future__ import annotations

from datetime import date

import pytest

from ltc.domain.month_calendar import month_weeks
from ltc.domain.periods import Period
from ltc.domain.person_search import SearchKey, SearchTerm, classify_search, like_prefix
from ltc.domain.personal_data import build_keyring, normalised_phone, phone_index


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", None),
        ("   ", None),
        ("33021319400506031x", SearchTerm(SearchKey.ID_NUMBER, "33021319400506031X")),
        (" 330213194005060318 ", SearchTerm(SearchKey.ID_NUMBER, "330213194005060318")),
        ("13800001111", SearchTerm(SearchKey.PHONE, "13800001111")),
        ("138-0000 1111", SearchTerm(SearchKey.PHONE, "13800001111")),
        ("+86 138 0000 1111", SearchTerm(SearchKey.PHONE, "+8613800001111")),
        ("(0574) 8888-1234", SearchTerm(SearchKey.PHONE, "057488881234")),
        ("王", SearchTerm(SearchKey.NAME, "王")),
        ("王 小", SearchTerm(SearchKey.NAME, "王 小")),
        ("1234", SearchTerm(SearchKey.NAME, "1234")),  # too short to be a phone
        ("3302131940050603100", SearchTerm(SearchKey.PHONE, "3302131940050603100")),  # 19 digits: no id number
        ("33021319400506031Y", SearchTerm(SearchKey.NAME, "33021319400506031Y")),
    ],
)
def test_a_search_text_is_an_id_number_a_phone_or_the_start_of_a_name(text: str, expected) -> None:
    assert classify_search(text) == expected


def test_a_long_search_text_is_cut_to_the_longest_a_name_can_be() -> None:
    term = classify_search("张" * 100)
    assert term is not None and term.key == SearchKey.NAME and len(term.value) == 64


def test_a_like_prefix_takes_wildcards_literally() -> None:
    assert like_prefix("王") == "王%"
    assert like_prefix("50%_\\") == "50\\%\\_\\\\%"


def test_the_phone_index_is_keyed_and_ignores_how_the_number_is_written() -> None:
    ring = build_keyring("")
    assert normalised_phone(" +86 138-0000 1111 ") == "+8613800001111"
    assert phone_index(ring, "138 0000 1111") == phone_index(ring, "13800001111")
    assert phone_index(ring, "13800001111") != phone_index(ring, "13800001112")
    assert phone_index(ring, "") is None and phone_index(ring, " - ") is None
    other = build_keyring("", index_key="b3RoZXIta2V5LW9mLTMyLWJ5dGVzLWxvbmctZW5vdWdoLg")
    assert phone_index(other, "13800001111") != phone_index(ring, "13800001111")


def test_a_month_is_laid_out_in_whole_monday_first_weeks() -> None:
    weeks = month_weeks(Period(2026, 12))
    assert weeks[0][0] == date(2026, 11, 30) and weeks[-1][-1] == date(2027, 1, 3)
    assert all(len(week) == 7 and week[0].weekday() == 0 for week in weeks)
    assert [d for week in weeks for d in week if d.month == 12] == [date(2026, 12, n) for n in range(1, 32)]
    assert len(month_weeks(Period(2021, 2))) == 4  # February 2021 starts on a Monday and fills four weeks
