"""The annual evaluation's pages (年度考核): the provider's self-evaluation (自查自评) on its
phone or desk, the bureau's scoring of the same indicators with the derived ones beside them,
and the year's final account (决算) of the quality reserve. Each page shows only the forms its
reader may use, and none once the year's final account is booked."""

from __future__ import annotations

from decimal import Decimal

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel, ConfigDict, Field

from ltc.db.tables import Provider
from ltc.domain.access import Action, Actor
from ltc.domain.money import format_yuan
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.supervision import evaluation, final_account
from ltc.services.supervision.evaluation import EvaluationOut, IndicatorScoreIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.i18n import gettext as _
from ltc.web.schemas import PathId
from ltc.web.security import allowed
from ltc.web.vocabulary import EVALUATION_GRADES, EVALUATION_INDICATORS, FINAL_ACCOUNT_STATES, N_

READ_EVALUATION = allowed(Action.SELF_EVALUATE, Action.SCORE_EVALUATION, Action.READ_SUPERVISION)
OTHER_INDICATOR = N_("Another indicator")


class ScoreForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    indicator: str = Field(min_length=1, max_length=32)
    score: int = Field(ge=0, le=100)
    note: str = Field(default="", max_length=2000)


def _share(value: Decimal | None) -> str:
    return "" if value is None else f"{(value * 100).normalize():f}%"


def last_year(services: ServiceContext) -> int:
    """The year an evaluation is usually about: the one that has just ended."""
    return local_today(services.clock, services.settings.zone).year - 1


def _years(services: ServiceContext) -> list[int]:
    this_year = local_today(services.clock, services.settings.zone).year
    return list(range(this_year, this_year - 6, -1))


class EvaluationPages(Controller):
    include_in_schema = False

    async def _page(
        self, services: Services, actor: Actor, provider_id: int, year: int, state: FormState, saved: bool = False
    ) -> Template:
        found: EvaluationOut = await evaluation.get_evaluation(services, actor, provider_id, year)
        open_year = found.by_indicators and not found.closed
        may_self = open_year and actor.may(Action.SELF_EVALUATE)
        may_score = open_year and actor.may(Action.SCORE_EVALUATION)
        return form_page(
            "evaluation/year.html",
            state,
            e=found,
            years=_years(services),
            may_self=may_self,
            may_score=may_score,
            saved=saved,
            indicator_words=EVALUATION_INDICATORS,
            grade_words=EVALUATION_GRADES,
            scored_options=[(i.indicator, _(EVALUATION_INDICATORS.get(i.indicator, OTHER_INDICATOR))) for i in found.indicators if not i.derived],
        )  # fmt: skip

    @get("/evaluations", guards=[READ_EVALUATION])
    async def start(
        self, actor: CurrentActor, services: Services, year: FromQuery[int | None] = None
    ) -> Template | Redirect:
        """An agency goes to its own year; the bureau picks a provider."""
        year = year if year is not None and 2000 <= year <= 2100 else last_year(services)
        if actor.provider_id is not None:
            return Redirect(path=f"/evaluations/{actor.provider_id}/{year}")
        rows = await Provider.select(Provider.id, Provider.code, Provider.name).order_by(Provider.code)
        return Template(template_name="evaluation/providers.html", context={"providers": rows, "year": year, "years": _years(services)})  # fmt: skip

    @get("/evaluations/{provider_id:int}/{year:int}", guards=[READ_EVALUATION])
    async def year_page(
        self,
        provider_id: PathId,
        year: PathId,
        actor: CurrentActor,
        services: Services,
        saved: FromQuery[bool] = False,
    ) -> Template:
        return await self._page(
            services, actor, provider_id, year, FormState.of(indicator="", score="", note=""), saved
        )

    async def _save(
        self, request: Request, actor: Actor, services: ServiceContext, provider_id: int, year: int, *, by_bureau: bool
    ) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(ScoreForm)
        if form is None:
            return await self._page(services, actor, provider_id, year, state)
        data = IndicatorScoreIn(indicator=form.indicator, score=form.score, note=form.note)
        try:
            if by_bureau:
                await evaluation.score_indicator(services, actor, provider_id, year, data)
            else:
                await evaluation.self_evaluate(services, actor, provider_id, year, data)
        except FORM_REFUSALS as error:
            return await self._page(services, actor, provider_id, year, state.refused(error))
        return Redirect(path=f"/evaluations/{provider_id}/{year}?saved=true")

    @post("/evaluations/{provider_id:int}/{year:int}/self", guards=[allowed(Action.SELF_EVALUATE)])
    async def self_evaluate(
        self, request: Request, provider_id: PathId, year: PathId, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        return await self._save(request, actor, services, provider_id, year, by_bureau=False)

    @post("/evaluations/{provider_id:int}/{year:int}/score", guards=[allowed(Action.SCORE_EVALUATION)])
    async def score(
        self, request: Request, provider_id: PathId, year: PathId, actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        return await self._save(request, actor, services, provider_id, year, by_bureau=True)


class FinalAccountPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.MANAGE_BUDGET)]

    async def _page(
        self, services: Services, actor: Actor, year: int, state: FormState, booked: int | None = None
    ) -> Template:
        account = await final_account.year_account(services, actor, year)
        return form_page(
            "evaluation/final_account.html",
            state,
            account=account,
            years=_years(services),
            booked=booked,
            ready=any(p.state == "ready" for p in account.providers),
            yuan=format_yuan,
            share=_share,
            grade_words=EVALUATION_GRADES,
            state_words=FINAL_ACCOUNT_STATES,
        )  # fmt: skip

    @get("/final-accounts")
    async def account_page(
        self,
        actor: CurrentActor,
        services: Services,
        year: FromQuery[int | None] = None,
        booked: FromQuery[int | None] = None,
    ) -> Template:
        year = (
            year
            if year is not None and 2000 <= year <= local_today(services.clock, services.settings.zone).year
            else last_year(services)
        )
        return await self._page(services, actor, year, FormState.of(), booked)  # fmt: skip

    @post("/final-accounts/{year:int}")
    async def book(self, year: PathId, actor: CurrentActor, services: Services) -> Template | Redirect:
        try:
            done = await final_account.run_final_account(services, actor, year)
        except FORM_REFUSALS as error:
            return await self._page(services, actor, year, FormState.of().refused(error))
        return Redirect(path=f"/final-accounts?year={year}&booked={done.booked_now}")
