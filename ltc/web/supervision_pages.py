"""Pages of fund supervision (desk, 1440×900): the dashboard, a provider's or caregiver's risk
explained indicator by indicator, the review queue and a sampled line with its decision form.
The decision form is shown only to a supervisor while the settlement is not approved."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action, Actor
from ltc.domain.money import format_yuan, parse_yuan
from ltc.domain.periods import Period
from ltc.services import towns
from ltc.services.clock import local_today
from ltc.services.supervision import review
from ltc.services.supervision.dashboard import overview
from ltc.services.supervision.review import REVIEWABLE, DecisionIn, Outcome, SampleStatus
from ltc.services.supervision.risk import caregiver_risk, provider_risk
from ltc.web.charts import bars
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.errors import status_for
from ltc.web.forms import FORM_REFUSALS, FormState, error_message, form_page, read_form
from ltc.web.i18n import gettext as _
from ltc.web.pages import page
from ltc.web.paging import After, Limit
from ltc.web.schemas import PathId, QueryId
from ltc.web.security import allowed
from ltc.web.vocabulary import REVIEW_DRAWN_FOR, REVIEW_STATUSES, RISK_INDICATORS


class DecisionForm(BaseModel):
    outcome: Outcome
    amount: str = Field(default="", max_length=20)  # yuan, as typed
    note: str = Field(default="", max_length=2000)


def _last_month(services: Services) -> Period:
    return Period.of(local_today(services.clock, services.settings.zone)).previous()


def _month(services: Services, period: str | None) -> Period:
    return Period.parse(period) if period else _last_month(services)


AMOUNT_REFUSALS = ("invalid_amount", "amount_required", "amount_above_line")
WORDS = {"indicators": RISK_INDICATORS, "drawn_for": REVIEW_DRAWN_FOR, "statuses": REVIEW_STATUSES}


class SupervisionPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.READ_SUPERVISION)]

    @get("/supervision")
    async def dashboard(
        self, actor: CurrentActor, services: Services, period: FromQuery[str | None] = None
    ) -> Template:
        month = _month(services, period)
        seen = await overview(services, actor, month)
        return page(
            "supervision/dashboard.html",
            o=seen,
            previous=str(month.previous()),
            next=str(month.next()),
            rate_chart=bars(seen.months, [round(rate * 1000) for rate in seen.exception_rates]),
            outlier_chart=bars(seen.months, seen.outliers),
            pending=await review.pending_count(actor) if actor.may(Action.REVIEW_SAMPLES) else None,
            rollout=await towns.rollout(services, actor) if actor.may(Action.READ_TOWNS) else None,
            yuan=format_yuan,
            **WORDS,
        )

    @get("/supervision/providers/{provider_id:int}")
    async def provider(
        self, provider_id: PathId, actor: CurrentActor, services: Services, period: FromQuery[str | None] = None
    ) -> Template:
        month = _month(services, period)
        scored = await provider_risk(services, actor, provider_id, str(month))
        return page("supervision/risk.html", r=scored, previous=str(month.previous()), next=str(month.next()), **WORDS)

    @get("/supervision/caregivers/{caregiver_id:int}")
    async def caregiver(
        self, caregiver_id: PathId, actor: CurrentActor, services: Services, period: FromQuery[str | None] = None
    ) -> Template:
        month = _month(services, period)
        scored = await caregiver_risk(services, actor, caregiver_id, str(month))
        return page("supervision/risk.html", r=scored, previous=str(month.previous()), next=str(month.next()), **WORDS)

    @get("/review-samples")
    async def queue(
        self,
        actor: CurrentActor,
        services: Services,
        period: FromQuery[str | None] = None,
        provider_id: QueryId = None,
        status: FromQuery[SampleStatus | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        chosen = str(Period.parse(period)) if period else ""
        found = await review.sample_page(
            services, actor, period=chosen or None, provider_id=provider_id, status=status, after=after, limit=limit
        )
        return page(
            "supervision/queue.html",
            samples=found.items,
            page=found,
            period=chosen,
            provider_id=provider_id,
            status=status or "",
            providers=await review.provider_choices(actor),
            yuan=format_yuan,
            **WORDS,
        )

    @get("/review-samples/{sample_id:int}")
    async def sample(self, sample_id: PathId, actor: CurrentActor, services: Services) -> Template:
        return await _sample_page(services, actor, sample_id, FormState())

    @post("/review-samples/{sample_id:int}/decision", guards=[allowed(Action.REVIEW_SAMPLES)])
    async def decide(
        self, request: Request, sample_id: PathId, actor: CurrentActor, services: Services
    ) -> Redirect | Template:
        state = await read_form(request)
        data = state.parse(DecisionForm)
        if data is None:
            return await _sample_page(services, actor, sample_id, state)
        try:
            amount = parse_yuan(data.amount) if data.outcome == "adjusted" and data.amount else None
            decision = DecisionIn(outcome=data.outcome, amount_fen=amount, note=data.note)
            await review.decide(services, actor, sample_id, decision)
        except FORM_REFUSALS as exc:
            if exc.code in AMOUNT_REFUSALS:  # the service names amount_fen; the form asks for yuan
                state = state.refuse("amount", error_message(exc), status_for(exc))
            else:
                state = state.refused(exc)
            return await _sample_page(services, actor, sample_id, state)
        return Redirect(path=f"/review-samples/{sample_id}")


async def _sample_page(services: Services, actor: Actor, sample_id: int, form: FormState) -> Template:
    """A sampled line with its visits and why it was drawn; the decision form while it may
    still change the settlement (after a refusal, with what was typed and what was wrong)."""
    sample = await review.get_sample(services, actor, sample_id)
    if not form.values:
        form = FormState.of(
            outcome=sample.status if sample.status != "pending" else "confirmed",
            amount=format_yuan(sample.amount_fen) if sample.amount_fen is not None else "",
            note=sample.note,
        )
    return form_page(
        "supervision/sample.html",
        form,
        s=sample,
        yuan=format_yuan,
        may_decide=actor.may(Action.REVIEW_SAMPLES) and sample.settlement_status in REVIEWABLE,
        outcomes=[(o, _(REVIEW_STATUSES[o])) for o in ("confirmed", "adjusted", "refused")],
        **WORDS,
    )
