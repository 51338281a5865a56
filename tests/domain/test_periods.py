from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain.errors import InvalidInput
from ltc.domain.periods import MAX_YEAR, MIN_YEAR, Period, local_day, require_day_in_range

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def test_parse_and_str() -> None:
    assert Period.parse("2026-03") == Period(2026, 3)
    assert str(Period(2026, 3)) == "2026-03"
    assert Period.parse(Period(2026, 3)) == Period(2026, 3)
    assert Period.of(date(2026, 12, 31)) == Period(2026, 12)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "2026-03-01", "", "abcd-ef"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Period.parse(text)
    assert err.value.code == "invalid_period"


@pytest.mark.parametrize("text", ["9999-12", "0001-01", "1999-12", "2101-01"])
def test_a_period_outside_the_scheme_years_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Period.parse(text)
    assert err.value.code == "invalid_period"


def test_the_bounding_periods_are_accepted() -> None:
    assert str(Period(MIN_YEAR, 1)) == f"{MIN_YEAR}-01"
    assert str(Period(MAX_YEAR, 12)) == f"{MAX_YEAR}-12"


@pytest.mark.parametrize(
    "day", [date(1, 1, 1), date(9999, 12, 31), date(MIN_YEAR - 1, 12, 31), date(MAX_YEAR + 1, 1, 1)]
)
def test_a_day_outside_the_scheme_years_is_refused(day: date) -> None:
    with pytest.raises(InvalidInput) as err:
        require_day_in_range(day, "date")
    assert err.value.code == "date_out_of_range"
    assert err.value.errors[0]["field"] == "date"


@pytest.mark.parametrize("day", [date(MIN_YEAR, 1, 1), date(2026, 6, 30), date(MAX_YEAR, 12, 31)])
def test_a_day_inside_the_scheme_years_is_itself(day: date) -> None:
    assert require_day_in_range(day) == day


def test_parse_refuses_a_non_string() -> None:
    with pytest.raises(InvalidInput):
        Period.parse(202603)  # type: ignore[arg-type]


def test_days() -> None:
    assert Period(2026, 2).days() == 28
    assert Period(2028, 2).days() == 29
    assert Period(2026, 4).days() == 30
    assert Period(2026, 1).days() == 31
    assert Period(2026, 2).first_day == date(2026, 2, 1)
    assert Period(2026, 2).last_day == date(2026, 2, 28)
    assert len(Period(2026, 2).dates()) == 28
    assert Period(2026, 2).contains(date(2026, 2, 28))
    assert not Period(2026, 2).contains(date(2026, 3, 1))


def test_next_and_previous_cross_years() -> None:
    assert Period(2026, 12).next() == Period(2027, 1)
    assert Period(2027, 1).previous() == Period(2026, 12)
    assert Period(2026, 5).next() == Period(2026, 6)
    assert Period(2026, 1) < Period(2026, 2) < Period(2027, 1)


def test_bounds_in_shanghai() -> None:
    p = Period(2026, 3)
    assert p.start_utc(SHANGHAI) == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert p.end_utc(SHANGHAI) == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    assert p.start_utc(SHANGHAI).tzinfo == UTC
    assert p.end_utc(SHANGHAI) == p.next().start_utc(SHANGHAI)


def test_bounds_follow_daylight_saving_time() -> None:
    # New York: EST (−5) on 1 March, EDT (−4) from 8 March 2026.
    p = Period(2026, 3)
    assert p.start_utc(NEW_YORK) == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    assert p.end_utc(NEW_YORK) == datetime(2026, 4, 1, 4, 0, tzinfo=UTC)


def test_local_day() -> None:
    late_utc = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 April in Shanghai
    assert local_day(late_utc, SHANGHAI) == date(2026, 4, 1)
    assert local_day(late_utc, UTC) == date(2026, 3, 31)
    with pytest.raises(ValueError):
        local_day(datetime(2026, 3, 31, 16, 30), SHANGHAI)


# Inside the bounds with a month to spare either side, so next() and previous() stay in them.
periods = st.builds(Period, st.integers(min_value=MIN_YEAR + 1, max_value=MAX_YEAR - 1), st.integers(1, 12))


@given(periods)
def test_round_trips(p: Period) -> None:
    assert Period.parse(str(p)) == p
    assert p.next().previous() == p
    assert p.previous().next() == p


@given(periods)
def test_an_instant_is_in_exactly_one_period(p: Period) -> None:
    start, end = p.start_utc(SHANGHAI), p.end_utc(SHANGHAI)
    assert end - start == timedelta(days=p.days())  # Shanghai has no DST since 1991
    assert local_day(start, SHANGHAI) == p.first_day
    assert local_day(end - timedelta(microseconds=1), SHANGHAI) == p.last_day
    assert local_day(end, SHANGHAI) == p.next().first_day
