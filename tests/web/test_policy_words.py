"""Every rule of the policy reads in words with its unit, in Chinese and English: no field
name, fen amount or raw share reaches the policy page."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

import pytest

from ltc.domain.policy import Policy
from ltc.settings import PROJECT_ROOT
from ltc.web.i18n import configure_catalogs, set_language
from ltc.web.policy_words import POLICY_RULES, rule_name, value_words


@pytest.fixture(autouse=True)
def catalogs() -> None:
    configure_catalogs(PROJECT_ROOT / "locale")


def test_every_rule_of_the_policy_has_a_name_and_a_unit() -> None:
    rules = {f.name for f in fields(Policy)} - {"version", "effective_from"}
    assert rules - set(POLICY_RULES) == set()


@pytest.mark.parametrize(
    ("language", "rule", "value", "words"),
    [
        ("zh_CN", "minimum_age", 60, "60 岁"),
        ("en", "minimum_age", 60, "60 years old"),
        ("zh_CN", "notice_days", 7, "7 天"),
        ("en", "validity_months_severe", 24, "24 months"),
        ("zh_CN", "fund_share_home", Decimal("0.90"), "90%"),
        ("en", "minimum_duration_share", Decimal("0.75"), "75%"),
        ("zh_CN", "home_hourly_price_fen", 6000, "¥60.00"),
        ("zh_CN", "home_hours_by_level", {3: 20, 4: 25}, "重度失能Ⅰ级 20 小时；重度失能Ⅱ级 25 小时"),
        ("en", "bed_day_cap_fen_by_level", {5: 8000, 3: 6000}, "Severe I ¥60.00; Severe III ¥80.00"),
        ("en", "working_day_start_hour", 8, "08:00"),
        ("en", "eligible_self_eval_grades", ("E", "F", "G"), "E; F; G"),
        ("zh_CN", "geofence_m", 200.0, "200 米"),
    ],
)
def test_a_rule_s_value_reads_with_its_unit(language: str, rule: str, value: object, words: str) -> None:
    set_language(language)
    assert value_words(rule, value) == words


def test_rule_names_are_words_in_both_languages() -> None:
    set_language("zh_CN")
    assert rule_name("minimum_age") == "最低年龄"
    assert rule_name("a_rule_not_known_yet") == "其他规则"
    set_language("en")
    assert rule_name("notice_days") == "Public notice period"
