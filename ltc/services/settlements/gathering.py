"""Gathering a month for the build: a handful of queries, for one provider or for every
provider at once, whatever the number of providers, visits and census days.

The home visits come aggregated per provider and person (``ltc.db.queries.settlements``):
the rows stay as the database driver gives them (a month has one per person: copying each
would cost more than pricing it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ltc.db.engine import aggregating, current_engine, is_sqlite
from ltc.db.queries.settlements import blocked_sql, census_sql, home_sql, plan_levels_sql
from ltc.db.tables import CarePlan, CensusEntry, Provider, ProviderEvaluation, SettlementCorrection, Visit
from ltc.domain import settlement as rules
from ltc.domain.errors import InvalidInput
from ltc.domain.periods import Period
from ltc.domain.relief import Enrolment
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book
from ltc.services.relief.enrolments import enrolments_until
from ltc.services.settlements.nettings import held_persons, open_nettings
from ltc.services.settlements.remote import family_care_inputs, person_towns, towns_with_travel_allowance
from ltc.services.supervision.advances import open_advances
from ltc.services.supervision.bed_days import unsettled_days

BILLABLE_CENSUS = ("present", "admitted")

Row = Mapping[str, Any]  # a database row as the driver gives it
Runs = list[tuple[int, str | None]]  # (first day index, policy version) of each run of days under one version
# A share of the month's home visits aggregated: the rows, and the levels of the persons seen
# under more than one care plan by (provider, person).
HomePart = tuple[Sequence[Row], dict[tuple[int, int], int]]


def policy_runs(period: Period, policy_for: rules.PolicyFor) -> Runs:
    """``(first day index, policy version)`` of each run of the month's days under one
    version (None: no policy in force)."""
    runs: Runs = []
    for index, day in enumerate(period.dates()):
        try:
            version: str | None = policy_for(day).version
        except InvalidInput:
            version = None
        if not runs or runs[-1][1] != version:
            runs.append((index, version))
    return runs


@dataclass
class Month:
    """What a build needs, fetched once for one provider or for all: home visit groups and
    census days by provider, institutional levels by provider and person, the providers'
    prices, open corrections and nettings by provider, December's evaluation scores by evaluation key,
    every provider with care to settle (a done visit or a census entry in the month), the
    month's policy runs, the visits exceptions keep out by provider and person, and the level
    of the persons seen under more than one care plan by (provider, person)."""

    home: dict[int, list[Row]] = field(default_factory=dict)
    census: dict[int, list[Row]] = field(default_factory=dict)
    # census days a bed-day check holds back, by provider and person
    unsettled: dict[int, dict[int, set[date]]] = field(default_factory=dict)
    levels: dict[int, dict[int, int]] = field(default_factory=dict)
    prices: dict[int, Row] = field(default_factory=dict)
    corrections: dict[int, list[Row]] = field(default_factory=dict)
    evaluations: dict[str, int] = field(default_factory=dict)
    providers: set[int] = field(default_factory=set)
    runs: Runs = field(default_factory=list)
    blocked: dict[int, dict[int, list[Row]]] = field(default_factory=dict)
    mixed_levels: dict[tuple[int, int], int] = field(default_factory=dict)
    open_advances: dict[int, int] = field(default_factory=dict)  # paid ahead, not netted yet
    nettings: dict[int, list[rules.Netting]] = field(default_factory=dict)
    held: dict[int, dict[int, str]] = field(default_factory=dict)  # provider → person → why their settlement is held
    towns: dict[int, str] = field(default_factory=dict)  # person → town code, where a travel allowance is paid
    family_care: dict[int, list[rules.FamilyCareInput]] = field(default_factory=dict)  # by provider
    enrolments: dict[int, list[Enrolment]] = field(default_factory=dict)  # person → hardship groups (relief)

    def add_home(self, part: HomePart) -> None:
        rows, levels = part
        for row in rows:
            self.home.setdefault(row["provider"], []).append(row)
            self.providers.add(row["provider"])
        self.mixed_levels |= levels


async def home_part(
    ctx: ServiceContext, period: Period, runs: Runs, one: tuple[int, ...], part: tuple[int, int]
) -> HomePart:
    """The month's home visits aggregated per provider and person, for one provider or for the
    providers whose id is n modulo ``of`` (``part``: (n, of)); and the level of each of those
    persons whose visits name more than one care plan, by (provider, person)."""
    zone = ctx.settings.zone
    engine = current_engine()
    bounds = (period.start_utc(zone), period.end_utc(zone))
    sql = home_sql(is_sqlite(engine), period, zone, runs, bool(one), part)
    rows: Sequence[Row]
    if is_sqlite(engine):
        rows = await Visit.raw(sql, *bounds, *one)
    else:  # the rows as asyncpg gives them (Piccolo would copy each into a dict)
        async with aggregating() as transaction:
            # The planner takes a share (provider % of = n) for a few rows and would sort them to
            # group them: hashed, a share takes half the time.
            await transaction.connection.execute("SET LOCAL enable_sort = off")
            numbered = sql.format(*(f"${n}" for n in range(1, 3 + len(one))))
            rows = await transaction.connection.fetch(numbered, *bounds, *one)
    mixed = sorted({row["person"] for row in rows if row["plan_low"] != row["plan_high"]})
    levels: dict[tuple[int, int], int] = {}
    for start in range(0, len(mixed), 500):
        chunk = mixed[start : start + 500]
        for row in await Visit.raw(plan_levels_sql(period, zone, len(chunk)), *bounds, *chunk):
            levels[(row["provider"], row["person"])] = row["level"]
    return rows, levels


async def gather(ctx: ServiceContext, period: Period, provider_id: int | None = None, *, home: bool = True) -> Month:
    """The month for one provider, or (None) for every provider. ``home``: False leaves the
    home visits' aggregate to the caller (the build's shares)."""
    one = () if provider_id is None else (provider_id,)
    month = Month(runs=policy_runs(period, policy_book(ctx.settings).in_force))
    zone = ctx.settings.zone
    if home:
        month.add_home(await home_part(ctx, period, month.runs, one, (0, 1)))
    sqlite = is_sqlite(current_engine())
    for row in await Visit.raw(
        blocked_sql(sqlite, period, zone, bool(one)), period.start_utc(zone), period.end_utc(zone), *one
    ):
        month.blocked.setdefault(row["provider"], {}).setdefault(row["person"], []).append(row)
    census = await CensusEntry.raw(
        census_sql(is_sqlite(current_engine()), bool(one)),
        period.first_day,
        period.last_day,
        *one,
    )
    for row in census:
        month.providers.add(row["provider"])
        if row["status"] in (*BILLABLE_CENSUS, "leave"):
            month.census.setdefault(row["provider"], []).append(row)
    if census:
        month.unsettled = await unsettled_days(period, provider_id)
        plans = CarePlan.select(CarePlan.provider, CarePlan.person, CarePlan.level).where(
            (CarePlan.care_mode == "institutional") & (CarePlan.status == "confirmed")
        )
        if one:
            plans = plans.where(CarePlan.provider == provider_id)
        for row in await plans.order_by(CarePlan.id):
            month.levels.setdefault(row["provider"], {})[row["person"]] = row["level"]
    prices = Provider.select(Provider.id, Provider.hourly_price_fen, Provider.daily_price_fen)
    corrections = SettlementCorrection.select().where(SettlementCorrection.applied_in.is_null())
    evaluations = ProviderEvaluation.select(ProviderEvaluation.evaluation_key, ProviderEvaluation.score).where(
        ProviderEvaluation.evaluation_key.like(f"%:{period.year}")
    )
    if one:
        prices = prices.where(Provider.id == provider_id)
        corrections = corrections.where(SettlementCorrection.provider == provider_id)
        evaluations = evaluations.where(ProviderEvaluation.evaluation_key == f"{provider_id}:{period.year}")
    month.prices = {r["id"]: r for r in await prices}
    for row in await corrections.order_by(SettlementCorrection.id):
        month.corrections.setdefault(row["provider"], []).append(row)
        if row["corrects_period"] < str(period):  # an open correction to carry is something to settle
            month.providers.add(row["provider"])
    month.nettings = await open_nettings(provider_id)
    month.held = await held_persons(provider_id)
    month.providers |= set(month.nettings)  # what a provider owes is netted even in a month without care
    month.towns = await person_towns(towns_with_travel_allowance(period, policy_book(ctx.settings).in_force))
    month.family_care = await family_care_inputs(period, provider_id)
    month.providers |= set(month.family_care)  # a family-care allowance is settled even without visits
    if period.month == 12:
        month.evaluations = {r["evaluation_key"]: r["score"] for r in await evaluations}
    month.open_advances = await open_advances(provider_id)
    month.enrolments = await enrolments_until(period.last_day)
    return month
