"""Remote benefits' pages (远郊模式): the bureau's page of the people no designated provider
reaches, with the grant form, and the open benefits with the end form; the town agent's month
of family-care households with the check form (a phone page)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field, field_validator

from ltc.domain.access import Action, Actor
from ltc.domain.periods import Period
from ltc.services import remote_benefits
from ltc.services.clock import local_today
from ltc.services.inputs import MAX_ID
from ltc.services.remote_benefits import CheckIn, EndIn, GrantIn
from ltc.services.settlements.values import PERIOD_PATTERN
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.formatting import town
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.i18n import gettext as _
from ltc.web.pages import actions_of
from ltc.web.security import allowed
from ltc.web.vocabulary import BENEFITS, CHECK_FINDINGS, CHECK_KINDS

MonthQuery = Annotated[str | None, QueryParameter(pattern=PERIOD_PATTERN)]


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


class GrantForm(BaseModel):
    person_id: int = Field(ge=1, le=MAX_ID)
    kind: Literal["family_care_allowance", "grouped_visits"]
    provider_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    from_day: date | None = None
    note: str = Field(default="", max_length=500)

    _blank = field_validator("provider_id", "from_day", mode="before")(_blank_is_none)


class EndForm(BaseModel):
    benefit_id: int = Field(ge=1, le=MAX_ID)
    to_day: date | None = None
    reason: str = Field(default="", max_length=500)

    _blank = field_validator("to_day", mode="before")(_blank_is_none)


class CheckForm(BaseModel):
    benefit_id: int = Field(ge=1, le=MAX_ID)
    period: str = Field(pattern=PERIOD_PATTERN)
    kind: Literal["visit", "call"]
    checked_on: date | None = None
    finding: Literal["ok", "not_at_home", "care_lacking", "died", "moved"]
    note: str = Field(default="", max_length=500)

    _blank = field_validator("checked_on", mode="before")(_blank_is_none)


def _this_month(services: Services) -> Period:
    return Period.of(local_today(services.clock, services.settings.zone))


class RemoteBenefitPages(Controller):
    include_in_schema = False

    async def _benefits_page(self, actor: Actor, grant: FormState, end: FormState, done: str = "") -> Template:
        uncovered = await remote_benefits.list_uncovered(actor) if actor.may(Action.GRANT_REMOTE_BENEFIT) else []
        benefits = await remote_benefits.list_benefits(actor)
        return form_page(
            "remote/benefits.html",
            grant,
            end_form=end,
            uncovered=uncovered,
            benefits=benefits,
            people=[(p.person_id, f"{p.person_name} · {town(p.town_code)}") for p in uncovered],
            kinds=[(code, _(BENEFITS[code])) for code in ("family_care_allowance", "grouped_visits")],
            providers=await remote_benefits.provider_choices(actor) if actor.may(Action.GRANT_REMOTE_BENEFIT) else [],
            open_benefits=[(b.id, f"{b.person_name} · {_(BENEFITS[b.kind])}") for b in benefits],
            benefit_words=BENEFITS,
            done=done,
            **actions_of(actor),
        )

    @get("/remote-benefits", guards=[allowed(Action.READ_REMOTE_BENEFITS)])
    async def benefits(self, actor: CurrentActor, done: FromQuery[Literal["granted", "ended", ""]] = "") -> Template:
        return await self._benefits_page(actor, FormState.of(kind="family_care_allowance"), FormState(), done)

    @post("/remote-benefits", guards=[allowed(Action.GRANT_REMOTE_BENEFIT)])
    async def grant(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(GrantForm)
        if form is None:
            return await self._benefits_page(actor, state, FormState())
        try:
            await remote_benefits.grant(services, actor, GrantIn(**form.model_dump()))
        except FORM_REFUSALS as error:
            return await self._benefits_page(actor, state.refused(error), FormState())
        return Redirect(path="/remote-benefits?done=granted")

    @post("/remote-benefits/end", guards=[allowed(Action.GRANT_REMOTE_BENEFIT)])
    async def end(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(EndForm)
        grant = FormState.of(kind="family_care_allowance")
        if form is None:
            return await self._benefits_page(actor, grant, state)
        try:
            await remote_benefits.end(services, actor, form.benefit_id, EndIn(to_day=form.to_day, note=form.reason))
        except FORM_REFUSALS as error:
            return await self._benefits_page(actor, grant, state.refused(error))
        return Redirect(path="/remote-benefits?done=ended")

    async def _checks_page(self, actor: Actor, period: Period, state: FormState, done: bool = False) -> Template:
        households = await remote_benefits.households(actor, period)
        context: dict[str, Any] = {
            "period": str(period),
            "households": households,
            "due": [(h.benefit.id, h.benefit.person_name) for h in households if h.check is None],
            "check_kinds": [(code, _(words)) for code, words in CHECK_KINDS.items()],
            "findings": [(code, _(words)) for code, words in CHECK_FINDINGS.items()],
            "finding_words": CHECK_FINDINGS,
            "check_kind_words": CHECK_KINDS,
            "done": done,
        }
        return form_page("remote/checks.html", state, **context, **actions_of(actor))

    @get("/remote-checks", guards=[allowed(Action.READ_REMOTE_BENEFITS)])
    async def checks(
        self, actor: CurrentActor, services: Services, period: MonthQuery = None, done: FromQuery[bool] = False
    ) -> Template:
        month = Period.parse(period) if period else _this_month(services)
        state = FormState.of(period=str(month), kind="visit", finding="ok")
        return await self._checks_page(actor, month, state, done)

    @post("/remote-checks", guards=[allowed(Action.RECORD_REMOTE_CHECK)])
    async def record_check(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(CheckForm)
        month = _this_month(services)
        if form is None:
            return await self._checks_page(actor, month, state)
        month = Period.parse(form.period)
        data = CheckIn(**form.model_dump(exclude={"benefit_id"}))
        try:
            await remote_benefits.record_check(services, actor, form.benefit_id, data)
        except FORM_REFUSALS as error:
            return await self._checks_page(actor, month, state.refused(error))
        return Redirect(path=f"/remote-checks?period={month}&done=true")
