"""Assignment of beneficiaries to providers (API.md "Providers and assignment")."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, Field

from ltc.domain.access import Role
from ltc.services import assignments, jobs
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import JobAccepted, Schema
from ltc.web.security import roles, signed_in

BUREAU = roles(Role.BUREAU, Role.ADMIN)


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


class PreferredProviderIn(Schema):
    provider_id: int | None = Field(default=None, ge=1)


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


class ApplyIn(Schema):
    preview_job_id: UUID


class AssignmentController(Controller):
    path = "/api/v1"
    tags = ["assignment"]
    guards = [signed_in]

    @get("/persons/{person_id:int}/assignment", summary="Where a beneficiary is placed, or why nobody can take them")
    async def assignment(self, person_id: FromPath[int], actor: CurrentActor, services: Services) -> AssignmentOut:
        return AssignmentOut.model_validate(await assignments.get_assignment(services, actor, person_id))

    @put(
        "/persons/{person_id:int}/preferred-provider",
        guards=[BUREAU],
        summary="The person's explicit choice of provider",
    )
    async def prefer(
        self, person_id: FromPath[int], data: JSONBody[PreferredProviderIn], actor: CurrentActor, services: Services
    ) -> dict[str, Any]:
        return await assignments.choose_provider(services, actor, person_id, data.provider_id)

    @get(
        "/assignment/uncovered",
        guards=[BUREAU],
        summary="Beneficiaries no provider can take, with the nearest provider",
    )
    async def uncovered(self, actor: CurrentActor) -> list[UncoveredOut]:
        return [UncoveredOut.model_validate(r) for r in await assignments.list_uncovered(actor)]

    @post(
        "/assignment/assign-waiting",
        status_code=202,
        guards=[BUREAU],
        summary="Place everyone not yet placed (nobody moves)",
    )
    async def assign_waiting(self, actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await jobs.start_job(services, actor, "assign_beneficiaries"))

    @post(
        "/assignment/reoptimise/preview",
        status_code=202,
        guards=[BUREAU],
        summary="Compute a full re-optimisation (changes nothing)",
    )
    async def preview(self, actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await jobs.start_job(services, actor, "reoptimise_preview"))

    @post("/assignment/reoptimise/apply", status_code=202, guards=[BUREAU], summary="Apply a confirmed preview")
    async def apply(self, data: JSONBody[ApplyIn], actor: CurrentActor, services: Services) -> JobAccepted:
        job_id = await jobs.start_job(services, actor, "reoptimise_apply", {"preview_job_id": str(data.preview_job_id)})
        return JobAccepted(job_id=job_id)
