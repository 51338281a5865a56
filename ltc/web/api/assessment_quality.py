"""Assessment quality for the fund supervisor: flagged assessments, the assessors' severe
rates tested against their peers, and spot re-assessments (抽查复评)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from ltc.domain.access import Action
from ltc.services.supervision import assessment_quality
from ltc.services.supervision.assessment_quality import QualityReport, SpotCheckOut, SpotDrawIn, SpotResultIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import PathId
from ltc.web.security import allowed, signed_in


class AssessmentQualityController(Controller):
    path = "/api/v1"
    tags = ["supervision"]
    guards = [signed_in]

    @get(
        "/assessment-quality",
        guards=[allowed(Action.READ_SUPERVISION)],
        summary="Flagged assessments, assessors tested against their peers (p-values), spot re-assessments",
    )
    async def report(self, actor: CurrentActor, services: Services) -> QualityReport:
        return await assessment_quality.quality_report(services, actor)

    @post(
        "/spot-checks/draw",
        status_code=201,
        guards=[allowed(Action.REVIEW_SAMPLES)],
        summary="Draw the policy's share of active conclusions for spot re-assessment, from a seed kept with them",
    )
    async def draw(self, data: JSONBody[SpotDrawIn], actor: CurrentActor, services: Services) -> list[SpotCheckOut]:
        return await assessment_quality.draw_spot_checks(services, actor, data)

    @post(
        "/spot-checks/{spot_id:int}/result",
        status_code=200,
        guards=[allowed(Action.REVIEW_SAMPLES)],
        summary="The spot team's level, compared with the conclusion's",
    )
    async def result(
        self, spot_id: PathId, data: JSONBody[SpotResultIn], actor: CurrentActor, services: Services
    ) -> SpotCheckOut:
        return await assessment_quality.record_spot_result(services, actor, spot_id, data)
