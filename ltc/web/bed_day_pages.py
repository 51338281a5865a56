"""The flagged bed-days page: census days a hospital stay or a death contradicts. The agency
explains a day, the bureau accepts it (it is settled) or refuses it (it never is)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.domain.access import Action, Actor
from ltc.services.supervision import bed_days
from ltc.services.supervision.bed_days import FlagExplanationIn, FlagResolutionIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.i18n import gettext as _
from ltc.web.security import allowed

MAY_WORK_FLAGS = allowed(Action.EXPLAIN_EXCEPTION, Action.RESOLVE_EXCEPTION)


class ExplainForm(BaseModel):
    flag_id: int = Field(ge=1)
    explanation: str = Field(min_length=1, max_length=2000)


class ResolveForm(BaseModel):
    flag_id: int = Field(ge=1)
    resolution: str = Field(pattern="^(accepted|refused)$")
    note: str = Field(default="", max_length=2000)


class BedDayPages(Controller):
    include_in_schema = False
    guards = [MAY_WORK_FLAGS]

    async def _page(self, actor: Actor, state: FormState, done: bool = False) -> Template:
        flags = await bed_days.list_flags(actor)
        pending = [f for f in flags if f.status in ("open", "explained")]
        return form_page(
            "supervision/bed_day_flags.html",
            state,
            flags=flags,
            pending=[(f.id, f"{f.day.isoformat()} · {_(f.code)}") for f in pending],
            may_explain=actor.may(Action.EXPLAIN_EXCEPTION),
            may_resolve=actor.may(Action.RESOLVE_EXCEPTION),
            resolutions=[
                ("accepted", _("Accept: the day is settled")),
                ("refused", _("Refuse: the day is not settled")),
            ],
            done=done,
        )

    @get("/bed-day-flags")
    async def flags_page(self, actor: CurrentActor, done: FromQuery[bool] = False) -> Template:
        return await self._page(actor, FormState.of(flag_id="", explanation="", resolution="", note=""), done)

    @post("/bed-day-flags/explain", guards=[allowed(Action.EXPLAIN_EXCEPTION)])
    async def explain(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(ExplainForm)
        if form is None:
            return await self._page(actor, state)
        try:
            await bed_days.explain_flag(services, actor, form.flag_id, FlagExplanationIn(explanation=form.explanation))
        except FORM_REFUSALS as error:
            return await self._page(actor, state.refused(error))
        return Redirect(path="/bed-day-flags?done=true")

    @post("/bed-day-flags/resolve", guards=[allowed(Action.RESOLVE_EXCEPTION)])
    async def resolve(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(ResolveForm)
        if form is None:
            return await self._page(actor, state)
        data = FlagResolutionIn(resolution="accepted" if form.resolution == "accepted" else "refused", note=form.note)
        try:
            await bed_days.resolve_flag(services, actor, form.flag_id, data)
        except FORM_REFUSALS as error:
            return await self._page(actor, state.refused(error))
        return Redirect(path="/bed-day-flags?done=true")
