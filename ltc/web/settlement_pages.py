"""Pages of the monthly settlement: the bureau's month by provider, a settlement with its
lines (down to the visits and their exceptions), the workflow forms, a printable statement,
and the fund dashboard; agencies see and submit their own. The buttons shown are those the
access table allows the signed-in role in the settlement's status."""

from __future__ import annotations

from typing import get_args

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.db.queries.settlements import case_figures, line_visits
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor
from ltc.domain.capital_numerals import capital_yuan
from ltc.domain.errors import NotFound
from ltc.domain.money import format_yuan
from ltc.domain.periods import Period
from ltc.services import ledger, providers
from ltc.services.clock import local_today
from ltc.services.data_subject import stamp_export
from ltc.services.district import district_summary
from ltc.services.settlements import workflow
from ltc.services.settlements.build import start_build
from ltc.services.settlements.exports import signatories
from ltc.services.settlements.values import (
    PERIOD_PATTERN,
    WORKFLOW_ACTIONS,
    BuildSettlementsParams,
    SettlementStatus,
)
from ltc.services.supervision.payment_deadlines import deadline_of
from ltc.services.supervision.review import review_status
from ltc.web.charts import bars
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.pages import page
from ltc.web.paging import After, Limit
from ltc.web.schemas import QueryId
from ltc.web.security import allowed
from ltc.web.vocabulary import FAMILY_CARE_HOLDS, FUND_WARNINGS, PAYMENT_STANDINGS, WORKFLOW_STEP_NAMES


class ActionForm(BaseModel):
    version: int
    reason: str = Field(default="", max_length=2000)


class MonthForm(BaseModel):
    period: str = Field(pattern=PERIOD_PATTERN)


def _this_month(services: Services) -> str:
    return str(Period.of(local_today(services.clock, services.settings.zone)))


class SettlementPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.READ_SETTLEMENTS)]

    @get("/settlements")
    async def month(
        self,
        actor: CurrentActor,
        services: Services,
        period: FromQuery[str | None] = None,
        provider_id: QueryId = None,
        status: FromQuery[SettlementStatus | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        chosen = str(Period.parse(period)) if period else _this_month(services)
        found = await workflow.settlement_page(
            services, actor, period=chosen, provider_id=provider_id, status=status, after=after, limit=limit
        )
        totals = await workflow.settlement_totals(
            services, actor, period=chosen, provider_id=provider_id, status=status
        )
        current = Period.parse(chosen)
        today = local_today(services.clock, services.settings.zone)
        choose_provider = actor.provider_scope is None
        return page(
            "settlements/month.html",
            period=chosen,
            previous=str(current.previous()),
            next=str(current.next()),
            settlements=found.items,
            page=found,
            totals=totals,
            yuan=format_yuan,
            status=status or "",
            statuses=get_args(SettlementStatus),
            choose_provider=choose_provider,
            provider_id=provider_id if choose_provider else None,
            providers=await providers.list_providers(actor) if choose_provider else [],
            may_build=actor.may(Action.BUILD_SETTLEMENTS) and current.first_day <= today,  # no future month
            running=not rules.month_ended(current, today),
            may_pay=actor.may(Action.PAY_SETTLEMENTS),
            may_read_fund=actor.may(Action.READ_FUND),
            deadlines={s.id: deadline_of(services, s.status, s.decided_at) for s in found.items},
            standings=PAYMENT_STANDINGS,
        )

    @post("/settlements/build", guards=[allowed(Action.BUILD_SETTLEMENTS)])
    async def build(self, data: URLEncodedBody[MonthForm], actor: CurrentActor, services: Services) -> Redirect:
        job_id = await start_build(services, actor, BuildSettlementsParams(period=data.period))
        return Redirect(path=f"/jobs/{job_id}?then=/settlements?period={data.period}")

    @post("/settlements/pay", guards=[allowed(Action.PAY_SETTLEMENTS)])
    async def pay(self, data: URLEncodedBody[MonthForm], actor: CurrentActor, services: Services) -> Redirect:
        job_id = await workflow.start_payment(services, actor, data.period)
        return Redirect(path=f"/jobs/{job_id}?then=/settlements?period={data.period}")

    @get("/settlements/{settlement_id:int}")
    async def detail(
        self,
        settlement_id: FromPath[int],
        actor: CurrentActor,
        services: Services,
        corrected: FromQuery[int | None] = None,
    ) -> Template:
        return await _detail_page(services, actor, settlement_id, FormState(), corrected=corrected)

    @get("/settlements/{settlement_id:int}/print")
    async def statement(self, settlement_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        settlement = await workflow.get_settlement(services, actor, settlement_id)
        stamp = await stamp_export(services, actor, entity="settlement", entity_id=settlement_id, file_format="print")
        return page(
            "settlements/print.html",
            s=settlement,
            yuan=format_yuan,
            capital=capital_yuan,
            signed=await signatories(services, actor, settlement),
            step_names=WORKFLOW_STEP_NAMES,
            printed_at=stamp.exported_at,
            stamp=stamp,
        )

    @post("/settlements/{settlement_id:int}/{action:str}")
    async def act(
        self,
        request: Request,
        settlement_id: FromPath[int],
        action: FromPath[str],
        actor: CurrentActor,
        services: Services,
    ) -> Redirect | Template:
        step = next((known for known in WORKFLOW_ACTIONS if known == action), None)
        if step is None:
            raise NotFound("没有该操作", code="unknown_action")
        state = await read_form(request)
        data = state.parse(ActionForm)
        if data is None:
            return await _detail_page(services, actor, settlement_id, state)
        try:
            await workflow.act(services, actor, settlement_id, step, seen_version=data.version, reason=data.reason)
        except FORM_REFUSALS as exc:
            return await _detail_page(services, actor, settlement_id, state.refused(exc))
        return Redirect(path=f"/settlements/{settlement_id}")


async def _detail_page(
    services: Services, actor: Actor, settlement_id: int, form: FormState, *, corrected: int | None = None
) -> Template:
    """A settlement with its lines and the steps the actor may take in its status; after a
    refused step, the same page with the reason typed kept and what was wrong."""
    settlement = await workflow.get_settlement(services, actor, settlement_id)
    ids = sorted({v for line in settlement.lines for v in [*line.visit_ids, *line.excluded_visit_ids]})
    ended = rules.month_ended(Period.parse(settlement.period), local_today(services.clock, services.settings.zone))
    sample = await review_status(services, settlement_id, settlement.period)
    actions = rules.available_actions(settlement.status, actor.role, ended=ended)
    return form_page(
        "settlements/detail.html",
        form,
        s=settlement,
        visits=await line_visits(ids),
        yuan=format_yuan,
        actions=[a for a in actions if not (a == "approve" and sample.waits)],  # approval waits for the review
        sample=sample,
        may_read_review=actor.may(Action.READ_SUPERVISION),
        preview=not ended,
        may_correct=actor.may(Action.CORRECT_SETTLEMENT) and settlement.status in rules.LOCKED_STATUSES,
        corrected=corrected,
        deadline=deadline_of(services, settlement.status, settlement.decided_at),
        standings=PAYMENT_STANDINGS,
        family_care_holds=FAMILY_CARE_HOLDS,
    )


class FundPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.READ_FUND)]

    @get("/fund")
    async def dashboard(self, actor: CurrentActor, services: Services) -> Template:
        fund = await ledger.fund_position(services, actor)
        spend = fund.spend_by_period
        months = sorted(spend)[-12:]
        balances = fund.balance_by_period
        balance_months = sorted(balances)[-12:]
        district = await district_summary()
        return page(
            "settlements/fund.html",
            fund=fund,
            chart=bars(months, [spend[m] for m in months]),
            balance_chart=bars(balance_months, [balances[m] for m in balance_months]),
            # months payable in tenths: the bars are whole numbers
            projection_chart=bars(
                [m.period for m in fund.projection],
                [round((m.months_payable or 0) * 10) for m in fund.projection],
            ),
            yuan=format_yuan,
            residents=district.residents,
            providers_by_kind=district.providers_by_kind,
            figures=await case_figures(),
            health=await ledger.fund_health(services, actor),
            fund_warnings=FUND_WARNINGS,
            may_contribute=actor.may(Action.RECORD_CONTRIBUTION),
        )
