"""The review sample: its size, its risk and random parts, and its reproducibility."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ltc.domain.review_sampling import RANDOM, LineRisk, draw, sample_size

SHARE, HALF = Decimal("0.05"), Decimal("0.5")


def test_the_size_is_the_share_rounded_up_and_one_at_least() -> None:
    assert sample_size(0, SHARE) == 0
    assert sample_size(1, SHARE) == 1
    assert sample_size(20, SHARE) == 1
    assert sample_size(21, SHARE) == 2  # 1.05 rounded up
    assert sample_size(100, SHARE) == 5
    assert sample_size(3, Decimal("1")) == 3


def test_forty_lines_half_by_risk_half_at_random() -> None:
    lines = [LineRisk(i, 50.0 if i == 7 else 0.0, ("rules_hit",) if i == 7 else ()) for i in range(1, 41)]
    drawn = draw(lines, SHARE, HALF, seed=11)
    assert len(drawn) == 2  # ceil(0.05 × 40)
    (by_risk,) = [d for d in drawn if d.drawn_for == "risk"]
    assert (by_risk.line_id, by_risk.reasons) == (7, ("rules_hit",)), "the one line with a risk is drawn for it"
    (at_random,) = [d for d in drawn if d.drawn_for == "random"]
    assert at_random.line_id != 7 and at_random.reasons == (RANDOM,)


def test_without_risky_lines_the_whole_sample_is_random() -> None:
    drawn = draw([LineRisk(i, 0.0) for i in range(1, 101)], SHARE, HALF, seed=3)
    assert len(drawn) == 5 and {d.drawn_for for d in drawn} == {"random"}


def test_the_same_seed_draws_the_same_lines_whatever_their_order() -> None:
    lines = [LineRisk(i, float(i % 7), ("short_visits",) if i % 7 else ()) for i in range(1, 301)]
    first = draw(lines, SHARE, HALF, seed=2026)
    assert draw(list(reversed(lines)), SHARE, HALF, seed=2026) == first
    assert draw(lines, SHARE, HALF, seed=2027) != first, "another seed, another sample"


lines_strategy = st.lists(
    st.tuples(st.integers(1, 10**6), st.floats(0, 100, allow_nan=False)), max_size=200, unique_by=lambda t: t[0]
).map(lambda items: [LineRisk(i, s, ("rules_hit",) if s > 0 else ()) for i, s in items])


@given(
    lines=lines_strategy,
    share=st.decimals(Decimal("0.01"), Decimal("1"), places=2),
    risk_share=st.decimals(Decimal("0"), Decimal("1"), places=2),
    seed=st.integers(0, 2**62),
)
def test_the_sample_always_covers_the_policy_share(lines, share, risk_share, seed) -> None:
    drawn = draw(lines, share, risk_share, seed)
    ids = [d.line_id for d in drawn]
    assert len(set(ids)) == len(ids), "no line twice"
    assert set(ids) <= {line.line_id for line in lines}
    assert len(drawn) >= math.ceil(share * len(lines))
    assert len(drawn) >= 1 if lines else len(drawn) == 0
    risky = {line.line_id for line in lines if line.score > 0}
    assert all(d.line_id in risky for d in drawn if d.drawn_for == "risk")
    assert sum(d.drawn_for == "risk" for d in drawn) <= math.ceil(len(drawn) * risk_share)
    assert draw(lines, share, risk_share, seed) == drawn


# drawn by the sampling code that stored the first seeds (sorting every key)
EXPECTED_FROM_SEED = [
    (32, "risk"),
    (44, "risk"),
    (79, "random"),
    (88, "risk"),
    (92, "risk"),
    (124, "random"),
    (132, "random"),
    (173, "risk"),
    (178, "random"),
    (194, "random"),
]


def test_a_stored_seed_draws_what_it_drew() -> None:
    """A sample is drawn again from its stored seed (an audit, a rebuild): the same seed and
    lines must keep giving these lines, whatever the draw's code becomes."""
    lines = [LineRisk(i, float(i % 5) * 10, ("rules_hit",) if i % 5 else ()) for i in range(1, 201)]
    drawn = draw(lines, Decimal("0.05"), Decimal("0.5"), seed=20261207)
    assert [(d.line_id, d.drawn_for) for d in drawn] == EXPECTED_FROM_SEED
