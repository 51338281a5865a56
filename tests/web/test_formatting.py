"""Values in the page's language: plural units, list separators, dates, numbers, towns and
error sentences."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ltc.web import formatting, i18n

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def speak() -> Iterator[object]:
    i18n.configure_catalogs(ROOT / "locale")
    tokens = []

    def set_to(language: str) -> None:
        tokens.append(i18n.set_language(language))

    yield set_to
    for token in reversed(tokens):
        i18n.reset_language(token)


def test_minutes_take_the_plural_in_english_and_none_in_chinese(speak) -> None:
    speak("en")
    assert formatting.quantity(1, "minute") == "1 minute"
    assert formatting.quantity(62, "minute") == "62 minutes"
    assert formatting.quantity(0, "minute") == "0 minutes"
    assert formatting.quantity(3, "day") == "3 bed-days"
    assert formatting.quantity(1, "score") == "1 point"
    assert formatting.quantity(1250, "minute") == "1,250 minutes"
    speak("zh_CN")
    assert formatting.quantity(62, "minute") == "62 分钟"
    assert formatting.quantity(1, "minute") == "1 分钟"
    assert formatting.quantity(3, "day") == "3 床日"


def test_a_quantity_without_a_unit_is_its_number(speak) -> None:
    speak("en")
    assert formatting.quantity(0, "") == "0"
    assert formatting.quantity(12, "fortnight") == "12"


def test_lists_use_the_languages_separators(speak) -> None:
    speak("zh_CN")
    assert formatting.join_list(["洗澡", "翻身", "喂饭"]) == "洗澡、翻身和喂饭"
    assert formatting.join_list(["洗澡"]) == "洗澡"
    assert formatting.join_list([]) == ""
    speak("en")
    assert formatting.join_list(["Bathing", "Turning", "Feeding"]) == "Bathing, Turning, and Feeding"
    assert formatting.join_list(["Bathing", "", None, "Turning"]) == "Bathing and Turning"


def test_dates_times_and_numbers_follow_the_language(speak) -> None:
    at = datetime(2026, 12, 6, 13, 5, tzinfo=UTC)
    speak("zh_CN")
    assert formatting.day(date(2026, 12, 6)) == "2026年12月6日"
    assert formatting.moment(at, SHANGHAI) == "2026年12月6日 21:05"
    assert formatting.number(12345.5, 1) == "12,345.5"
    speak("en")
    assert formatting.day(date(2026, 12, 6)) == "Dec 6, 2026"
    assert formatting.moment(at, SHANGHAI) == "Dec 6, 2026 21:05"
    assert formatting.number(None) == "–"


def test_codes_become_words(speak) -> None:
    speak("en")
    assert formatting.words("too_short") == "Visit too short"
    assert formatting.words("medical_carer") == "Medical carer"
    assert formatting.words("care_plan.confirm") == "Care plan confirmed by the family"
    assert formatting.words("") == ""
    speak("zh_CN")
    assert formatting.words("weak_gps_signal") == "定位信号弱"


@pytest.mark.parametrize("given", ["溪口镇", "Xikou", "330213007"])
def test_a_town_reads_the_same_on_every_page(speak, given: str) -> None:
    speak("zh_CN")
    assert formatting.town(given) == "溪口镇"
    speak("en")
    assert formatting.town(given) == "Xikou"


def test_an_unknown_town_is_shown_as_given(speak) -> None:
    speak("en")
    assert formatting.town("Atlantis") == "Atlantis"
    assert formatting.town(None) == ""


def test_error_codes_have_sentences_in_each_language(speak) -> None:
    speak("zh_CN")
    assert formatting.error_message("role_not_allowed") == "您的角色无权进行此操作。"
    assert formatting.error_message("not_found") == "该记录不存在，或您无权查看。"
    assert formatting.error_message("no_such_code_anywhere", "Not found") == "未找到"
    speak("en")
    assert formatting.error_message("role_not_allowed") == "Your role may not do this."


def test_a_date_given_as_text_is_formatted_too(speak) -> None:
    speak("en")
    assert formatting.day("2026-12-06") == "Dec 6, 2026"
    assert formatting.day("not a date") == "not a date"
    assert formatting.day(None) == "–"
    assert formatting.month("2026-11") == "November 2026"
    speak("zh_CN")
    assert formatting.month("2026-11") == "2026年11月"
    assert formatting.month("soon") == "soon"
