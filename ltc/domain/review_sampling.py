"""The review sample (复审) of a month's settlement lines: at least the policy's share of the
lines (one at the least when there are any), part drawn by risk (weighted by each line's
score, without replacement) and the rest at random, each line with the reasons it was drawn.

Drawn from a seed, so that the same lines and seed give the same sample (the seed is stored)."""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

DrawnFor = Literal["risk", "random"]
RANDOM = "random"  # the reason of a line drawn at random


@dataclass(frozen=True, slots=True)
class LineRisk:
    """A settlement line that may be drawn, with its risk score and the indicators behind it."""

    line_id: int
    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Drawn:
    line_id: int
    drawn_for: DrawnFor
    reasons: tuple[str, ...]


def sample_size(lines: int, share: Decimal) -> int:
    """At least ``share`` of the lines, rounded up; one when there are lines at all."""
    if lines <= 0:
        return 0
    return min(lines, max(1, math.ceil(share * lines)))


def draw(lines: Sequence[LineRisk], share: Decimal, risk_share: Decimal, seed: int) -> tuple[Drawn, ...]:
    """The sample: ``risk_share`` of it (rounded up) drawn among the lines with a risk, each
    with a chance in proportion to its score (Efraimidis–Spirakis keys), the rest at random
    among the lines left. The lines are taken in id order, so their order given does not matter."""
    ordered = sorted(lines, key=lambda line: line.line_id)
    size = sample_size(len(ordered), share)
    rng = random.Random(seed)
    keys = [(rng.random() ** (1.0 / line.score) if line.score > 0 else -1.0, line) for line in ordered]
    by_risk = math.ceil(size * risk_share)
    # the largest keys, ties to the lower id (a month's lines are many, the risk draw few)
    risky = heapq.nsmallest(by_risk, (k for k in keys if k[0] >= 0), key=lambda k: (-k[0], k[1].line_id))
    drawn = [Drawn(line.line_id, "risk", line.reasons) for _, line in risky]
    taken = {d.line_id for d in drawn}
    rest = [line for line in ordered if line.line_id not in taken]
    drawn += [Drawn(line.line_id, "random", (RANDOM,)) for line in rng.sample(rest, size - len(drawn))]
    return tuple(sorted(drawn, key=lambda d: d.line_id))
