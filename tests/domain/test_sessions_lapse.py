"""When a session ends by itself, and when its last use is written, at each exact limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ltc.domain.sessions import EndReason, SessionTimes, lapse_reason, touch_due

SIGNED_IN = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
IDLE = timedelta(minutes=30)
TIMES = SessionTimes(last_seen_at=SIGNED_IN, expires_at=SIGNED_IN + timedelta(hours=12))
TICK = timedelta(microseconds=1)


def test_idle_just_under_the_timeout_is_live_and_at_it_ends() -> None:
    assert lapse_reason(TIMES, SIGNED_IN + IDLE - TICK, IDLE) is None
    assert lapse_reason(TIMES, SIGNED_IN + IDLE, IDLE) == EndReason.IDLE


def test_the_absolute_end_wins_even_when_in_use() -> None:
    busy = SessionTimes(last_seen_at=TIMES.expires_at - timedelta(seconds=1), expires_at=TIMES.expires_at)
    assert lapse_reason(busy, TIMES.expires_at - TICK, IDLE) is None
    assert lapse_reason(busy, TIMES.expires_at, IDLE) == EndReason.EXPIRED


def test_no_idle_timeout() -> None:
    assert lapse_reason(TIMES, SIGNED_IN + timedelta(hours=11), None) is None


def test_the_last_use_is_written_once_per_interval() -> None:
    minute = timedelta(minutes=1)
    assert not touch_due(SIGNED_IN, SIGNED_IN, minute)
    assert not touch_due(SIGNED_IN, SIGNED_IN + minute - TICK, minute)
    assert touch_due(SIGNED_IN, SIGNED_IN + minute, minute)
