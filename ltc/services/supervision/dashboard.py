"""The supervision dashboard: exception rates by provider over the last months, the providers
that stand out against their peers month by month, and the month's top risks."""

from __future__ import annotations

from dataclasses import dataclass

from ltc.db.tables import Provider
from ltc.domain import risk
from ltc.domain.access import Action, Actor, require
from ltc.domain.periods import Period
from ltc.services.context import ServiceContext
from ltc.services.supervision.risk import MonthFacts, RiskOut, month_facts, risk_out

MONTHS_SHOWN = 6
TOP_RISKS = 10


@dataclass(frozen=True)
class ProviderRates:
    provider_id: int
    name: str
    rates: list[float | None]  # a month without done visits: None


@dataclass(frozen=True)
class Overview:
    period: str
    months: list[str]
    exception_rates: list[float]  # every provider's visits together, month by month
    outliers: list[int]  # providers at or beyond the policy's robust z-score, month by month
    providers: list[ProviderRates]
    top: list[RiskOut]


def _outliers(facts: MonthFacts) -> int:
    rates = [f.value(risk.EXCEPTION_RATE) for f in facts.providers.values()]
    threshold = float(facts.policy.risk_outlier_z)
    spread = facts.provider_peers.rates
    return sum(1 for rate in rates if spread and spread.z(rate) >= threshold)


def _overall_rate(facts: MonthFacts) -> float:
    visits = sum(f.visits for f in facts.providers.values())
    return round(sum(f.visits_with_exception for f in facts.providers.values()) / visits, 4) if visits else 0.0


async def overview(ctx: ServiceContext, actor: Actor, period: Period) -> Overview:
    """The months up to ``period``, and its top risks with their indicators."""
    require(actor, Action.READ_SUPERVISION)
    periods = [period]
    while len(periods) < MONTHS_SHOWN:
        periods.insert(0, periods[0].previous())
    month = [await month_facts(ctx, p) for p in periods]
    seen = sorted({p for facts in month for p in facts.providers})
    names = {
        r["id"]: r["name"]
        for r in await Provider.select(Provider.id, Provider.name).where(Provider.id.is_in(seen or [0]))
    }
    last = month[-1]
    top = sorted(
        (risk_out("provider", p, names.get(p, ""), last, last.provider_score(p)) for p in last.providers),
        key=lambda r: (-r.score, r.subject_id),
    )[:TOP_RISKS]
    return Overview(
        period=str(period),
        months=[str(p) for p in periods],
        exception_rates=[_overall_rate(facts) for facts in month],
        outliers=[_outliers(facts) for facts in month],
        providers=[
            ProviderRates(
                p,
                names.get(p, ""),
                [round(f.providers[p].value(risk.EXCEPTION_RATE), 4) if p in f.providers else None for f in month],
            )
            for p in seen
        ],
        top=top,
    )
