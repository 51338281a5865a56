"""Reading the provider registry, scoped by who asks."""

from __future__ import annotations

from datetime import date
from typing import Any

from ltc.db.engine import write_transaction
from ltc.db.tables import (
    AgreementEvent,
    Assignment,
    Caregiver,
    Provider,
    ProviderEvaluation,
)
from ltc.domain.access import Actor, Role, require_provider_visible, require_role
from ltc.domain.agreements import (
    check_capacity,
    check_radius,
    check_redesignation,
    next_status,
)
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.geo.distance import check_coordinates
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.positions import as_wgs84
from ltc.services.reference import policy_book

_PROVIDER_COLUMNS = (
    Provider.id,
    Provider.code,
    Provider.name,
    Provider.name_en,
    Provider.kind,
    Provider.status,
    Provider.town.code.as_alias("town_code"),
    Provider.address,
    Provider.lat,
    Provider.lon,
    Provider.service_radius_km,
    Provider.capacity,
    Provider.hourly_price_fen,
    Provider.daily_price_fen,
    Provider.designation_batch,
    Provider.designated_on,
    Provider.terminated_on,
    Provider.credit_code,
)


async def list_providers(actor: Actor) -> list[dict[str, Any]]:
    query = Provider.select(*_PROVIDER_COLUMNS).order_by(Provider.code)
    if actor.role == Role.AGENCY:
        query = query.where(Provider.id == actor.provider_id)
    return await query


async def get_provider(actor: Actor, provider_id: int) -> dict[str, Any]:
    require_provider_visible(actor, provider_id)
    row = await Provider.select(*_PROVIDER_COLUMNS).where(Provider.id == provider_id).first()
    if row is None:
        raise NotFound("no such provider", code="provider_not_found")
    return row


async def list_caregivers(actor: Actor, provider_id: int) -> list[dict[str, Any]]:
    await get_provider(actor, provider_id)
    return (
        await Caregiver.select(
            Caregiver.id,
            Caregiver.provider,
            Caregiver.name,
            Caregiver.qualification,
            Caregiver.lat,
            Caregiver.lon,
            Caregiver.weekly_hours,
            Caregiver.active,
            Caregiver.skills,
        )
        .output(load_json=True)
        .where(Caregiver.provider == provider_id)
        .order_by(Caregiver.id)
    )


# ---------------------------------------------------------------- the registry (bureau)

QUALIFICATIONS = ("elderly_carer", "medical_carer", "nurse")
KINDS = ("home", "institutional", "both")


async def current_load(provider_id: int) -> int:
    return await Assignment.count().where((Assignment.provider == provider_id) & (Assignment.status == "active"))


