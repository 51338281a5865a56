"""Monthly partitions (PostgreSQL): which months must exist ahead of their rows, what a month's
partition is called, and when an old month may be detached for archiving. Pure rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# Partitioned by service_month, parents first (a child's foreign key names visit).
PARTITIONED_TABLES = ("visit", "visit_event", "visit_evidence", "settlement_line")
# Detached last-to-first: nothing may still reference a visit partition when it goes.
DETACH_ORDER = ("settlement_line", "visit_event", "visit_evidence", "visit")
# Plain tables holding a month's rows that reference visits: copied to the archive, then deleted.
ARCHIVED_BY_COPY = ("visit_exception", "visit_alert")
ARCHIVE_SCHEMA = "archive"
# A settlement period is closed for archiving once every settlement of it is one of these.
SETTLED_STATUSES = frozenset({"approved", "paid"})

_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{2})$")


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> date | None:
    """``YYYY-MM`` as its first day, or None when it is not a month."""
    found = _MONTH_TEXT.match(text.strip())
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        return None
    return date(int(found[1]), int(found[2]), 1)


# How far (in months) a check-in or check-out may lie from its visit's month: the settlement
# reads a month's check-ins among the visits of that month and its neighbours, so an event
# further away would never be paid (a wrong visit or a wrong clock: refused).
EVENT_REACH_MONTHS = 1


def within_reach(visit_month: date, event_month: date) -> bool:
    """Whether an event of ``event_month`` may be recorded on a visit of ``visit_month``."""
    return add_months(visit_month, -EVENT_REACH_MONTHS) <= event_month <= add_months(visit_month, EVENT_REACH_MONTHS)


def partition_name(table: str, month: date) -> str:
    return f"{table}_{month:%Y_%m}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


def months_needed(today: date, ahead: int) -> list[date]:
    """The current month and the ``ahead`` months after it."""
    first = first_of_month(today)
    return [add_months(first, n) for n in range(ahead + 1)]


def months_between(first: date, last: date) -> list[date]:
    """Every month from ``first``'s to ``last``'s, both included (empty when last < first)."""
    months, month, end = [], first_of_month(first), first_of_month(last)
    while month <= end:
        months.append(month)
        month = month_after(month)
    return months


def months_missing(wanted: Iterable[date], existing: Iterable[date]) -> list[date]:
    """The wanted months (as first days) with no partition yet, in order."""
    have = set(existing)
    return sorted({first_of_month(m) for m in wanted} - have)


@dataclass(frozen=True)
class DetachRefusal:
    code: str
    detail: str


def detach_refusal(
    month: date, today: date, retention_months: int, settlement_statuses: Iterable[str], rows_in_default: int
) -> DetachRefusal | None:
    """Why ``month`` may not be detached yet, or None when it may: it must be older than the
    retention (counted in whole months before the current one), every settlement of it approved
    or paid, and none of its rows left in a DEFAULT partition (they would stay behind)."""
    oldest_kept = add_months(first_of_month(today), -retention_months)
    if month >= oldest_kept:
        return DetachRefusal(
            "month_within_retention",
            f"{month:%Y-%m} is within the {retention_months} months kept online:"
            f" only months before {oldest_kept:%Y-%m} may be archived",
        )
    open_statuses = sorted(set(settlement_statuses) - SETTLED_STATUSES)
    if open_statuses:
        return DetachRefusal(
            "month_not_settled",
            f"{month:%Y-%m} still has settlements that are not approved or paid ({', '.join(open_statuses)})",
        )
    if rows_in_default:
        return DetachRefusal(
            "month_in_default_partition",
            f"{rows_in_default} rows of {month:%Y-%m} sit in a DEFAULT partition; move them into the month first",
        )
    return None
