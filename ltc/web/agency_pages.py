"""The care agency's desk, on the coordinator's phone or at the desk: its people and their care
plans (created from the level, adjusted within the policy's bounds shown beside the fields,
confirmed by the family, every version side by side), its caregivers (added, edited,
deactivated after a confirmation), the institution's daily census, and the visit slots no
caregiver could take. Every form keeps what was typed and says what is wrong beside it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action, Actor, Role
from ltc.domain.errors import DomainError, InvalidInput, NotFound
from ltc.domain.periods import require_day_in_range
from ltc.services import care_plans, census, providers
from ltc.services.care_plans import CarePlanChanges, CarePlanOut, Slot
from ltc.services.clock import local_today
from ltc.services.providers import QUALIFICATIONS, CaregiverChanges, CaregiverIn
from ltc.services.reference import instrument_catalog, policy_book, service_catalogue
from ltc.services.visits import reads
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.errors import status_for
from ltc.web.forms import FORM_REFUSALS, FormState, error_message, form_page, read_form
from ltc.web.i18n import current_language
from ltc.web.i18n import gettext as _
from ltc.web.pages import actions_of, page
from ltc.web.paging import After, Limit, next_page_url, page_request
from ltc.web.security import allowed, roles
from ltc.web.vocabulary import AGENCY_ERROR_MESSAGES, CENSUS_STATUSES, UNSCHEDULED_REASONS, WEEKDAYS

AGENCY = roles(Role.AGENCY)
BLANK_SLOT_ROWS = 2  # empty rows under a plan's slots, to add visits


# --------------------------------------------------------------------------- helpers


def _message(item: Mapping[str, Any], fallback: DomainError) -> str:
    """A rule's refusal of one field in the page's language, with the rule's own figures."""
    words = AGENCY_ERROR_MESSAGES.get(str(item.get("code", "")))
    if words is None:
        return error_message(fallback)
    try:
        return _(words).format(**{k: v for k, v in item.items() if isinstance(v, int | str)})
    except (KeyError, IndexError, ValueError):
        return _(words)


# Refusals that name no field but concern one only.
FIELD_OF_CODE = {
    "position_outside_china": "lat",
    "coordinates_out_of_range": "lat",
    "day_in_future": "day",
    "reason_required": "reason",
    "confirmed_by_required": "confirmed_by",
}


def refused(state: FormState, error: DomainError, fields: Mapping[str, str] | None = None) -> FormState:
    """The form with each of a rule's refusals beside the field it names (``fields`` maps the
    service's field names to the form's), the rest above the form."""
    fields = fields or {}
    placed = False
    own = FIELD_OF_CODE.get(error.code)
    if own and not any(isinstance(i, Mapping) and "field" in i for i in error.errors):
        state.errors.setdefault(own, _message({"code": error.code}, error))
        placed = True
    for item in error.errors:
        if not isinstance(item, Mapping) or "field" not in item:
            continue
        name = fields.get(str(item["field"]), str(item["field"]))
        state.errors.setdefault(name, _message(item, error))
        placed = True
    if not placed:
        words = AGENCY_ERROR_MESSAGES.get(error.code)
        state.general.append(_(words) if words else error_message(error))
    state.status = status_for(error)
    return state


def _item_choices(services: Services) -> list[dict[str, Any]]:
    english = current_language() == "en"
    return [
        {"code": i.code, "name": i.name_en if english else i.name, "clinical": i.clinical}
        for i in service_catalogue(services.settings)
    ]


def _level_labels(services: Services) -> dict[int, str]:
    """The level labels of the instrument the policy in force assesses with, in the page's language."""
    policy = policy_book(services.settings).in_force(local_today(services.clock, services.settings.zone))
    instrument = instrument_catalog(services.settings).get(policy.assessment_instrument)
    english = current_language() == "en"
    return {
        int(lv.level): lv.label_en if english else lv.label for lv in instrument.levels if isinstance(lv.level, int)
    }


def _item_names(services: Services, codes: Iterable[str]) -> list[str]:
    catalogue = service_catalogue(services.settings)
    english = current_language() == "en"
    names = []
    for code in codes:
        item = catalogue.get(code)
        names.append((item.name_en if english else item.name) if item else code)
    return names


@dataclass(frozen=True)
class SlotRow:
    weekday: str
    start: str


def _slot_rows(state: FormState) -> list[SlotRow]:
    weekdays, starts = state.values_of("slot_weekday"), state.values_of("slot_start")
    rows = [SlotRow(w, s) for w, s in zip(weekdays, starts, strict=False)]
    return rows + [SlotRow("", "")] * BLANK_SLOT_ROWS


def _slots_typed(state: FormState) -> list[Slot] | None:
    """The slots as typed (rows without a weekday or a time are left out), or None with the
    message beside the slots when one is not a weekday and a time."""
    slots = []
    for weekday, start in zip(state.values_of("slot_weekday"), state.values_of("slot_start"), strict=False):
        if not weekday.strip() or not start.strip():
            continue
        try:
            slots.append(Slot(weekday=int(weekday), start=start.strip()[:5]))
        except ValueError:
            state.refuse("slots", _("Each visit needs a weekday and a time (HH:MM)."))
            return None
    return slots


