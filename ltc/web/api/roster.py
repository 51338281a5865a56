"""Caregivers' absences (recorded, which re-plans their visits; listed; cancelled) and each
signed-in user's inbox of notices."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, JSONBody

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action
from ltc.services import absences, notices
from ltc.services.absences import AbsenceIn, AbsenceOut, AbsenceRecorded
from ltc.services.notices import NoticeOut
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.paging import LINK_HEADER, After, Limit, page_request, page_response
from ltc.web.schemas import PathId
from ltc.web.security import allowed, signed_in


class AbsencesController(Controller):
    path = "/api/v1/caregivers/{caregiver_id:int}/absences"
    tags = ["providers"]
    guards = [signed_in, allowed(Action.MANAGE_CAREGIVERS)]

    @post(
        "/",
        status_code=201,
        summary="Record a caregiver's absence {from, to, reason}; a job re-plans their visits in it",
    )
    async def record(
        self, caregiver_id: PathId, data: JSONBody[AbsenceIn], actor: CurrentActor, services: Services
    ) -> AbsenceRecorded:
        return await absences.record_absence(services, actor, caregiver_id, data)

    @get("/", summary="A caregiver's absences, the latest first (paged)", response_headers=LINK_HEADER)
    async def list_absences(
        self,
        request: Request,
        caregiver_id: PathId,
        actor: CurrentActor,
        services: Services,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[AbsenceOut]]:
        page = await absences.absences_page(services, actor, caregiver_id, page_request(limit, after, 2))
        return page_response(request, page)

    @post("/{absence_id:int}/cancel", status_code=200, summary="Cancel an absence (moved visits stay moved)")
    async def cancel(
        self, caregiver_id: PathId, absence_id: PathId, actor: CurrentActor, services: Services
    ) -> AbsenceOut:
        return await absences.cancel_absence(services, actor, caregiver_id, absence_id)


class NoticesController(Controller):
    path = "/api/v1/notices"
    tags = ["notices"]
    guards = [signed_in]

    @get("/", summary="The signed-in user's notices, the newest first (paged)", response_headers=LINK_HEADER)
    async def inbox(
        self,
        request: Request,
        actor: CurrentActor,
        unread: FromQuery[bool] = False,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[NoticeOut]]:
        page = await notices.inbox(actor, page_request(limit, after, 2), unread_only=unread)
        return page_response(request, page)

    @post("/{notice_id:int}/read", status_code=200, summary="Mark one of the user's notices read")
    async def read(self, notice_id: PathId, actor: CurrentActor, services: Services) -> NoticeOut:
        return await notices.mark_read(actor, notice_id, services.clock.now())
