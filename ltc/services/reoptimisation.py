"""The full re-optimisation of the city's assignment: one min-cost-flow over all
beneficiaries, computed as a preview (nothing changes) and applied only when the bureau
confirms it, and only if no placement changed in between."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Sequence
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from ltc.db.engine import write_transaction
from ltc.db.queries import providers as network
from ltc.db.queries.remote_benefits import unended_by_person
from ltc.db.tables import Assignment, Job, Person, Provider
from ltc.domain import assignment as assignment_rules
from ltc.domain.access import Action
from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.rollout import benefit_offered
from ltc.services.assignments import current_row, geodesic_km, our_id, placement_providers
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.jobs import JobParams, NoParams, Progress, register_job_kind
from ltc.services.reference import policy_book

APPLY_BATCH = 500
SAMPLE_MOVES = 200


class Move(BaseModel):
    person_id: int
    from_provider_id: int | None
    to_provider_id: int | None
    distance_before_km: float | None
    distance_after_km: float | None


class Plan(BaseModel):
    """The optimised assignment, compact: (person, provider, km, rank, reason) per placement
    and (person, reason, nearest provider, its km) per person left out."""

    placements: list[tuple[int, int, float, int, str]]
    unassigned: list[tuple[int, str, int | None, float | None]]
    conclusions: dict[int, int]
    modes: dict[int, str]


class PreviewResult(BaseModel):
    fingerprint: str  # of the placements the plan was computed from
    people: int
    moves: int
    total_km_before: float
    total_km_after: float
    assigned_before: int
    assigned_after: int
    sample_moves: list[Move]
    plan: Plan


class ApplyParams(JobParams):
    preview_job_id: UUID


class ApplyResult(BaseModel):
    moved: int


def _fingerprint(state: dict[int, int | None]) -> str:
    return hashlib.sha256(json.dumps(sorted(state.items()), default=str).encode()).hexdigest()


def _optional_id(value: Hashable | None) -> int | None:
    return None if value is None else our_id(value)


@register_job_kind("reoptimise_preview", action=Action.ASSIGN, params=NoParams)
async def reoptimise_preview(ctx: ServiceContext, params: NoParams, progress: Progress) -> PreviewResult:
    """One min-cost-flow optimisation over all beneficiaries; nothing changes until applied."""
    people = await network.beneficiaries()
    state = await network.current_placements()
    providers = await placement_providers(with_loads=False)
    policy = policy_book(ctx.settings).in_force(local_today(ctx.clock, ctx.settings.zone))
    remote = await unended_by_person()  # placed by the bureau's remote benefit until it ends
    clients = [
        assignment_rules.Client(
            id=b.person_id,
            lat=b.lat,
            lon=b.lon,
            mode=b.care_mode,
            chosen_provider_id=b.preferred_provider_id,
            town_radius_km=policy.town(b.town_code).service_radius_km,
        )
        for b in people
        if benefit_offered(policy, b.town_code, b.care_mode)  # the others stay as they are, listed
        and b.person_id not in remote
    ]
    plan = assignment_rules.optimise(clients, providers)
    await progress(0.8)
    preview = assignment_rules.preview_reoptimisation({k: v for k, v in state.items() if v is not None}, plan)
    return PreviewResult(
        fingerprint=_fingerprint(state),
        people=len(clients),
        moves=len(preview.moves),
        total_km_before=round(preview.total_km_before, 2),
        total_km_after=round(preview.total_km_after, 2),
        assigned_before=preview.assigned_before,
        assigned_after=preview.assigned_after,
        sample_moves=[
            Move(
                person_id=our_id(m.client_id),
                from_provider_id=_optional_id(m.from_provider_id),
                to_provider_id=_optional_id(m.to_provider_id),
                distance_before_km=m.distance_before_km,
                distance_after_km=m.distance_after_km,
            )
            for m in preview.moves[:SAMPLE_MOVES]
        ],
        plan=Plan(
            placements=[
                (our_id(a.client_id), our_id(a.provider_id), a.distance_km, a.rank, a.reason) for a in plan.assignments
            ],
            unassigned=[
                (our_id(u.client_id), u.reason, _optional_id(u.nearest_provider_id), u.nearest_distance_km)
                for u in plan.unassigned
            ],
            conclusions={b.person_id: b.conclusion_id for b in people},
            modes={b.person_id: b.care_mode for b in people},
        ),
    )


class ProviderName(BaseModel):
    name: str
    name_en: str


class NamedMove(BaseModel):
    """A move of the preview as a page shows it: whom, from where, to where."""

    person_id: int
    person_name: str
    from_provider: ProviderName | None
    to_provider: ProviderName | None
    distance_before_km: float | None
    distance_after_km: float | None


async def named_moves(moves: Sequence[Move]) -> list[NamedMove]:
    """The preview's sample moves with the names of the persons and providers they name."""
    person_ids = sorted({m.person_id for m in moves})
    provider_ids = sorted({p for m in moves for p in (m.from_provider_id, m.to_provider_id) if p is not None})
    persons = (
        {r["id"]: r["name"] for r in await Person.select(Person.id, Person.name).where(Person.id.is_in(person_ids))}
        if person_ids
        else {}
    )
    providers = (
        {
            r["id"]: ProviderName(name=r["name"], name_en=r["name_en"] or r["name"])
            for r in await Provider.select(Provider.id, Provider.name, Provider.name_en).where(
                Provider.id.is_in(provider_ids)
            )
        }
        if provider_ids
        else {}
    )
    return [
        NamedMove(
            person_id=m.person_id,
            person_name=persons.get(m.person_id, ""),
            from_provider=providers.get(m.from_provider_id) if m.from_provider_id is not None else None,
            to_provider=providers.get(m.to_provider_id) if m.to_provider_id is not None else None,
            distance_before_km=m.distance_before_km,
            distance_after_km=m.distance_after_km,
        )
        for m in moves
    ]


