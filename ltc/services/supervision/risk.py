"""Risk scores of a month: the facts of every provider, caregiver and person-at-a-provider
gathered from the month's done visits, their exceptions and the settled hours of the months
before, then scored against their peers by ``ltc.domain.risk``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Literal

from pydantic import BaseModel

from ltc.db.engine import fetch_rows
from ltc.db.queries import months
from ltc.db.queries.review_lines import persons_at_cap_sql
from ltc.db.queries.risk_facts import VisitTally, month_visit_tallies
from ltc.db.tables import Caregiver, Provider
from ltc.domain import risk
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import NotFound
from ltc.domain.periods import Period
from ltc.domain.policy import Policy
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book

Subject = Literal["provider", "caregiver"]
PersonKey = tuple[int, int]  # (provider, person)


class IndicatorOut(BaseModel):
    code: str
    value: float
    reference: float
    weight: int
    contribution: float


class RiskOut(BaseModel):
    subject: Subject
    subject_id: int
    name: str
    period: str
    score: float
    indicators: list[IndicatorOut]


@dataclass
class _Tally:
    visits: int = 0
    flags: int = 0
    with_exception: int = 0
    short: int = 0
    persons: set[PersonKey] = field(default_factory=set)

    def add(self, group: VisitTally, person: PersonKey) -> None:
        self.visits += group.visits
        self.flags += group.flags
        self.with_exception += group.with_exception
        self.short += group.short
        self.persons.add(person)

    def facts(self, at_cap: set[PersonKey], new_provider: bool) -> risk.SubjectFacts:
        return risk.SubjectFacts(
            visits=self.visits,
            flags=self.flags,
            visits_with_exception=self.with_exception,
            short_visits=self.short,
            persons=len(self.persons),
            persons_at_cap=len(self.persons & at_cap),
            new_provider=new_provider,
        )


@dataclass(frozen=True)
class MonthFacts:
    """Every subject's facts in the month, and the policy they are scored by."""

    period: Period
    policy: Policy
    providers: dict[int, risk.SubjectFacts]
    caregivers: dict[int, risk.SubjectFacts]
    persons: dict[PersonKey, risk.SubjectFacts]
    new_providers: frozenset[int]

    @cached_property
    def _provider_peers(self) -> risk.PeerReference:
        return risk.PeerReference.of(list(self.providers.values()))

    @cached_property
    def _caregiver_peers(self) -> risk.PeerReference:
        return risk.PeerReference.of(list(self.caregivers.values()))

    @cached_property
    def _person_peers(self) -> risk.PeerReference:
        return risk.PeerReference.of(list(self.persons.values()))

    def provider_score(self, provider_id: int) -> risk.RiskScore:
        facts = self.providers.get(provider_id, risk.SubjectFacts(new_provider=provider_id in self.new_providers))
        return risk.score(facts, self._provider_peers, self.policy)

    def caregiver_score(self, caregiver_id: int) -> risk.RiskScore:
        return risk.score(self.caregivers.get(caregiver_id, risk.SubjectFacts()), self._caregiver_peers, self.policy)

    @cached_property
    def _person_scores(self) -> dict[risk.SubjectFacts, risk.RiskScore]:
        return {}  # hundreds of thousands of persons share a few thousand facts: each scored once

    def person_score(self, provider_id: int, person_id: int) -> risk.RiskScore:
        facts = self.persons.get((provider_id, person_id))
        if facts is None:
            facts = risk.SubjectFacts(new_provider=provider_id in self.new_providers)
        scored = self._person_scores.get(facts)
        if scored is None:
            scored = self._person_scores[facts] = risk.score(facts, self._person_peers, self.policy)
        return scored


async def _new_providers(period: Period, months: int) -> frozenset[int]:
    """Providers designated within ``months`` before the month's end."""
    since = period.first_day
    for _ in range(max(0, months - 1)):
        since = Period.of(since).previous().first_day
    rows = await Provider.select(Provider.id).where(
        Provider.designated_on.is_not_null()
        & (Provider.designated_on >= since)
        & (Provider.designated_on <= period.last_day)
    )
    return frozenset(r["id"] for r in rows)


