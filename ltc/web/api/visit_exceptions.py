"""Visit alerts and verification exceptions (API.md "Visits"): the open alerts, the exceptions,
the agency's explanation and the bureau's resolution."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from ltc.domain.access import Action
from ltc.services.visits import exceptions, reads
from ltc.services.visits.values import ExceptionRecord, ExplainIn, ResolveIn, VisitAlertOut, VisitExceptionOut
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import PathId, QueryText
from ltc.web.security import allowed, signed_in


class VisitExceptionsController(Controller):
    path = "/api/v1"
    tags = ["visits"]
    guards = [signed_in]

    @get("/visit-alerts", summary="Open alerts: late, missed, missing check-out")
    async def alerts(self, actor: CurrentActor, services: Services) -> list[VisitAlertOut]:
        return await reads.list_alerts(services, actor)

    @get("/visit-exceptions", summary="Verification exceptions (agencies: their own)")
    async def exceptions(
        self, actor: CurrentActor, services: Services, status: QueryText = None
    ) -> list[VisitExceptionOut]:
        return await exceptions.list_exceptions(services, actor, status=status)

    @post(
        "/visit-exceptions/{exception_id:int}/explain",
        status_code=200,
        guards=[allowed(Action.EXPLAIN_EXCEPTION)],
        summary="The agency explains with a reason code",
    )
    async def explain(
        self, exception_id: PathId, data: JSONBody[ExplainIn], actor: CurrentActor, services: Services
    ) -> ExceptionRecord:
        return await exceptions.explain(services, actor, exception_id, data.reason_code, data.explanation)

    @post(
        "/visit-exceptions/{exception_id:int}/resolve",
        status_code=200,
        guards=[allowed(Action.RESOLVE_EXCEPTION)],
        summary="The bureau resolves with a resolution code",
    )
    async def resolve(
        self, exception_id: PathId, data: JSONBody[ResolveIn], actor: CurrentActor, services: Services
    ) -> ExceptionRecord:
        return await exceptions.resolve(services, actor, exception_id, data.resolution_code, data.note)
