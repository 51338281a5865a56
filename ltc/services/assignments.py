"""Assigning beneficiaries to providers (DOMAIN §4). A new conclusion places one person
without moving anyone; suspending or terminating a provider reassigns its people in a job;
a full re-optimisation is previewed in a job and applied only when the bureau confirms."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from ltc.db.engine import write_transaction
from ltc.db.tables import Assignment, Conclusion, Person, Provider
from ltc.domain import assignment as engine
from ltc.domain.access import Action, Actor, Role, require_role
from ltc.domain.agreements import check_takes_new_people
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.geo.distance import distance_km
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.jobs import Progress, register_job_kind
from ltc.services.persons import get_person

APPLY_BATCH = 500


async def _engine_providers(*, loads: bool) -> list[engine.Provider]:
    rows = await Provider.select(
        Provider.id,
        Provider.lat,
        Provider.lon,
        Provider.kind,
        Provider.service_radius_km,
        Provider.capacity,
        Provider.status,
    ).where(Provider.status != "terminated")
    counts = await _loads() if loads else {}
    return [
        engine.Provider(
            id=r["id"],
            lat=r["lat"],
            lon=r["lon"],
            kind=r["kind"],
            radius_km=r["service_radius_km"],
            capacity=r["capacity"],
            current_load=counts.get(r["id"], 0),
            active=r["status"] == "active",
        )
        for r in rows
    ]


async def _loads() -> dict[int, int]:
    rows = await Assignment.select(Assignment.provider).where(Assignment.status == "active")
    counts: dict[int, int] = {}
    for row in rows:
        counts[row["provider"]] = counts.get(row["provider"], 0) + 1
    return counts


def _geodesic_km(person: dict[str, Any], provider: engine.Provider) -> float:
    # The engine ranks by great-circle distance; what is stored and reported is geodesic (WGS-84).
    return round(distance_km((person["lat"], person["lon"]), (provider.lat, provider.lon)), 3)


async def _end_current(person_id: int, now: datetime, reason: str) -> None:
    await Assignment.update(
        {
            Assignment.status: "ended",
            Assignment.ended_at: now,
            Assignment.ended_reason: reason,
            Assignment.current_key: None,
        }
    ).where((Assignment.person == person_id) & Assignment.current_key.is_not_null())


def _row_for(
    outcome: engine.Assignment | engine.Unassigned,
    person: dict[str, Any],
    providers: dict[int, engine.Provider],
    conclusion_id: int | None,
    care_mode: str,
    now: datetime,
) -> Assignment:
    common = {
        "person": person["id"],
        "conclusion": conclusion_id,
        "care_mode": care_mode,
        "current_key": f"person:{person['id']}",
        "started_at": now,
    }
    if isinstance(outcome, engine.Assignment):
        return Assignment(
            provider=outcome.provider_id,
            status="active",
            distance_km=_geodesic_km(person, providers[outcome.provider_id]),
            rank=outcome.rank,
            reason=outcome.reason,
            **common,
        )
    nearest = providers.get(outcome.nearest_provider_id) if outcome.nearest_provider_id is not None else None
    return Assignment(
        provider=None,
        status="unassigned",
        reason=outcome.reason,
        nearest_provider=outcome.nearest_provider_id,
        nearest_distance_km=_geodesic_km(person, nearest) if nearest else None,
        **common,
    )


async def assign_person(
    ctx: ServiceContext,
    actor: Actor | None,
    person_id: int,
    *,
    conclusion_id: int | None,
    care_mode: str,
    now: datetime,
) -> dict[str, Any]:
    """Place one beneficiary without moving anyone; call inside the caller's transaction."""
    person = (
        await Person.select(Person.id, Person.lat, Person.lon, Person.preferred_provider)
        .where(Person.id == person_id)
        .first()
    )
    providers = await _engine_providers(loads=True)
    by_id = {p.id: p for p in providers}
    if person["lat"] is None:
        # Listed for the bureau until geocoded; never dropped.
        outcome: engine.Assignment | engine.Unassigned = engine.Unassigned(
            person_id, "person_without_position", None, None
        )
    else:
        client = engine.Client(
            id=person_id,
            lat=person["lat"],
            lon=person["lon"],
            mode=care_mode,
            chosen_provider_id=person["preferred_provider"],
        )
        outcome = engine.assign_one(client, providers)
    await _end_current(person_id, now, "new_conclusion")
    row = _row_for(outcome, person, by_id, conclusion_id, care_mode, now)
    await row.save()
    after = {"provider_id": row.provider, "status": row.status, "reason": row.reason, "distance_km": row.distance_km}
    await record_change(
        actor=actor, at=now, action="assignment.assign", entity="person", entity_id=person_id, after=after
    )
    return after


