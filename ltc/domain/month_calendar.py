"""A month laid out as a wall calendar: whole weeks, Monday first, with the days of the
neighbouring months that complete the first and last week."""

from __future__ import annotations

import calendar
from datetime import date

from ltc.domain.periods import Period


def month_weeks(period: Period) -> list[list[date]]:
    return calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(period.year, period.month)
