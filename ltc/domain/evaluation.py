"""The annual evaluation (年度考核) and the quality reserve (质量保证金), DOMAIN §8.

A provider's year is evaluated indicator by indicator, each scored 0–100 and weighted by
the policy (``evaluation_weights``):

* derived indicators are computed from the records (the exception rate of visits, the
  satisfaction of follow-up calls 回访, complaints, inspection findings); one without records
  to compute from has no score ("no data");
* scored indicators are entered by the bureau, after the provider's own self-evaluation
  (自查自评), which is shown beside them but does not count.

The year's score is the weighted mean of the indicators that have a score (an indicator
without data neither helps nor harms), rounded half up to a whole point; the grade is the
highest policy grade whose floor the score reaches (``evaluation_grade_floors``).

The quality reserve is a policy share of each month's fund amount for care, withheld by a
settlement line and held in the provider's ``reserve`` account. The year's final account
(决算) releases the share the grade earns (``reserve_release_by_grade``) to the provider and
forfeits the rest to the fund: :func:`final_account_split` and
:func:`ledger.entry_for_final_account`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ltc.domain.errors import InvalidInput
from ltc.domain.money import check_fen, round_half_up, share_fen
from ltc.domain.policy import Policy

# Derived indicators: computed from the records, never entered.
EXCEPTION_RATE = "exception_rate"
SATISFACTION = "satisfaction"
COMPLAINTS = "complaints"
INSPECTION_FINDINGS = "inspection_findings"
DERIVED_INDICATORS = (EXCEPTION_RATE, SATISFACTION, COMPLAINTS, INSPECTION_FINDINGS)

# The answers a beneficiary gives to a follow-up call, and the points each is worth.
SATISFACTION_ANSWERS: dict[str, int] = {"satisfied": 100, "neutral": 60, "dissatisfied": 0}

MAX_SCORE = 100


def check_score(score: int, field: str = "score") -> int:
    """A score is a whole number of points from 0 to 100."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
        raise InvalidInput("the score must be from 0 to 100", code="invalid_score", errors=[{"field": field}])
    return score


def scored_indicators(policy: Policy) -> tuple[str, ...]:
    """The indicators the bureau scores: every weighted one that is not derived."""
    return tuple(code for code in policy.evaluation_weights if code not in DERIVED_INDICATORS)


def check_indicator(policy: Policy, indicator: str) -> str:
    """An indicator the provider or the bureau may score under ``policy``."""
    if indicator not in scored_indicators(policy):
        raise InvalidInput(
            f"{indicator!r} is not a scored indicator", code="unknown_indicator", errors=[{"field": "indicator"}]
        )
    return indicator


def exception_rate_score(visits: int, exceptions: int) -> int | None:
    """The share of visits without an exception, in points (half up); None without visits."""
    if visits < 0 or exceptions < 0 or exceptions > visits:
        raise InvalidInput("exceptions must be between 0 and the visits", code="invalid_counts")
    if visits == 0:
        return None
    return round_half_up((visits - exceptions) * MAX_SCORE, visits)


def satisfaction_score(answers: Mapping[str, int]) -> int | None:
    """The mean points of the follow-up answers (``answer → count``); None without a call."""
    unknown = set(answers) - set(SATISFACTION_ANSWERS)
    if unknown:
        raise InvalidInput(f"unknown answers {sorted(unknown)}", code="invalid_answer")
    calls = sum(answers.values())
    if calls == 0:
        return None
    points = sum(SATISFACTION_ANSWERS[a] * n for a, n in answers.items())
    return round_half_up(points, calls)


POINTS_PER_COMPLAINT = 10  # each tip-off that became or joined a case about the provider


def complaints_score(complaints: int) -> int:
    """Full marks without a complaint, 10 points fewer for each, never below 0."""
    if complaints < 0:
        raise InvalidInput("complaints cannot be negative", code="invalid_counts")
    return max(0, MAX_SCORE - POINTS_PER_COMPLAINT * complaints)


def findings_score(points_deducted: int) -> int:
    """Full marks less the credit points the year's inspection findings deducted (the policy's
    table weighs each finding by its category), never below 0."""
    if points_deducted < 0:
        raise InvalidInput("points cannot be negative", code="invalid_counts")
    return max(0, MAX_SCORE - points_deducted)


def weighted_score(policy: Policy, scores: Mapping[str, int | None]) -> int | None:
    """The weighted mean of the indicators with a score, half up; None when none has one."""
    unknown = set(scores) - set(policy.evaluation_weights)
    if unknown:
        raise InvalidInput(f"unknown indicators {sorted(unknown)}", code="unknown_indicator")
    weighted = [(policy.evaluation_weights[code], check_score(s, code)) for code, s in scores.items() if s is not None]
    total_weight = sum(w for w, _ in weighted)
    if total_weight == 0:
        return None
    return round_half_up(sum(w * s for w, s in weighted), total_weight)


def grade_of(policy: Policy, score: int) -> str:
    """The highest grade whose floor ``score`` reaches (floors are policy data)."""
    check_score(score)
    reached = [(floor, grade) for grade, floor in policy.evaluation_grade_floors.items() if score >= floor]
    if not reached:
        raise InvalidInput(f"no grade for the score {score}", code="invalid_policy")
    return max(reached)[1]


def reserve_fen(policy: Policy, care_fund_fen: int) -> int:
    """The reserve withheld from a month's fund amount for care (never from a refund)."""
    if care_fund_fen <= 0:
        return 0
    return share_fen(care_fund_fen, policy.quality_reserve_share)


@dataclass(frozen=True, slots=True)
class FinalAccountSplit:
    """What the final account does with a provider's reserve for a year."""

    reserve_fen: int
    released_fen: int  # paid to the provider
    forfeited_fen: int  # kept by the fund

    def __post_init__(self) -> None:
        check_fen(self.reserve_fen, "reserve_fen")
        if self.released_fen + self.forfeited_fen != self.reserve_fen or min(self.released_fen, self.forfeited_fen) < 0:
            raise InvalidInput("released and forfeited must add up to the reserve", code="invalid_split")


def release_share(policy: Policy, grade: str) -> Decimal:
    if grade not in policy.reserve_release_by_grade:
        raise InvalidInput(f"no release share for the grade {grade}", code="invalid_policy")
    return policy.reserve_release_by_grade[grade]


def final_account_split(policy: Policy, reserve: int, grade: str) -> FinalAccountSplit:
    """The grade's share of the reserve released (rounded half up), the rest forfeited."""
    if check_fen(reserve, "reserve_fen") < 0:
        raise InvalidInput("a reserve cannot be negative", code="invalid_split")
    released = share_fen(reserve, release_share(policy, grade))
    return FinalAccountSplit(reserve_fen=reserve, released_fen=released, forfeited_fen=reserve - released)


def evaluation_in_force(policy: Policy) -> bool:
    """Whether the year is evaluated by indicators (else by the old single score)."""
    return bool(policy.evaluation_weights)
