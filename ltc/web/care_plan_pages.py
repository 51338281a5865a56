"""Care plans at the agency's desk: the agency's people needing or holding a plan, a plan
created from the level, adjusted within the policy's bounds (shown beside the fields; a
refusal beside its field, what was typed kept), the family's confirmation, and every version
side by side."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from pydantic import ValidationError

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action, Actor, Role
from ltc.domain.errors import NotFound
from ltc.services import care_plans
from ltc.services.care_plans import CarePlanChanges, CarePlanOut, Slot
from ltc.services.clock import local_today
from ltc.services.inputs import MAX_ID
from ltc.services.reference import instrument_catalog, policy_book, service_catalogue
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.desk_forms import refused
from ltc.web.forms import FORM_REFUSALS, FormState, _validation_message, form_page, read_form
from ltc.web.i18n import current_language
from ltc.web.i18n import gettext as _
from ltc.web.pages import actions_of, page
from ltc.web.paging import After, Limit, next_page_url, page_request
from ltc.web.security import allowed, roles
from ltc.web.vocabulary import PLAN_FIELDS, ROSTER_STATES, WEEKDAYS

AGENCY = roles(Role.AGENCY)
BLANK_SLOT_ROWS = 2  # empty rows under a plan's slots, to add visits


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
    window: str  # minutes; blank: the policy's window


def _windows_of(state: FormState, rows: int) -> list[str]:
    """The typed windows, one per row (a form from before windows sends none)."""
    windows = state.values_of("slot_window")
    return [*windows, *[""] * (rows - len(windows))][:rows]


def _slot_rows(state: FormState) -> list[SlotRow]:
    weekdays, starts = state.values_of("slot_weekday"), state.values_of("slot_start")
    windows = _windows_of(state, len(weekdays))
    rows = [SlotRow(w, s, m) for w, s, m in zip(weekdays, starts, windows, strict=False)]
    return rows + [SlotRow("", "", "")] * BLANK_SLOT_ROWS


def _slots_typed(state: FormState) -> list[Slot] | None:
    """The slots as typed (rows without a weekday or a time are left out), or None with the
    message beside the slots when one is not a weekday and a time, or its window not minutes."""
    slots = []
    weekdays, starts = state.values_of("slot_weekday"), state.values_of("slot_start")
    windows = _windows_of(state, len(weekdays))
    for weekday, start, window in zip(weekdays, starts, windows, strict=False):
        if not weekday.strip() or not start.strip():
            continue
        if window.strip() and not window.strip().isdigit():
            state.refuse("slots", _("A visit's window is a whole number of minutes from 0 to 240."))
            return None
        try:
            slots.append(
                Slot(
                    weekday=int(weekday),
                    start=start.strip()[:5],
                    window_minutes=int(window) if window.strip() else None,
                )
            )
        except ValueError as exc:
            windows_wrong = "window_minutes" in str(exc)
            state.refuse(
                "slots",
                _("A visit's window is a whole number of minutes from 0 to 240.")
                if windows_wrong
                else _("Each visit needs a weekday and a time (HH:MM)."),
            )
            return None
    return slots


def _slot_set(slots: Iterable[Slot]) -> set[tuple[int, str, int | None]]:
    return {(s.weekday, s.start, s.window_minutes) for s in slots}


def _plan_form(plan: CarePlanOut) -> FormState:
    return FormState(
        values={
            "monthly_hours": str(plan.monthly_hours),
            "items": list(plan.items),
            "slot_weekday": [str(s.weekday) for s in plan.slots],
            "slot_start": [s.start for s in plan.slots],
            "slot_window": ["" if s.window_minutes is None else str(s.window_minutes) for s in plan.slots],
            "reason": "",
        }
    )


# --------------------------------------------------------------------------- the pages


class CarePlanPages(Controller):
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
            states=ROSTER_STATES,
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
            person_id = 0
        if not 1 <= person_id <= MAX_ID:
            raise NotFound("没有该人员", code="person_not_found")
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
            plan_fields=PLAN_FIELDS,
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
        if slots is not None and plan.care_mode == "home" and _slot_set(slots) != _slot_set(plan.slots):
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
        except ValidationError as exc:
            for error in exc.errors():  # beside the field the rule is about
                name = str(error["loc"][0]) if error.get("loc") else "reason"
                state.refuse(
                    name if name in ("monthly_hours", "items", "slots") else "reason", _validation_message(error)
                )
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
