"""The bureau's page of the fund's planning: the year's budget by month and care mode against
what was approved (预决算), advances paid to providers (预拨), and the approved settlements due
soon or overdue for payment. Everyone who reads the fund sees it; only the bureau's budget
officers (``MANAGE_BUDGET``) get the forms."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel, ConfigDict, Field

from ltc.db.tables import Provider
from ltc.domain.access import Action
from ltc.domain.money import format_yuan
from ltc.domain.periods import Period
from ltc.services.clock import local_today
from ltc.services.settlements.values import PERIOD_PATTERN
from ltc.services.supervision import advances, budget, fund_analysis, payment_deadlines
from ltc.services.supervision.advances import AdvanceIn
from ltc.services.supervision.budget import BudgetIn
from ltc.web import fund_exports
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.fund_pages import _yuan_to_fen
from ltc.web.pages import page
from ltc.web.security import allowed
from ltc.web.vocabulary import PAYMENT_STANDINGS


class BudgetForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    period: str = Field(pattern=PERIOD_PATTERN)
    care_mode: str = Field(pattern="^(home|institutional)$")
    amount: str = Field(min_length=1, max_length=30)


class AdvanceForm(BaseModel):
    provider_id: int = Field(ge=1)


class FundPlanningPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.READ_FUND)]

    async def _page(self, actor: CurrentActor, services: Services, state: FormState, year: int | None) -> Template:
        today = local_today(services.clock, services.settings.zone)
        year = year if year and 2000 <= year <= 2100 else today.year
        manages = actor.may(Action.MANAGE_BUDGET)
        named = await Provider.select(Provider.id, Provider.name).order_by(Provider.name) if manages else []
        providers = [(p["id"], p["name"]) for p in named]
        return form_page(
            "fund/budget.html",
            state,
            year=year,
            budget=await budget.budget_year(services, actor, year),
            advances=await advances.list_advances(actor),
            due=await payment_deadlines.list_payments_due(services, actor) if actor.may(Action.PAY_SETTLEMENTS) else [],
            standings=PAYMENT_STANDINGS,
            providers=providers,
            may_manage=manages,
            yuan=format_yuan,
        )

    @get("/fund/budget")
    async def budget_page(
        self, actor: CurrentActor, services: Services, year: FromQuery[int | None] = None
    ) -> Template:
        return await self._page(actor, services, FormState.of(), year)

    @post("/fund/budget", guards=[allowed(Action.MANAGE_BUDGET)])
    async def set_budget(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(BudgetForm)
        fen = _yuan_to_fen(state, "amount")
        if form is None or fen is None:
            return await self._page(actor, services, state, None)
        try:
            await budget.set_budget(
                services, actor, BudgetIn(period=form.period, care_mode=form.care_mode, amount_fen=fen)
            )
        except FORM_REFUSALS as error:
            return await self._page(actor, services, state.refused(error), None)
        return Redirect(f"/fund/budget?year={form.period[:4]}", status_code=303)

    @post("/fund/advances", guards=[allowed(Action.MANAGE_BUDGET)])
    async def pay_advance(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(AdvanceForm)
        if form is None:
            return await self._page(actor, services, state, None)
        try:
            await advances.pay_advance(services, actor, AdvanceIn(provider_id=form.provider_id))
        except FORM_REFUSALS as error:
            return await self._page(actor, services, state.refused(error), None)
        return Redirect("/fund/budget", status_code=303)

    async def _analysis(self, actor: CurrentActor, services: Services, span: str | None, template: str) -> Template:
        last_month = Period.of(local_today(services.clock, services.settings.zone)).previous()
        try:
            analysis = await fund_analysis.analyse(services, actor, span or str(last_month))
        except FORM_REFUSALS:  # a span that is not one shows last month's
            analysis = await fund_analysis.analyse(services, actor, str(last_month))
        quarter = f"{last_month.year}-Q{(last_month.month - 1) // 3 + 1}"
        return page(
            template,
            analysis=analysis,
            title=fund_exports.title(analysis),
            dimension_words=fund_exports.DIMENSION_WORDS,
            key_words=fund_exports.key_words,
            last_month=str(last_month),
            last_quarter=quarter,
            yuan=format_yuan,
        )

    @get("/fund/analysis")
    async def analysis(self, actor: CurrentActor, services: Services, span: FromQuery[str | None] = None) -> Template:
        return await self._analysis(actor, services, span, "fund/analysis.html")

    @get("/fund/analysis/print")
    async def analysis_print(
        self, actor: CurrentActor, services: Services, span: FromQuery[str | None] = None
    ) -> Template:
        return await self._analysis(actor, services, span, "fund/analysis_print.html")
