"""Pages of the assessment process: the assessor's tablet (assigned applications and the
on-site form) and the bureau's queue, notices, objections and conclusions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action, Actor
from ltc.domain.periods import require_day_in_range
from ltc.services.assessment import applications, assessments, conclusions, views
from ltc.services.assessment.evidence import EvidenceOut
from ltc.services.assessment.values import ApplicationFilters, AssessmentIn, AssessmentOut, DraftIn, DraftOut
from ltc.web.api.assessments import submitted
from ltc.web.api.evidence import EvidenceForm, store_upload, stored_file
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.filters import town_choices
from ltc.web.forms import FORM_REFUSALS, FormState
from ltc.web.pages import page
from ltc.web.paging import After, Limit
from ltc.web.security import allowed, signed_in

MAY_ASSESS = allowed(Action.ASSESS)
MAY_ACCEPT = allowed(Action.ACCEPT_APPLICATION)
MAY_DECIDE = allowed(Action.DECIDE_ASSESSMENT)


class AcceptForm(BaseModel):
    assessor_ids: list[int] = Field(default_factory=list)


class PublishForm(BaseModel):
    published_on: date | None = None


class ObjectionForm(BaseModel):
    reason: str = Field(default="", max_length=2000)


async def desk_page(
    services: Services,
    actor: Actor,
    application_id: int,
    *,
    accept_form: FormState | None = None,
    objection_form: FormState | None = None,
    objection_for: int | None = None,
) -> Template:
    """The application as the bureau works on it; a refused form (the team to accept, the
    objection to an assessment ``objection_for``) is drawn again as it was sent, its refusal
    beside it."""
    desk = await views.application_desk(services, actor, application_id)
    refused = next((f for f in (accept_form, objection_form) if f is not None and f.has_errors), None)
    return page(
        "assessment/detail.html",
        refused.status if refused else 200,
        application=desk.application,
        assessments=desk.assessments,
        assessors=desk.assessors,
        evidence=desk.evidence,
        may_accept=desk.may_accept,
        may_decide=desk.may_decide,
        may_report=actor.may(Action.REPORT_PERSONAL_DATA),
        accept_form=accept_form or FormState(),
        objection_form=objection_form or FormState(),
        objection_for=objection_for,
        blank_form=FormState(),
    )


class AssessorPages(Controller):
    include_in_schema = False
    guards = [MAY_ASSESS]

    @get("/assess")
    async def assigned(self, actor: CurrentActor, services: Services) -> Template:
        rows = await applications.list_applications(services, actor)
        return page("assessment/assigned.html", applications=rows)

    @get("/assess/{application_id:int}")
    async def form(self, application_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        form = await views.assessment_form(services, actor, application_id)
        return page(
            "assessment/form.html",
            application=form.application,
            instrument=form.instrument,
            team=form.team,
            open_for_assessment=form.open_for_assessment,
            evidence=form.evidence,
        )

    @post("/assess/{application_id:int}/draft")
    async def save_draft(
        self, application_id: FromPath[int], data: JSONBody[DraftIn], actor: CurrentActor, services: Services
    ) -> DraftOut:
        return await assessments.save_draft(services, actor, application_id, data)

    @post("/assess/{application_id:int}/submit")
    async def submit(
        self, application_id: FromPath[int], data: JSONBody[AssessmentIn], actor: CurrentActor, services: Services
    ) -> Response[AssessmentOut]:
        submission = data.model_copy(update={"application_id": application_id})
        return submitted(await assessments.submit_assessment(services, actor, submission))


class EvidencePages(Controller):
    """The tablet uploads with its session (and CSRF header); viewers open files from pages."""

    include_in_schema = False

    @post("/assess/{application_id:int}/evidence", guards=[MAY_ASSESS])
    async def upload(
        self, application_id: FromPath[int], data: MultipartBody[EvidenceForm], actor: CurrentActor, services: Services
    ) -> Response[EvidenceOut]:
        return await store_upload(services, actor, application_id, data)

    @get("/evidence/{evidence_id:int}", guards=[signed_in])
    async def open_file(self, evidence_id: FromPath[int], actor: CurrentActor, services: Services) -> Response[bytes]:
        return await stored_file(services, actor, evidence_id)


class BureauAssessmentPages(Controller):
    include_in_schema = False

    @get("/applications", guards=[MAY_ACCEPT])
    async def queue(
        self,
        actor: CurrentActor,
        services: Services,
        status: Annotated[str | None, QueryParameter(max_length=16)] = None,
        town: Annotated[str | None, QueryParameter(max_length=12)] = None,
        applied_from: FromQuery[date | None] = None,
        applied_to: FromQuery[date | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        for day, name in ((applied_from, "applied_from"), (applied_to, "applied_to")):
            if day is not None:
                require_day_in_range(day, name)
        filters = ApplicationFilters(
            status=status or None, town=town or None, applied_from=applied_from, applied_to=applied_to
        )
        found = await applications.application_page(services, actor, filters, after=after, limit=limit)
        return page(
            "assessment/queue.html",
            applications=found.items,
            page=found,
            status=status or "",
            town=town or "",
            towns=town_choices(),
            applied_from=applied_from.isoformat() if applied_from else "",
            applied_to=applied_to.isoformat() if applied_to else "",
        )

    @get("/applications/{application_id:int}", guards=[MAY_ACCEPT])
    async def detail(self, application_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        return await desk_page(services, actor, application_id)

    @post("/applications/{application_id:int}/accept", guards=[MAY_ACCEPT])
    async def accept(
        self, application_id: FromPath[int], data: URLEncodedBody[AcceptForm], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        try:
            await applications.accept(services, actor, application_id, data.assessor_ids)
        except FORM_REFUSALS as error:  # the page again, the ticked assessors kept, the reason above them
            state = FormState(values={"assessor_ids": [str(i) for i in data.assessor_ids]}).refused(error)
            return await desk_page(services, actor, application_id, accept_form=state)
        return Redirect(path=f"/applications/{application_id}")

    @post("/assessments/{assessment_id:int}/publish", guards=[MAY_DECIDE])
    async def publish(
        self, assessment_id: FromPath[int], data: URLEncodedBody[PublishForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        result = await conclusions.publish(services, actor, assessment_id, data.published_on)
        return Redirect(path=f"/applications/{result.application_id}")

    @post("/assessments/{assessment_id:int}/objection", guards=[MAY_DECIDE])
    async def objection(
        self, assessment_id: FromPath[int], data: URLEncodedBody[ObjectionForm], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        try:
            result = await conclusions.object_to(services, actor, assessment_id, data.reason)
        except FORM_REFUSALS as error:  # the reason typed is kept, the refusal beside it
            application_id = (await assessments.get_assessment(services, actor, assessment_id)).application_id
            state = FormState(values={"reason": data.reason}).refused(error)
            return await desk_page(services, actor, application_id, objection_form=state, objection_for=assessment_id)
        return Redirect(path=f"/applications/{result.application_id}")

    @post("/assessments/{assessment_id:int}/finalize", guards=[MAY_DECIDE])
    async def finalize(self, assessment_id: FromPath[int], actor: CurrentActor, services: Services) -> Redirect:
        result = await conclusions.finalize(services, actor, assessment_id)
        return Redirect(path=f"/applications/{result.application_id}")

    @get("/conclusions", guards=[allowed(Action.READ_CONCLUSIONS)])
    async def list_conclusions(
        self,
        actor: CurrentActor,
        services: Services,
        status: Annotated[str, QueryParameter(max_length=16)] = "active",
        level: Annotated[int | None, QueryParameter(ge=0, le=5)] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Template:
        found = await conclusions.conclusion_page(services, actor, status=status, level=level, after=after, limit=limit)
        return page("assessment/conclusions.html", conclusions=found.items, page=found, status=status, level=level)
