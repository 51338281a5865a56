"""Bed-day checks' rules, by hand and by property."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain import bed_days as rules
from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.periods import Period
from ltc.domain.policy import Policy
from ltc.domain.settlement import InstitutionalCareInput, institutional_lines

D = date(2027, 3, 10)
STAY = rules.Stay(date(2027, 3, 9), date(2027, 3, 12))


def test_a_stay_covers_its_admission_day_up_to_the_day_before_discharge() -> None:
    assert [STAY.covers(D + timedelta(days=n)) for n in (-2, -1, 0, 1, 2)] == [False, True, True, True, False]
    assert rules.Stay(D).covers(D + timedelta(days=400)), "an open stay covers every day from its admission"


def test_the_flags_of_a_day() -> None:
    assert rules.bed_day_flags(D, "present", [STAY], None) == ("bed_day_while_inpatient",)
    assert rules.bed_day_flags(D, "admitted", [], date(2027, 3, 9)) == ("bed_day_after_death",)
    assert rules.bed_day_flags(D, "present", [STAY], date(2027, 3, 1)) == rules.BED_DAY_FLAGS
    assert rules.bed_day_flags(D, "present", [], D) == (), "the day of death is still a bed-day"
    assert rules.bed_day_flags(D, "leave", [STAY], date(2027, 3, 1)) == (), "a day not billed has nothing to flag"
    assert rules.bed_day_flags(D, "hospital", [STAY], None) == ()


def test_a_day_is_settled_once_each_flag_is_accepted_or_withdrawn() -> None:
    assert rules.day_is_settled([])
    assert rules.day_is_settled([("resolved", "accepted"), ("withdrawn", "")])
    assert not rules.day_is_settled([("resolved", "accepted"), ("open", "")])
    assert not rules.day_is_settled([("explained", "")])
    assert not rules.day_is_settled([("resolved", "refused")])


def test_the_flag_steps() -> None:
    assert rules.next_flag_status("open", "explain") == "explained"
    assert rules.next_flag_status("explained", "explain") == "explained"
    assert rules.next_flag_status("explained", "resolve") == "resolved"
    for status, step in (("resolved", "resolve"), ("withdrawn", "explain"), ("resolved", "explain")):
        with pytest.raises(Conflict) as err:
            rules.next_flag_status(status, step)
        assert err.value.code == "invalid_transition"
    with pytest.raises(InvalidInput):
        rules.next_flag_status("open", "forget")
    assert rules.check_resolution("refused") == "refused"
    with pytest.raises(InvalidInput) as bad:
        rules.check_resolution("maybe")
    assert bad.value.code == "unknown_resolution"


def test_a_settled_month_keeps_its_census() -> None:
    rules.check_census_open(False, "2027-03")
    with pytest.raises(Conflict) as err:
        rules.check_census_open(True, "2027-03")
    assert err.value.code == "census_period_settled"


@given(
    st.dates(date(2027, 1, 1), date(2027, 12, 31)),
    st.lists(st.tuples(st.dates(date(2026, 12, 1), date(2027, 12, 31)), st.integers(0, 30) | st.none()), max_size=4),
    st.none() | st.dates(date(2026, 12, 1), date(2027, 12, 31)),
)
def test_a_day_is_flagged_exactly_when_a_stay_covers_it_or_it_follows_death(
    day: date, stays: list[tuple[date, int | None]], died: date | None
) -> None:
    as_stays = [rules.Stay(a, None if n is None else a + timedelta(days=n)) for a, n in stays]
    flags = rules.bed_day_flags(day, "present", as_stays, died)
    inpatient = any(a <= day and (n is None or day < a + timedelta(days=n)) for a, n in stays)
    assert (rules.BED_DAY_WHILE_INPATIENT in flags) == inpatient
    assert (rules.BED_DAY_AFTER_DEATH in flags) == (died is not None and day > died)


def test_a_line_names_the_days_a_check_held_back() -> None:
    policy = Policy("t", date(2000, 1, 1))
    item = InstitutionalCareInput(
        person_id=1, level=3, agreed_daily_price_fen=5000, days=(date(2027, 3, 1), date(2027, 3, 3)),
        excluded_days=(date(2027, 3, 2),),
    )  # fmt: skip
    (line,) = institutional_lines(item, Period(2027, 3), lambda _: policy)
    assert line.quantity == 2 and "2027-03-02" in line.note and date(2027, 3, 2) not in line.days
    everything_held = InstitutionalCareInput(1, 3, 5000, (), excluded_days=(date(2027, 3, 2),))
    (empty,) = institutional_lines(everything_held, Period(2027, 3), lambda _: policy)
    assert empty.quantity == 0 and empty.gross_fen == 0 and "2027-03-02" in empty.note
    with pytest.raises(InvalidInput) as err:
        institutional_lines(
            InstitutionalCareInput(1, 3, 5000, (date(2027, 3, 2),), excluded_days=(date(2027, 3, 2),)),
            Period(2027, 3),
            lambda _: policy,
        )
    assert err.value.code == "held_day_billed"
