"""The monthly partitions' rules: which months must exist, their names, and when an old
month may be detached."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from ltc.domain.partitions import (
    add_months,
    detach_refusal,
    month_after,
    months_between,
    months_missing,
    months_needed,
    parse_month,
    partition_name,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@settings(max_examples=200)
@given(days, st.integers(min_value=1, max_value=24))
def test_the_months_needed_are_the_current_one_and_the_ones_ahead_in_a_row(today: date, ahead: int) -> None:
    months = months_needed(today, ahead)
    assert len(months) == ahead + 1
    assert months[0] == today.replace(day=1)
    assert all(later == month_after(earlier) for earlier, later in pairwise(months))
    assert all(m.day == 1 for m in months)


@settings(max_examples=200)
@given(days, st.integers(min_value=1, max_value=12), st.sets(days, max_size=8))
def test_missing_months_are_exactly_the_wanted_ones_without_a_partition(
    today: date, ahead: int, existing_days: set[date]
) -> None:
    wanted = months_needed(today, ahead)
    existing = {d.replace(day=1) for d in existing_days}
    missing = months_missing(wanted, existing)
    assert set(missing) | (set(wanted) & existing) == set(wanted)
    assert not set(missing) & existing
    assert missing == sorted(missing)
    assert months_missing(wanted, set(wanted) | existing) == []


@settings(max_examples=200)
@given(days, st.integers(min_value=-300, max_value=300))
def test_adding_months_moves_whole_months(day: date, count: int) -> None:
    month = day.replace(day=1)
    moved = add_months(month, count)
    assert (moved.year * 12 + moved.month) - (month.year * 12 + month.month) == count
    assert add_months(moved, -count) == month


@settings(max_examples=100)
@given(days, st.integers(min_value=0, max_value=400))
def test_months_between_cover_the_range(first: date, span: int) -> None:
    last = first + timedelta(days=span)
    months = months_between(first, last)
    assert months[0] == first.replace(day=1) and months[-1] == last.replace(day=1)
    assert len(set(months)) == len(months)
    assert months_between(last, first - timedelta(days=40)) == []


def test_month_text_and_names() -> None:
    assert parse_month("2021-01") == date(2021, 1, 1)
    assert parse_month(" 2026-12 ") == date(2026, 12, 1)
    assert [parse_month(t) for t in ("2021-13", "2021-00", "21-01", "2021-1", "x", "")] == [None] * 6
    assert partition_name("visit", date(2026, 11, 1)) == "visit_2026_11"
    assert month_after(date(2026, 12, 1)) == date(2027, 1, 1)


def test_a_month_is_detached_only_past_the_retention_and_settled() -> None:
    today = date(2026, 12, 7)
    old = date(2024, 11, 1)  # 25 months before December 2026
    assert detach_refusal(old, today, 24, ["approved", "paid"], 0) is None
    assert detach_refusal(old, today, 24, [], 0) is None  # nothing was settled that month
    within = detach_refusal(date(2024, 12, 1), today, 24, ["paid"], 0)
    assert within is not None and within.code == "month_within_retention"
    open_month = detach_refusal(old, today, 24, ["paid", "draft"], 0)
    assert open_month is not None and open_month.code == "month_not_settled"
    assert "draft" in open_month.detail
    caught = detach_refusal(old, today, 24, ["paid"], 3)
    assert caught is not None and caught.code == "month_in_default_partition"


@settings(max_examples=100)
@given(days, days, st.integers(min_value=1, max_value=60))
def test_no_month_within_the_retention_is_ever_detachable(month_day: date, today: date, retention: int) -> None:
    month = month_day.replace(day=1)
    refusal = detach_refusal(month, today, retention, ["paid"], 0)
    months_back = (today.year * 12 + today.month) - (month.year * 12 + month.month)
    assert (refusal is None) == (months_back > retention)
