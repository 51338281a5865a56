"""Tip-off pages: the public form (no sign-in; phone first, Chinese by default), the bureau's
hotline entry, and the supervisor's list and a tip-off with its triage and reward forms."""

from __future__ import annotations

from litestar import Controller, MediaType, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action, Actor
from ltc.domain.errors import TooManyAttempts
from ltc.domain.money import format_yuan, parse_yuan
from ltc.services.supervision import review, tip_offs
from ltc.services.supervision.tip_offs import (
    CHANNELS,
    SELF_FILED,
    HotlineTipOffIn,
    RewardIn,
    TipOffIn,
    TipOffStatus,
    TriageIn,
)
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.i18n import gettext as _
from ltc.web.pages import page
from ltc.web.paging import After, Limit
from ltc.web.schemas import PathId
from ltc.web.security import allowed, client_of
from ltc.web.vocabulary import TIP_OFF_CHANNELS, TIP_OFF_STATUSES

WORDS = {"channels": TIP_OFF_CHANNELS, "statuses": TIP_OFF_STATUSES}


class PublicTipOffPages(Controller):
    """The citizen's form: anyone may file, a few times an hour from one connection."""

    include_in_schema = False

    @get("/tip-off")
    async def form(self) -> Template:
        return form_page("supervision/tip_off_public.html", FormState(), reference=None)

    @post("/tip-off")
    async def file(self, request: Request, services: Services) -> Template:
        state = await read_form(request)
        data = state.parse(TipOffIn)
        if data is None:
            return form_page("supervision/tip_off_public.html", state, reference=None)
        try:
            filed = await tip_offs.file_public(services, data, client_of(request).address)
        except TooManyAttempts as exc:
            state.refused(exc)
            return Template(
                template_name="supervision/tip_off_public.html",
                context={"form": state, "reference": None},
                status_code=429,
                media_type=MediaType.HTML,
                headers={"Retry-After": str(exc.retry_after)},
            )
        except FORM_REFUSALS as exc:
            return form_page("supervision/tip_off_public.html", state.refused(exc), reference=None)
        return form_page("supervision/tip_off_public.html", FormState(), reference=filed.reference)


class TipOffPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.READ_SUPERVISION)]

    @get("/tip-offs")
    async def list_tip_offs(
        self,
        actor: CurrentActor,
        services: Services,
        status: FromQuery[TipOffStatus | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        found = await tip_offs.tip_off_page(services, actor, status=status, after=after, limit=limit)
        return page(
            "supervision/tip_offs.html",
            tip_offs=found.items,
            page=found,
            status=status or "",
            may_record=actor.may(Action.RECORD_TIP_OFF),
            **WORDS,
        )

    @get("/tip-offs/new", guards=[allowed(Action.RECORD_TIP_OFF)])
    async def new(self) -> Template:
        return _hotline_page(FormState.of(channel="hotline"))

    @post("/tip-offs/new", guards=[allowed(Action.RECORD_TIP_OFF)])
    async def record(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        data = state.parse(HotlineTipOffIn)
        if data is None:
            return _hotline_page(state)
        try:
            filed = await tip_offs.record_tip_off(services, actor, data)
        except FORM_REFUSALS as exc:
            return _hotline_page(state.refused(exc))
        return Redirect(path=f"/tip-offs?recorded={filed.reference}")

    @get("/tip-offs/{tip_off_id:int}")
    async def detail(self, tip_off_id: PathId, actor: CurrentActor, services: Services) -> Template:
        return await _detail(services, actor, tip_off_id, FormState(), FormState())

    @post("/tip-offs/{tip_off_id:int}/triage", guards=[allowed(Action.RUN_INSPECTIONS)])
    async def triage(
        self, request: Request, tip_off_id: PathId, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        state.values = {k: v for k, v in state.values.items() if v != ""}  # empty choices are no choice
        data = state.parse(TriageIn)
        if data is None:
            return await _detail(services, actor, tip_off_id, state, FormState())
        try:
            await tip_offs.triage(services, actor, tip_off_id, data)
        except FORM_REFUSALS as exc:
            return await _detail(services, actor, tip_off_id, state.refused(exc), FormState())
        return Redirect(path=f"/tip-offs/{tip_off_id}")

    @post("/tip-offs/{tip_off_id:int}/reward", guards=[allowed(Action.RECORD_TIP_OFF)])
    async def reward(
        self, request: Request, tip_off_id: PathId, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        try:
            amount = parse_yuan(str(state.value("amount")))
            await tip_offs.record_reward(
                services, actor, tip_off_id, RewardIn(amount_fen=max(amount, 0), note=str(state.value("note")))
            )
        except FORM_REFUSALS as exc:
            return await _detail(services, actor, tip_off_id, FormState(), state.refused(exc))
        except ValueError:  # pydantic's refusal of the amount or note
            state.refuse("amount", _("Enter a reward above nothing and a note."))
            return await _detail(services, actor, tip_off_id, FormState(), state)
        return Redirect(path=f"/tip-offs/{tip_off_id}")


def _hotline_page(state: FormState) -> Template:
    return form_page(
        "supervision/tip_off_new.html",
        state,
        channel_options=[(c, _(TIP_OFF_CHANNELS[c])) for c in CHANNELS if c not in SELF_FILED],
    )


async def _detail(services: Services, actor: Actor, tip_off_id: int, triage: FormState, reward: FormState) -> Template:
    tip_off = await tip_offs.get_tip_off(services, actor, tip_off_id)
    may_triage = actor.may(Action.RUN_INSPECTIONS) and tip_off.status == "new"
    state = triage if triage.has_errors else reward
    return form_page(
        "supervision/tip_off.html",
        state,
        t=tip_off,
        triage=triage,
        reward=reward,
        may_triage=may_triage,
        may_reward=actor.may(Action.RECORD_TIP_OFF) and tip_off.inspection_id is not None,
        providers=await review.provider_choices(actor) if may_triage else [],
        cases=await tip_offs.open_cases(actor) if may_triage else [],
        actions=[
            ("open_case", _("Open a case")),
            ("join", _("Join an open case")),
            ("close", _("Close with a reason")),
        ],
        yuan=format_yuan,
        **WORDS,
    )
