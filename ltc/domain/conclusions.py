"""Dates of the assessment workflow: the public notice, the objection window and how long
a conclusion stays valid. All days are local (Asia/Shanghai) dates given by the caller."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

from ltc.domain.errors import Conflict
from ltc.domain.policy import Policy


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def notice_until(published_on: date, policy: Policy) -> date:
    """The last day of the notice: a 7-day notice published on the 1st runs to the 7th."""
    return published_on + timedelta(days=policy.notice_days - 1)


def valid_until(final_on: date, severe: bool, policy: Policy) -> date:
    """The last day a conclusion is valid: 24 months from 2026-03-10 ends 2028-03-09."""
    return add_months(final_on, policy.validity_months(severe)) - timedelta(days=1)


def notice_running(today: date, notice_last_day: date) -> bool:
    """The notice runs up to and including its last day: objections only then, the
    conclusion only after."""
    return today <= notice_last_day


def check_objection_window(today: date, notice_last_day: date) -> None:
    if not notice_running(today, notice_last_day):
        raise Conflict(f"公示期已于 {notice_last_day.isoformat()} 结束，不能再提出异议", code="notice_closed")


def check_notice_over(today: date, notice_last_day: date) -> None:
    if notice_running(today, notice_last_day):
        raise Conflict(f"公示期至 {notice_last_day.isoformat()}，期满后方可确认结论", code="notice_not_over")


class Decision(StrEnum):
    """What the bureau may decide about a submitted assessment."""

    PUBLISH = "publish"
    OBJECT = "object"
    FINALIZE = "finalize"


def open_decisions(status: str, round_: int, today: date, notice_last_day: date | None) -> frozenset[Decision]:
    """The decisions the assessment's state allows today (the services refuse the others):
    a first assessment is published, objected to while its notice runs and concluded once
    it has run out; a re-assessment (round 2) is concluded directly."""
    if status == "submitted":
        return frozenset({Decision.PUBLISH if round_ == 1 else Decision.FINALIZE})
    if status == "publicised" and notice_last_day is not None:
        running = notice_running(today, notice_last_day)
        return frozenset({Decision.OBJECT if running else Decision.FINALIZE})
    return frozenset()


def reminder_due(valid_until_day: date, today: date, policy: Policy) -> bool:
    return valid_until_day - timedelta(days=policy.reassessment_reminder_days) <= today
