"""Pages of the assessment process: the assessor's tablet (assigned applications and the
on-site form) and the bureau's queue, notices, objections and conclusions."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.db.tables import AppUser
from ltc.domain.access import Role
from ltc.services import assessment_workflow as workflow
from ltc.services import evidence
from ltc.services.reference import instrument_catalog, policy_book
from ltc.web.api.assessment_schemas import (
    AssessmentIn,
    AssessmentOut,
    DraftIn,
    DraftOut,
)
from ltc.web.api.evidence import EvidenceForm, EvidenceOut, store_upload, stored_file
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.pages import page
from ltc.web.security import roles, signed_in

ASSESSORS = roles(Role.ASSESSOR, Role.EXPERT)
BUREAU = roles(Role.BUREAU, Role.ADMIN)


class AcceptForm(BaseModel):
    assessor_ids: list[int] = Field(default_factory=list)


class PublishForm(BaseModel):
    published_on: date | None = None


class ObjectionForm(BaseModel):
    reason: str = Field(default="", max_length=2000)


class AssessorPages(Controller):
    include_in_schema = False
    guards = [ASSESSORS]

    @get("/assess")
    async def assigned(self, actor: CurrentActor, services: Services) -> Template:
        rows = await workflow.list_applications(services, actor)
        return page("assessment/assigned.html", applications=rows)

    @get("/assess/{application_id:int}")
    async def form(self, application_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        application = await workflow.get_application(services, actor, application_id)
        policy = policy_book(services.settings).in_force(application["applied_on"])
        instrument = instrument_catalog(services.settings).get(policy.assessment_instrument)
        team = [t for t in application["team"] if t["round"] == application["round"]]
        return page(
            "assessment/form.html",
            application=application,
            instrument=instrument.describe(),
            team=team,
            open_for_assessment=application["status"] in ("accepted", "reassessing"),
            evidence=[
                e
                for e in await evidence.list_evidence(services, actor, application_id)
                if e["round"] == application["round"]
            ],
        )

    @post("/assess/{application_id:int}/draft")
    async def save_draft(
        self, application_id: FromPath[int], data: JSONBody[DraftIn], actor: CurrentActor, services: Services
    ) -> DraftOut:
        return DraftOut.model_validate(
            await workflow.save_draft(services, actor, application_id, data.answers, data.saved_at)
        )

    @post("/assess/{application_id:int}/submit")
    async def submit(
        self, application_id: FromPath[int], data: JSONBody[AssessmentIn], actor: CurrentActor, services: Services
    ) -> Response[AssessmentOut]:
        payload = data.model_dump(mode="python")
        payload["event_id"] = str(data.event_id) if data.event_id else None
        payload["application_id"] = application_id
        result, created = await workflow.submit_assessment(services, actor, payload)
        return Response(AssessmentOut.model_validate(result), status_code=201 if created else 200)


class EvidencePages(Controller):
    """The tablet uploads with its session (and CSRF header); viewers open files from pages."""

    include_in_schema = False

    @post("/assess/{application_id:int}/evidence", guards=[ASSESSORS])
    async def upload(
        self, application_id: FromPath[int], data: MultipartBody[EvidenceForm], actor: CurrentActor, services: Services
    ) -> Response[EvidenceOut]:
        return await store_upload(services, actor, application_id, data)

    @get("/evidence/{evidence_id:int}", guards=[signed_in])
    async def open_file(self, evidence_id: FromPath[int], actor: CurrentActor, services: Services) -> Response[bytes]:
        return await stored_file(services, actor, evidence_id)


async def _assessors() -> list[dict[str, Any]]:
    return (
        await AppUser.select(AppUser.id, AppUser.display_name, AppUser.username, AppUser.role, AppUser.provider)
        .where(AppUser.role.is_in(["assessor", "expert"]) & (AppUser.active == True))
        .order_by(AppUser.role, AppUser.username)
    )


class BureauAssessmentPages(Controller):
    include_in_schema = False
    guards = [BUREAU]

    @get("/applications")
    async def queue(self, actor: CurrentActor, services: Services, status: FromQuery[str | None] = None) -> Template:
        rows = await workflow.list_applications(services, actor, status=status or None)
        return page("assessment/queue.html", applications=rows, status=status or "")

    @get("/applications/{application_id:int}")
    async def detail(self, application_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        application = await workflow.get_application(services, actor, application_id)
        return page(
            "assessment/detail.html",
            application=application,
            assessors=await _assessors(),
            evidence=await evidence.list_evidence(services, actor, application_id),
        )

    @post("/applications/{application_id:int}/accept")
    async def accept(
        self, application_id: FromPath[int], data: URLEncodedBody[AcceptForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        await workflow.accept(services, actor, application_id, data.assessor_ids)
        return Redirect(path=f"/applications/{application_id}")

    @post("/assessments/{assessment_id:int}/publish")
    async def publish(
        self, assessment_id: FromPath[int], data: URLEncodedBody[PublishForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        result = await workflow.publish(services, actor, assessment_id, data.published_on)
        return Redirect(path=f"/applications/{result['application_id']}")

    @post("/assessments/{assessment_id:int}/objection")
    async def objection(
        self, assessment_id: FromPath[int], data: URLEncodedBody[ObjectionForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        result = await workflow.object_to(services, actor, assessment_id, data.reason)
        return Redirect(path=f"/applications/{result['application_id']}")

    @post("/assessments/{assessment_id:int}/finalize")
    async def finalize(self, assessment_id: FromPath[int], actor: CurrentActor, services: Services) -> Redirect:
        result = await workflow.finalize(services, actor, assessment_id)
        return Redirect(path=f"/applications/{result['application_id']}")

    @get("/conclusions")
    async def conclusions(self, actor: CurrentActor, services: Services, status: FromQuery[str] = "active") -> Template:
        rows = await workflow.list_conclusions(services, actor, status=status)
        return page("assessment/conclusions.html", conclusions=rows, status=status)
