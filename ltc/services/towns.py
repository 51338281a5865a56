"""The towns and the rollout (DOMAIN §9): each town of the district under the policy version in
force today, from which day the scheme is open there and its own rules, its figures, and the
same figures summed per rollout phase (the towns grouped by the day the scheme opened)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from ltc.db.queries import towns as town_queries
from ltc.db.queries.towns import TownFigures
from ltc.domain.access import Action, Actor, require
from ltc.domain.policy import TownRules
from ltc.domain.rollout import phase_of, rollout_phases
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book


class TownOut(BaseModel):
    """A town and when the scheme opens there (API.md "Towns")."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="the town's administrative code, e.g. 330213007")
    name: str = Field(description="the town's Chinese name")
    name_en: str = Field(default="", description="the town's English name")
    scheme_open_from: date | None = Field(
        description="the day the scheme opens in the town under the policy in force; null: open throughout"
    )
    remote: bool = Field(description="a remote town (远郊模式)")
    open_today: bool = Field(default=True, description="whether the scheme is open there today")
    phase: int = Field(default=1, description="the rollout phase (1: the pilot)")


@dataclass(frozen=True, slots=True)
class TownReport:
    """One town on the rollout page: the town, its rules in the version in force, its figures."""

    town: TownOut
    rules: TownRules
    figures: TownFigures


@dataclass(frozen=True, slots=True)
class PhaseReport:
    number: int
    opens_on: date | None
    open_today: bool
    town_codes: tuple[str, ...]
    figures: TownFigures


@dataclass(frozen=True, slots=True)
class Rollout:
    policy_version: str
    today: date
    settled_period: str | None
    towns: list[TownReport]
    phases: list[PhaseReport]


async def list_towns(ctx: ServiceContext, actor: Actor) -> list[TownOut]:
    """Every town, with when the scheme opens there under the policy version in force today."""
    require(actor, Action.READ_TOWNS)
    today = local_today(ctx.clock, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(today)
    rows = await town_queries.towns()
    phases = rollout_phases(policy, [r.code for r in rows])
    out = []
    for row in rows:
        rules = policy.town(row.code)
        phase = phase_of(phases, row.code)
        out.append(
            TownOut(
                code=row.code,
                name=row.name,
                name_en=row.name_en,
                scheme_open_from=rules.open_from,
                remote=rules.remote,
                open_today=policy.scheme_open_in(row.code, today),
                phase=phase.number if phase else 1,
            )
        )
    return out


async def rollout(ctx: ServiceContext, actor: Actor) -> Rollout:
    """The towns with their rules and figures, and the figures summed per rollout phase."""
    towns = await list_towns(ctx, actor)
    today = local_today(ctx.clock, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(today)
    ids = {row.code: row.id for row in await town_queries.towns()}
    district = await town_queries.figures_by_town()
    reports = [
        TownReport(town=town, rules=policy.town(town.code), figures=district.by_town.get(ids[town.code], TownFigures()))
        for town in towns
    ]
    if actor.town_scope is not None:
        # A town agent reads their own town's figures; other towns' and the phases' sums are not theirs.
        own = [report for report in reports if ids[report.town.code] == actor.town_scope]
        return Rollout(policy.version, today, district.settled_period, towns=own, phases=[])
    phases = []
    for phase in rollout_phases(policy, [t.code for t in towns]):
        summed = TownFigures()
        for report in reports:
            if report.town.code in phase.town_codes:
                summed.add(report.figures)
        phases.append(PhaseReport(phase.number, phase.opens_on, phase.open_on(today), phase.town_codes, summed))
    return Rollout(
        policy_version=policy.version,
        today=today,
        settled_period=district.settled_period,
        towns=reports,
        phases=phases,
    )
