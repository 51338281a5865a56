"""Assessment quality's rules: the flags, the assessors' test against their peers (checked
against SciPy and by hand), and the reproducible spot draw with an independent second team."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import comb

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc.domain import assessment_quality as rules
from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.policy import Policy

POLICY = replace(Policy("t", date(2000, 1, 1)), assessment_max_distance_m=500.0, assessment_min_minutes=20)
T0 = datetime(2027, 3, 1, 9, tzinfo=UTC)
HOME = (29.66, 121.41)


def test_an_assessment_far_from_home_or_short_is_flagged() -> None:
    near = (29.663, 121.41)  # ~333 m north
    far = (29.666, 121.41)  # ~667 m north
    assert rules.assessment_flags(POLICY, T0, T0 + timedelta(minutes=45), near, HOME) == ()
    assert rules.assessment_flags(POLICY, T0, T0 + timedelta(minutes=45), far, HOME) == ("assessed_away_from_home",)
    assert rules.assessment_flags(POLICY, T0, T0 + timedelta(minutes=19, seconds=59), near, HOME) == (
        "assessment_too_short",
    )
    assert rules.assessment_flags(POLICY, T0, T0 + timedelta(minutes=20), None, HOME) == (), "no position, no check"


def _fisher_by_hand(severe: int, drawn: int, all_severe: int, everyone: int) -> float:
    def probability(x: int) -> Fraction:
        return Fraction(comb(all_severe, x) * comb(everyone - all_severe, drawn - x), comb(everyone, drawn))

    observed = probability(severe)
    return float(sum(probability(x) for x in range(drawn + 1) if probability(x) <= observed))


def test_holm_adjusts_step_down_and_stays_monotone() -> None:
    # sorted 0.01, 0.02, 0.04 → ×3, ×2, ×1 = 0.03, 0.04, 0.04 (kept monotone)
    assert rules.holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert rules.holm([0.5, 0.9]) == [1.0, 1.0]


def test_an_assessor_far_above_the_peers_is_an_outlier_by_the_adjusted_p_value() -> None:
    counts = [
        rules.AssessorCounts(1, 18, 20),  # 90 % severe
        rules.AssessorCounts(2, 10, 20),
        rules.AssessorCounts(3, 9, 20),
        rules.AssessorCounts(4, 11, 20),
    ]
    tests = {t.assessor_id: t for t in rules.assessor_outliers(counts, Decimal("0.05"))}
    one = tests[1]
    assert (one.peer_severe, one.peer_total) == (30, 60)
    # Fisher's exact test of [[18, 2], [30, 30]], two-sided, by hand: the hypergeometric
    # probabilities of 18 or more extreme severe counts out of 20 drawn from 48 severe in 80
    assert one.p_value == pytest.approx(_fisher_by_hand(18, 20, 48, 80), rel=1e-9)
    assert one.p_value == pytest.approx(0.0014448, abs=1e-6)
    assert one.adjusted_p == pytest.approx(min(1.0, 4 * one.p_value))
    assert one.outlier and not any(tests[a].outlier for a in (2, 3, 4))
    assert tests[2].p_value > 0.05


def test_assessors_without_results_are_not_tested_and_counts_are_checked() -> None:
    assert rules.assessor_outliers([rules.AssessorCounts(1, 0, 0)], Decimal("0.05")) == []
    (alone,) = rules.assessor_outliers([rules.AssessorCounts(1, 3, 5)], Decimal("0.05"))
    assert (alone.p_value, alone.outlier) == (1.0, False), "without peers nothing to compare"
    with pytest.raises(InvalidInput) as err:
        rules.AssessorCounts(1, 6, 5)
    assert err.value.code == "invalid_counts"


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=8))
def test_adjusted_p_values_are_probabilities_no_smaller_than_the_raw_ones(pairs: list[tuple[int, int]]) -> None:
    counts = [rules.AssessorCounts(i, s, s + o) for i, (s, o) in enumerate(pairs)]
    for t in rules.assessor_outliers(counts, Decimal("0.05")):
        assert 0.0 <= t.p_value <= t.adjusted_p <= 1.0 + 1e-12


@given(st.sets(st.integers(1, 10_000), max_size=300), st.integers(0, 2**62), st.sampled_from(["0.05", "0.1", "1"]))
def test_the_spot_draw_is_reproducible_from_its_seed_and_covers_the_share(ids: set[int], seed: int, share: str) -> None:
    drawn = rules.spot_draw(ids, Decimal(share), seed)
    assert drawn == rules.spot_draw(sorted(ids, reverse=True), Decimal(share), seed), "same seed, same draw"
    assert set(drawn) <= ids and len(drawn) == len(set(drawn))
    assert len(drawn) >= len(ids) * Decimal(share)
    assert len(drawn) < len(ids) * Decimal(share) + 1


def test_the_second_team_shares_no_assessor_with_the_first() -> None:
    team = rules.spot_team({1, 2}, [1, 2, 3, 4, 5], 2, seed=7)
    assert len(team) == 2 and not set(team) & {1, 2}
    assert team == rules.spot_team({2, 1}, [5, 4, 3, 2, 1], 2, seed=7)
    with pytest.raises(Conflict) as err:
        rules.spot_team({1, 2, 3}, [1, 2, 3, 4], 2, seed=7)
    assert err.value.code == "no_independent_team"


def test_the_spot_result_against_the_conclusion() -> None:
    assert [rules.spot_outcome(4, level) for level in (4, 5, 3)] == ["agrees", "higher", "lower"]
