"""Remote benefits (远郊模式): the grant's rules, the month's check, and their pricing in the
settlement (the travel allowance and the family-care allowance, each by the version in force)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain import remote_benefits as rules
from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.periods import Period
from ltc.domain.policy import FAMILY_CARE_ALLOWANCE, GROUPED_VISITS, HOME_CARE, Policy, PolicyBook, TownRules
from ltc.domain.settlement import (
    FAMILY_CARE,
    HOME,
    TRAVEL,
    CountedVisit,
    FamilyCareInput,
    HomeCareInput,
    PersonMonth,
    VisitGroup,
    build_settlement,
    month_ceiling,
)

REMOTE = "330213011"
OTHER = "330213001"
# Two versions whose remote town pays different travel and family-care allowances: the second
# takes effect on 16 March 2026.
V1 = Policy(
    version="v1",
    effective_from=date(2020, 1, 1),
    towns={REMOTE: TownRules(remote=True, travel_allowance_fen=1500, benefits=(HOME_CARE, FAMILY_CARE_ALLOWANCE))},
    remote_benefits=(FAMILY_CARE_ALLOWANCE, GROUPED_VISITS),
    family_care_allowance_fen_by_level={3: 45000, 4: 60000, 5: 75000},
)
V2 = replace(
    V1,
    version="v2",
    effective_from=date(2026, 3, 16),
    towns={REMOTE: TownRules(remote=True, travel_allowance_fen=2500, benefits=(HOME_CARE, FAMILY_CARE_ALLOWANCE))},
    family_care_allowance_fen_by_level={3: 50000, 4: 66000, 5: 80000},
)
BOOK = PolicyBook(city="test", versions=(V1, V2))
FEB, MARCH, APRIL = Period(2026, 2), Period(2026, 3), Period(2026, 4)
FACTS = rules.GrantFacts(town_code=REMOTE, beneficiary=True, uncovered=True, has_open_benefit=False)


def build(period, home=(), family=(), towns=None, held=None):
    return build_settlement(
        9, period, home, (), policy_for=BOOK.in_force, towns=towns or {}, family_care=family, held=held
    )


def test_a_grant_needs_an_uncovered_beneficiary_and_a_benefit_offered_in_the_town() -> None:
    rules.check_grant(V1, FACTS, FAMILY_CARE_ALLOWANCE, 3)
    cases = [
        (replace(FACTS, beneficiary=False), FAMILY_CARE_ALLOWANCE, 3, "not_a_beneficiary"),
        (replace(FACTS, uncovered=False), FAMILY_CARE_ALLOWANCE, 3, "person_not_uncovered"),
        (FACTS, GROUPED_VISITS, 3, "benefit_not_offered"),  # remote benefit, but not in this town
        (replace(FACTS, town_code=OTHER), FAMILY_CARE_ALLOWANCE, 3, "benefit_not_offered"),
        (FACTS, FAMILY_CARE_ALLOWANCE, None, "provider_required"),
        (replace(FACTS, has_open_benefit=True), FAMILY_CARE_ALLOWANCE, 3, "remote_benefit_open"),
        (FACTS, "home_care", 3, "unknown_benefit"),
    ]
    for facts, kind, provider, code in cases:
        with pytest.raises((Conflict, InvalidInput)) as refused:
            rules.check_grant(V1, facts, kind, provider)
        assert refused.value.code == code


def test_a_policy_without_remote_benefits_grants_none() -> None:
    with pytest.raises(Conflict) as refused:
        rules.check_grant(replace(V1, remote_benefits=()), FACTS, FAMILY_CARE_ALLOWANCE, 3)
    assert refused.value.code == "benefit_not_offered"


@given(
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2027, 12, 31))),
    st.sampled_from([FEB, MARCH, APRIL, Period(2026, 12)]),
)
def test_the_days_in_a_month_are_the_days_the_benefit_runs(start, end, period) -> None:
    expected = sum(1 for d in period.dates() if d >= start and (end is None or d <= end))
    assert rules.days_in_month(period, start, end) == expected


def test_the_month_is_held_without_a_check_or_after_a_stopping_finding() -> None:
    assert rules.payment_hold(V1, None) == "check_missing"
    assert rules.payment_hold(replace(V1, family_care_check_required=False), None) is None
    assert rules.payment_hold(V1, "ok") is None
    assert rules.payment_hold(V1, "not_at_home") is None
    for finding in ("died", "moved", "care_lacking"):
        assert rules.payment_hold(V1, finding) == finding


def test_a_check_lies_in_its_month_not_ahead_and_while_the_benefit_runs() -> None:
    rules.check_record(MARCH, date(2026, 3, 10), date(2026, 3, 20), date(2026, 3, 1), None)
    for checked_on, today, start, end, code in [
        (date(2026, 4, 1), date(2026, 4, 2), date(2026, 3, 1), None, "check_outside_period"),
        (date(2026, 3, 21), date(2026, 3, 20), date(2026, 3, 1), None, "check_in_future"),
        (date(2026, 3, 5), date(2026, 3, 20), date(2026, 3, 10), None, "benefit_not_running"),
        (date(2026, 3, 25), date(2026, 3, 30), date(2026, 3, 1), date(2026, 3, 20), "benefit_not_running"),
    ]:
        with pytest.raises((Conflict, InvalidInput)) as refused:
            rules.check_record(MARCH, checked_on, today, start, end)
        assert refused.value.code == code


def test_an_ended_benefit_stays_ended_and_ends_after_it_began() -> None:
    rules.check_end(date(2026, 3, 1), None, date(2026, 3, 1))
    with pytest.raises(Conflict) as ended:
        rules.check_end(date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 9))
    assert ended.value.code == "remote_benefit_ended"
    with pytest.raises(InvalidInput) as early:
        rules.check_end(date(2026, 3, 1), None, date(2026, 2, 28))
    assert early.value.code == "end_before_start"


# ---------------------------------------------------------------------------- pricing


def test_the_travel_allowance_is_priced_per_visit_by_the_version_in_force_on_the_visit_day() -> None:
    # March: two visits under v1 (15 yuan each), three under v2 (25 yuan each), one person.
    days = [3, 10, 17, 24, 31]
    home = HomeCareInput(1, 3, visits=tuple(CountedVisit(100 + i, date(2026, 3, d), 60) for i, d in enumerate(days)))
    draft = build(MARCH, home=[home], towns={1: REMOTE})
    travel = [x for x in draft.lines if x.kind == TRAVEL]
    assert [
        (x.policy_version, x.quantity, x.unit, x.unit_price_fen, x.gross_fen, x.fund_fen, x.personal_fen)
        for x in travel
    ] == [
        ("v1", 2, "visit", 1500, 3000, 3000, 0),
        ("v2", 3, "visit", 2500, 7500, 7500, 0),
    ]
    # February: v1 alone; a person of another town earns none.
    feb = HomeCareInput(1, 3, groups=(VisitGroup((1, 2, 3), date(2026, 2, 2), date(2026, 2, 20), 180),))
    other = HomeCareInput(2, 3, visits=(CountedVisit(9, date(2026, 2, 4), 60),))
    lines = build(FEB, home=[feb, other], towns={1: REMOTE, 2: OTHER}).lines
    assert [(x.person_id, x.quantity, x.gross_fen) for x in lines if x.kind == TRAVEL] == [(1, 3, 4500)]
    assert sum(1 for x in lines if x.kind == HOME) == 2


def test_the_family_care_allowance_is_priced_by_the_version_in_force_on_the_months_last_day() -> None:
    ok = FamilyCareInput(5, 4, date(2025, 12, 1), None, "ok")
    (feb,) = build(FEB, family=[ok]).lines
    assert (feb.kind, feb.quantity, feb.unit, feb.unit_price_fen, feb.gross_fen, feb.fund_fen, feb.policy_version) == (
        FAMILY_CARE,
        1,
        "month",
        60000,
        60000,
        60000,
        "v1",
    )
    (march,) = build(MARCH, family=[ok]).lines  # v2 is in force on 31 March
    assert (march.unit_price_fen, march.gross_fen, march.personal_fen, march.policy_version) == (66000, 66000, 0, "v2")


def test_a_part_month_is_pro_rated_by_its_days() -> None:
    # Granted on 20 April (11 of 30 days) at level 3 under v2: 500 yuan × 11/30 = 183.333… → 183.33.
    (line,) = build(APRIL, family=[FamilyCareInput(5, 3, date(2026, 4, 20), None, "ok")]).lines
    assert line.gross_fen == 18333 and line.note == "11 of 30 days"
    # Ended on 10 February (10 of 28 days) at level 5 under v1: 750 × 10/28 = 267.857… → 267.86.
    (line,) = build(FEB, family=[FamilyCareInput(5, 5, date(2025, 1, 1), date(2026, 2, 10), "ok")]).lines
    assert line.gross_fen == 26786
    assert build(APRIL, family=[FamilyCareInput(5, 5, date(2025, 1, 1), date(2026, 3, 31), None)]).lines == ()


def test_a_month_without_a_check_or_with_a_stopping_finding_is_held_at_zero() -> None:
    for finding, flag in [
        (None, "check_missing"),
        ("died", "died"),
        ("moved", "moved"),
        ("care_lacking", "care_lacking"),
    ]:
        (line,) = build(MARCH, family=[FamilyCareInput(5, 4, date(2026, 1, 1), None, finding)]).lines
        assert (line.kind, line.gross_fen, line.fund_fen, line.unit_price_fen, line.note) == (
            FAMILY_CARE,
            0,
            0,
            66000,
            flag,
        )


def test_the_quality_reserve_is_not_taken_from_the_family_care_allowance() -> None:
    book = PolicyBook(city="t", versions=(replace(V1, quality_reserve_share=Decimal("0.10")),))
    draft = build_settlement(
        9, MARCH, [], (), policy_for=book.in_force, family_care=[FamilyCareInput(5, 4, date(2026, 1, 1), None, "ok")]
    )
    assert [x.kind for x in draft.lines] == [FAMILY_CARE]
    assert draft.fund_fen == 60000


def test_two_allowances_of_one_person_in_a_month_make_one_line_pro_rated_once() -> None:
    # The bureau ended a grant on the 15th and granted a new one with the same provider.
    ended = FamilyCareInput(5, 4, date(2026, 1, 1), date(2026, 4, 15), "ok")
    new = FamilyCareInput(5, 4, date(2026, 4, 16), None, None)
    (line,) = build(APRIL, family=[ended, new]).lines
    assert (line.person_id, line.gross_fen, line.note) == (5, 66000, "30 of 30 days")
    # a stopping finding on either of them holds the month
    (held,) = build(APRIL, family=[ended, FamilyCareInput(5, 4, date(2026, 4, 16), None, "died")]).lines
    assert (held.gross_fen, held.note) == (0, "died")
    # the days are counted once even if two grants were to overlap
    (line,) = build(APRIL, family=[FamilyCareInput(5, 4, date(2026, 1, 1), None, "ok"), new]).lines
    assert line.gross_fen == 66000


def test_a_person_in_home_care_that_month_gets_no_family_care_allowance() -> None:
    home = HomeCareInput(5, 4, visits=(CountedVisit(1, date(2026, 4, 2), 60),))
    lines = build(APRIL, home=[home], family=[FamilyCareInput(5, 4, date(2026, 1, 1), None, "ok")]).lines
    assert [x.kind for x in lines if x.person_id == 5] == [HOME]


def test_the_allowance_is_paid_only_for_days_a_conclusion_is_valid_and_held_without_one() -> None:
    # the conclusion ends on 10 April: ten of April's thirty days
    (line,) = build(APRIL, family=[FamilyCareInput(5, 4, date(2026, 1, 1), None, "ok", date(2026, 4, 10))]).lines
    assert (line.gross_fen, line.note) == (22000, "10 of 30 days")
    for missing in (
        FamilyCareInput(5, 0, date(2026, 1, 1), None, "ok"),
        FamilyCareInput(5, 4, date(2026, 1, 1), None, "ok", date(2026, 3, 31)),
    ):
        (held,) = build(APRIL, family=[missing]).lines
        assert (held.gross_fen, held.note) == (0, rules.NO_CONCLUSION)


def test_a_correction_may_pay_the_allowances_of_the_month_and_no_more() -> None:
    # half of April on the allowance (level 4, v2: 660 yuan a month), two visits at 25 yuan
    person = PersonMonth(
        paid_gross_fen=0,
        paid_fund_fen=0,
        family_care=(FamilyCareInput(5, 4, date(2026, 4, 16), None, None),),
        visit_days=(date(2026, 4, 2), date(2026, 4, 3)),
        town_code=REMOTE,
    )
    assert month_ceiling(person, APRIL, BOOK.in_force) == (33000 + 5000, 33000 + 5000)
    assert month_ceiling(PersonMonth(0, 0), APRIL, BOOK.in_force) == (0, 0)


def test_a_travel_line_names_the_visits_it_counts_as_their_home_line_does() -> None:
    home = HomeCareInput(1, 3, visits=(CountedVisit(7, date(2026, 3, 2), 60), CountedVisit(8, date(2026, 3, 3), 60)))
    lines = build(MARCH, home=[home], towns={1: REMOTE}).lines
    (travel,) = [x for x in lines if x.kind == TRAVEL]
    assert travel.visit_ids == (7, 8)
    assert {v for x in lines if x.kind == HOME for v in x.visit_ids} == {7, 8}
