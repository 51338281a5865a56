"""Rolling the scheme out town by town (DOMAIN §9): the rollout phases a policy version's
towns fall into, the gate an application passes only where the scheme is open on the day
it is filed, and the town's own rules in force over the version's: how far a provider
reaches, the benefits on offer and the weekly pattern of visits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

import numpy as np

from ltc.domain.errors import InvalidInput
from ltc.domain.policy import HOME_CARE, INSTITUTIONAL_CARE, Policy

# The benefit a care mode of a designated provider delivers.
BENEFIT_OF_CARE_MODE = {"home": HOME_CARE, "institutional": INSTITUTIONAL_CARE}
ALL_WEEKDAYS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True, slots=True)
class Phase:
    """One step of the rollout: the towns whose scheme opened on the same day (``opens_on``
    None: open as long as the version is in force). Phase 1 is the pilot."""

    number: int
    opens_on: date | None
    town_codes: tuple[str, ...]

    def open_on(self, day: date) -> bool:
        return self.opens_on is None or day >= self.opens_on


def rollout_phases(policy: Policy, town_codes: Iterable[str]) -> tuple[Phase, ...]:
    """The towns grouped by the day the scheme opens in each, earliest first (a town the
    version does not date opens with the version, so it joins the first phase)."""
    by_day: dict[date | None, list[str]] = {}
    for code in sorted(set(town_codes)):
        by_day.setdefault(policy.town(code).open_from, []).append(code)
    days = sorted(by_day, key=lambda d: (d is not None, d or date.min))
    return tuple(Phase(n, day, tuple(by_day[day])) for n, day in enumerate(days, start=1))


def phase_of(phases: Iterable[Phase], town_code: str) -> Phase | None:
    return next((p for p in phases if town_code in p.town_codes), None)


def check_scheme_open(town_code: str | None, day: date, policy: Policy) -> None:
    """An application from a town where the scheme is not open on the day it is filed is
    refused, naming the day it opens. A person whose town is not known is not held back:
    the gate is the town's, and there is none to apply."""
    if town_code is None or policy.scheme_open_in(town_code, day):
        return
    opens_on = policy.town(town_code).open_from
    assert opens_on is not None  # a town without a date is always open
    raise InvalidInput(
        f"该乡镇（街道）自 {opens_on.isoformat()} 起开办长期护理保险，申请日 {day.isoformat()} 尚未开办",
        code="scheme_not_open_in_town",
        errors=[
            {
                "code": "scheme_not_open_in_town",
                "field": "applied_on",
                "town": town_code,
                "opens_on": opens_on.isoformat(),
            }
        ],
    )


@overload
def reach_km(provider_radius_km: float, town_radius_km: float | None) -> float: ...
@overload
def reach_km(provider_radius_km: np.ndarray, town_radius_km: np.ndarray | float | None) -> np.ndarray: ...
def reach_km(provider_radius_km: Any, town_radius_km: Any) -> Any:
    """How far a provider reaches a person: its own radius, or the town's where the town
    names a larger one (a remote town's radius lets providers travel farther, never less).
    Works on single radii and on columns of them (a town naming none: 0 in a column)."""
    if town_radius_km is None:
        return provider_radius_km
    if isinstance(provider_radius_km, np.ndarray) or isinstance(town_radius_km, np.ndarray):
        return np.maximum(provider_radius_km, town_radius_km)
    return max(provider_radius_km, town_radius_km)


def benefit_offered(policy: Policy, town_code: str | None, care_mode: str) -> bool:
    """Whether the person's town offers care of this mode (a mode no benefit names: not the
    town's to refuse)."""
    benefit = BENEFIT_OF_CARE_MODE.get(care_mode)
    return benefit is None or benefit in policy.benefits_in(town_code)


def check_benefit_offered(policy: Policy, town_code: str | None, care_mode: str) -> None:
    """Care of a mode the person's town does not offer is refused."""
    if benefit_offered(policy, town_code, care_mode):
        return
    benefit = BENEFIT_OF_CARE_MODE[care_mode]
    raise InvalidInput(
        f"该乡镇（街道）不提供此护理方式（{care_mode}）",
        code="benefit_not_offered_in_town",
        errors=[{"code": "benefit_not_offered_in_town", "field": "care_mode", "benefit": benefit}],
    )


@dataclass(frozen=True, slots=True)
class WeeklyPattern:
    """The days a week visits may fall on and how many a week at most (the town's own, else
    any day and as many as the hours allow)."""

    weekdays: tuple[int, ...] = ALL_WEEKDAYS
    visits_per_week: int | None = None


def weekly_pattern_in(policy: Policy, town_code: str | None) -> WeeklyPattern:
    rules = policy.town(town_code)
    return WeeklyPattern(
        weekdays=tuple(sorted(set(rules.visit_weekdays))) if rules.visit_weekdays else ALL_WEEKDAYS,
        visits_per_week=rules.visits_per_week,
    )