async def _persons_at_cap(period: Period, policy: Policy) -> set[PersonKey]:
    """Persons whose settled home hours were at their level's monthly cap in each of the
    policy's months in a row, ending with this one."""
    periods = [period]
    while len(periods) < policy.risk_cap_months:
        periods.insert(0, periods[0].previous())
    caps = {level: hours * 60 for level, hours in policy.home_hours_by_level.items() if hours > 0}
    if not caps:
        return set()
    bounds = months.MonthBounds(periods[0].first_day, period.first_day)
    rows = await fetch_rows(persons_at_cap_sql([str(p) for p in periods], caps, bounds))
    return {(provider, person) for provider, person in rows}


async def month_tallies(ctx: ServiceContext, period: Period) -> list[VisitTally]:
    """The month's done visits in groups (``month_visit_tallies``): the part of the month's facts
    read from the visits alone, which a settlement build leaves as they are."""
    policy = policy_book(ctx.settings).in_force(period.first_day)
    return await month_visit_tallies(period, ctx.settings.zone, float(policy.minimum_duration_share))


async def month_facts(ctx: ServiceContext, period: Period, tallies: list[VisitTally] | None = None) -> MonthFacts:
    """The month's facts for every subject with a done visit in it (``tallies``: the month's,
    when already read)."""
    policy = policy_book(ctx.settings).in_force(period.first_day)
    providers: dict[int, _Tally] = defaultdict(_Tally)
    caregivers: dict[int, _Tally] = defaultdict(_Tally)
    persons: dict[PersonKey, list[int]] = {}  # visits, flags, with an exception, short
    for group in tallies if tallies is not None else await month_tallies(ctx, period):
        key = (group.provider, group.person)
        providers[group.provider].add(group, key)
        if group.caregiver is not None:
            caregivers[group.caregiver].add(group, key)
        sums = persons.get(key)
        if sums is None:  # most persons see one caregiver: one group each
            persons[key] = [group.visits, group.flags, group.with_exception, group.short]
        else:
            sums[0] += group.visits
            sums[1] += group.flags
            sums[2] += group.with_exception
            sums[3] += group.short
    at_cap = await _persons_at_cap(period, policy)
    new = await _new_providers(period, policy.risk_new_provider_months)
    return MonthFacts(
        period=period,
        policy=policy,
        providers={p: t.facts(at_cap, p in new) for p, t in providers.items()},
        caregivers={c: t.facts(at_cap, False) for c, t in caregivers.items()},
        persons={
            key: risk.SubjectFacts(
                visits, flags, with_exception, short, 1, int(key in at_cap), new_provider=key[0] in new
            )
            for key, (visits, flags, with_exception, short) in persons.items()
        },
        new_providers=new,
    )


def risk_out(subject: Subject, subject_id: int, name: str, facts: MonthFacts, scored: risk.RiskScore) -> RiskOut:
    return RiskOut(
        subject=subject,
        subject_id=subject_id,
        name=name,
        period=str(facts.period),
        score=scored.score,
        indicators=[
            IndicatorOut(
                code=i.code,
                value=i.value,
                reference=i.reference,
                weight=risk.weight(facts.policy, i.code),
                contribution=i.contribution,
            )
            for i in scored.indicators
        ],
    )


def _period_or_last(period: str | None, today: date) -> Period:
    """The month asked, or the last month ended."""
    return Period.parse(period) if period else Period.of(today).previous()


async def provider_risk(ctx: ServiceContext, actor: Actor, provider_id: int, period: str | None) -> RiskOut:
    require(actor, Action.READ_SUPERVISION)
    row = await Provider.select(Provider.name).where(Provider.id == provider_id).first()
    if row is None:
        raise NotFound("没有该护理机构", code="provider_not_found")
    facts = await month_facts(ctx, _period_or_last(period, ctx.clock.now().astimezone(ctx.settings.zone).date()))
    return risk_out("provider", provider_id, row["name"], facts, facts.provider_score(provider_id))


async def caregiver_risk(ctx: ServiceContext, actor: Actor, caregiver_id: int, period: str | None) -> RiskOut:
    require(actor, Action.READ_SUPERVISION)
    row = await Caregiver.select(Caregiver.name).where(Caregiver.id == caregiver_id).first()
    if row is None:
        raise NotFound("没有该护理人员", code="caregiver_not_found")
    facts = await month_facts(ctx, _period_or_last(period, ctx.clock.now().astimezone(ctx.settings.zone).date()))
    return risk_out("caregiver", caregiver_id, row["name"], facts, facts.caregiver_score(caregiver_id))
