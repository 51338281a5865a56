"""The provider registry: providers and their agreement lifecycle and annual evaluations,
read scoped by who asks (their caregivers: ``ltc.services.caregivers``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from uuid import UUID

from piccolo.query import Select
from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.queries import lists
from ltc.db.queries.paging import Page
from ltc.db.tables import (
    AgreementEvent,
    Assignment,
    Provider,
    ProviderEvaluation,
)
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.agreements import (
    OPENS_TO_NEW_PEOPLE,
    check_capacity,
    check_radius,
    check_redesignation,
    next_status,
)
from ltc.domain.coordinates import check_in_china
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.services.assignments import ReassignParams
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.jobs import NoParams, start_job
from ltc.services.positions import CoordinateSystem, to_wgs84
from ltc.services.reference import policy_book
from ltc.services.supervision.credit import refuse_barred_provider

KINDS = ("home", "institutional", "both")

ProviderKind = Literal["home", "institutional", "both"]
AgreementState = Literal["applied", "designated", "active", "suspended", "terminated"]


class ProviderOut(BaseModel):
    id: int
    code: str
    name: str
    name_en: str
    kind: ProviderKind
    status: str
    town_code: str | None
    address: str
    lat: float
    lon: float
    service_radius_km: float
    capacity: int
    hourly_price_fen: int
    daily_price_fen: int
    designation_batch: str = ""
    designated_on: date | None = None
    terminated_on: date | None = None
    credit_code: str = ""
    reassignment_job_id: UUID | None = None


class ProviderIn(Input):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    kind: ProviderKind
    lat: float
    lon: float
    coordinate_system: CoordinateSystem = "wgs84"
    address: str = Field(default="", max_length=300)
    service_radius_km: float
    capacity: int = Field(ge=0, le=1_000_000)
    hourly_price_fen: int = Field(default=0, ge=0, le=10_000_000)
    daily_price_fen: int = Field(default=0, ge=0, le=10_000_000)
    credit_code: str = Field(default="", max_length=18)


class ProviderChanges(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = None
    lon: float | None = None
    coordinate_system: CoordinateSystem | None = None
    service_radius_km: float | None = None
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    hourly_price_fen: int | None = Field(default=None, ge=0, le=10_000_000)
    daily_price_fen: int | None = Field(default=None, ge=0, le=10_000_000)


class AgreementStepIn(Input):
    reason: str = Field(default="", max_length=2000)
    batch: str = Field(default="", max_length=32)
    effective_on: date | None = None


class AgreementEventOut(BaseModel):
    from_status: str
    to_status: str
    batch: str
    effective_on: date
    reason: str
    actor_name: str | None


class EvaluationIn(Input):
    year: int = Field(ge=2000, le=2100)
    score: int
    note: str = Field(default="", max_length=2000)


class EvaluationOut(BaseModel):
    provider_id: int | None = None
    year: int
    score: int
    note: str


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


@dataclass(frozen=True, slots=True)
class ProviderFilters:
    """What the provider list may be narrowed to: an agreement state, a kind, a town."""

    status: str | None = None
    kind: str | None = None
    town: str | None = None  # its code


async def _providers_in_view(actor: Actor, filters: ProviderFilters) -> Select:
    """The providers passing the filters; an agency sees only its own."""
    town = await lists.town_id(filters.town)
    return lists.providers_query(
        _PROVIDER_COLUMNS, status=filters.status, kind=filters.kind, town=town, only=actor.provider_scope
    )


async def list_providers(actor: Actor) -> list[ProviderOut]:
    """Every provider the actor may see, by code."""
    rows = await lists.PROVIDER_ORDER.ordered(await _providers_in_view(actor, ProviderFilters()))
    return [ProviderOut.model_validate(row) for row in rows]


async def provider_page(actor: Actor, filters: ProviderFilters, *, after: str | None, limit: int) -> Page[ProviderOut]:
    """A page of the providers the actor may see that pass the filters, by code."""
    page = await lists.page_of(await _providers_in_view(actor, filters), lists.PROVIDER_ORDER, after, limit)
    return Page(items=[ProviderOut.model_validate(r) for r in page.items], next_after=page.next_after)


async def get_provider(actor: Actor, provider_id: int) -> ProviderOut:
    require_provider_visible(actor, provider_id)
    row = await Provider.select(*_PROVIDER_COLUMNS).where(Provider.id == provider_id).first()
    if row is None:
        raise NotFound("no such provider", code="provider_not_found")
    return ProviderOut.model_validate(row)


# ---------------------------------------------------------------- the registry (bureau)


async def current_load(provider_id: int) -> int:
    return await Assignment.count().where((Assignment.provider == provider_id) & (Assignment.status == "active"))


async def create_provider(ctx: ServiceContext, actor: Actor, data: ProviderIn) -> ProviderOut:
    require(actor, Action.MANAGE_PROVIDERS)
    lat, lon = to_wgs84(data.lat, data.lon, data.coordinate_system)
    check_in_china(lat, lon)
    check_radius(data.service_radius_km)
    today = local_today(ctx.clock, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(today)
    now = ctx.clock.now()
    async with write_transaction():
        if await Provider.exists().where(Provider.code == data.code):
            raise Conflict("机构编码已存在", code="duplicate_provider_code", errors=[{"field": "code"}])
        if data.credit_code:
            earlier = (
                await Provider.select(Provider.terminated_on)
                .where((Provider.credit_code == data.credit_code) & (Provider.status == "terminated"))
                .order_by(Provider.terminated_on, ascending=False)
                .first()
            )
            check_redesignation(earlier["terminated_on"] if earlier else None, today, policy.redesignation_block_years)
            await refuse_barred_provider(ctx, data.credit_code)
        provider = Provider(
            code=data.code,
            name=data.name,
            name_en=data.name_en,
            kind=data.kind,
            status="applied",
            address=data.address,
            lat=lat,
            lon=lon,
            service_radius_km=data.service_radius_km,
            capacity=data.capacity,
            hourly_price_fen=data.hourly_price_fen,
            daily_price_fen=data.daily_price_fen,
            credit_code=data.credit_code,
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


async def update_provider(ctx: ServiceContext, actor: Actor, provider_id: int, data: ProviderChanges) -> ProviderOut:
    """Change the fields the request names (a field sent as null is left as it is)."""
    require(actor, Action.MANAGE_PROVIDERS)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    system = changes.pop("coordinate_system", None)
    lat, lon = to_wgs84(changes.get("lat"), changes.get("lon"), system)
    changes |= {name: value for name, value in (("lat", lat), ("lon", lon)) if value is not None}
    now = ctx.clock.now()
    async with write_transaction():
        before = await get_provider(actor, provider_id)
        if lat is not None or lon is not None:
            check_in_china(before.lat if lat is None else lat, before.lon if lon is None else lon)
        if data.service_radius_km is not None:
            check_radius(data.service_radius_km)
        if data.capacity is not None:
            check_capacity(data.capacity, await current_load(provider_id))
        columns = {getattr(Provider, name): value for name, value in changes.items()}
        if columns:
            await Provider.update(columns).where(Provider.id == provider_id)
        await record_change(
            actor=actor,
            at=now,
            action="provider.update",
            entity="provider",
            entity_id=provider_id,
            before={name: getattr(before, name) for name in changes},
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
) -> ProviderOut:
    """One step of the agreement, audited with its reason. Suspending or terminating a
    provider starts a job that reassigns its people; activating or reinstating one starts
    the job that places the people waiting for a provider (those its suspension left)."""
    require(actor, Action.MANAGE_PROVIDERS)
    if action == "designate":
        credit_code = (await get_provider(actor, provider_id)).credit_code
        await refuse_barred_provider(ctx, credit_code, provider_id)
    return await _agreement_step(ctx, actor, provider_id, action, reason, batch, effective_on, job_actor=actor)


async def sanction_agreement(
    ctx: ServiceContext, actor: Actor, provider_id: int, action: Literal["suspend", "terminate"], *, reason: str
) -> ProviderOut:
    """An inspection's outcome suspends or terminates the agreement on the fund supervisor's
    word; the reassignment of the provider's people runs as the system's job."""
    require(actor, Action.RUN_INSPECTIONS)
    return await _agreement_step(ctx, actor, provider_id, action, reason, "", None, job_actor=None)


async def _agreement_step(
    ctx: ServiceContext,
    actor: Actor,
    provider_id: int,
    action: str,
    reason: str,
    batch: str,
    effective_on: date | None,
    *,
    job_actor: Actor | None,
) -> ProviderOut:
    today = local_today(ctx.clock, ctx.settings.zone)
    day = effective_on or today
    now = ctx.clock.now()
    async with write_transaction():
        provider = await get_provider(actor, provider_id)
        step = next_status(provider.status, action, reason=reason, batch=batch)
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
        job_id = await start_job(
            ctx, job_actor, "reassign_provider_people", ReassignParams(provider_id=provider_id), provider_id=None
        )
        result = result.model_copy(update={"reassignment_job_id": job_id})
    elif action in OPENS_TO_NEW_PEOPLE:
        job_id = await start_job(ctx, job_actor, "assign_beneficiaries", NoParams(), provider_id=None)
        result = result.model_copy(update={"reassignment_job_id": job_id})
    return result


async def agreement_history(actor: Actor, provider_id: int) -> list[AgreementEventOut]:
    await get_provider(actor, provider_id)
    rows = (
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
    return [AgreementEventOut.model_validate(row) for row in rows]


async def record_evaluation(ctx: ServiceContext, actor: Actor, provider_id: int, data: EvaluationIn) -> EvaluationOut:
    require(actor, Action.MANAGE_PROVIDERS)
    year, score = data.year, data.score
    if not 0 <= score <= 100:
        raise InvalidInput("考核分数须在 0–100 之间", code="invalid_score", errors=[{"field": "score"}])
    if policy_book(ctx.settings).in_force(date(year, 12, 31)).evaluation_weights:
        # From then on a year is evaluated indicator by indicator (ltc.services.supervision.evaluation).
        raise Conflict(f"{year} 年度按指标考核", code="evaluation_by_indicators", errors=[{"field": "year"}])
    now = ctx.clock.now()
    async with write_transaction():
        await get_provider(actor, provider_id)
        key = f"{provider_id}:{year}"
        if await ProviderEvaluation.exists().where(ProviderEvaluation.evaluation_key == key):
            raise Conflict(f"{year} 年度考核已登记", code="evaluation_exists", errors=[{"field": "year"}])
        await ProviderEvaluation.insert(
            ProviderEvaluation(
                provider=provider_id,
                year=year,
                evaluation_key=key,
                score=score,
                note=data.note,
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
    return EvaluationOut(provider_id=provider_id, year=year, score=score, note=data.note)


async def evaluations(actor: Actor, provider_id: int) -> list[EvaluationOut]:
    await get_provider(actor, provider_id)
    rows = (
        await ProviderEvaluation.select(ProviderEvaluation.year, ProviderEvaluation.score, ProviderEvaluation.note)
        .where(ProviderEvaluation.provider == provider_id)
        .order_by(ProviderEvaluation.year)
    )
    return [EvaluationOut.model_validate(row) for row in rows]
