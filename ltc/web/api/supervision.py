"""Fund supervision (API.md "Supervision"): the review sample, risk scores and tip-offs."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action
from ltc.services.settlements.values import PERIOD_PATTERN
from ltc.services.supervision import review, tip_offs
from ltc.services.supervision.review import DecisionIn, SampleDetail, SampleOut, SampleStatus
from ltc.services.supervision.risk import RiskOut, caregiver_risk, provider_risk
from ltc.services.supervision.tip_offs import (
    HotlineTipOffIn,
    RewardIn,
    TipOffFiled,
    TipOffIn,
    TipOffOut,
    TipOffStatus,
    TriageIn,
)
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.errors import TOO_MANY_ATTEMPTS_RESPONSE
from ltc.web.paging import LINK_HEADER, After, Limit, page_response
from ltc.web.schemas import PathId, QueryId
from ltc.web.security import allowed, client_of, signed_in

Month = Annotated[str | None, QueryParameter(pattern=PERIOD_PATTERN, description="the month, YYYY-MM")]


class ReviewSamplesController(Controller):
    path = "/api/v1/review-samples"
    tags = ["supervision"]
    guards = [signed_in, allowed(Action.READ_SUPERVISION)]

    @get("/", summary="The review sample's lines of a month and a provider, in pages", response_headers=LINK_HEADER)
    async def list_samples(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        period: Month = None,
        provider_id: QueryId = None,
        settlement_id: QueryId = None,
        status: Annotated[
            SampleStatus | None, QueryParameter(description="pending, confirmed, adjusted, refused")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[SampleOut]]:
        page = await review.sample_page(
            services,
            actor,
            period=period,
            provider_id=provider_id,
            settlement_id=settlement_id,
            status=status,
            after=after,
            limit=limit,
        )
        return page_response(request, page)

    @get("/{sample_id:int}", summary="One sampled line with its visits, flags and why it was drawn")
    async def one(self, sample_id: PathId, actor: CurrentActor, services: Services) -> SampleDetail:
        return await review.get_sample(services, actor, sample_id)

    @post(
        "/{sample_id:int}/decision",
        status_code=200,
        guards=[allowed(Action.REVIEW_SAMPLES)],
        summary="Confirm, adjust (an amount) or refuse a sampled line before its settlement is approved",
        description="Refusals: amount_required, amount_above_line, note_required (422); review_closed (409)"
        " once the settlement is approved.",
    )
    async def decide(
        self, sample_id: PathId, data: JSONBody[DecisionIn], actor: CurrentActor, services: Services
    ) -> SampleDetail:
        return await review.decide(services, actor, sample_id, data)


class RiskController(Controller):
    path = "/api/v1"
    tags = ["supervision"]
    guards = [signed_in, allowed(Action.READ_SUPERVISION)]

    @get("/providers/{provider_id:int}/risk", summary="A provider's risk in a month, indicator by indicator")
    async def provider(
        self, provider_id: PathId, actor: CurrentActor, services: Services, period: Month = None
    ) -> RiskOut:
        return await provider_risk(services, actor, provider_id, period)

    @get("/caregivers/{caregiver_id:int}/risk", summary="A caregiver's risk in a month, indicator by indicator")
    async def caregiver(
        self, caregiver_id: PathId, actor: CurrentActor, services: Services, period: Month = None
    ) -> RiskOut:
        return await caregiver_risk(services, actor, caregiver_id, period)


class TipOffsController(Controller):
    path = "/api/v1/tip-offs"
    tags = ["supervision"]

    @post(
        "/",
        status_code=201,
        summary="File a tip-off without signing in; the answer's reference is what to quote",
        description="Limited per client address: past the limit, 429 too_many_tip_offs with Retry-After.",
        responses={429: TOO_MANY_ATTEMPTS_RESPONSE},
    )
    async def file(self, request: Request, data: JSONBody[TipOffIn], services: Services) -> TipOffFiled:
        return await tip_offs.file_public(services, data, client_of(request).address)

    @post(
        "/hotline",
        status_code=201,
        guards=[signed_in, allowed(Action.RECORD_TIP_OFF)],
        summary="Record a tip-off taken on the bureau's hotline or from a social supervisor",
    )
    async def hotline(self, data: JSONBody[HotlineTipOffIn], actor: CurrentActor, services: Services) -> TipOffFiled:
        return await tip_offs.record_tip_off(services, actor, data)

    @get(
        "/",
        guards=[signed_in, allowed(Action.READ_SUPERVISION)],
        summary="The tip-offs, newest first, in pages",
        response_headers=LINK_HEADER,
    )
    async def list_tip_offs(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        status: Annotated[TipOffStatus | None, QueryParameter(description="new, case_opened, joined, closed")] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[TipOffOut]]:
        return page_response(
            request, await tip_offs.tip_off_page(services, actor, status=status, after=after, limit=limit)
        )

    @get("/{tip_off_id:int}", guards=[signed_in, allowed(Action.READ_SUPERVISION)], summary="One tip-off")
    async def one(self, tip_off_id: PathId, actor: CurrentActor, services: Services) -> TipOffOut:
        return await tip_offs.get_tip_off(services, actor, tip_off_id)

    @post(
        "/{tip_off_id:int}/triage",
        status_code=200,
        guards=[signed_in, allowed(Action.RUN_INSPECTIONS)],
        summary="Open a case from a tip-off, join it to an open case, or close it with a reason",
    )
    async def triage(
        self, tip_off_id: PathId, data: JSONBody[TriageIn], actor: CurrentActor, services: Services
    ) -> TipOffOut:
        return await tip_offs.triage(services, actor, tip_off_id, data)

    @post(
        "/{tip_off_id:int}/reward",
        status_code=200,
        guards=[signed_in, allowed(Action.RECORD_TIP_OFF)],
        summary="Record the reward for a tip-off that led to a finding",
    )
    async def reward(
        self, tip_off_id: PathId, data: JSONBody[RewardIn], actor: CurrentActor, services: Services
    ) -> TipOffOut:
        return await tip_offs.record_reward(services, actor, tip_off_id, data)
