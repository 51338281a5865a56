"""The care agency's desk, on the coordinator's phone or at the desk: its caregivers (added,
edited, deactivated after a confirmation, taken back), the institution's daily census, and the
visit slots no caregiver could take. Every form keeps what was typed and says what is wrong
beside it. The care plans have pages of their own (``care_plan_pages``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action, Actor, Role
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.periods import require_day_in_range
from ltc.services import caregivers, census, providers
from ltc.services.caregivers import QUALIFICATIONS, CaregiverAccountIn, CaregiverChanges, CaregiverIn
from ltc.services.clock import local_today
from ltc.services.supervision import credit
from ltc.services.visits import reads
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.desk_forms import caregiver_form, parse_registry, refused
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.i18n import gettext as _
from ltc.web.pages import page
from ltc.web.paging import After, Limit, next_page_url, page_request
from ltc.web.security import allowed, roles
from ltc.web.vocabulary import CENSUS_STATUSES, UNSCHEDULED_REASONS, WEEKDAYS

AGENCY = roles(Role.AGENCY)


def _own_provider(actor: Actor) -> int:
    if not actor.provider_scope:
        raise NotFound("no provider", code="provider_not_found")
    return actor.provider_scope


# --------------------------------------------------------------------------- the pages


class AgencyPages(Controller):
    include_in_schema = False
    guards = [AGENCY]

    # ---------------------------------------------------------------- caregivers

    @get("/caregivers", guards=[allowed(Action.MANAGE_CAREGIVERS)])
    async def caregivers(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        status: Annotated[str | None, QueryParameter(max_length=16)] = None,
        qualification: Annotated[str | None, QueryParameter(max_length=32)] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        active = {"active": True, "inactive": False}.get(status or "")
        qualification = qualification if qualification in QUALIFICATIONS else None
        listed = await caregivers.caregivers_page(
            actor,
            _own_provider(actor),
            active=active,
            qualification=qualification,
            page=page_request(limit, after, 1),
        )
        return page(
            "agency/caregivers.html",
            caregivers=listed,
            filters={"status": status or "", "qualification": qualification or ""},
            qualifications=QUALIFICATIONS,
            next_url=next_page_url(request, listed),
        )

    async def _caregiver_form(self, state: FormState) -> Template:
        return form_page(
            "agency/caregiver.html",
            state,
            caregiver=None,
            qualifications=QUALIFICATIONS,
            weekdays=WEEKDAYS,
            planned_visits=0,
        )

    @get("/caregivers/new", guards=[allowed(Action.MANAGE_CAREGIVERS)])
    async def new_caregiver(self, actor: CurrentActor) -> Template:
        provider = await providers.get_provider(actor, _own_provider(actor))
        state = FormState.of(
            name="",
            qualification="",
            weekly_hours="40",
            lat=provider.lat,
            lon=provider.lon,
            working_days=[str(d) for d in range(7)],
            work_start="08:00",
            work_end="18:00",
        )
        return await self._caregiver_form(state)

    @post("/caregivers/new", guards=[allowed(Action.MANAGE_CAREGIVERS)])
    async def add_caregiver(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        data = parse_registry(state, CaregiverIn)
        if data is None:
            return await self._caregiver_form(state)
        try:
            added = await caregivers.add_caregiver(services, actor, _own_provider(actor), data)
        except FORM_REFUSALS as exc:
            return await self._caregiver_form(refused(state, exc))
        return Redirect(path=f"/caregivers/{added.id}?saved=1")

    async def _caregiver_page(
        self, services: Services, actor: Actor, caregiver_id: int, state: FormState | None = None, **extra: Any
    ) -> Template:
        caregiver = await caregivers.get_caregiver(services, actor, caregiver_id)
        return form_page(
            "agency/caregiver.html",
            state or caregiver_form(caregiver),
            caregiver=caregiver,
            qualifications=QUALIFICATIONS,
            weekdays=WEEKDAYS,
            planned_visits=await caregivers.planned_visits_ahead(services, caregiver_id),
            credit=await credit.caregiver_credit(services, actor, caregiver_id)
            if actor.may(Action.READ_CREDIT)
            else None,
            **extra,
        )

    @get("/caregivers/{caregiver_id:int}", guards=[allowed(Action.MANAGE_CAREGIVERS)])
    async def caregiver(
        self, caregiver_id: FromPath[int], actor: CurrentActor, services: Services, saved: FromQuery[bool] = False
    ) -> Template:
        return await self._caregiver_page(services, actor, caregiver_id, saved=saved)

    @post("/caregivers/{caregiver_id:int}", guards=[allowed(Action.MANAGE_CAREGIVERS)])
    async def edit_caregiver(
        self, caregiver_id: FromPath[int], request: Request, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        data = parse_registry(state, CaregiverChanges)
        if data is None:
            return await self._caregiver_page(services, actor, caregiver_id, state)
        try:
            await caregivers.update_caregiver(services, actor, caregiver_id, data)
        except FORM_REFUSALS as exc:
            return await self._caregiver_page(services, actor, caregiver_id, refused(state, exc))
        return Redirect(path=f"/caregivers/{caregiver_id}?saved=1")

    @post("/caregivers/{caregiver_id:int}/active", guards=[allowed(Action.MANAGE_CAREGIVERS)])
    async def set_caregiver_active(
        self, caregiver_id: FromPath[int], request: Request, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        active = state.value("active") == "true"
        try:
            await caregivers.update_caregiver(
                services,
                actor,
                caregiver_id,
                CaregiverChanges(active=active, reason=str(state.value("reason"))[:2000]),
            )
        except FORM_REFUSALS as exc:
            caregiver = await caregivers.get_caregiver(services, actor, caregiver_id)
            form = caregiver_form(caregiver, reason=state.value("reason"))
            return await self._caregiver_page(services, actor, caregiver_id, refused(form, exc))
        return Redirect(path=f"/caregivers/{caregiver_id}?saved=1")

    @post("/caregivers/{caregiver_id:int}/account", guards=[allowed(Action.MANAGE_CAREGIVERS)])
    async def open_account(
        self, caregiver_id: FromPath[int], request: Request, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        caregiver = await caregivers.get_caregiver(services, actor, caregiver_id)
        form = caregiver_form(caregiver, username=state.value("username"))
        data = FormState(values=dict(state.values)).parse(CaregiverAccountIn)
        if data is None:
            form.errors.update({"username": _("Give the caregiver a username and a password.")})
            form.status = 422
            return await self._caregiver_page(services, actor, caregiver_id, form)
        try:
            await caregivers.open_account(services, actor, caregiver_id, data)
        except FORM_REFUSALS as exc:
            return await self._caregiver_page(services, actor, caregiver_id, refused(form, exc))
        return Redirect(path=f"/caregivers/{caregiver_id}?saved=1")

    # ---------------------------------------------------------------- census

    async def _census_page(
        self, services: Services, actor: Actor, day: date, state: FormState | None = None, saved: bool = False
    ) -> Template:
        today = local_today(services.clock, services.settings.zone)
        residents = await census.residents_on(services, actor, day)
        form = state or FormState(
            values={"day": day.isoformat()} | {f"status_{r.person_id}": r.status or "" for r in residents}
        )
        return form_page(
            "agency/census.html",
            form,
            day=day,
            today=today,
            residents=residents,
            statuses=CENSUS_STATUSES,
            recorded=await census.recorded_days(services, actor, today + timedelta(days=1)),
            saved=saved,
        )

    @get("/census", guards=[allowed(Action.RECORD_CENSUS)])
    async def census_day(
        self,
        actor: CurrentActor,
        services: Services,
        day: Annotated[date | None, QueryParameter(name="date")] = None,
        saved: FromQuery[bool] = False,
    ) -> Template:
        today = local_today(services.clock, services.settings.zone)
        chosen = day or today
        require_day_in_range(chosen, "date")
        return await self._census_page(services, actor, min(chosen, today), saved=saved)

    @post("/census", guards=[allowed(Action.RECORD_CENSUS)])
    async def record_census(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        today = local_today(services.clock, services.settings.zone)
        try:
            day = date.fromisoformat(str(state.value("day")))
            require_day_in_range(day, "day")
        except (ValueError, InvalidInput):
            state.refuse("day", _("Please enter a date (YYYY-MM-DD)."))
            return await self._census_page(services, actor, today, state)
        try:
            entries = [
                census.CensusEntryIn(person_id=int(key.removeprefix("status_")), status=str(value))
                for key, value in state.values.items()
                if key.startswith("status_") and key.removeprefix("status_").isdigit() and value
            ]
        except ValueError:  # a field no page of ours draws: an id out of range, a value too long
            state.refuse("entries", _("Tick where each resident was."))
            return await self._census_page(services, actor, min(day, today), state)
        if state.value("rest") == "present":  # everyone not ticked was there
            ticked = {e.person_id for e in entries}
            entries += [
                census.CensusEntryIn(person_id=r.person_id, status="present")
                for r in await census.residents_on(services, actor, day)
                if r.person_id not in ticked
            ]
        if not entries:
            state.refuse("entries", _("Tick where each resident was."))
            return await self._census_page(services, actor, min(day, today), state)
        try:
            await census.record_census(services, actor, day, entries)
        except FORM_REFUSALS as exc:
            return await self._census_page(services, actor, min(day, today), refused(state, exc))
        return Redirect(path=f"/census?date={day.isoformat()}&saved=1")

    # ---------------------------------------------------------------- unscheduled slots

    @get("/unscheduled", guards=[allowed(Action.READ_CARE_RECORDS)])
    async def unscheduled(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        reason: Annotated[str | None, QueryParameter(max_length=40)] = None,
        day_from: Annotated[date | None, QueryParameter(name="from")] = None,
        day_to: Annotated[date | None, QueryParameter(name="to")] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        reason = reason if reason in reads.UNSCHEDULED_REASONS else None
        for day, name in ((day_from, "from"), (day_to, "to")):
            if day is not None:
                require_day_in_range(day, name)
        slots = await reads.unscheduled_slots(
            services, actor, None, reason=reason, day_from=day_from, day_to=day_to, page=page_request(limit, after, 2)
        )
        zone = services.settings.zone

        def local(moment: datetime) -> datetime:
            return moment.astimezone(zone)

        return page(
            "agency/unscheduled.html",
            slots=slots,
            local=local,
            weekdays=WEEKDAYS,
            filters={
                "reason": reason or "",
                "from": day_from.isoformat() if day_from else "",
                "to": day_to.isoformat() if day_to else "",
            },
            reasons=UNSCHEDULED_REASONS,
            next_url=next_page_url(request, slots),
        )
