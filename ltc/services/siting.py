"""The siting analysis (选址测算): where one or two new providers, or a larger radius for an
existing one, would serve most of the people no provider covers now. Run as a job (every
candidate set is a plan of the assignment engine); its result is the job's, read back by
the page and the API."""

from __future__ import annotations

import statistics
from dataclasses import replace
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from ltc.db.queries import providers as network
from ltc.db.queries.remote_benefits import uncovered_beneficiaries
from ltc.db.tables import Assignment, Provider
from ltc.domain import assignment as assignment_rules
from ltc.domain import siting
from ltc.domain.access import Action, Actor, require
from ltc.domain.coordinates import haversine_km
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.policy import Policy
from ltc.geo.towns import load_towns
from ltc.services.assignments import NetworkMap, placement_providers
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.jobs import JobParams, Progress, get_job, register_job_kind, start_job
from ltc.services.reference import policy_book

JOB_KIND = "siting"
FALLBACK_RADIUS_KM = 10.0
FALLBACK_CAPACITY = 30

ProviderKind = Literal["home", "institutional", "both"]


class SitingIn(Input):
    """What to look for: how many new sites, what a new provider would be like (its
    radius and places; typical ones when left out), and optionally an existing provider
    given a larger radius, judged among the candidates."""

    sites: int = Field(default=1, ge=1, le=siting.MAX_SITES)
    capacity: int | None = Field(default=None, ge=1, le=siting.MAX_CAPACITY)
    radius_km: float | None = Field(default=None, gt=0, le=siting.MAX_RADIUS_KM)
    kind: ProviderKind = "home"
    provider_id: RecordId | None = None
    provider_radius_km: float | None = Field(default=None, gt=0, le=siting.MAX_RADIUS_KM)

    @model_validator(mode="after")
    def _provider_with_radius(self) -> SitingIn:
        if (self.provider_id is None) != (self.provider_radius_km is None):
            raise ValueError("an existing provider and its larger radius go together")
        return self


class SitingParams(JobParams):
    sites: int = Field(ge=1, le=siting.MAX_SITES)
    capacity: int = Field(ge=1, le=siting.MAX_CAPACITY)
    radius_km: float = Field(gt=0, le=siting.MAX_RADIUS_KM)
    kind: ProviderKind
    provider_id: int | None = None
    provider_radius_km: float | None = None


class TypicalProvider(BaseModel):
    """A new provider like today's: the median radius and places of the active providers."""

    radius_km: float
    capacity: int


class SiteOut(BaseModel):
    key: str
    kind: Literal["town", "village", "enlarged"]
    lat: float
    lon: float
    radius_km: float
    capacity: int
    serves: ProviderKind
    town: str  # the town's code ("" unknown)
    provider_id: int | None = None
    provider_code: str = ""
    provider_name: str = ""


class SitePeople(BaseModel):
    site: str
    person_ids: list[int]


class TownCount(BaseModel):
    town: str
    people: int


class LevelCount(BaseModel):
    level: int | None
    people: int


class CoverageOut(BaseModel):
    sites: list[SiteOut]
    covered: int  # how many more people the network would place with these sites
    upper_bound: int  # the people within the sites' reach, or their places if fewer
    people: list[SitePeople]
    by_town: list[TownCount]
    by_level: list[LevelCount]
    mean_km: float | None
    max_km: float | None


class UncoveredAt(BaseModel):
    id: int
    lat: float
    lon: float
    mode: str
    town: str
    level: int | None


class SitingResult(BaseModel):
    params: SitingParams
    uncovered: int
    candidates: int
    ranked: list[CoverageOut]
    best: CoverageOut | None
    engine_runs: int
    people: list[UncoveredAt]


async def typical_provider() -> TypicalProvider:
    rows = await Provider.select(Provider.service_radius_km, Provider.capacity).where(Provider.status == "active")
    if not rows:
        return TypicalProvider(radius_km=FALLBACK_RADIUS_KM, capacity=FALLBACK_CAPACITY)
    return TypicalProvider(
        radius_km=round(float(statistics.median(r["service_radius_km"] for r in rows)), 1),
        capacity=max(1, int(statistics.median(r["capacity"] for r in rows))),
    )


async def _enlargeable(provider_id: int, radius_km: float) -> assignment_rules.Provider:
    """The provider as the rules see it, refused unless it takes people and reaches nearer."""
    for provider in await placement_providers(with_loads=True):
        if provider.id == provider_id:
            siting.enlarged_site(provider, radius_km)  # refuses an inactive one or a radius not larger
            return provider
    raise InvalidInput("没有该机构", code="provider_not_found")


async def start_siting(ctx: ServiceContext, actor: Actor, data: SitingIn) -> UUID:
    """Check the request, fill in the typical provider, and start the analysis as a job."""
    require(actor, Action.RUN_SITING)
    typical = await typical_provider()
    params = SitingParams(
        sites=data.sites,
        capacity=data.capacity or typical.capacity,
        radius_km=data.radius_km or typical.radius_km,
        kind=data.kind,
        provider_id=data.provider_id,
        provider_radius_km=data.provider_radius_km,
    )
    if params.provider_id is not None and params.provider_radius_km is not None:
        await _enlargeable(params.provider_id, params.provider_radius_km)
    return await start_job(ctx, actor, JOB_KIND, params)


class SitingView(BaseModel):
    """An analysis as its job stands: its result once done."""

    job_id: UUID
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    result: SitingResult | None


