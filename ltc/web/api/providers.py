"""The provider registry: providers, their agreement lifecycle, evaluations and caregivers."""

from __future__ import annotations

from datetime import date
from typing import Literal

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, Field

from ltc.domain.access import Role
from ltc.services import providers
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import CaregiverOut, CoordinateSystem, ProviderOut, Schema
from ltc.web.security import roles, signed_in

BUREAU = roles(Role.BUREAU, Role.ADMIN)


class ProviderIn(Schema):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    kind: Literal["home", "institutional", "both"]
    lat: float
    lon: float
    coordinate_system: CoordinateSystem = "wgs84"
    address: str = Field(default="", max_length=300)
    service_radius_km: float
    capacity: int = Field(ge=0, le=1_000_000)
    hourly_price_fen: int = Field(default=0, ge=0, le=10_000_000)
    daily_price_fen: int = Field(default=0, ge=0, le=10_000_000)
    credit_code: str = Field(default="", max_length=18)


class ProviderChanges(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = None
    lon: float | None = None
    coordinate_system: CoordinateSystem | None = None
    service_radius_km: float | None = None
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    hourly_price_fen: int | None = Field(default=None, ge=0, le=10_000_000)
    daily_price_fen: int | None = Field(default=None, ge=0, le=10_000_000)


class AgreementStepIn(Schema):
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


class EvaluationIn(Schema):
    year: int = Field(ge=2000, le=2100)
    score: int
    note: str = Field(default="", max_length=2000)


class EvaluationOut(BaseModel):
    provider_id: int | None = None
    year: int
    score: int
    note: str


class CaregiverIn(Schema):
    name: str = Field(min_length=1, max_length=64)
    qualification: str = Field(min_length=1, max_length=32)
    lat: float
    lon: float
    coordinate_system: CoordinateSystem = "wgs84"
    weekly_hours: int = Field(ge=1, le=60)
    skills: list[str] = Field(default_factory=list, max_length=60)


class ProvidersController(Controller):
    path = "/api/v1/providers"
    tags = ["providers"]
    guards = [signed_in]

    @get("/", summary="Designated providers (an agency sees only its own)")
    async def list_providers(self, actor: CurrentActor) -> list[ProviderOut]:
        return [ProviderOut.model_validate(row) for row in await providers.list_providers(actor)]

    @post("/", status_code=201, guards=[BUREAU], summary="Register a provider's application for designation")
    async def create(self, data: JSONBody[ProviderIn], actor: CurrentActor, services: Services) -> ProviderOut:
        return ProviderOut.model_validate(await providers.create_provider(services, actor, data.model_dump()))

    @get("/{provider_id:int}", summary="One provider")
    async def provider(self, provider_id: FromPath[int], actor: CurrentActor) -> ProviderOut:
        return ProviderOut.model_validate(await providers.get_provider(actor, provider_id))

    @patch("/{provider_id:int}", guards=[BUREAU], summary="Change location, radius, capacity or prices")
    async def update(
        self, provider_id: FromPath[int], data: JSONBody[ProviderChanges], actor: CurrentActor, services: Services
    ) -> ProviderOut:
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        return ProviderOut.model_validate(await providers.update_provider(services, actor, provider_id, changes))

    @post(
        "/{provider_id:int}/{action:str}",
        status_code=200,
        guards=[BUREAU],
        summary="Agreement step: designate, activate, suspend, reinstate or terminate (with reason)",
    )
    async def agreement_step(
        self,
        provider_id: FromPath[int],
        action: FromPath[str],
        data: JSONBody[AgreementStepIn],
        actor: CurrentActor,
        services: Services,
    ) -> ProviderOut:
        result = await providers.change_agreement(
            services, actor, provider_id, action, reason=data.reason, batch=data.batch, effective_on=data.effective_on
        )
        return ProviderOut.model_validate(result)

    @get("/{provider_id:int}/agreement", summary="The agreement history")
    async def agreement(self, provider_id: FromPath[int], actor: CurrentActor) -> list[AgreementEventOut]:
        return [AgreementEventOut.model_validate(r) for r in await providers.agreement_history(actor, provider_id)]

    @get("/{provider_id:int}/evaluations", summary="Annual evaluation scores")
    async def evaluations(self, provider_id: FromPath[int], actor: CurrentActor) -> list[EvaluationOut]:
        return [EvaluationOut.model_validate(r) for r in await providers.evaluations(actor, provider_id)]

    @post("/{provider_id:int}/evaluations", status_code=201, guards=[BUREAU], summary="Record a year's evaluation")
    async def record_evaluation(
        self, provider_id: FromPath[int], data: JSONBody[EvaluationIn], actor: CurrentActor, services: Services
    ) -> EvaluationOut:
        result = await providers.record_evaluation(services, actor, provider_id, data.year, data.score, data.note)
        return EvaluationOut.model_validate(result)

    @get("/{provider_id:int}/caregivers", summary="A provider's caregivers")
    async def caregivers(self, provider_id: FromPath[int], actor: CurrentActor) -> list[CaregiverOut]:
        rows = await providers.list_caregivers(actor, provider_id)
        return [CaregiverOut.model_validate({**row, "provider_id": row["provider"]}) for row in rows]

    @post(
        "/{provider_id:int}/caregivers", status_code=201, summary="Add a caregiver (the bureau, or the agency itself)"
    )
    async def add_caregiver(
        self, provider_id: FromPath[int], data: JSONBody[CaregiverIn], actor: CurrentActor, services: Services
    ) -> CaregiverOut:
        row = await providers.add_caregiver(services, actor, provider_id, data.model_dump())
        return CaregiverOut.model_validate({**row, "provider_id": row["provider"]})
