from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from ltc.domain.policy import Policy
from ltc.domain.policy_changes import PolicyChange, policy_changes, version_history

FIRST = Policy(version="2021.1", effective_from=date(2021, 1, 1))


def test_identical_rules_under_another_name_and_day_change_nothing() -> None:
    later = replace(FIRST, version="2024.1", effective_from=date(2024, 1, 1))
    assert policy_changes(FIRST, later) == ()


def test_each_changed_rule_is_named_with_its_old_and_new_value_in_declared_order() -> None:
    later = replace(
        FIRST,
        version="2024.1",
        effective_from=date(2024, 1, 1),
        notice_days=10,
        minimum_age=65,
        home_hours_by_level={3: 20, 4: 28, 5: 30},
    )
    assert policy_changes(FIRST, later) == (
        PolicyChange("minimum_age", 60, 65),
        PolicyChange("notice_days", 7, 10),
        PolicyChange("home_hours_by_level", {3: 20, 4: 25, 5: 30}, {3: 20, 4: 28, 5: 30}),
    )


def test_shares_compare_by_value_not_by_spelling() -> None:
    same = replace(FIRST, fund_share_home=Decimal("0.9"))
    assert policy_changes(FIRST, same) == ()
    lower = replace(FIRST, fund_share_home=Decimal("0.85"))
    assert policy_changes(FIRST, lower) == (PolicyChange("fund_share_home", Decimal("0.90"), Decimal("0.85")),)


def test_the_history_orders_versions_by_day_with_spans_and_changes_from_the_one_before() -> None:
    second = replace(FIRST, version="2024.1", effective_from=date(2024, 1, 1), notice_days=10)
    third = replace(second, version="2026.1", effective_from=date(2026, 7, 1), notice_days=7, minimum_age=62)
    history = version_history([third, FIRST, second])
    assert [h.version for h in history] == ["2021.1", "2024.1", "2026.1"]
    assert [h.effective_until for h in history] == [date(2024, 1, 1), date(2026, 7, 1), None]
    assert history[0].changes is None
    assert history[1].changes == (PolicyChange("notice_days", 7, 10),)
    assert history[2].changes == (PolicyChange("minimum_age", 60, 62), PolicyChange("notice_days", 10, 7))
