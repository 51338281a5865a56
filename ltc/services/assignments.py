"""Assigning beneficiaries to providers (DOMAIN §4). A new conclusion places one person
without moving anyone; suspending or terminating a provider reassigns its people in a job;
the whole city's re-optimisation is in :mod:`ltc.services.reoptimisation`."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ltc.db.engine import write_transaction
from ltc.db.queries import providers as network
from ltc.db.queries.remote_benefits import unended_by_person
from ltc.db.tables import Assignment, Person, Provider
from ltc.domain import assignment as assignment_rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.agreements import check_takes_new_people
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.policy import GROUPED_VISITS
from ltc.domain.remote_benefits import UNCOVERED_REASON
from ltc.domain.rollout import check_benefit_offered
from ltc.geo.distance import distance_km
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.jobs import JobParams, NoParams, Progress, register_job_kind
from ltc.services.persons import get_person
from ltc.services.reference import policy_book


class Placement(BaseModel):
    """Where placing one person put them (what the audit trail records)."""

    provider_id: int | None
    status: str
    reason: str
    distance_km: float | None


class AssignmentOut(BaseModel):
    provider_id: int | None
    mode: str
    distance_km: float | None
    rank: int | None
    reason: str
    status: str
    nearest_provider_id: int | None
    nearest_distance_km: float | None
    since: datetime


class PreferredProviderIn(Input):
    provider_id: RecordId | None = None


class PreferredProviderOut(BaseModel):
    person_id: int
    preferred_provider: int | None


class UncoveredOut(BaseModel):
    person: int
    person_name: str
    lat: float | None
    lon: float | None
    care_mode: str
    reason: str
    nearest_provider: int | None
    nearest_provider_name: str | None
    nearest_distance_km: float | None


@dataclass(frozen=True)
class NetworkMap:
    """Everything the map of the care network draws."""

    providers: list[network.ProviderOnMap]
    placements: list[network.PlacementOnMap]
    towns: list[network.TownOnMap]


class ReassignParams(JobParams):
    provider_id: int


class ReassignResult(BaseModel):
    provider_id: int
    moved: int
    unassigned: int
    skipped: str | None = None


class AssignResult(BaseModel):
    considered: int
    placed: int
    unassigned: int


def our_id(value: Hashable) -> int:
    """The assignment rules hand back the ids they were given, and ours are row ids."""
    if not isinstance(value, int):
        raise TypeError(f"{value!r} is not a row id")
    return value


async def placement_providers(*, with_loads: bool) -> list[assignment_rules.Provider]:
    """Every provider not terminated, as the assignment rules see it."""
    rows = await Provider.select(
        Provider.id,
        Provider.lat,
        Provider.lon,
        Provider.kind,
        Provider.service_radius_km,
        Provider.capacity,
        Provider.status,
    ).where(Provider.status != "terminated")
    loads = await network.provider_loads() if with_loads else {}
    return [
        assignment_rules.Provider(
            id=r["id"],
            lat=r["lat"],
            lon=r["lon"],
            kind=r["kind"],
            radius_km=r["service_radius_km"],
            capacity=r["capacity"],
            current_load=loads.get(r["id"], 0),
            active=r["status"] == "active",
        )
        for r in rows
    ]


def geodesic_km(position: tuple[float, float], provider: assignment_rules.Provider) -> float:
    # The rules rank by great-circle distance; what is stored and reported is geodesic (WGS-84).
    return round(distance_km(position, (provider.lat, provider.lon)), 3)


async def _end_current(person_id: int, now: datetime, reason: str) -> None:
    await Assignment.update(
        {
            Assignment.status: "ended",
            Assignment.ended_at: now,
            Assignment.ended_reason: reason,
            Assignment.current_key: None,
        }
    ).where((Assignment.person == person_id) & Assignment.current_key.is_not_null())


def current_row(person_id: int, conclusion_id: int | None, care_mode: str, now: datetime, **placed: Any) -> Assignment:
    """A person's new current row (the one holding their ``current_key``), with what placed them."""
    return Assignment(
        person=person_id,
        conclusion=conclusion_id,
        care_mode=care_mode,
        current_key=f"person:{person_id}",
        started_at=now,
        **placed,
    )


def _placed_by(
    outcome: assignment_rules.Assignment | assignment_rules.Unassigned,
    position: tuple[float, float],
    providers: Mapping[Hashable, assignment_rules.Provider],
) -> dict[str, Any]:
    """The columns of an assignment row saying where the rules placed a person, or why not."""
    if isinstance(outcome, assignment_rules.Assignment):
        return {
            "provider": outcome.provider_id,
            "status": "active",
            "distance_km": geodesic_km(position, providers[outcome.provider_id]),
            "rank": outcome.rank,
            "reason": outcome.reason,
        }
    nearest = providers.get(outcome.nearest_provider_id) if outcome.nearest_provider_id is not None else None
    return {
        "provider": None,
        "status": "unassigned",
        "reason": outcome.reason,
        "nearest_provider": outcome.nearest_provider_id,
        "nearest_distance_km": geodesic_km(position, nearest) if nearest else None,
    }


