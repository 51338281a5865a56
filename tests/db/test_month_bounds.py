"""The months a query reads for a range of check-ins hold every visit an event of the range
may be recorded on: the check-in's refusal and the settlement's reading are one rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ltc.db.queries import months
from ltc.domain import partitions


@given(st.dates(date(2001, 1, 1), date(2098, 12, 31)), st.dates(date(2001, 1, 1), date(2098, 12, 31)))
def test_an_event_is_within_reach_of_its_visit_exactly_when_the_months_read_for_it_hold_the_visit(
    visit_day: date, event_day: date
) -> None:
    visit_month, event_month = visit_day.replace(day=1), event_day.replace(day=1)
    apart = abs((visit_month.year - event_month.year) * 12 + visit_month.month - event_month.month)
    assert partitions.within_reach(visit_month, event_month) == (apart <= partitions.EVENT_REACH_MONTHS)
    moment = datetime(event_day.year, event_day.month, event_day.day, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    read = months.of_checked_in(moment, moment + timedelta(hours=1), ZoneInfo("Asia/Shanghai"))
    assert (read.first <= visit_month <= read.last) == partitions.within_reach(visit_month, event_month)