def _plan_form(plan: CarePlanOut) -> FormState:
    return FormState(
        values={
            "monthly_hours": str(plan.monthly_hours),
            "items": list(plan.items),
            "slot_weekday": [str(s.weekday) for s in plan.slots],
            "slot_start": [s.start for s in plan.slots],
            "reason": "",
        }
    )


def _own_provider(actor: Actor) -> int:
    if not actor.provider_scope:
        raise NotFound("no provider", code="provider_not_found")
    return actor.provider_scope


# --------------------------------------------------------------------------- the pages


class AgencyPages(Controller):
    include_in_schema = False
    guards = [AGENCY]

    # ---------------------------------------------------------------- care plans

    @get("/care-plans", guards=[allowed(Action.WRITE_CARE_PLAN)])
    async def plans(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        plan_state: Annotated[str | None, QueryParameter(name="state", max_length=32)] = None,
        care_mode: Annotated[str | None, QueryParameter(max_length=16)] = None,
        q: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        state = plan_state if plan_state in care_plans.ROSTER_STATES else None
        care_mode = care_mode if care_mode in ("home", "institutional") else None
        roster = await care_plans.roster(
            services,
            actor,
            state=state,
            care_mode=care_mode,
            name=(q or "").strip() or None,
            page=page_request(limit, after, 1),
        )
        return page(
            "agency/plans.html",
            roster=roster,
            filters={"state": state or "", "care_mode": care_mode or "", "q": q or ""},
            states=care_plans.ROSTER_STATES,
            next_url=next_page_url(request, roster),
            level_labels=_level_labels(services),
        )

    async def _new_plan_page(self, services: Services, actor: Actor, person_id: int, state: FormState) -> Template:
        person = await care_plans.on_roster(services, actor, person_id)
        bounds = await care_plans.entitlement(services, person.level or 0, person.care_mode) if person.level else None
        return form_page(
            "agency/plan_new.html",
            state,
            person=person,
            bounds=bounds,
            catalogue=_item_choices(services),
            level_labels=_level_labels(services),
        )

    @get("/care-plans/new", guards=[allowed(Action.WRITE_CARE_PLAN)])
    async def new_plan(
        self,
        actor: CurrentActor,
        services: Services,
        person_id: Annotated[int, QueryParameter(ge=1, le=2**31 - 1)],
    ) -> Template | Redirect:
        person = await care_plans.on_roster(services, actor, person_id)
        if person.plan_id is not None:
            return Redirect(path=f"/care-plans/{person.plan_id}")
        return await self._new_plan_page(services, actor, person_id, FormState.of(person_id=person_id, items=[]))

    @post("/care-plans/new", guards=[allowed(Action.WRITE_CARE_PLAN)])
    async def create_plan(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        try:
            person_id = int(state.value("person_id"))
        except ValueError:
            raise NotFound("没有该人员", code="person_not_found") from None
        items = state.values_of("items") if state.value("items", None) is not None else []
        if not items:
            state.refuse("items", _("Choose at least one service item."))
            return await self._new_plan_page(services, actor, person_id, state)
        try:
            plan = await care_plans.create_plan(services, actor, person_id, items)
        except FORM_REFUSALS as exc:
            return await self._new_plan_page(services, actor, person_id, refused(state, exc))
        return Redirect(path=f"/care-plans/{plan.id}")

    async def _plan_page(self, services: Services, actor: Actor, plan_id: int, state: FormState | None) -> Template:
        plan = await care_plans.get_plan(services, actor, plan_id)
        versions = await care_plans.plans_of_person(services, actor, plan.person_id)
        current = next((v for v in versions if v.current), versions[-1])
        form = state if state is not None else _plan_form(current)
        person = await care_plans.on_roster(services, actor, plan.person_id)
        return form_page(
            "agency/plan.html",
            form,
            person=person,
            plan=plan,
            current=current,
            versions=versions,
            changes=care_plans.changes_between(versions),
            bounds=await care_plans.bounds_of(services, current),
            catalogue=_item_choices(services),
            item_names={v.id: _item_names(services, v.items) for v in versions},
            slot_rows=_slot_rows(form),
            weekdays=WEEKDAYS,
            level_labels=_level_labels(services),
            **actions_of(actor),
        )

    @get("/care-plans/{plan_id:int}", guards=[allowed(Action.WRITE_CARE_PLAN)])
    async def plan(self, plan_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        return await self._plan_page(services, actor, plan_id, None)

    @post("/care-plans/{plan_id:int}/adjust", guards=[allowed(Action.WRITE_CARE_PLAN)])
    async def adjust(
        self, plan_id: FromPath[int], request: Request, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        state.values.setdefault("items", [])
        plan = await care_plans.get_plan(services, actor, plan_id)
        changes: dict[str, Any] = {"reason": str(state.value("reason")).strip()}
        hours = str(state.value("monthly_hours")).strip()
        if plan.care_mode == "home" and hours != str(plan.monthly_hours):
            if not hours.isdigit():
                state.refuse("monthly_hours", _("Please enter a whole number."))
            else:
                changes["monthly_hours"] = int(hours)
        items = state.values_of("items") if state.value("items") else []
        if set(items) != set(plan.items):
            changes["items"] = items
        slots = _slots_typed(state) if plan.care_mode == "home" else []
        if (
            slots is not None
            and plan.care_mode == "home"
            and {(s.weekday, s.start) for s in slots} != {(s.weekday, s.start) for s in plan.slots}
        ):
            changes["slots"] = slots
        if not changes["reason"]:
            state.refuse("reason", _("Say why the plan changes."))
        if len(changes) == 1 and not state.has_errors:
            state.general.append(_("Nothing was changed."))
            state.status = 422
        if state.has_errors:
            return await self._plan_page(services, actor, plan_id, state)
        try:
            data = CarePlanChanges.model_validate(changes)
        except ValueError:
            state.refuse("monthly_hours", _("Please enter a whole number."))
            return await self._plan_page(services, actor, plan_id, state)
        try:
            adjusted = await care_plans.adjust(services, actor, plan_id, data)
        except FORM_REFUSALS as exc:
            return await self._plan_page(services, actor, plan_id, refused(state, exc))
        return Redirect(path=f"/care-plans/{adjusted.id}")

    @post("/care-plans/{plan_id:int}/confirm", guards=[allowed(Action.WRITE_CARE_PLAN)])
    async def confirm(
        self, plan_id: FromPath[int], request: Request, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        posted = await read_form(request)
        who = str(posted.value("confirmed_by")).strip()
        plan = await care_plans.get_plan(services, actor, plan_id)
        state = _plan_form(plan)
        state.values["confirmed_by"] = who
        if not who:
            state.refuse("confirmed_by", _("Name the person or family member who confirmed."))
            return await self._plan_page(services, actor, plan_id, state)
        try:
            await care_plans.confirm(services, actor, plan_id, who)
        except FORM_REFUSALS as exc:
            return await self._plan_page(services, actor, plan_id, refused(state, exc))
        return Redirect(path=f"/care-plans/{plan_id}")

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
        listed = await providers.caregivers_page(
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

    async def _caregiver_form(self, actor: Actor, state: FormState, caregiver_id: int | None = None) -> Template:
        caregiver = await providers.get_caregiver(actor, caregiver_id) if caregiver_id else None
        return form_page(
            "agency/caregiver.html",
            state,
            caregiver=caregiver,
            qualifications=QUALIFICATIONS,
            planned_visits=0,
        )

    @get("/caregivers/new", guards=[allowed(Action.MANAGE_CAREGIVERS)])
    async def new_caregiver(self, actor: CurrentActor) -> Template:
        provider = await providers.get_provider(actor, _own_provider(actor))
        state = FormState.of(name="", qualification="", weekly_hours="40", lat=provider.lat, lon=provider.lon)
        return await self._caregiver_form(actor, state)

    @post("/caregivers/new", guards=[allowed(Action.MANAGE_CAREGIVERS)])
    async def add_caregiver(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        data = state.parse(CaregiverIn)
        if data is None:
            return await self._caregiver_form(actor, state)
        try:
            added = await providers.add_caregiver(services, actor, _own_provider(actor), data)
        except FORM_REFUSALS as exc:
            return await self._caregiver_form(actor, refused(state, exc))
        return Redirect(path=f"/caregivers/{added.id}?saved=1")

    async def _caregiver_page(
        self, services: Services, actor: Actor, caregiver_id: int, state: FormState | None = None, **extra: Any
    ) -> Template:
        caregiver = await providers.get_caregiver(actor, caregiver_id)
        form = state or FormState.of(
            name=caregiver.name,
            qualification=caregiver.qualification,
            weekly_hours=caregiver.weekly_hours,
            lat=caregiver.lat,
            lon=caregiver.lon,
            reason="",
        )
        return form_page(
            "agency/caregiver.html",
            form,
            caregiver=caregiver,
            qualifications=QUALIFICATIONS,
            planned_visits=await providers.planned_visits_ahead(services, caregiver_id),
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
        data = state.parse(CaregiverChanges)
        if data is None:
            return await self._caregiver_page(services, actor, caregiver_id, state)
        try:
            await providers.update_caregiver(services, actor, caregiver_id, data)
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
            await providers.update_caregiver(
                services,
                actor,
                caregiver_id,
                CaregiverChanges(active=active, reason=str(state.value("reason"))[:2000]),
            )
        except FORM_REFUSALS as exc:
            caregiver = await providers.get_caregiver(actor, caregiver_id)
            form = FormState.of(
                name=caregiver.name,
                qualification=caregiver.qualification,
                weekly_hours=caregiver.weekly_hours,
                lat=caregiver.lat,
                lon=caregiver.lon,
                reason=state.value("reason"),
            )
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
        entries = [
            census.CensusEntryIn(person_id=int(key.removeprefix("status_")), status=str(value))
            for key, value in state.values.items()
            if key.startswith("status_") and key.removeprefix("status_").isdigit() and value
        ]
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
