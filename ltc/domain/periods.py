"""Settlement periods: a calendar month in the city's time zone, written ``YYYY-MM``.

A period's bounds are local midnights: ``start_utc(zone)`` is 00:00 on the 1st in ``zone``
and ``end_utc(zone)`` is 00:00 on the 1st of the next month — a half-open interval
``[start, end)``, so an instant belongs to exactly one period. Both are returned as aware
UTC datetimes, ready to compare with stored times. The zone is an argument
(``Asia/Shanghai`` in production); nothing here reads the clock.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from ltc.domain.errors import InvalidInput

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")

# The years the scheme can have business in; a day or period outside is a typing error (and
# near Python's limits, datetime arithmetic on it would fail).
MIN_YEAR = 2000
MAX_YEAR = 2100


def year_in_range(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def require_day_in_range(day: date, field: str = "date") -> date:
    """``day`` itself, or InvalidInput ``date_out_of_range`` outside MIN_YEAR–MAX_YEAR."""
    if not year_in_range(day.year):
        raise InvalidInput(
            f"{day.isoformat()} is outside {MIN_YEAR}–{MAX_YEAR}",
            code="date_out_of_range",
            errors=[{"field": field, "message": f"a year from {MIN_YEAR} to {MAX_YEAR}"}],
        )
    return day


@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not year_in_range(self.year):
            raise InvalidInput(f"year {self.year!r} is not {MIN_YEAR}–{MAX_YEAR}", code="invalid_period")
        if isinstance(self.month, bool) or not isinstance(self.month, int) or not 1 <= self.month <= 12:
            raise InvalidInput(f"month {self.month!r} is not 1–12", code="invalid_period")

    @classmethod
    def parse(cls, text: str | Period) -> Period:
        """``"2026-03"`` → ``Period(2026, 3)``; anything else → InvalidInput ``invalid_period``."""
        if isinstance(text, Period):
            return text
        match = _PERIOD.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise InvalidInput(f"{text!r} is not a period YYYY-MM", code="invalid_period", errors=[{"field": "period"}])
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Period:
        """The period a (local) day belongs to."""
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def days(self) -> int:
        """The number of days in the month (28–31)."""
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days())

    def dates(self) -> list[date]:
        """Every day of the month, in order."""
        return [date(self.year, self.month, d) for d in range(1, self.days() + 1)]

    def contains(self, day: date) -> bool:
        return day.year == self.year and day.month == self.month

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def start_utc(self, zone: tzinfo) -> datetime:
        """00:00 local on the 1st, as an aware UTC datetime (inclusive bound)."""
        return _local_midnight_utc(self.first_day, zone)

    def end_utc(self, zone: tzinfo) -> datetime:
        """00:00 local on the 1st of the next month, as aware UTC (exclusive bound)."""
        return _local_midnight_utc(self.last_day + timedelta(days=1), zone)


def _local_midnight_utc(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def local_day(dt: datetime, zone: tzinfo) -> date:
    """The calendar day an aware instant falls on in ``zone``. A naive datetime is refused
    (``ValueError``): its zone would be a guess."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("local_day needs an aware datetime")
    return dt.astimezone(zone).date()


def service_month(moment: datetime, zone: tzinfo) -> date:
    """The first day of the month (in ``zone``) an instant belongs to: the month a visit and
    every row about it are kept under (the partitions of visits on PostgreSQL)."""
    return local_day(moment, zone).replace(day=1)