async def _placement_for(ctx: ServiceContext, person_id: int, care_mode: str) -> dict[str, Any]:
    """Where the rules would place one person now, as the columns of their assignment row,
    under the rules of their town in the policy in force today."""
    person = (
        await Person.select(Person.lat, Person.lon, Person.preferred_provider, Person.town.code.as_alias("town_code"))
        .where(Person.id == person_id)
        .first()
    )
    if person is None:
        raise NotFound("no such person", code="person_not_found")
    remote = (await unended_by_person([person_id])).get(person_id)
    if remote is not None:  # the bureau's remote benefit places them until it ends
        return await _remote_placement(person_id, *remote)
    if person["lat"] is None:
        # Listed for the bureau until geocoded; never dropped.
        return {"provider": None, "status": "unassigned", "reason": "person_without_position"}
    policy = policy_book(ctx.settings).in_force(local_today(ctx.clock, ctx.settings.zone))
    try:
        check_benefit_offered(policy, person["town_code"], care_mode)
    except InvalidInput as refused:
        # Listed for the bureau like anyone no provider may take; never dropped.
        return {"provider": None, "status": "unassigned", "reason": refused.code}
    providers = await placement_providers(with_loads=True)
    client = assignment_rules.Client(
        id=person_id,
        lat=person["lat"],
        lon=person["lon"],
        mode=care_mode,
        chosen_provider_id=person["preferred_provider"],
        town_radius_km=policy.town(person["town_code"]).service_radius_km,
    )
    outcome = assignment_rules.assign_one(client, providers)
    return _placed_by(outcome, (person["lat"], person["lon"]), {p.id: p for p in providers})


async def _remote_placement(person_id: int, kind: str, provider_id: int | None) -> dict[str, Any]:
    """Grouped visits: with the visiting provider; the family-care allowance: with no provider
    (no designated provider reaches them, which is why it was granted)."""
    if kind != GROUPED_VISITS or provider_id is None:
        return {"provider": None, "status": "unassigned", "reason": UNCOVERED_REASON}
    person = await Person.select(Person.lat, Person.lon).where(Person.id == person_id).first()
    provider = await Provider.select(Provider.lat, Provider.lon).where(Provider.id == provider_id).first()
    distance = None
    if person and provider and person["lat"] is not None and provider["lat"] is not None:
        distance = round(distance_km((person["lat"], person["lon"]), (provider["lat"], provider["lon"])), 3)
    return {"provider": provider_id, "status": "active", "distance_km": distance, "reason": GROUPED_VISITS}


async def _save_placement(
    actor: Actor | None,
    person_id: int,
    placed: dict[str, Any],
    *,
    conclusion_id: int | None,
    care_mode: str,
    now: datetime,
) -> Placement:
    row = current_row(person_id, conclusion_id, care_mode, now, **placed)
    await _end_current(person_id, now, "new_conclusion")
    await row.save()
    placement = Placement(provider_id=row.provider, status=row.status, reason=row.reason, distance_km=row.distance_km)
    await record_change(
        actor=actor, at=now, action="assignment.assign", entity="person", entity_id=person_id, after=placement
    )
    return placement


async def assign_person(
    ctx: ServiceContext,
    actor: Actor | None,
    person_id: int,
    *,
    conclusion_id: int | None,
    care_mode: str,
    now: datetime,
) -> Placement:
    """Place one beneficiary without moving anyone; call inside the caller's transaction."""
    placed = await _placement_for(ctx, person_id, care_mode)
    return await _save_placement(actor, person_id, placed, conclusion_id=conclusion_id, care_mode=care_mode, now=now)


async def place_with(actor: Actor | None, person_id: int, provider_id: int, reason: str, now: datetime) -> Placement:
    """Place a beneficiary with a provider the bureau named beyond its radius (grouped visits
    to a remote village): their current row ends, an active one names the provider and why;
    call inside the caller's transaction."""
    current = (
        await Assignment.select(Assignment.conclusion, Assignment.care_mode)
        .where((Assignment.person == person_id) & Assignment.current_key.is_not_null())
        .first()
    )
    person = await Person.select(Person.lat, Person.lon).where(Person.id == person_id).first()
    provider = await Provider.select(Provider.lat, Provider.lon).where(Provider.id == provider_id).first()
    if current is None or person is None or provider is None:
        raise NotFound("no such placement", code="person_not_found")
    distance = None
    if person["lat"] is not None and provider["lat"] is not None:
        distance = round(distance_km((person["lat"], person["lon"]), (provider["lat"], provider["lon"])), 3)
    placed = {"provider": provider_id, "status": "active", "distance_km": distance, "reason": reason}
    return await _save_placement(
        actor, person_id, placed, conclusion_id=current["conclusion"], care_mode=current["care_mode"], now=now
    )


