"""Assignment of beneficiaries to providers (API.md "Providers and assignment")."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.params import JSONBody

from ltc.domain.access import Action
from ltc.services import assignments, jobs
from ltc.services.assignments import AssignmentOut, PreferredProviderIn, PreferredProviderOut, UncoveredOut
from ltc.services.reoptimisation import ApplyParams
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import JobAccepted, PathId
from ltc.web.security import allowed, signed_in

ASSIGN = allowed(Action.ASSIGN)


class AssignmentController(Controller):
    path = "/api/v1"
    tags = ["assignment"]
    guards = [signed_in]

    @get("/persons/{person_id:int}/assignment", summary="Where a beneficiary is placed, or why nobody can take them")
    async def assignment(self, person_id: PathId, actor: CurrentActor, services: Services) -> AssignmentOut:
        return await assignments.get_assignment(services, actor, person_id)

    @put(
        "/persons/{person_id:int}/preferred-provider",
        guards=[ASSIGN],
        summary="The person's explicit choice of provider",
    )
    async def prefer(
        self, person_id: PathId, data: JSONBody[PreferredProviderIn], actor: CurrentActor, services: Services
    ) -> PreferredProviderOut:
        return await assignments.choose_provider(services, actor, person_id, data.provider_id)

    @get(
        "/assignment/uncovered",
        guards=[ASSIGN],
        summary="Beneficiaries no provider can take, with the nearest provider",
    )
    async def uncovered(self, actor: CurrentActor) -> list[UncoveredOut]:
        return await assignments.list_uncovered(actor)

    @post(
        "/assignment/assign-waiting",
        status_code=202,
        guards=[ASSIGN],
        summary="Place everyone not yet placed (nobody moves)",
    )
    async def assign_waiting(self, actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await jobs.start_job(services, actor, "assign_beneficiaries", jobs.NoParams()))

    @post(
        "/assignment/reoptimise/preview",
        status_code=202,
        guards=[ASSIGN],
        summary="Compute a full re-optimisation (changes nothing)",
    )
    async def preview(self, actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await jobs.start_job(services, actor, "reoptimise_preview", jobs.NoParams()))

    @post("/assignment/reoptimise/apply", status_code=202, guards=[ASSIGN], summary="Apply a confirmed preview")
    async def apply(self, data: JSONBody[ApplyParams], actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await jobs.start_job(services, actor, "reoptimise_apply", data))
