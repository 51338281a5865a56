"""Risk indicators and scores of fund supervision (DOMAIN §8): for a provider, a caregiver or
one settlement line in a month, each indicator with its value, the peers' reference and its
contribution; the score is the contributions' sum, each indicator weighted by the policy.

Pure: the service gathers the month's facts per subject and hands them here with the peers'."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ltc.domain.policy import Policy

RULES_HIT = "rules_hit"  # verification flags per visit
HOURS_AT_CAP = "hours_at_cap"  # share of persons at the monthly hours cap month after month
SHORT_VISITS = "short_visits"  # share of visits shorter than the policy's minimum share
EXCEPTION_RATE = "exception_rate"  # share of visits with an exception
NEW_PROVIDER = "new_provider"  # designated within the policy's months
PEER_OUTLIER = "peer_outlier"  # exception rate's robust z-score against the peers
INDICATORS: tuple[str, ...] = (RULES_HIT, HOURS_AT_CAP, SHORT_VISITS, EXCEPTION_RATE, NEW_PROVIDER, PEER_OUTLIER)

# Iglewicz and Hoaglin's modified z-score: 0.6745 makes the MAD comparable to a standard
# deviation for normal data; with a MAD of 0, the mean absolute deviation scaled by 0.7979.
MAD_SCALE = 0.6745
MEAN_AD_SCALE = 0.7979


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    """What a subject (provider, caregiver, a line's person) did in the month."""

    visits: int = 0
    flags: int = 0  # verification flags raised on those visits
    visits_with_exception: int = 0
    short_visits: int = 0
    persons: int = 0
    persons_at_cap: int = 0  # persons at the hours cap for the policy's months in a row
    new_provider: bool = False

    def value(self, indicator: str) -> float:
        """The indicator's raw value (but the outlier's, which needs the peers)."""
        if indicator == RULES_HIT:
            return self.flags / self.visits if self.visits else 0.0
        if indicator == SHORT_VISITS:
            return self.short_visits / self.visits if self.visits else 0.0
        if indicator == EXCEPTION_RATE:
            return self.visits_with_exception / self.visits if self.visits else 0.0
        if indicator == HOURS_AT_CAP:
            return self.persons_at_cap / self.persons if self.persons else 0.0
        if indicator == NEW_PROVIDER:
            return 1.0 if self.new_provider else 0.0
        raise ValueError(indicator)


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: its value, the peers' reference (their median; for the outlier, the
    z-score from which it counts fully) and what it adds to the score."""

    code: str
    value: float
    reference: float
    contribution: float


@dataclass(frozen=True, slots=True)
class RiskScore:
    score: float
    indicators: tuple[Indicator, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        """The indicators that add to the score, the heaviest first."""
        hit = sorted((i for i in self.indicators if i.contribution > 0), key=lambda i: (-i.contribution, i.code))
        return tuple(i.code for i in hit)


@dataclass(frozen=True, slots=True)
class Spread:
    """The peers' median and spread, taken once and then used for any number of subjects (a
    month has hundreds of thousands of persons: each one's score must not re-sort them all)."""

    median: float
    mad: float  # median absolute deviation
    mean_ad: float  # mean absolute deviation from the median
    empty: bool

    @classmethod
    def of(cls, peers: Sequence[float]) -> Spread:
        if not peers:
            return cls(0.0, 0.0, 0.0, True)
        median = statistics.median(peers)
        deviations = [abs(p - median) for p in peers]
        return cls(median, statistics.median(deviations), statistics.fmean(deviations), False)

    def z(self, value: float) -> float:
        """The modified z-score of ``value`` (median and MAD, not mean and standard deviation,
        so that one outlier does not hide itself); 0 without spread."""
        if self.empty:
            return 0.0
        if self.mad > 0:
            return MAD_SCALE * (value - self.median) / self.mad
        return MEAN_AD_SCALE * (value - self.median) / self.mean_ad if self.mean_ad > 0 else 0.0


def robust_z(value: float, peers: Sequence[float]) -> float:
    """The modified z-score of ``value`` against ``peers`` (see ``Spread``)."""
    return Spread.of(peers).z(value)


@dataclass(frozen=True, slots=True)
class PeerReference:
    """What a subject is compared with: each indicator's median over the peers and the spread
    of their exception rates, taken once for the month's subjects of a kind."""

    medians: dict[str, float]
    exception_rates: Spread

    @classmethod
    def of(cls, peers: Sequence[SubjectFacts]) -> PeerReference:
        medians = {
            code: statistics.median([p.value(code) for p in peers]) if peers else 0.0
            for code in INDICATORS
            if code != PEER_OUTLIER
        }
        return cls(medians, Spread.of([p.value(EXCEPTION_RATE) for p in peers]))


def weight(policy: Policy, indicator: str) -> int:
    return int(getattr(policy, f"risk_weight_{indicator}"))


def _signal(indicator: str, value: float, policy: Policy) -> float:
    """How far the indicator counts, from 0 to 1: rates as they are (flags per visit up to
    one), the outlier's z-score as a share of the policy's threshold (none below 0)."""
    if indicator == PEER_OUTLIER:
        return min(1.0, max(0.0, value / float(policy.risk_outlier_z)))
    return min(1.0, max(0.0, value))


def score(subject: SubjectFacts, peers: Sequence[SubjectFacts] | PeerReference, policy: Policy) -> RiskScore:
    """The subject's indicators against its peers (the same kind of subject in the month,
    itself included; or their ``PeerReference``, taken once) and their weighted sum."""
    reference_of = peers if isinstance(peers, PeerReference) else PeerReference.of(peers)
    indicators = []
    for code in INDICATORS:
        if code == PEER_OUTLIER:
            value = reference_of.exception_rates.z(subject.value(EXCEPTION_RATE))
            reference = float(policy.risk_outlier_z)
        else:
            value, reference = subject.value(code), reference_of.medians[code]
        contribution = round(weight(policy, code) * _signal(code, value, policy), 2)
        indicators.append(Indicator(code, round(value, 4), round(reference, 4), contribution))
    return RiskScore(round(sum(i.contribution for i in indicators), 2), tuple(indicators))
