from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath

from ltc.domain.access import Action
from ltc.services import jobs
from ltc.services.geocoding import GeocodeParams
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import JobAccepted
from ltc.web.security import allowed, signed_in


class JobsController(Controller):
    path = "/api/v1"
    tags = ["jobs"]

    @get("/jobs/{job_id:uuid}", guards=[signed_in], summary="Status and progress of a long job")
    async def job(self, job_id: FromPath[UUID], actor: CurrentActor) -> jobs.JobView:
        return await jobs.get_job(actor, job_id)

    @post(
        "/geocoding/persons",
        status_code=202,
        guards=[allowed(Action.GEOCODE_PERSONS)],
        summary="Geocode every person registered without a position (a background job)",
    )
    async def geocode_persons(self, actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await jobs.start_job(services, actor, "geocode_persons", GeocodeParams()))
