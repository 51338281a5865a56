"""The signed-in caregiver's own work (API.md "Caregivers"): their visits of a day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import QueryParameter

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action
from ltc.domain.periods import require_day_in_range
from ltc.services.visits import reads
from ltc.services.visits.values import VisitFilters, VisitOut
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.paging import LINK_HEADER, After, Limit, page_response
from ltc.web.security import allowed


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["visits"]
    guards = [allowed(Action.READ_OWN_VISITS)]

    @get(
        "/visits", summary="The signed-in caregiver's own visits of a day (default today)", response_headers=LINK_HEADER
    )
    async def my_visits(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        day: Annotated[date | None, QueryParameter(name="date", description="the day (default today)")] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[VisitOut]]:
        if day is not None:
            require_day_in_range(day, "date")
        filters = VisitFilters(day=day, caregiver_id=actor.caregiver_id)
        return page_response(request, await reads.visit_page(services, actor, filters, after=after, limit=limit))
