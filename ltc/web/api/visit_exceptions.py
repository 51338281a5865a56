"""Visit alerts and verification exceptions (API.md "Visits"): the open alerts, the exceptions,
the agency's explanation and the bureau's resolution."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action
from ltc.domain.visit_exceptions import ExceptionStatus
from ltc.services.visits import exceptions, reads
from ltc.services.visits.values import (
    AlertKind,
    ExceptionRecord,
    ExplainIn,
    ResolveIn,
    VisitAlertOut,
    VisitExceptionOut,
)
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.paging import LINK_HEADER, After, Limit, page_response
from ltc.web.schemas import PathId, QueryId
from ltc.web.security import allowed, signed_in


class VisitExceptionsController(Controller):
    path = "/api/v1"
    tags = ["visits"]
    guards = [signed_in]

    @get(
        "/visit-alerts",
        summary="Alerts (late, missed, missing check-out), newest first, of a provider and a kind, in pages",
        response_headers=LINK_HEADER,
    )
    async def alerts(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        provider_id: QueryId = None,
        kind: Annotated[AlertKind | None, QueryParameter(description="late, missed or missing_checkout")] = None,
        cleared: Annotated[bool, QueryParameter(description="include the cleared ones")] = False,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[VisitAlertOut]]:
        page = await reads.alert_page(
            services, actor, provider_id=provider_id, kind=kind, open_only=not cleared, after=after, limit=limit
        )
        return page_response(request, page)

    @get(
        "/visit-exceptions",
        summary="Verification exceptions, newest first, of a status, a flag, a provider (agencies: their own), in pages",
        response_headers=LINK_HEADER,
    )
    async def exceptions(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        status: Annotated[
            ExceptionStatus | None, QueryParameter(description="open, explained, resolved or withdrawn")
        ] = None,
        code: Annotated[str | None, QueryParameter(max_length=40, description="the flag (e.g. too_short)")] = None,
        provider_id: QueryId = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[VisitExceptionOut]]:
        page = await exceptions.exception_page(
            services, actor, status=status, code=code or None, provider_id=provider_id, after=after, limit=limit
        )
        return page_response(request, page)

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
