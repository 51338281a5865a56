"""The agency's roster on the coordinator's phone: a caregiver's absences (marking one absent,
which opens the re-planning job's page; cancelling one), the roster of the next seven days,
and every user's inbox of notices."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action, Actor, Role
from ltc.domain.periods import require_day_in_range
from ltc.domain.roster import ABSENCE_REASONS
from ltc.services import absences, caregivers, notices
from ltc.services.absences import AbsenceIn
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.desk_forms import refused
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.i18n import gettext as _
from ltc.web.notice_words import notice_text
from ltc.web.pages import page
from ltc.web.paging import After, Limit, next_page_url, page_request
from ltc.web.security import allowed, roles, signed_in
from ltc.web.vocabulary import WEEKDAYS

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def _local_input(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime(LOCAL_MINUTE)


def _absence_of(state: FormState, zone: tzinfo) -> AbsenceIn | None:
    """The form's absence, its local times in the city's zone; messages beside the fields."""
    values = {"reason": state.value("reason"), "note": state.value("note")}
    for name in ("from", "to"):
        try:
            moment = datetime.fromisoformat(str(state.value(name)))
        except ValueError:
            state.refuse(name, _("Enter a date and a time."))
            continue
        values[name] = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()
    if state.has_errors:
        return None
    parsed = FormState(values=values)
    data = parsed.parse(AbsenceIn)
    if data is None:
        state.errors.update(
            {("from" if k == "starts_at" else "to" if k == "ends_at" else k): v for k, v in parsed.errors.items()}
        )
        state.general.extend(parsed.general)
        state.status = parsed.status
    return data


class RosterPages(Controller):
    include_in_schema = False

    # ---------------------------------------------------------------- absences

    async def _absences_page(
        self,
        request: Request,
        services: ServiceContext,
        actor: Actor,
        caregiver_id: int,
        state: FormState | None = None,
        limit: int = DEFAULT_LIMIT,
        after: str | None = None,
    ) -> Template:
        caregiver = await caregivers.get_caregiver(services, actor, caregiver_id)
        zone = services.settings.zone
        now = services.clock.now().astimezone(zone)
        if state is None:
            tomorrow = datetime.combine(now.date() + timedelta(days=1), time(0), zone)
            state = FormState.of(
                **{"from": _local_input(now.replace(minute=0, second=0, microsecond=0), zone)},
                to=_local_input(tomorrow, zone),
                reason="sick",
                note="",
            )
        listed = await absences.absences_page(services, actor, caregiver_id, page_request(limit, after, 2))
        return form_page(
            "agency/absences.html",
            state,
            caregiver=caregiver,
            absences=listed,
            now=services.clock.now(),
            local=lambda moment: moment.astimezone(zone),
            reasons=[(code, _(code)) for code in ABSENCE_REASONS],
            next_url=next_page_url(request, listed),
        )

    @get("/caregivers/{caregiver_id:int}/absences", guards=[roles(Role.AGENCY), allowed(Action.MANAGE_CAREGIVERS)])
    async def absences(
        self,
        request: Request,
        caregiver_id: FromPath[int],
        actor: CurrentActor,
        services: Services,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        return await self._absences_page(request, services, actor, caregiver_id, limit=limit, after=after)

    @post("/caregivers/{caregiver_id:int}/absences", guards=[roles(Role.AGENCY), allowed(Action.MANAGE_CAREGIVERS)])
    async def mark_absent(
        self, request: Request, caregiver_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        data = _absence_of(state, services.settings.zone)
        if data is None:
            return await self._absences_page(request, services, actor, caregiver_id, state)
        try:
            recorded = await absences.record_absence(services, actor, caregiver_id, data)
        except FORM_REFUSALS as exc:
            return await self._absences_page(request, services, actor, caregiver_id, refused(state, exc))
        return Redirect(path=f"/jobs/{recorded.job_id}?then=/caregivers/{caregiver_id}/absences")

    @post(
        "/caregivers/{caregiver_id:int}/absences/{absence_id:int}/cancel",
        guards=[roles(Role.AGENCY), allowed(Action.MANAGE_CAREGIVERS)],
    )
    async def cancel_absence(
        self, caregiver_id: FromPath[int], absence_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Redirect:
        await absences.cancel_absence(services, actor, caregiver_id, absence_id)
        return Redirect(path=f"/caregivers/{caregiver_id}/absences?cancelled=1")

    # ---------------------------------------------------------------- the roster

    @get("/roster", guards=[roles(Role.AGENCY), allowed(Action.MANAGE_CAREGIVERS)])
    async def roster(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        day: Annotated[date | None, QueryParameter(name="date")] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        today = local_today(services.clock, services.settings.zone)
        first = day or today
        require_day_in_range(first, "date")
        days, rows = await absences.roster_week(services, actor, first, page_request(limit, after, 1))
        return page(
            "agency/roster.html",
            days=days,
            rows=rows,
            today=today,
            weekdays=WEEKDAYS,
            earlier=(first - timedelta(days=7)).isoformat(),
            later=(first + timedelta(days=7)).isoformat(),
            next_url=next_page_url(request, rows),
        )

    # ---------------------------------------------------------------- the inbox

    @get("/inbox", guards=[signed_in])
    async def inbox(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        listed = await notices.inbox(actor, page_request(limit, after, 2))
        zone = services.settings.zone
        return page(
            "inbox.html",
            notices=listed,
            texts={n.id: notice_text(n, zone) for n in listed},
            local=lambda moment: moment.astimezone(zone),
            unread=await notices.unread_count(actor),
            next_url=next_page_url(request, listed),
        )

    @post("/inbox/{notice_id:int}/read", guards=[signed_in])
    async def read(self, notice_id: FromPath[int], actor: CurrentActor, services: Services) -> Redirect:
        notice = await notices.mark_read(actor, notice_id, services.clock.now())
        return Redirect(path=notice.link or "/inbox")

    @post("/inbox/read-all", guards=[signed_in])
    async def read_all(self, actor: CurrentActor, services: Services) -> Redirect:
        await notices.mark_all_read(actor, services.clock.now())
        return Redirect(path="/inbox")
