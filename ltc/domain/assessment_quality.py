"""Assessment quality (DOMAIN §8), the fund supervisor's view of the assessments:

* ``assessed_away_from_home``: the assessment's recorded position is farther from the person's
  home than the policy's distance (``assessment_max_distance_m``);
* ``assessment_too_short``: it took less than the policy's minimum (``assessment_min_minutes``);
* assessors whose share of severe results is an outlier against their peers: for each
  assessor a two-sided Fisher exact test of their severe and other results against the pooled
  results of every other assessor, the p-values adjusted for the number of assessors tested
  (Holm's step-down method); an outlier is one whose adjusted p-value is under the policy's
  level (``assessor_outlier_alpha``). The p-values are reported, not a fixed ratio;
* a spot re-assessment (抽查复评): a policy share of the final conclusions drawn at random from
  a stored seed (the same seed, the same draw), each re-assessed by a team sharing no assessor
  with the first, and its level compared with the conclusion's.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
from scipy.stats import fisher_exact

from ltc.domain.coordinates import haversine_km
from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.policy import Policy

ASSESSED_AWAY_FROM_HOME = "assessed_away_from_home"
ASSESSMENT_TOO_SHORT = "assessment_too_short"
ASSESSMENT_FLAGS = (ASSESSED_AWAY_FROM_HOME, ASSESSMENT_TOO_SHORT)
SPOT_OUTCOMES = ("agrees", "higher", "lower")  # the spot check's level against the conclusion's


def assessment_flags(
    policy: Policy,
    started_at: datetime,
    finished_at: datetime,
    position: tuple[float, float] | None,
    home: tuple[float, float] | None,
) -> tuple[str, ...]:
    """The flags of one assessment (a position or home not recorded cannot be checked)."""
    flags: list[str] = []
    if position is not None and home is not None:
        metres = haversine_km(position[0], position[1], home[0], home[1]) * 1000
        if metres > policy.assessment_max_distance_m:
            flags.append(ASSESSED_AWAY_FROM_HOME)
    if (finished_at - started_at).total_seconds() < policy.assessment_min_minutes * 60:
        flags.append(ASSESSMENT_TOO_SHORT)
    return tuple(flags)


@dataclass(frozen=True, slots=True)
class AssessorCounts:
    assessor_id: int
    severe: int
    total: int

    def __post_init__(self) -> None:
        if not 0 <= self.severe <= self.total:
            raise InvalidInput("severe results must be between 0 and the results", code="invalid_counts")


@dataclass(frozen=True, slots=True)
class AssessorTest:
    assessor_id: int
    severe: int
    total: int
    peer_severe: int
    peer_total: int
    p_value: float  # Fisher's exact test, two-sided, against the pooled peers
    adjusted_p: float  # Holm-adjusted over the assessors tested
    outlier: bool

    @property
    def rate(self) -> float:
        return self.severe / self.total if self.total else 0.0

    @property
    def peer_rate(self) -> float:
        return self.peer_severe / self.peer_total if self.peer_total else 0.0


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: monotone, each at most 1, never below its own p-value."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def assessor_outliers(counts: Iterable[AssessorCounts], alpha: Decimal) -> list[AssessorTest]:
    """Each assessor with results tested against the pooled others (see the module doc)."""
    rows = [c for c in counts if c.total > 0]
    all_severe, all_total = sum(c.severe for c in rows), sum(c.total for c in rows)
    p_values = []
    for c in rows:
        peer_severe, peer_total = all_severe - c.severe, all_total - c.total
        table = np.array([[c.severe, c.total - c.severe], [peer_severe, peer_total - peer_severe]])
        p_values.append(float(fisher_exact(table, alternative="two-sided").pvalue) if peer_total else 1.0)
    adjusted = holm(p_values)
    return [
        AssessorTest(
            assessor_id=c.assessor_id, severe=c.severe, total=c.total,
            peer_severe=all_severe - c.severe, peer_total=all_total - c.total,
            p_value=p, adjusted_p=a, outlier=a < float(alpha),
        )
        for c, p, a in zip(rows, p_values, adjusted, strict=True)
    ]  # fmt: skip


def spot_draw(conclusion_ids: Iterable[int], share: Decimal, seed: int) -> list[int]:
    """At least ``share`` of the conclusions (rounded up), drawn from ``seed``: the same ids and
    seed give the same draw, whatever order the ids come in."""
    pool = sorted(set(conclusion_ids))
    if not pool or share <= 0:
        return []
    count = min(len(pool), math.ceil(len(pool) * share))
    return sorted(random.Random(seed).sample(pool, count))


def spot_team(first_team: Iterable[int], candidates: Iterable[int], size: int, seed: int) -> tuple[int, ...]:
    """A team of ``size`` assessors sharing no one with the first team, drawn from ``seed``."""
    first = set(first_team)
    free = sorted(set(candidates) - first)
    if len(free) < size:
        raise Conflict("没有足够的其他评估员组成复评小组", code="no_independent_team")
    return tuple(sorted(random.Random(seed).sample(free, size)))


def spot_outcome(conclusion_level: int, spot_level: int) -> str:
    """``agrees``, or whether the spot check found a ``higher`` or ``lower`` level."""
    if spot_level == conclusion_level:
        return "agrees"
    return "higher" if spot_level > conclusion_level else "lower"