async def create_provider(ctx: ServiceContext, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    data = as_wgs84(data)
    check_coordinates(data["lat"], data["lon"])
    check_radius(data["service_radius_km"])
    today = local_today(ctx.clock, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(today)
    now = ctx.clock.now()
    async with write_transaction():
        if await Provider.exists().where(Provider.code == data["code"]):
            raise Conflict("机构编码已存在", code="duplicate_provider_code")
        if data.get("credit_code"):
            earlier = (
                await Provider.select(Provider.terminated_on)
                .where((Provider.credit_code == data["credit_code"]) & (Provider.status == "terminated"))
                .order_by(Provider.terminated_on, ascending=False)
                .first()
            )
            check_redesignation(earlier["terminated_on"] if earlier else None, today, policy.redesignation_block_years)
        provider = Provider(
            code=data["code"],
            name=data["name"],
            name_en=data.get("name_en", ""),
            kind=data["kind"],
            status="applied",
            address=data.get("address", ""),
            lat=data["lat"],
            lon=data["lon"],
            service_radius_km=data["service_radius_km"],
            capacity=data["capacity"],
            hourly_price_fen=data.get("hourly_price_fen", 0),
            daily_price_fen=data.get("daily_price_fen", 0),
            credit_code=data.get("credit_code", ""),
            created_at=now,
        )
        await provider.save()
        await AgreementEvent.insert(
            AgreementEvent(
                provider=provider.id,
                from_status="",
                to_status="applied",
                effective_on=today,
                reason="申请定点",
                actor=actor.user_id,
                at=now,
            )
        )
        await record_change(
            actor=actor,
            at=now,
            action="provider.create",
            entity="provider",
            entity_id=provider.id,
            after={"code": provider.code, "kind": provider.kind, "status": "applied"},
        )
    return await get_provider(actor, provider.id)


async def update_provider(
    ctx: ServiceContext, actor: Actor, provider_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    changes = as_wgs84(changes)
    now = ctx.clock.now()
    async with write_transaction():
        before = await get_provider(actor, provider_id)
        if "lat" in changes or "lon" in changes:
            check_coordinates(changes.get("lat", before["lat"]), changes.get("lon", before["lon"]))
        if "service_radius_km" in changes:
            check_radius(changes["service_radius_km"])
        if "capacity" in changes:
            check_capacity(changes["capacity"], await current_load(provider_id))
        columns = {getattr(Provider, name): value for name, value in changes.items()}
        if columns:
            await Provider.update(columns).where(Provider.id == provider_id)
        await record_change(
            actor=actor,
            at=now,
            action="provider.update",
            entity="provider",
            entity_id=provider_id,
            before={k: before[k] for k in changes},
            after=changes,
        )
    return await get_provider(actor, provider_id)


async def change_agreement(
    ctx: ServiceContext,
    actor: Actor,
    provider_id: int,
    action: str,
    *,
    reason: str = "",
    batch: str = "",
    effective_on: date | None = None,
) -> dict[str, Any]:
    """One step of the agreement, audited with its reason. Suspending or terminating a
    provider starts a job that reassigns its people."""
    require_role(actor, Role.BUREAU, Role.ADMIN)
    today = local_today(ctx.clock, ctx.settings.zone)
    day = effective_on or today
    now = ctx.clock.now()
    async with write_transaction():
        provider = await get_provider(actor, provider_id)
        step = next_status(provider["status"], action, reason=reason, batch=batch)
        columns: dict[Any, Any] = {Provider.status: step.to_status}
        if action == "designate":
            columns |= {Provider.designation_batch: batch, Provider.designated_on: day}
        if action == "terminate":
            columns[Provider.terminated_on] = day
        await Provider.update(columns).where(Provider.id == provider_id)
        await AgreementEvent.insert(
            AgreementEvent(
                provider=provider_id,
                from_status=step.from_status,
                to_status=step.to_status,
                batch=batch,
                effective_on=day,
                reason=reason,
                actor=actor.user_id,
                at=now,
            )
        )
        await record_change(
            actor=actor,
            at=now,
            action=f"provider.{action}",
            entity="provider",
            entity_id=provider_id,
            before={"status": step.from_status},
            after={"status": step.to_status, "batch": batch},
            reason=reason,
        )
    result = await get_provider(actor, provider_id)
    if action in ("suspend", "terminate"):
        from ltc.services.jobs import start_job

        result["reassignment_job_id"] = await start_job(
            ctx, actor, "reassign_provider_people", {"provider_id": provider_id}, provider_id=None
        )
    return result


async def agreement_history(actor: Actor, provider_id: int) -> list[dict[str, Any]]:
    await get_provider(actor, provider_id)
    return (
        await AgreementEvent.select(
            AgreementEvent.from_status,
            AgreementEvent.to_status,
            AgreementEvent.batch,
            AgreementEvent.effective_on,
            AgreementEvent.reason,
            AgreementEvent.actor.display_name.as_alias("actor_name"),
            AgreementEvent.at,
        )
        .where(AgreementEvent.provider == provider_id)
        .order_by(AgreementEvent.at)
        .order_by(AgreementEvent.id)
    )


async def record_evaluation(
    ctx: ServiceContext, actor: Actor, provider_id: int, year: int, score: int, note: str = ""
) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    if not 0 <= score <= 100:
        raise InvalidInput("考核分数须在 0–100 之间", code="invalid_score", errors=[{"field": "score"}])
    now = ctx.clock.now()
    async with write_transaction():
        await get_provider(actor, provider_id)
        key = f"{provider_id}:{year}"
        if await ProviderEvaluation.exists().where(ProviderEvaluation.evaluation_key == key):
            raise Conflict(f"{year} 年度考核已登记", code="evaluation_exists")
        await ProviderEvaluation.insert(
            ProviderEvaluation(
                provider=provider_id,
                year=year,
                evaluation_key=key,
                score=score,
                note=note,
                recorded_by=actor.user_id,
                recorded_at=now,
            )
        )
        await record_change(
            actor=actor,
            at=now,
            action="provider.evaluation",
            entity="provider",
            entity_id=provider_id,
            after={"year": year, "score": score},
        )
    return {"provider_id": provider_id, "year": year, "score": score, "note": note}


async def evaluations(actor: Actor, provider_id: int) -> list[dict[str, Any]]:
    await get_provider(actor, provider_id)
    return (
        await ProviderEvaluation.select(ProviderEvaluation.year, ProviderEvaluation.score, ProviderEvaluation.note)
        .where(ProviderEvaluation.provider == provider_id)
        .order_by(ProviderEvaluation.year)
    )


async def add_caregiver(ctx: ServiceContext, actor: Actor, provider_id: int, data: dict[str, Any]) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN, Role.AGENCY)
    await get_provider(actor, provider_id)  # another agency's provider: 404
    data = as_wgs84(data)
    check_coordinates(data["lat"], data["lon"])
    if data["qualification"] not in QUALIFICATIONS:
        raise InvalidInput("未知的资质", code="unknown_qualification", errors=[{"field": "qualification"}])
    now = ctx.clock.now()
    async with write_transaction():
        caregiver = Caregiver(
            provider=provider_id,
            name=data["name"],
            qualification=data["qualification"],
            lat=data["lat"],
            lon=data["lon"],
            weekly_hours=data["weekly_hours"],
            skills=data.get("skills", []),
            active=True,
            created_at=now,
        )
        await caregiver.save()
        await record_change(
            actor=actor,
            at=now,
            action="caregiver.create",
            entity="caregiver",
            entity_id=caregiver.id,
            after={"provider_id": provider_id, "name": caregiver.name, "qualification": caregiver.qualification},
        )
    rows = await list_caregivers(actor, provider_id)
    return next(r for r in rows if r["id"] == caregiver.id)
