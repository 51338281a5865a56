"""The siting analysis (选址测算) over the API: start one, read its ranked candidates."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from ltc.domain.access import Action
from ltc.services import siting
from ltc.services.siting import SitingIn, SitingView
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import JobAccepted
from ltc.web.security import allowed


class SitingController(Controller):
    path = "/api/v1/siting"
    tags = ["assignment"]
    guards = [allowed(Action.RUN_SITING)]

    @post(
        "",
        status_code=202,
        summary="Where one or two new providers (or a larger radius for one) would serve most uncovered people (a job)",
    )
    async def start(self, data: JSONBody[SitingIn], actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await siting.start_siting(services, actor, data))

    @get("/{job_id:uuid}", summary="A siting analysis: its ranked candidate sites and the best choice, once done")
    async def result(self, job_id: FromPath[UUID], actor: CurrentActor) -> SitingView:
        return await siting.get_siting(actor, job_id)