async def get_assignment(ctx: ServiceContext, actor: Actor, person_id: int) -> AssignmentOut:
    await get_person(ctx, actor, person_id)
    row = (
        await Assignment.select(
            Assignment.provider.as_alias("provider_id"),
            Assignment.care_mode.as_alias("mode"),
            Assignment.distance_km,
            Assignment.rank,
            Assignment.reason,
            Assignment.status,
            Assignment.nearest_provider.as_alias("nearest_provider_id"),
            Assignment.nearest_distance_km,
            Assignment.started_at.as_alias("since"),
        )
        .where(Assignment.current_key == f"person:{person_id}")
        .first()
    )
    scope = actor.provider_scope
    if row is None or (scope is not None and row["provider_id"] != scope):
        raise NotFound("该人员没有分配记录", code="assignment_not_found")
    return AssignmentOut.model_validate(row)


async def choose_provider(
    ctx: ServiceContext, actor: Actor, person_id: int, provider_id: int | None
) -> PreferredProviderOut:
    """Record the person's explicit choice; it is honoured at the next placement with room."""
    require(actor, Action.ASSIGN)
    await get_person(ctx, actor, person_id)
    if provider_id is not None:
        status = await Provider.select(Provider.status).where(Provider.id == provider_id).first()
        if status is None:
            raise InvalidInput("没有该机构", code="provider_not_found")
        check_takes_new_people(status["status"])
    now = ctx.clock.now()
    async with write_transaction():
        await Person.update({Person.preferred_provider: provider_id}).where(Person.id == person_id)
        await record_change(
            actor=actor,
            at=now,
            action="person.choose_provider",
            entity="person",
            entity_id=person_id,
            after={"preferred_provider": provider_id},
        )
    return PreferredProviderOut(person_id=person_id, preferred_provider=provider_id)


async def list_uncovered(actor: Actor) -> list[UncoveredOut]:
    require(actor, Action.ASSIGN)
    rows = (
        await Assignment.select(
            Assignment.person,
            Assignment.person.name.as_alias("person_name"),
            Assignment.person.lat.as_alias("lat"),
            Assignment.person.lon.as_alias("lon"),
            Assignment.care_mode,
            Assignment.reason,
            Assignment.nearest_provider,
            Assignment.nearest_provider.name.as_alias("nearest_provider_name"),
            Assignment.nearest_distance_km,
        )
        .where(Assignment.status == "unassigned")
        .order_by(Assignment.nearest_distance_km, ascending=False)
    )
    return [UncoveredOut.model_validate(row) for row in rows]


async def network_map(actor: Actor) -> NetworkMap:
    require(actor, Action.ASSIGN)
    return NetworkMap(
        providers=await network.providers_on_map(),
        placements=await network.placements_on_map(),
        towns=await network.towns_on_map(),
    )


# ---------------------------------------------------------------- jobs


@register_job_kind("reassign_provider_people", action=Action.ASSIGN, params=ReassignParams)
async def reassign_provider_people(ctx: ServiceContext, params: ReassignParams, progress: Progress) -> ReassignResult:
    """Move everyone placed at a provider that no longer takes people. Idempotent: once
    nobody is left there, a rerun moves no one."""
    provider_id = params.provider_id
    status = await Provider.select(Provider.status).where(Provider.id == provider_id).first()
    if status is None or status["status"] == "active":
        return ReassignResult(provider_id=provider_id, moved=0, unassigned=0, skipped="provider is active")
    people = await Assignment.select(Assignment.person, Assignment.conclusion, Assignment.care_mode).where(
        (Assignment.provider == provider_id) & (Assignment.status == "active")
    )
    moved = unassigned = 0
    now = ctx.clock.now()
    for index, row in enumerate(people):
        async with write_transaction():
            placed = await assign_person(
                ctx, None, row["person"], conclusion_id=row["conclusion"], care_mode=row["care_mode"], now=now
            )
        moved += placed.status == "active"
        unassigned += placed.status == "unassigned"
        await progress((index + 1) / len(people))
    return ReassignResult(provider_id=provider_id, moved=moved, unassigned=unassigned)


@register_job_kind("assign_beneficiaries", action=Action.ASSIGN, params=NoParams)
async def assign_beneficiaries(ctx: ServiceContext, params: NoParams, progress: Progress) -> AssignResult:
    """Place every beneficiary waiting for a provider: never placed, or left unplaced (by a
    suspension, a full provider, no provider in range). Nobody placed moves. Started on
    demand and whenever a provider takes people again (activated, reinstated). Someone
    who still cannot be placed for the same reason keeps their row, so a rerun writes nothing."""
    waiting_rows = {row.person_id: row for row in await network.waiting_placements()}
    state = await network.current_placements()
    waiting = [b for b in await network.beneficiaries() if state.get(b.person_id) is None]
    now = ctx.clock.now()
    placed = 0
    for index, b in enumerate(waiting):
        async with write_transaction():
            outcome = await _placement_for(ctx, b.person_id, b.care_mode)
            still = waiting_rows.get(b.person_id)
            if outcome["status"] == "active" or still is None or not still.same_outcome(outcome):
                await _save_placement(
                    None, b.person_id, outcome, conclusion_id=b.conclusion_id, care_mode=b.care_mode, now=now
                )
        placed += outcome["status"] == "active"
        if index % 50 == 0:
            await progress((index + 1) / len(waiting))
    return AssignResult(considered=len(waiting), placed=placed, unassigned=len(waiting) - placed)
