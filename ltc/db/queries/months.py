"""The ``service_month`` bounds a query over visits, events or settlement lines adds so that
PostgreSQL reads only the partitions of the months it needs (pruning); on SQLite the same
bounds are a harmless filter. One place decides how a time range maps to months.

A scheduled visit's month is its slot's start (``window_opens``); its ``planned_start`` lies
in the slot's window, minutes to hours later: a range of planned starts needs the months from
a day before it. A check-in's time is the device's and may sit on either side of a month's
edge (a late slot on the 31st checked in after midnight): a range of check-ins reads the
neighbouring months too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from piccolo.columns import Column

from ltc.domain.partitions import EVENT_REACH_MONTHS, add_months
from ltc.domain.periods import Period, service_month

_PLANNED_AFTER_SLOT = timedelta(days=1)  # more than any slot's window
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class MonthBounds:
    first: date  # the first month's first day, inclusive
    last: date  # the last month's first day, inclusive

    def where(self, column: Column) -> Any:
        """As a Piccolo where-clause on ``column`` (a ``service_month``)."""
        return (column >= self.first) & (column <= self.last)

    def sql(self, alias: str = "") -> str:
        """As SQL text (dates as literals: both databases compare them with the column)."""
        column = f"{alias}.service_month" if alias else "service_month"
        return f"{column} >= '{self.first.isoformat()}' AND {column} <= '{self.last.isoformat()}'"


def of_month(month: date) -> MonthBounds:
    return MonthBounds(month, month)


def of_period(period: Period) -> MonthBounds:
    """A settlement period's lines: exactly its month."""
    return of_month(period.first_day)


def of_planned(start: datetime, end: datetime | None, zone: tzinfo) -> MonthBounds:
    """Visits planned to start in [start, end) (end None: open, up to the far future)."""
    last = service_month(end - _INSTANT, zone) if end is not None else date(9999, 12, 1)
    return MonthBounds(service_month(start - _PLANNED_AFTER_SLOT, zone), last)


def around(moment: datetime, zone: tzinfo) -> MonthBounds:
    """The month of ``moment`` and the one before: where a visit checked in or out now is kept
    almost always (a late slot of last month's end, an event sent late)."""
    month = service_month(moment, zone)
    return MonthBounds(add_months(month, -1), month)


def of_checked_in(start: datetime, end: datetime, zone: tzinfo) -> MonthBounds:
    """Visits checked in during [start, end): their months and the neighbouring ones."""
    reach = EVENT_REACH_MONTHS  # the visits an event of these months may be recorded on
    return MonthBounds(
        add_months(service_month(start, zone), -reach), add_months(service_month(end - _INSTANT, zone), reach)
    )


def of_event(at: datetime, zone: tzinfo) -> MonthBounds:
    """The months of the visits an event sent for ``at`` may be recorded on."""
    return of_checked_in(at, at + _INSTANT, zone)


def of_checked_in_period(period: Period, zone: tzinfo) -> MonthBounds:
    return of_checked_in(period.start_utc(zone), period.end_utc(zone), zone)