async def get_assignment(ctx: ServiceContext, actor: Actor, person_id: int) -> dict[str, Any]:
    await get_person(ctx, actor, person_id)
    row = (
        await Assignment.select(
            Assignment.provider,
            Assignment.care_mode,
            Assignment.distance_km,
            Assignment.rank,
            Assignment.reason,
            Assignment.status,
            Assignment.nearest_provider,
            Assignment.nearest_distance_km,
            Assignment.started_at,
        )
        .where(Assignment.current_key == f"person:{person_id}")
        .first()
    )
    if row is None:
        raise NotFound("该人员没有分配记录", code="assignment_not_found")
    if actor.role == Role.AGENCY and row["provider"] != actor.provider_id:
        raise NotFound("该人员没有分配记录", code="assignment_not_found")
    return {
        "provider_id": row["provider"],
        "mode": row["care_mode"],
        "distance_km": row["distance_km"],
        "rank": row["rank"],
        "reason": row["reason"],
        "status": row["status"],
        "nearest_provider_id": row["nearest_provider"],
        "nearest_distance_km": row["nearest_distance_km"],
        "since": row["started_at"],
    }


async def choose_provider(ctx: ServiceContext, actor: Actor, person_id: int, provider_id: int | None) -> dict[str, Any]:
    """Record the person's explicit choice; it is honoured at the next placement with room."""
    require_role(actor, Role.BUREAU, Role.ADMIN)
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
    return {"person_id": person_id, "preferred_provider": provider_id}


