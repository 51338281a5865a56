"""The sign-in throttle's window arithmetic, at each exact limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ltc.domain.sign_in import ThrottlePolicy, recent_failures, retry_after, retry_after_seconds

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(max_failures=5, window=timedelta(minutes=15))


def failures(*minutes_ago: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes_ago]


def test_n_minus_one_failures_leave_the_subject_free() -> None:
    assert retry_after(failures(1, 2, 3, 4), NOW, POLICY) is None


def test_n_failures_lock_until_the_oldest_leaves_the_window() -> None:
    assert retry_after(failures(1, 2, 3, 4, 10), NOW, POLICY) == timedelta(minutes=5)


def test_more_than_n_failures_wait_for_enough_of_them_to_leave() -> None:
    # Seven failures: the third oldest (10 minutes ago) must leave before 4 remain.
    assert retry_after(failures(1, 2, 3, 4, 10, 12, 14), NOW, POLICY) == timedelta(minutes=5)


def test_a_failure_exactly_one_window_old_no_longer_counts() -> None:
    assert retry_after(failures(1, 2, 3, 4, 15), NOW, POLICY) is None
    almost = [NOW - timedelta(minutes=15) + timedelta(microseconds=1)]
    assert retry_after(failures(1, 2, 3, 4) + almost, NOW, POLICY) == timedelta(microseconds=1)


def test_the_lock_ends_at_the_exact_moment_the_window_moves_on() -> None:
    times = failures(1, 2, 3, 4, 10)
    assert retry_after(times, NOW + timedelta(minutes=5) - timedelta(microseconds=1), POLICY) is not None
    assert retry_after(times, NOW + timedelta(minutes=5), POLICY) is None


def test_failures_in_the_future_are_not_counted() -> None:
    assert recent_failures(failures(-1, 1), NOW, POLICY) == failures(1)


def test_retry_after_is_whole_seconds_rounded_up_and_never_zero() -> None:
    assert retry_after_seconds(timedelta(seconds=299, microseconds=1)) == 300
    assert retry_after_seconds(timedelta(seconds=300)) == 300
    assert retry_after_seconds(timedelta(microseconds=1)) == 1
    assert retry_after_seconds(timedelta(0)) == 1


@pytest.mark.parametrize("max_failures, window", [(0, timedelta(minutes=1)), (1, timedelta(0))])
def test_a_policy_needs_a_limit_and_a_window(max_failures: int, window: timedelta) -> None:
    with pytest.raises(ValueError):
        ThrottlePolicy(max_failures, window)


def test_one_failure_allowed_means_the_first_locks() -> None:
    assert retry_after(failures(0), NOW, ThrottlePolicy(1, timedelta(minutes=1))) == timedelta(minutes=1)
