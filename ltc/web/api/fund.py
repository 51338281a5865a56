"""The fund's planning (API.md "Settlements and the fund"): the year's budget against actual,
advance payments to providers, and approved settlements due for payment."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter

from ltc.domain.access import Action
from ltc.services.clock import local_today
from ltc.services.supervision import advances, budget, fund_analysis, payment_deadlines, what_if
from ltc.services.supervision.advances import AdvanceIn, AdvanceOut
from ltc.services.supervision.budget import BudgetIn, BudgetRowOut, BudgetYear
from ltc.services.supervision.fund_analysis import QUARTER_PATTERN, FundAnalysis
from ltc.services.supervision.payment_deadlines import PaymentDue
from ltc.services.supervision.what_if import WhatIfDraftOut, WhatIfIn, WhatIfResult
from ltc.web import fund_exports
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.language import export_language
from ltc.web.schemas import JobAccepted, PathId
from ltc.web.security import allowed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Span = Annotated[
    str,
    QueryParameter(
        pattern=f"^(\\d{{4}}-(0[1-9]|1[0-2])|{QUARTER_PATTERN[1:-1]})$",
        description="a month YYYY-MM or a quarter YYYY-Qn",
    ),
]
Year = Annotated[int | None, QueryParameter(ge=2000, le=2100, description="the budget's year (default: this year)")]


class FundPlanningController(Controller):
    path = "/api/v1/fund"
    tags = ["settlements"]

    @get(
        "/budget", guards=[allowed(Action.READ_FUND)], summary="The year's budget by month and care mode against actual"
    )
    async def budget_year(self, actor: CurrentActor, services: Services, year: Year = None) -> BudgetYear:
        year = year or local_today(services.clock, services.settings.zone).year
        return await budget.budget_year(services, actor, year)

    @post(
        "/budget",
        status_code=200,
        guards=[allowed(Action.MANAGE_BUDGET)],
        summary="Enter or replace a month's budget for a care mode (预算)",
    )
    async def set_budget(self, data: JSONBody[BudgetIn], actor: CurrentActor, services: Services) -> BudgetRowOut:
        return await budget.set_budget(services, actor, data)

    @get("/advances", guards=[allowed(Action.READ_FUND)], summary="Advance payments to providers (预拨)")
    async def list_advances(self, actor: CurrentActor) -> list[AdvanceOut]:
        return await advances.list_advances(actor)

    @post(
        "/advances",
        status_code=201,
        guards=[allowed(Action.MANAGE_BUDGET)],
        summary="Pay a provider its advance for this month (policy advance_months × its monthly average)",
    )
    async def pay_advance(self, data: JSONBody[AdvanceIn], actor: CurrentActor, services: Services) -> AdvanceOut:
        return await advances.pay_advance(services, actor, data)

    @get(
        "/payments-due",
        guards=[allowed(Action.PAY_SETTLEMENTS)],
        summary="Approved settlements due soon or overdue for payment (policy payment_deadline_days)",
    )
    async def payments_due(self, actor: CurrentActor, services: Services) -> list[PaymentDue]:
        return await payment_deadlines.list_payments_due(services, actor)


class FundAnalysisController(Controller):
    path = "/api/v1/fund"
    tags = ["settlements"]
    guards = [allowed(Action.READ_FUND)]

    @get("/analysis", summary="The month's analysis or the quarter's report by town, level, care mode and provider")
    async def analysis(self, actor: CurrentActor, services: Services, span: Span) -> FundAnalysis:
        return await fund_analysis.analyse(services, actor, span)

    @get(
        "/analysis.xlsx",
        media_type=XLSX,
        summary="The analysis as an Excel workbook, in the language of the language cookie, else of Accept-Language",
    )
    async def analysis_xlsx(
        self, request: Request, actor: CurrentActor, services: Services, span: Span
    ) -> Response[bytes]:
        analysis = await fund_analysis.analyse(services, actor, span)
        with export_language(request):
            content = fund_exports.workbook(analysis)
        name = f"fund-analysis-{analysis.span}.xlsx"
        return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


class WhatIfView(WhatIfDraftOut):
    result: WhatIfResult | None  # the last run's figures, once it is done


class WhatIfController(Controller):
    path = "/api/v1/fund/what-if"
    tags = ["settlements"]
    guards = [allowed(Action.RUN_WHAT_IF)]

    @get("", summary="The what-if drafts of the policy, newest first")
    async def list_drafts(self, actor: CurrentActor) -> list[WhatIfDraftOut]:
        return await what_if.list_drafts(actor)

    @post("", status_code=201, summary="Store a draft policy version: what it changes from the policy in force")
    async def create_draft(self, data: JSONBody[WhatIfIn], actor: CurrentActor, services: Services) -> WhatIfDraftOut:
        return await what_if.create_draft(services, actor, data)

    @get("/{draft_id:int}", summary="A draft and its last run's figures beside the policy in force")
    async def get_draft(self, draft_id: PathId, actor: CurrentActor) -> WhatIfView:
        draft = await what_if.get_draft(actor, draft_id)
        return WhatIfView(**draft.model_dump(), result=await what_if.last_result(actor, draft))

    @post(
        "/{draft_id:int}/run",
        status_code=202,
        summary="Re-price the last twelve settled months under the draft (a job)",
    )
    async def run_draft(self, draft_id: PathId, actor: CurrentActor, services: Services) -> JobAccepted:
        return JobAccepted(job_id=await what_if.run_draft(services, actor, draft_id))
