"""The injected clock: services ask it for the time; tests pass a fixed one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    at: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 1, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)


def local_today(clock: Clock, zone: ZoneInfo) -> date:
    """Today's date in the city's time zone (periods and ages are local)."""
    return clock.now().astimezone(zone).date()
