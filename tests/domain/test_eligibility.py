"""The application gates (DOMAIN §2) at each exact limit, and the assessment team's rules.

Every limit is tried on the day before, the day of and the day after: a person exactly at
the minimum age, disabled exactly the minimum months, insured from the very day of the
application passes; a day short fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from ltc.domain.eligibility import (
    GATES,
    ApplicationFacts,
    TeamMember,
    check_application,
    check_team,
    months_between,
)
from ltc.domain.errors import InvalidInput
from ltc.domain.policy import Policy

POLICY = Policy(version="test", effective_from=date(2020, 1, 1))  # 60 years, 6 months, grades E/F/G
APPLIED = date(2026, 3, 15)
DAY = timedelta(days=1)


def facts(**changes: object) -> ApplicationFacts:
    """An application that passes every gate by a wide margin; each test moves one fact."""
    base = ApplicationFacts(
        birth_date=date(1950, 6, 1),
        insured=True,
        insured_since=date(2010, 1, 1),
        applied_on=APPLIED,
        disabled_since=date(2024, 1, 1),
        self_eval_grade="F",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def refusal(application: ApplicationFacts, policy: Policy = POLICY) -> InvalidInput | None:
    try:
        check_application(application, policy)
    except InvalidInput as err:
        return err
    return None


def failed_codes(application: ApplicationFacts, policy: Policy = POLICY) -> list[str]:
    err = refusal(application, policy)
    return [] if err is None else [e["code"] for e in err.errors]


def test_the_gates_in_their_order() -> None:
    assert [g.code for g in GATES] == [
        "not_insured",
        "age_below_minimum",
        "disability_too_recent",
        "self_eval_grade_too_low",
    ]
    assert refusal(facts()) is None


# ---------------------------------------------------------------------------- months_between


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        # the examples of its docstring
        (date(2026, 3, 1), date(2026, 8, 31), 5),
        (date(2026, 3, 1), date(2026, 9, 1), 6),
        # the same day of the month completes a month; a day short does not
        (date(2026, 3, 15), date(2026, 4, 14), 0),
        (date(2026, 3, 15), date(2026, 4, 15), 1),
        (date(2026, 3, 15), date(2026, 4, 16), 1),
        (date(2026, 3, 15), date(2026, 3, 15), 0),
        # across years: twelve months a year, the months of both years counted
        (date(2025, 11, 20), date(2026, 2, 19), 2),
        (date(2025, 11, 20), date(2026, 2, 20), 3),
        (date(2024, 1, 10), date(2026, 1, 10), 24),
        (date(2024, 5, 10), date(2026, 2, 10), 21),
        (date(2024, 2, 10), date(2026, 5, 9), 26),
        # a start day the end month does not have: its last day completes the month, as
        # add_months (conclusions) counts a month from the 31st to the end of a shorter one
        (date(2025, 8, 31), date(2026, 2, 27), 5),
        (date(2025, 8, 31), date(2026, 2, 28), 6),
        (date(2026, 1, 31), date(2026, 2, 28), 1),
        (date(2026, 1, 30), date(2026, 2, 28), 1),
        (date(2026, 1, 31), date(2026, 4, 30), 3),
        (date(2026, 1, 31), date(2026, 4, 29), 2),
        (date(2023, 12, 30), date(2024, 2, 29), 2),
        (date(2023, 12, 30), date(2024, 2, 28), 1),
        # ...but a start day the end month has is still needed in full
        (date(2026, 1, 30), date(2026, 3, 29), 1),
    ],
)
def test_months_between(start: date, end: date, months: int) -> None:
    assert months_between(start, end) == months


# ---------------------------------------------------------------------------- insured


def test_insured_from_the_day_of_application_is_insured() -> None:
    assert refusal(facts(insured_since=APPLIED - DAY)) is None
    assert refusal(facts(insured_since=APPLIED)) is None
    assert failed_codes(facts(insured_since=APPLIED + DAY)) == ["not_insured"]


def test_not_insured_or_no_start_day() -> None:
    assert failed_codes(facts(insured=False)) == ["not_insured"]
    assert failed_codes(facts(insured=False, insured_since=None)) == ["not_insured"]
    assert refusal(facts(insured_since=None)) is None  # insured, the start day unknown


# ---------------------------------------------------------------------------- age


def test_the_minimum_age_is_reached_on_the_birthday() -> None:
    sixtieth = date(1966, 3, 15)  # 60 on the day of application
    assert failed_codes(facts(birth_date=sixtieth + DAY)) == ["age_below_minimum"]
    assert refusal(facts(birth_date=sixtieth)) is None
    assert refusal(facts(birth_date=sixtieth - DAY)) is None


def test_the_minimum_age_comes_from_the_policy() -> None:
    younger = replace(POLICY, minimum_age=55)
    born = date(1971, 3, 15)  # 55 on the day of application
    assert failed_codes(facts(birth_date=born)) == ["age_below_minimum"]
    assert refusal(facts(birth_date=born), younger) is None
    assert failed_codes(facts(birth_date=born + DAY), younger) == ["age_below_minimum"]


def test_the_age_refusal_says_the_age_and_the_minimum() -> None:
    err = refusal(facts(birth_date=date(1966, 3, 16)))
    assert err is not None and err.code == "age_below_minimum"
    assert "59" in err.detail and "60" in err.detail


# ---------------------------------------------------------------------------- months of disability


def test_disabled_exactly_the_minimum_months() -> None:
    six_months_before = date(2025, 9, 15)
    assert failed_codes(facts(disabled_since=six_months_before + DAY)) == ["disability_too_recent"]
    assert refusal(facts(disabled_since=six_months_before)) is None
    assert refusal(facts(disabled_since=six_months_before - DAY)) is None


def test_the_months_of_disability_come_from_the_policy() -> None:
    nanjing = replace(POLICY, minimum_months_disabled=3)
    since = date(2025, 12, 15)  # three months before the application
    assert failed_codes(facts(disabled_since=since)) == ["disability_too_recent"]
    assert refusal(facts(disabled_since=since), nanjing) is None
    assert failed_codes(facts(disabled_since=since + DAY), nanjing) == ["disability_too_recent"]
    err = refusal(facts(disabled_since=since + DAY), nanjing)
    assert err is not None and "3" in err.detail


def test_disability_unknown_or_after_the_application_fails() -> None:
    assert failed_codes(facts(disabled_since=None)) == ["disability_too_recent"]
    # disabled from a later day: never "enough months", even with no minimum at all
    none_needed = replace(POLICY, minimum_months_disabled=0)
    assert refusal(facts(disabled_since=APPLIED), none_needed) is None
    assert failed_codes(facts(disabled_since=APPLIED + DAY), none_needed) == ["disability_too_recent"]
    assert failed_codes(facts(disabled_since=date(2026, 9, 15)), none_needed) == ["disability_too_recent"]


# ---------------------------------------------------------------------------- self-evaluation


@pytest.mark.parametrize(("grade", "passes"), [("D", False), ("E", True), ("F", True), ("G", True), ("e", False)])
def test_the_self_evaluation_grades(grade: str, passes: bool) -> None:
    assert failed_codes(facts(self_eval_grade=grade)) == ([] if passes else ["self_eval_grade_too_low"])


def test_the_grades_come_from_the_policy() -> None:
    wider = replace(POLICY, eligible_self_eval_grades=("D", "E", "F", "G"))
    assert refusal(facts(self_eval_grade="D"), wider) is None
    err = refusal(facts(self_eval_grade="C"), wider)
    assert err is not None and "D/E/F/G" in err.detail and "C" in err.detail


# ---------------------------------------------------------------------------- every failing gate


def test_the_first_failing_gate_names_the_refusal_and_every_failing_gate_is_listed() -> None:
    everything_wrong = facts(
        insured=False, birth_date=date(1970, 1, 1), disabled_since=date(2026, 1, 1), self_eval_grade="A"
    )
    err = refusal(everything_wrong)
    assert err is not None
    assert err.code == "not_insured"
    assert err.detail == err.errors[0]["message"]
    assert [e["code"] for e in err.errors] == [
        "not_insured",
        "age_below_minimum",
        "disability_too_recent",
        "self_eval_grade_too_low",
    ]
    assert all(set(e) == {"code", "message"} and e["message"] for e in err.errors)
    # two of four failing: the first of them is the code, both are listed, in gate order
    err = refusal(facts(birth_date=date(1970, 1, 1), self_eval_grade="A"))
    assert err is not None and err.code == "age_below_minimum"
    assert [e["code"] for e in err.errors] == ["age_below_minimum", "self_eval_grade_too_low"]
    assert "56" in err.errors[0]["message"] and "A" in err.errors[1]["message"]


def test_only_the_gates_given_are_checked() -> None:
    grade_only = [g for g in GATES if g.code == "self_eval_grade_too_low"]
    check_application(facts(insured=False), POLICY, grade_only)
    with pytest.raises(InvalidInput) as err:
        check_application(facts(insured=False, self_eval_grade="A"), POLICY, grade_only)
    assert err.value.code == "self_eval_grade_too_low"


# ---------------------------------------------------------------------------- the assessment team


def member(user_id: int, role: str = "assessor", *, active: bool = True, employer: int | None = None) -> TeamMember:
    return TeamMember(user_id=user_id, role=role, active=active, employer_provider_id=employer)


def team_refusal(members: list[TeamMember], *, providers: set[int] | None = None, earlier: set[int] | None = None):
    try:
        check_team(
            members,
            person_provider_ids=providers if providers is not None else {7},
            earlier_member_ids=earlier if earlier is not None else set(),
            policy=POLICY,
        )
    except InvalidInput as err:
        return err
    return None


def test_a_team_of_exactly_the_minimum_with_an_expert_is_accepted() -> None:
    assert team_refusal([member(1), member(2, "expert")]) is None
    assert team_refusal([member(1, "expert"), member(2, "expert"), member(3, employer=8)]) is None
    err = team_refusal([member(1, "expert")])
    assert err is not None and err.code == "too_few_assessors" and "2" in err.detail
    three = replace(POLICY, minimum_assessors=3)
    with pytest.raises(InvalidInput) as refused:
        check_team([member(1), member(2, "expert")], person_provider_ids=set(), earlier_member_ids=set(), policy=three)
    assert refused.value.code == "too_few_assessors"


def test_an_expert_is_required() -> None:
    err = team_refusal([member(1), member(2)])
    assert err is not None and err.code == "expert_required"


def test_the_same_assessor_twice_is_refused() -> None:
    err = team_refusal([member(1, "expert"), member(1, "expert")])
    assert err is not None and err.code == "duplicate_assessor"


@pytest.mark.parametrize("bad", [member(3, "agency"), member(3, "bureau"), member(3, active=False)])
def test_only_active_assessors_and_experts_may_be_assigned(bad: TeamMember) -> None:
    err = team_refusal([member(1), member(2, "expert"), bad])
    assert err is not None and err.code == "not_an_assessor"
    assert err.errors == [{"user_ids": [3]}]
    inactive_expert = team_refusal([member(1), member(2, "expert", active=False)])
    assert inactive_expert is not None and inactive_expert.code == "not_an_assessor"


def test_an_assessor_employed_by_the_persons_provider_has_a_conflict() -> None:
    err = team_refusal([member(1, employer=7), member(2, "expert"), member(3, employer=9)], providers={7, 9})
    assert err is not None and err.code == "assessor_conflict_of_interest"
    assert err.errors == [{"user_ids": [1, 3]}]
    assert team_refusal([member(1, employer=7), member(2, "expert")], providers={8}) is None
    assert team_refusal([member(1), member(2, "expert")], providers=set()) is None


def test_a_reassessment_team_shares_no_one_with_earlier_rounds() -> None:
    err = team_refusal([member(4), member(2, "expert"), member(1)], earlier={1, 2, 9})
    assert err is not None and err.code == "reassessors_not_different"
    assert err.errors == [{"user_ids": [1, 2]}]
    assert team_refusal([member(4), member(5, "expert")], earlier={1, 2}) is None