async def get_siting(actor: Actor, job_id: UUID) -> SitingView:
    """The analysis a job computed (no result while it runs); another kind of job is not one."""
    require(actor, Action.RUN_SITING)
    job = await get_job(actor, job_id)
    if job.kind != JOB_KIND:
        raise NotFound("no such siting analysis", code="siting_not_found")
    done = job.status == "done" and job.result is not None
    return SitingView(
        job_id=job.id,
        status=job.status,
        progress=job.progress,
        result=SitingResult.model_validate(job.result) if done else None,
    )


async def uncovered_people(policy: Policy) -> list[siting.UncoveredPerson]:
    """The beneficiaries no designated provider reaches (and no remote benefit serves), with a position."""
    rows = await Assignment.select(
        Assignment.person.as_alias("id"),
        Assignment.person.lat.as_alias("lat"),
        Assignment.person.lon.as_alias("lon"),
        Assignment.care_mode.as_alias("mode"),
        Assignment.person.town.code.as_alias("town"),  # type: ignore[union-attr]
        Assignment.conclusion.level.as_alias("level"),
    ).where(await uncovered_beneficiaries() & Assignment.person.lat.is_not_null() & Assignment.person.lon.is_not_null())
    return [
        siting.UncoveredPerson(
            id=r["id"],
            lat=r["lat"],
            lon=r["lon"],
            mode=r["mode"],
            town=r["town"] or "",
            level=r["level"],
            town_radius_km=policy.town(r["town"]).service_radius_km,
        )
        for r in rows
    ]


def _site_out(site: siting.Site, providers: dict[int, dict[str, str]]) -> SiteOut:
    named = providers.get(site.provider_id or 0, {})
    return SiteOut(
        key=site.key,
        kind=site.kind,  # type: ignore[arg-type]
        lat=site.lat,
        lon=site.lon,
        radius_km=site.radius_km,
        capacity=site.capacity,
        serves=site.serves,  # type: ignore[arg-type]
        town=site.town,
        provider_id=site.provider_id,
        provider_code=named.get("code", ""),
        provider_name=named.get("name", ""),
    )


def _coverage_out(c: siting.Coverage, providers: dict[int, dict[str, str]]) -> CoverageOut:
    return CoverageOut(
        sites=[_site_out(s, providers) for s in c.sites],
        covered=c.covered,
        upper_bound=c.upper_bound,
        people=[SitePeople(site=key, person_ids=list(ids)) for key, ids in c.people],
        by_town=[TownCount(town=t, people=n) for t, n in c.by_town],
        by_level=[LevelCount(level=lvl, people=n) for lvl, n in c.by_level],
        mean_km=c.mean_km,
        max_km=c.max_km,
    )


def _town_of(lat: float, lon: float) -> str:
    """The town whose centroid is nearest (a village site's or a provider's town)."""
    towns = load_towns()
    if not towns:
        return ""
    return min(towns, key=lambda t: haversine_km(lat, lon, t.lat, t.lon)).code


@register_job_kind(JOB_KIND, action=Action.RUN_SITING, params=SitingParams)
async def run_siting(ctx: ServiceContext, params: SitingParams, progress: Progress) -> SitingResult:
    people = await uncovered_people(policy_book(ctx.settings).in_force(local_today(ctx.clock, ctx.settings.zone)))
    network = await placement_providers(with_loads=True)
    await progress(0.2)
    new = siting.NewProvider(radius_km=params.radius_km, capacity=params.capacity, serves=params.kind)
    candidates = siting.town_sites([(t.code, t.lat, t.lon) for t in load_towns()], new)
    for village in siting.village_sites(people, new):
        candidates.append(village if village.town else _with_town(village))
    if params.provider_id is not None and params.provider_radius_km is not None:
        existing = await _enlargeable(params.provider_id, params.provider_radius_km)
        candidates.append(
            siting.enlarged_site(existing, params.provider_radius_km, town=_town_of(existing.lat, existing.lon))
        )
    answer = siting.choose_sites(people, network, candidates, sites=params.sites)
    await progress(0.9)
    named = {
        r["id"]: {"code": r["code"], "name": r["name"]}
        for r in await Provider.select(Provider.id, Provider.code, Provider.name)
    }
    return SitingResult(
        params=params,
        uncovered=answer.uncovered,
        candidates=answer.candidates,
        ranked=[_coverage_out(c, named) for c in answer.ranked],
        best=_coverage_out(answer.best, named) if answer.best else None,
        engine_runs=answer.engine_runs,
        people=[UncoveredAt(id=p.id, lat=p.lat, lon=p.lon, mode=p.mode, town=p.town, level=p.level) for p in people],
    )


def _with_town(site: siting.Site) -> siting.Site:
    return replace(site, town=_town_of(site.lat, site.lon))


async def siting_network(actor: Actor) -> NetworkMap:
    """The network the analysis's map draws under the sites: providers and towns."""
    require(actor, Action.RUN_SITING)
    return NetworkMap(providers=await network.providers_on_map(), placements=[], towns=await network.towns_on_map())


async def active_providers(actor: Actor) -> list[network.ProviderOnMap]:
    """The providers taking people, whose radius the reader may try to enlarge."""
    require(actor, Action.RUN_SITING)
    return sorted((p for p in await network.providers_on_map() if p.status == "active"), key=lambda p: p.code)
