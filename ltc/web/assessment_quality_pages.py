"""The fund supervisor's page of assessment quality: flagged assessments, the assessors' test
results against their peers, and spot re-assessments to draw and to record."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.domain.access import Action, Actor
from ltc.services.supervision import assessment_quality
from ltc.services.supervision.assessment_quality import SpotDrawIn, SpotResultIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.security import allowed
from ltc.web.vocabulary import ASSESSMENT_FLAG_WORDS, SPOT_OUTCOME_WORDS


class SpotResultForm(BaseModel):
    spot_id: int = Field(ge=1)
    level: int = Field(ge=0, le=5)
    note: str = Field(default="", max_length=2000)


class AssessmentQualityPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.READ_SUPERVISION)]

    async def _page(self, services: Services, actor: Actor, state: FormState, drawn: bool = False) -> Template:
        report = await assessment_quality.quality_report(services, actor)
        return form_page(
            "supervision/assessment_quality.html",
            state,
            report=report,
            may_review=actor.may(Action.REVIEW_SAMPLES),
            waiting=[s for s in report.spot_checks if s.status == "drawn"],
            flag_words=ASSESSMENT_FLAG_WORDS,
            outcome_words=SPOT_OUTCOME_WORDS,
            drawn=drawn,
        )

    @get("/assessment-quality")
    async def quality(self, actor: CurrentActor, services: Services, drawn: FromQuery[bool] = False) -> Template:
        return await self._page(services, actor, FormState.of(spot_id="", level="", note=""), drawn)

    @post("/assessment-quality/draw", guards=[allowed(Action.REVIEW_SAMPLES)])
    async def draw(self, actor: CurrentActor, services: Services) -> Template | Redirect:
        try:
            await assessment_quality.draw_spot_checks(services, actor, SpotDrawIn())
        except FORM_REFUSALS as error:
            return await self._page(services, actor, FormState.of().refused(error))
        return Redirect(path="/assessment-quality?drawn=true")

    @post("/assessment-quality/result", guards=[allowed(Action.REVIEW_SAMPLES)])
    async def result(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(SpotResultForm)
        if form is None:
            return await self._page(services, actor, state)
        try:
            await assessment_quality.record_spot_result(
                services, actor, form.spot_id, SpotResultIn(level=form.level, note=form.note)
            )
        except FORM_REFUSALS as error:
            return await self._page(services, actor, state.refused(error))
        return Redirect(path="/assessment-quality#spot-checks")