async def _confirmed_preview(preview_job_id: UUID) -> PreviewResult:
    row = (
        await Job.select(Job.result, Job.status, Job.kind)
        .where(Job.id == preview_job_id)
        .output(load_json=True)
        .first()
    )
    if row is None or row["kind"] != "reoptimise_preview" or row["status"] != "done":
        raise InvalidInput("没有可确认的预览", code="preview_not_found")
    return PreviewResult.model_validate(row["result"])


@register_job_kind("reoptimise_apply", action=Action.ASSIGN, params=ApplyParams)
async def reoptimise_apply(ctx: ServiceContext, params: ApplyParams, progress: Progress) -> ApplyResult:
    """Apply a confirmed preview, unless placements changed since it was computed."""
    result = await _confirmed_preview(params.preview_job_id)
    state = await network.current_placements()
    if _fingerprint(state) != result.fingerprint:
        raise Conflict("预览之后分配已有变化，请重新预览", code="stale_preview")
    plan = result.plan
    positions = await network.person_positions()
    providers = {p.id: p for p in await placement_providers(with_loads=False)}
    now = ctx.clock.now()
    async with write_transaction():
        rows: list[Assignment] = []
        changed_people: list[int] = []

        def replace(person_id: int, **placed: Any) -> None:
            changed_people.append(person_id)
            rows.append(current_row(person_id, plan.conclusions.get(person_id), plan.modes[person_id], now, **placed))

        for person_id, provider_id, _km, rank, reason in plan.placements:
            if state.get(person_id) != provider_id:
                replace(
                    person_id,
                    provider=provider_id,
                    status="active",
                    distance_km=geodesic_km(positions[person_id], providers[provider_id]),
                    rank=rank,
                    reason="optimised" if reason == "nearest_with_room" else reason,
                )
        for person_id, reason, nearest_id, nearest_km in plan.unassigned:
            if not (person_id in state and state[person_id] is None):
                replace(
                    person_id,
                    provider=None,
                    status="unassigned",
                    reason=reason,
                    nearest_provider=nearest_id,
                    nearest_distance_km=round(nearest_km, 3) if nearest_km is not None else None,
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
            after={"moved": moved, "preview_job_id": str(params.preview_job_id)},
        )
    await progress(1.0)
    return ApplyResult(moved=moved)
