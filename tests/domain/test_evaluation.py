"""The annual evaluation's rules and the quality reserve, worked by hand and by property."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain import evaluation as rules
from ltc.domain.errors import InvalidInput
from ltc.domain.periods import Period
from ltc.domain.policy import Policy, PolicyBook
from ltc.domain.settlement import RESERVE, HomeCareInput, VisitGroup, build_settlement, reserve_line

WEIGHTS = {"exception_rate": 20, "satisfaction": 15, "complaints": 10, "inspection_findings": 15, "staffing": 40}
POLICY = replace(
    Policy(version="t", effective_from=date(2027, 1, 1)),
    evaluation_weights=WEIGHTS,
    quality_reserve_share=Decimal("0.05"),
)


def test_the_scored_indicators_are_the_weighted_ones_not_derived() -> None:
    assert rules.scored_indicators(POLICY) == ("staffing",)
    assert rules.check_indicator(POLICY, "staffing") == "staffing"
    with pytest.raises(InvalidInput) as err:
        rules.check_indicator(POLICY, "exception_rate")  # derived: never entered by hand
    assert err.value.code == "unknown_indicator"


def test_the_exception_rate_in_points() -> None:
    assert rules.exception_rate_score(200, 0) == 100
    assert rules.exception_rate_score(200, 13) == 94  # 6.5 % → 93.5 → 94 (half up)
    assert rules.exception_rate_score(3, 1) == 67
    assert rules.exception_rate_score(0, 0) is None  # no visits: no data
    with pytest.raises(InvalidInput) as err:
        rules.exception_rate_score(2, 3)
    assert err.value.code == "invalid_counts"


def test_satisfaction_is_the_mean_of_the_answers() -> None:
    assert rules.satisfaction_score({"satisfied": 3, "neutral": 1}) == 90  # (300 + 60) / 4
    assert rules.satisfaction_score({"dissatisfied": 1, "satisfied": 2}) == 67
    assert rules.satisfaction_score({}) is None
    with pytest.raises(InvalidInput) as err:
        rules.satisfaction_score({"angry": 1})
    assert err.value.code == "invalid_answer"


def test_the_weighted_score_leaves_out_indicators_without_data() -> None:
    scores = {"exception_rate": 90, "satisfaction": 80, "complaints": None, "inspection_findings": None, "staffing": 70}
    # (20×90 + 15×80 + 40×70) / 75 = 5800 / 75 = 77.33 → 77
    assert rules.weighted_score(POLICY, scores) == 77
    assert rules.weighted_score(POLICY, dict.fromkeys(WEIGHTS)) is None
    with pytest.raises(InvalidInput) as err:
        rules.weighted_score(POLICY, {"staffing": 101})
    assert err.value.code == "invalid_score"
    with pytest.raises(InvalidInput) as err:
        rules.weighted_score(POLICY, {"charm": 50})
    assert err.value.code == "unknown_indicator"


@pytest.mark.parametrize(
    ("score", "grade"), [(100, "excellent"), (90, "excellent"), (89, "good"), (80, "good"), (79, "pass"), (60, "pass"),
                         (59, "fail"), (0, "fail")]
)  # fmt: skip
def test_grades_by_the_policy_floors(score: int, grade: str) -> None:
    assert rules.grade_of(POLICY, score) == grade


def test_a_policy_without_a_floor_for_low_scores_refuses_them() -> None:
    policy = replace(POLICY, evaluation_grade_floors={"pass": 60})
    with pytest.raises(InvalidInput) as err:
        rules.grade_of(policy, 10)
    assert err.value.code == "invalid_policy"


def test_the_final_account_releases_the_grades_share() -> None:
    assert rules.final_account_split(POLICY, 12_345, "excellent") == rules.FinalAccountSplit(12_345, 12_345, 0)
    # a pass releases 80 %: 9,876 fen → 7,900.8 → 7,901 released, 1,975 forfeited
    assert rules.final_account_split(POLICY, 9_876, "pass") == rules.FinalAccountSplit(9_876, 7_901, 1_975)
    assert rules.final_account_split(POLICY, 5_000, "fail") == rules.FinalAccountSplit(5_000, 0, 5_000)
    with pytest.raises(InvalidInput) as err:
        rules.final_account_split(POLICY, 5_000, "legendary")
    assert err.value.code == "invalid_policy"
    with pytest.raises(InvalidInput) as err:
        rules.final_account_split(POLICY, -1, "pass")
    assert err.value.code == "invalid_split"
    with pytest.raises(InvalidInput) as err:
        rules.FinalAccountSplit(10, 4, 5)
    assert err.value.code == "invalid_split"


@given(st.integers(0, 10**12), st.sampled_from(["excellent", "good", "pass", "fail"]))
def test_released_and_forfeited_always_add_up_to_the_reserve(reserve: int, grade: str) -> None:
    split = rules.final_account_split(POLICY, reserve, grade)
    assert split.released_fen + split.forfeited_fen == reserve
    assert 0 <= split.released_fen <= reserve


@given(st.dictionaries(st.sampled_from(sorted(WEIGHTS)), st.one_of(st.none(), st.integers(0, 100))))
def test_the_weighted_score_lies_between_the_lowest_and_highest_score(scores: dict[str, int | None]) -> None:
    given_scores = [s for s in scores.values() if s is not None]
    result = rules.weighted_score(POLICY, scores)
    if not given_scores:
        assert result is None
    else:
        assert result is not None and min(given_scores) <= result <= max(given_scores)


def _home(person: int, minutes: int) -> HomeCareInput:
    day = date(2027, 3, 2)
    group = VisitGroup(visit_ids=(person * 10,), first_day=day, last_day=day, minutes=minutes)
    return HomeCareInput(person_id=person, level=3, groups=(group,))


def test_a_month_withholds_the_reserve_from_its_care_fund_amount() -> None:
    draft = build_settlement(7, Period(2027, 3), [_home(1, 600), _home(2, 300)], [], policy_for=lambda _: POLICY)
    care = [line for line in draft.lines if line.kind != RESERVE]
    reserve = [line for line in draft.lines if line.kind == RESERVE]
    care_fund = sum(line.fund_fen for line in care)  # 15 h × 60.00 × 90 % = 810.00
    assert care_fund == 81_000
    assert [(r.fund_fen, r.gross_fen, r.personal_fen) for r in reserve] == [(-4_050, -4_050, 0)]
    assert draft.fund_fen == 81_000 - 4_050


def test_no_reserve_without_a_policy_share_or_without_care() -> None:
    assert reserve_line(81_000, replace(POLICY, quality_reserve_share=Decimal(0))) is None
    assert reserve_line(-5_000, POLICY) is None  # a month that only takes money back withholds nothing
    draft = build_settlement(
        7, Period(2027, 3), [_home(1, 600)], [], policy_for=lambda _: Policy("d", date(2000, 1, 1))
    )
    assert all(line.kind != RESERVE for line in draft.lines)


def test_the_policy_reads_code_keyed_rules_from_data() -> None:
    raw = {
        "city": "t",
        "versions": [
            {
                "version": "a",
                "effective_from": "2027-01-01",
                "evaluation_weights": {"staffing": 60, "safety": "40"},
                "reserve_release_by_grade": {"excellent": "1", "fail": "0.25"},
                "quality_reserve_share": "0.05",
            }
        ],
    }
    policy = PolicyBook.from_dict(raw).versions[0]
    assert policy.evaluation_weights == {"staffing": 60, "safety": 40}
    assert policy.reserve_release_by_grade == {"excellent": Decimal(1), "fail": Decimal("0.25")}
    assert Policy.from_dict(policy.to_dict()) == policy
    assert rules.evaluation_in_force(policy) and not rules.evaluation_in_force(Policy("d", date(2000, 1, 1)))


def test_complaints_and_findings_take_points_off_full_marks_down_to_nothing() -> None:
    assert [rules.complaints_score(n) for n in (0, 1, 3, 10, 11)] == [100, 90, 70, 0, 0]
    assert [rules.findings_score(p) for p in (0, 10, 35, 100, 120)] == [100, 90, 65, 0, 0]
    for refused in (lambda: rules.complaints_score(-1), lambda: rules.findings_score(-5)):
        with pytest.raises(InvalidInput):
            refused()