async def list_uncovered(actor: Actor) -> list[dict[str, Any]]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    return (
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


async def map_data() -> dict[str, Any]:
    providers = await Provider.select(
        Provider.id,
        Provider.code,
        Provider.name,
        Provider.kind,
        Provider.status,
        Provider.lat,
        Provider.lon,
        Provider.service_radius_km,
        Provider.capacity,
    ).where(Provider.status != "terminated")
    current = await Assignment.select(
        Assignment.person,
        Assignment.provider,
        Assignment.status,
        Assignment.care_mode,
        Assignment.person.lat.as_alias("lat"),
        Assignment.person.lon.as_alias("lon"),
    ).where(Assignment.current_key.is_not_null())
    loads = await _loads()
    for p in providers:
        p["load"] = loads.get(p["id"], 0)
    return {"providers": providers, "people": current}


# ---------------------------------------------------------------- jobs


async def _beneficiaries() -> list[dict[str, Any]]:
    """Everyone whose active conclusion is severe and who has a position."""
    return await Conclusion.select(
        Conclusion.id,
        Conclusion.person,
        Conclusion.care_mode,
        Conclusion.person.lat.as_alias("lat"),
        Conclusion.person.lon.as_alias("lon"),
        Conclusion.person.preferred_provider.as_alias("preferred"),
    ).where((Conclusion.status == "active") & (Conclusion.severe == True) & Conclusion.person.lat.is_not_null())


async def _current_state() -> dict[int, int | None]:
    rows = await Assignment.select(Assignment.person, Assignment.provider).where(Assignment.current_key.is_not_null())
    return {r["person"]: r["provider"] for r in rows}


def _fingerprint(state: dict[int, int | None]) -> str:
    return hashlib.sha256(json.dumps(sorted(state.items()), default=str).encode()).hexdigest()


@register_job_kind("reassign_provider_people", action=Action.ASSIGN)
async def reassign_provider_people(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Move everyone placed at a provider that no longer takes people. Idempotent: once
    nobody is left there, a rerun moves no one."""
    provider_id = int(params["provider_id"])
    status = await Provider.select(Provider.status).where(Provider.id == provider_id).first()
    if status is None or status["status"] == "active":
        return {"moved": 0, "unassigned": 0, "skipped": "provider is active"}
    people = await Assignment.select(Assignment.person, Assignment.conclusion, Assignment.care_mode).where(
        (Assignment.provider == provider_id) & (Assignment.status == "active")
    )
    moved = unassigned = 0
    now = ctx.clock.now()
    for index, row in enumerate(people):
        async with write_transaction():
            result = await assign_person(
                ctx, None, row["person"], conclusion_id=row["conclusion"], care_mode=row["care_mode"], now=now
            )
        moved += result["status"] == "active"
        unassigned += result["status"] == "unassigned"
        await progress((index + 1) / len(people))
    return {"provider_id": provider_id, "moved": moved, "unassigned": unassigned}


@register_job_kind("assign_beneficiaries", action=Action.ASSIGN)
async def assign_beneficiaries(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Place every beneficiary who has no current placement (stable: nobody placed moves)."""
    state = await _current_state()
    waiting = [b for b in await _beneficiaries() if b["person"] not in state]
    now = ctx.clock.now()
    placed = 0
    for index, b in enumerate(waiting):
        async with write_transaction():
            result = await assign_person(
                ctx, None, b["person"], conclusion_id=b["id"], care_mode=b["care_mode"], now=now
            )
        placed += result["status"] == "active"
        if index % 50 == 0:
            await progress((index + 1) / len(waiting))
    return {"considered": len(waiting), "placed": placed, "unassigned": len(waiting) - placed}


@register_job_kind("reoptimise_preview", action=Action.ASSIGN)
async def reoptimise_preview(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """One min-cost-flow optimisation over all beneficiaries; nothing changes until applied."""
    people = await _beneficiaries()
    state = await _current_state()
    providers = await _engine_providers(loads=False)
    clients = [
        engine.Client(
            id=b["person"], lat=b["lat"], lon=b["lon"], mode=b["care_mode"], chosen_provider_id=b["preferred"]
        )
        for b in people
    ]
    plan = engine.optimise(clients, providers)
    await progress(0.8)
    preview = engine.preview_reoptimisation({k: v for k, v in state.items() if v is not None}, plan)
    placements = [[a.client_id, a.provider_id, a.distance_km, a.rank, a.reason] for a in plan.assignments]
    left_out = [[u.client_id, u.reason, u.nearest_provider_id, u.nearest_distance_km] for u in plan.unassigned]
    conclusions = {b["person"]: b["id"] for b in people}
    return {
        "fingerprint": _fingerprint(state),
        "people": len(clients),
        "moves": len(preview.moves),
        "total_km_before": round(preview.total_km_before, 2),
        "total_km_after": round(preview.total_km_after, 2),
        "assigned_before": preview.assigned_before,
        "assigned_after": preview.assigned_after,
        "sample_moves": [
            {
                "person_id": m.client_id,
                "from_provider_id": m.from_provider_id,
                "to_provider_id": m.to_provider_id,
                "distance_before_km": m.distance_before_km,
                "distance_after_km": m.distance_after_km,
            }
            for m in preview.moves[:200]
        ],
        "plan": {
            "placements": placements,
            "unassigned": left_out,
            "conclusions": conclusions,
            "modes": {b["person"]: b["care_mode"] for b in people},
        },
    }


@register_job_kind("reoptimise_apply", action=Action.ASSIGN)
async def reoptimise_apply(ctx: ServiceContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Apply a confirmed preview, unless placements changed since it was computed."""
    from ltc.db.tables import Job

    preview = (
        await Job.select(Job.result, Job.status, Job.kind)
        .where(Job.id == UUID(params["preview_job_id"]))
        .output(load_json=True)
        .first()
    )
    if preview is None or preview["kind"] != "reoptimise_preview" or preview["status"] != "done":
        raise InvalidInput("没有可确认的预览", code="preview_not_found")
    result = preview["result"]
    state = await _current_state()
    if _fingerprint(state) != result["fingerprint"]:
        raise Conflict("预览之后分配已有变化，请重新预览", code="stale_preview")
    plan = result["plan"]
    conclusions = {int(k): v for k, v in plan["conclusions"].items()}
    modes = {int(k): v for k, v in plan["modes"].items()}
    persons = {r["id"]: r for r in await Person.select(Person.id, Person.lat, Person.lon)}
    providers = {p.id: p for p in await _engine_providers(loads=False)}
    now = ctx.clock.now()
    moved = 0
    async with write_transaction():
        rows: list[Assignment] = []
        changed_people: list[int] = []
        for person_id, provider_id, _km, rank, reason in plan["placements"]:
            if state.get(person_id) == provider_id:
                continue
            changed_people.append(person_id)
            rows.append(
                Assignment(
                    person=person_id,
                    conclusion=conclusions.get(person_id),
                    provider=provider_id,
                    care_mode=modes[person_id],
                    status="active",
                    distance_km=_geodesic_km(persons[person_id], providers[provider_id]),
                    rank=rank,
                    reason="optimised" if reason == "nearest_with_room" else reason,
                    current_key=f"person:{person_id}",
                    started_at=now,
                )
            )
        for person_id, reason, nearest_id, nearest_km in plan["unassigned"]:
            if person_id in state and state[person_id] is None:
                continue
            changed_people.append(person_id)
            rows.append(
                Assignment(
                    person=person_id,
                    conclusion=conclusions.get(person_id),
                    provider=None,
                    care_mode=modes[person_id],
                    status="unassigned",
                    reason=reason,
                    nearest_provider=nearest_id,
                    nearest_distance_km=round(nearest_km, 3) if nearest_km is not None else None,
                    current_key=f"person:{person_id}",
                    started_at=now,
                )
            )
        for start in range(0, len(changed_people), APPLY_BATCH):
            batch = changed_people[start : start + APPLY_BATCH]
            await Assignment.update(
                {
                    Assignment.status: "ended",
                    Assignment.ended_at: now,
                    Assignment.ended_reason: "reoptimised",
                    Assignment.current_key: None,
                }
            ).where(Assignment.person.is_in(batch) & Assignment.current_key.is_not_null())
        for start in range(0, len(rows), APPLY_BATCH):
            await Assignment.insert(*rows[start : start + APPLY_BATCH])
        moved = len(changed_people)
        await record_change(
            actor=None,
            at=now,
            action="assignment.reoptimise",
            entity="district",
            entity_id="assignment",
            after={"moved": moved, "preview_job_id": str(params["preview_job_id"])},
        )
    await progress(1.0)
    return {"moved": moved}
