"""Risk indicators and scores, by hand-worked numbers, and their properties."""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ltc.domain import risk
from ltc.domain.policy import Policy

POLICY = Policy(version="t", effective_from=date(2026, 1, 1))


def test_the_modified_z_score_by_hand() -> None:
    peers = [0.1, 0.1, 0.2, 0.2, 0.9]
    # median 0.2; absolute deviations 0.1 0.1 0 0 0.7 → MAD 0.1; z = 0.6745 × 0.7 / 0.1
    assert risk.robust_z(0.9, peers) == pytest.approx(4.7215)
    assert risk.robust_z(0.2, peers) == 0.0
    assert risk.robust_z(0.1, peers) == pytest.approx(-0.6745)


def test_without_a_median_deviation_the_mean_deviation_scales_the_z_score() -> None:
    peers = [0.0, 0.0, 0.0, 0.0, 0.5]
    # MAD 0; mean absolute deviation 0.1; z = 0.7979 × 0.5 / 0.1
    assert risk.robust_z(0.5, peers) == pytest.approx(3.9895)
    assert risk.robust_z(0.3, [0.3, 0.3, 0.3]) == 0.0, "no spread at all: nothing stands out"
    assert risk.robust_z(0.3, []) == 0.0


def test_a_provider_scored_indicator_by_indicator() -> None:
    """Ten visits, four flags, two with an exception, three short; one of two persons at the
    cap for three months; a new provider; peers' exception rates 0, 0, 0.1, 0.1 and its own 0.2."""
    subject = risk.SubjectFacts(
        visits=10, flags=4, visits_with_exception=2, short_visits=3, persons=2, persons_at_cap=1, new_provider=True
    )
    peers = [
        risk.SubjectFacts(visits=10),
        risk.SubjectFacts(visits=10),
        risk.SubjectFacts(visits=10, visits_with_exception=1),
        risk.SubjectFacts(visits=10, visits_with_exception=1),
        subject,
    ]
    scored = risk.score(subject, peers, POLICY)
    by_code = {i.code: i for i in scored.indicators}
    assert (by_code["rules_hit"].value, by_code["rules_hit"].contribution) == (0.4, 8.0)  # 20 × 0.4
    assert (by_code["hours_at_cap"].value, by_code["hours_at_cap"].contribution) == (0.5, 7.5)  # 15 × 0.5
    assert (by_code["short_visits"].value, by_code["short_visits"].contribution) == (0.3, 4.5)  # 15 × 0.3
    assert (by_code["exception_rate"].value, by_code["exception_rate"].contribution) == (0.2, 4.0)  # 20 × 0.2
    assert by_code["exception_rate"].reference == 0.1  # the peers' median
    assert (by_code["new_provider"].value, by_code["new_provider"].contribution) == (1.0, 10.0)
    # rates 0 0 .1 .1 .2: median .1, MAD .1 → z = 0.6745 × .1 / .1 = 0.6745; 20 × 0.6745 / 3.5
    assert by_code["peer_outlier"].value == pytest.approx(0.6745)
    assert by_code["peer_outlier"].contribution == pytest.approx(3.85)
    assert scored.score == pytest.approx(8.0 + 7.5 + 4.5 + 4.0 + 10.0 + 3.85)
    assert scored.reasons[0] == "new_provider", "the heaviest reason first"


def test_the_weights_are_the_policy_s() -> None:
    subject = risk.SubjectFacts(visits=1, flags=1)
    heavier = replace(POLICY, risk_weight_rules_hit=50)
    assert risk.score(subject, [subject], heavier).score == 50.0
    assert risk.score(subject, [subject], POLICY).score == 20.0


def test_nothing_done_scores_nothing() -> None:
    quiet = risk.SubjectFacts()
    assert risk.score(quiet, [quiet], POLICY).score == 0.0
    assert risk.score(quiet, [quiet], POLICY).reasons == ()


facts = st.builds(
    lambda visits, flags, exc, short, persons, at_cap, new: risk.SubjectFacts(
        visits=visits,
        flags=flags,
        visits_with_exception=min(exc, visits),
        short_visits=min(short, visits),
        persons=persons,
        persons_at_cap=min(at_cap, persons),
        new_provider=new,
    ),
    st.integers(0, 60),
    st.integers(0, 100),
    st.integers(0, 60),
    st.integers(0, 60),
    st.integers(0, 10),
    st.integers(0, 10),
    st.booleans(),
)


@given(subject=facts, others=st.lists(facts, max_size=12))
def test_a_score_is_its_contributions_each_within_its_weight(subject, others) -> None:
    scored = risk.score(subject, [subject, *others], POLICY)
    assert scored.score == pytest.approx(sum(i.contribution for i in scored.indicators))
    for indicator in scored.indicators:
        assert 0 <= indicator.contribution <= risk.weight(POLICY, indicator.code)
    assert 0 <= scored.score <= sum(risk.weight(POLICY, code) for code in risk.INDICATORS)


@given(subject=facts, others=st.lists(facts, min_size=1, max_size=12))
def test_more_exceptions_never_lower_the_score(subject, others) -> None:
    if subject.visits_with_exception >= subject.visits:
        return
    worse = replace(subject, visits_with_exception=subject.visits_with_exception + 1)
    peers = [*others]
    assert (
        risk.score(worse, [worse, *peers], POLICY).score >= risk.score(subject, [subject, *peers], POLICY).score - 1e-9
    )


facts_strategy = st.builds(
    risk.SubjectFacts,
    visits=st.integers(0, 60),
    flags=st.integers(0, 5),
    visits_with_exception=st.integers(0, 60),
    short_visits=st.integers(0, 60),
    persons=st.integers(0, 9),
    persons_at_cap=st.integers(0, 9),
    new_provider=st.booleans(),
)


def _z_by_definition(value: float, peers: list[float]) -> float:
    """The modified z-score straight from its definition, for each subject anew."""
    if not peers:
        return 0.0
    median = statistics.median(peers)
    mad = statistics.median(abs(p - median) for p in peers)
    if mad > 0:
        return 0.6745 * (value - median) / mad
    mean_ad = statistics.fmean(abs(p - median) for p in peers)
    return 0.7979 * (value - median) / mean_ad if mean_ad > 0 else 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(facts_strategy, min_size=0, max_size=12), facts_strategy)
def test_the_peers_taken_once_give_each_subject_the_scores_of_the_definition(
    peers: list[risk.SubjectFacts], subject: risk.SubjectFacts
) -> None:
    scored = risk.score(subject, risk.PeerReference.of(peers), POLICY)
    by_code = {i.code: i for i in scored.indicators}
    rates = [p.value(risk.EXCEPTION_RATE) for p in peers]
    assert by_code[risk.PEER_OUTLIER].value == round(_z_by_definition(subject.value(risk.EXCEPTION_RATE), rates), 4)
    for code in (risk.RULES_HIT, risk.HOURS_AT_CAP, risk.SHORT_VISITS, risk.EXCEPTION_RATE, risk.NEW_PROVIDER):
        expected = statistics.median([p.value(code) for p in peers]) if peers else 0.0
        assert by_code[code].reference == round(expected, 4)
    spread = risk.Spread.of(rates)
    assert [spread.z(r) for r in rates] == [_z_by_definition(r, rates) for r in rates]
