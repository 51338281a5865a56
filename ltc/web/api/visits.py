"""Visits (API.md "Visits"): a provider's day, a visit added by the agency, check-in and
check-out (one event, or a batch from an offline phone), generating the window, and the slots
no caregiver could take."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter
from pydantic import BaseModel

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action
from ltc.domain.periods import require_day_in_range
from ltc.services.visits import adhoc, events, generation, reads
from ltc.services.visits.values import (
    BatchIn,
    CheckIn,
    CheckOut,
    GenerateVisitsParams,
    RecordedEvent,
    RefusedEvent,
    UnscheduledSlotOut,
    VisitFilters,
    VisitIn,
    VisitOut,
    VisitStatus,
)
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.errors import status_for
from ltc.web.paging import LINK_HEADER, After, Limit, link_header, page_request, page_response
from ltc.web.schemas import JobAccepted, PathId, QueryId
from ltc.web.security import allowed, signed_in


class BatchResult(BaseModel):
    """One event of a batch: the status it would have had on its own, and the visit or the error."""

    event_id: str
    status: int
    outcome: str | None = None
    code: str | None = None
    detail: str | None = None
    visit: VisitOut | None = None


def event_response(recorded: RecordedEvent) -> Response[VisitOut]:
    """201 for an event recorded, 200 for the replay of one already recorded."""
    return Response(recorded.visit, status_code=200 if recorded.replayed else 201)


def batch_result(result: RecordedEvent | RefusedEvent) -> BatchResult:
    if isinstance(result, RefusedEvent):
        error = result.error
        return BatchResult(
            event_id=str(result.event_id), status=status_for(error), code=error.code, detail=error.detail
        )
    return BatchResult(
        event_id=str(result.event_id),
        status=200 if result.replayed else 201,
        outcome=result.outcome,
        visit=result.visit,
    )


class VisitsController(Controller):
    path = "/api/v1/visits"
    tags = ["visits"]
    guards = [signed_in]

    @get(
        "/",
        summary="Visits of a day in planned order, of a provider, a caregiver, a status (agencies: their own), in pages",
        response_headers=LINK_HEADER,
    )
    async def list_visits(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        provider_id: QueryId = None,
        day: Annotated[date | None, QueryParameter(name="date", description="the day (default today)")] = None,
        caregiver_id: QueryId = None,
        status: Annotated[
            VisitStatus | None,
            QueryParameter(description="planned, in_progress, done or cancelled (default: not cancelled)"),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[VisitOut]]:
        if day is not None:
            require_day_in_range(day, "date")
        filters = VisitFilters(day=day, provider_id=provider_id, caregiver_id=caregiver_id, status=status)
        return page_response(request, await reads.visit_page(services, actor, filters, after=after, limit=limit))

    @post(
        "/",
        status_code=201,
        summary="An unscheduled or replacement visit, added by the agency",
        guards=[allowed(Action.RECORD_VISIT)],
    )
    async def add(self, data: JSONBody[VisitIn], actor: CurrentActor, services: Services) -> VisitOut:
        return await adhoc.add_visit(services, actor, data)

    @get("/{visit_id:int}", summary="One visit")
    async def one(self, visit_id: PathId, actor: CurrentActor, services: Services) -> VisitOut:
        return await reads.get_visit(services, actor, visit_id)

    @post(
        "/{visit_id:int}/check-in",
        summary="Check in (flags never refuse; the same event_id twice is kept once)",
        guards=[allowed(Action.CHECK_IN_OUT)],
    )
    async def check_in(
        self, visit_id: PathId, data: JSONBody[CheckIn], actor: CurrentActor, services: Services
    ) -> Response[VisitOut]:
        return event_response(await events.record_event(services, actor, visit_id, "check_in", data))

    @post(
        "/{visit_id:int}/check-out", summary="Check out with the items performed", guards=[allowed(Action.CHECK_IN_OUT)]
    )
    async def check_out(
        self, visit_id: PathId, data: JSONBody[CheckOut], actor: CurrentActor, services: Services
    ) -> Response[VisitOut]:
        return event_response(await events.record_event(services, actor, visit_id, "check_out", data))

    @post(
        "/events",
        status_code=200,
        summary="Events kept by an offline phone: one result per event",
        guards=[allowed(Action.CHECK_IN_OUT)],
    )
    async def batch(self, data: JSONBody[BatchIn], actor: CurrentActor, services: Services) -> list[BatchResult]:
        return [batch_result(r) for r in await events.record_batch(services, actor, data.events)]

    @post(
        "/generate",
        status_code=202,
        summary="Generate the rolling window's visits now (a job)",
        guards=[allowed(Action.GENERATE_VISITS)],
    )
    async def generate(
        self, data: JSONBody[GenerateVisitsParams], actor: CurrentActor, services: Services
    ) -> JobAccepted:
        return JobAccepted(job_id=await generation.start_generation(services, actor, data))

    @get("/unscheduled", summary="Visits no caregiver could take, with the reason (filtered, paged)")
    async def unscheduled(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        provider_id: QueryId = None,
        reason: Annotated[
            str | None, QueryParameter(max_length=40, description="no_qualified_caregiver | no_caregiver_free | …")
        ] = None,
        day_from: Annotated[date | None, QueryParameter(name="from", description="first local day")] = None,
        day_to: Annotated[date | None, QueryParameter(name="to", description="last local day")] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[UnscheduledSlotOut]]:
        for day, name in ((day_from, "from"), (day_to, "to")):
            if day is not None:
                require_day_in_range(day, name)
        page = await reads.unscheduled_slots(
            services,
            actor,
            provider_id,
            reason=reason,
            day_from=day_from,
            day_to=day_to,
            page=page_request(limit, after, 2),
        )
        return Response(page.items, headers=link_header(request, page))
