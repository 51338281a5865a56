"""The annual evaluation by indicators (年度考核), follow-up calls (回访) and the year's final
account (决算) of the quality reserve."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, PathParameter

from ltc.domain.access import Action
from ltc.services.supervision import evaluation, final_account
from ltc.services.supervision.evaluation import EvaluationOut, FollowUpIn, FollowUpOut, IndicatorScoreIn
from ltc.services.supervision.final_account import FinalAccountOut
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import PathId
from ltc.web.security import allowed, signed_in

PathYear = Annotated[int, PathParameter(ge=2000, le=2100)]


class EvaluationsController(Controller):
    path = "/api/v1"
    tags = ["supervision"]
    guards = [signed_in]

    @get(
        "/providers/{provider_id:int}/evaluations/{year:int}",
        guards=[allowed(Action.SELF_EVALUATE, Action.SCORE_EVALUATION, Action.READ_SUPERVISION)],
        summary="A provider's annual evaluation by indicators: self-evaluation, the bureau's scores, score and grade",
    )
    async def get_evaluation(
        self, provider_id: PathId, year: PathYear, actor: CurrentActor, services: Services
    ) -> EvaluationOut:
        return await evaluation.get_evaluation(services, actor, provider_id, year)

    @post(
        "/providers/{provider_id:int}/evaluations/{year:int}/self",
        status_code=200,
        guards=[allowed(Action.SELF_EVALUATE)],
        summary="The provider's self-evaluation of one indicator, with a note",
    )
    async def self_evaluate(
        self,
        provider_id: PathId,
        year: PathYear,
        data: JSONBody[IndicatorScoreIn],
        actor: CurrentActor,
        services: Services,
    ) -> EvaluationOut:
        return await evaluation.self_evaluate(services, actor, provider_id, year, data)

    @post(
        "/providers/{provider_id:int}/evaluations/{year:int}/scores",
        status_code=200,
        guards=[allowed(Action.SCORE_EVALUATION)],
        summary="The bureau's score of one indicator",
    )
    async def score_indicator(
        self,
        provider_id: PathId,
        year: PathYear,
        data: JSONBody[IndicatorScoreIn],
        actor: CurrentActor,
        services: Services,
    ) -> EvaluationOut:
        return await evaluation.score_indicator(services, actor, provider_id, year, data)

    @post(
        "/providers/{provider_id:int}/follow-ups",
        status_code=201,
        guards=[allowed(Action.SCORE_EVALUATION)],
        summary="A follow-up call to a beneficiary about the provider's care, with the answer",
    )
    async def record_follow_up(
        self, provider_id: PathId, data: JSONBody[FollowUpIn], actor: CurrentActor, services: Services
    ) -> FollowUpOut:
        return await evaluation.record_follow_up(services, actor, provider_id, data)

    @get(
        "/final-accounts/{year:int}",
        guards=[allowed(Action.MANAGE_BUDGET)],
        summary="The year's final account of the quality reserve, provider by provider",
    )
    async def year_account(self, year: PathYear, actor: CurrentActor, services: Services) -> FinalAccountOut:
        return await final_account.year_account(services, actor, year)

    @post(
        "/final-accounts/{year:int}",
        status_code=200,
        guards=[allowed(Action.MANAGE_BUDGET)],
        summary="Book the year's final account for every provider that is ready (once each)",
    )
    async def run_final_account(self, year: PathYear, actor: CurrentActor, services: Services) -> FinalAccountOut:
        return await final_account.run_final_account(services, actor, year)
