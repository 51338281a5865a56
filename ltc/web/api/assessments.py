"""Instruments, persons, applications and assessments (API.md)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ltc.domain.access import Role
from ltc.domain.instruments import score
from ltc.services import assessment_workflow as workflow
from ltc.services import persons
from ltc.services.reference import instrument_catalog
from ltc.web.api.assessment_schemas import (
    AcceptIn,
    ApplicationIn,
    ApplicationOut,
    ApplicationRow,
    AssessmentIn,
    AssessmentOut,
    ConclusionOut,
    DraftIn,
    DraftOut,
    InstrumentSummary,
    ObjectionIn,
    PersonIn,
    PersonOut,
    PublishIn,
    ScoreRequest,
)
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.security import roles, signed_in

BUREAU = roles(Role.BUREAU, Role.ADMIN)


class InstrumentsController(Controller):
    path = "/api/v1/instruments"
    tags = ["instruments"]
    guards = [signed_in]

    @get("/", summary="The current version of every instrument")
    async def list_instruments(self, services: Services) -> list[InstrumentSummary]:
        return [
            InstrumentSummary(code=i.code, version=i.version, name=i.name, name_en=i.name_en)
            for i in instrument_catalog(services.settings).current()
        ]

    @get("/{code:str}", summary="Items, options and dimensions of an instrument (a version on request)")
    async def describe(
        self, code: FromPath[str], services: Services, version: FromQuery[str | None] = None
    ) -> dict[str, Any]:
        return instrument_catalog(services.settings).get(code, version).describe()

    @post(
        "/{code:str}/score", status_code=200, summary="Dry-run scoring (the tablet's live preview); nothing is stored"
    )
    async def score(self, code: FromPath[str], data: JSONBody[ScoreRequest], services: Services) -> dict[str, Any]:
        return score(instrument_catalog(services.settings).get(code), data.answers).to_dict()


class PersonsController(Controller):
    path = "/api/v1/persons"
    tags = ["persons"]
    guards = [signed_in]

    @post("/", status_code=201, summary="Register a person (id number validated; birth date and sex derived)")
    async def register(self, data: JSONBody[PersonIn], actor: CurrentActor, services: Services) -> PersonOut:
        return PersonOut.model_validate(await persons.register_person(services, actor, data.model_dump()))

    @get("/", summary="Persons the caller may see (id numbers masked except for the bureau)")
    async def list_persons(
        self,
        actor: CurrentActor,
        services: Services,
        search: FromQuery[str] = "",
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[PersonOut]:
        rows = await persons.list_persons(services, actor, search=search, limit=limit, offset=offset)
        return [PersonOut.model_validate(row) for row in rows]

    @get("/{person_id:int}", summary="One person")
    async def person(self, person_id: FromPath[int], actor: CurrentActor, services: Services) -> PersonOut:
        return PersonOut.model_validate(await persons.get_person(services, actor, person_id))


class ApplicationsController(Controller):
    path = "/api/v1/applications"
    tags = ["applications"]
    guards = [signed_in]

    @post("/", status_code=201, summary="Apply; refused with the failing gate's code")
    async def apply(self, data: JSONBody[ApplicationIn], actor: CurrentActor, services: Services) -> ApplicationOut:
        return ApplicationOut.model_validate(await workflow.apply(services, actor, data.model_dump()))

    @get("/", summary="The application queue (assessors: their assigned applications)")
    async def list_applications(
        self, actor: CurrentActor, services: Services, status: FromQuery[str | None] = None
    ) -> list[ApplicationRow]:
        rows = await workflow.list_applications(services, actor, status=status)
        return [ApplicationRow.model_validate(row) for row in rows]

    @get("/{application_id:int}", summary="One application with its team, assessments and draft")
    async def application(
        self, application_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> ApplicationOut:
        return ApplicationOut.model_validate(await workflow.get_application(services, actor, application_id))

    @post(
        "/{application_id:int}/accept",
        status_code=200,
        guards=[BUREAU],
        summary="Accept and assign assessors (≥2, ≥1 expert, no conflict)",
    )
    async def accept(
        self, application_id: FromPath[int], data: JSONBody[AcceptIn], actor: CurrentActor, services: Services
    ) -> ApplicationOut:
        return ApplicationOut.model_validate(await workflow.accept(services, actor, application_id, data.assessor_ids))

    @put("/{application_id:int}/draft", summary="Save the on-site answers so far; returns the live preview")
    async def save_draft(
        self, application_id: FromPath[int], data: JSONBody[DraftIn], actor: CurrentActor, services: Services
    ) -> DraftOut:
        result = await workflow.save_draft(services, actor, application_id, data.answers, data.saved_at)
        return DraftOut.model_validate(result)


class AssessmentsController(Controller):
    path = "/api/v1/assessments"
    tags = ["assessments"]
    guards = [signed_in]

    @post("/", summary="Submit an on-site assessment (immutable); the same event_id twice is recorded once")
    async def submit(
        self, data: JSONBody[AssessmentIn], actor: CurrentActor, services: Services
    ) -> Response[AssessmentOut]:
        payload = data.model_dump(mode="python")
        payload["event_id"] = str(data.event_id) if data.event_id else None
        result, created = await workflow.submit_assessment(services, actor, payload)
        return Response(AssessmentOut.model_validate(result), status_code=201 if created else 200)

    @get("/{assessment_id:int}", summary="One assessment with its answers")
    async def assessment(self, assessment_id: FromPath[int], actor: CurrentActor, services: Services) -> AssessmentOut:
        return AssessmentOut.model_validate(await workflow.get_assessment(services, actor, assessment_id))

    @post(
        "/{assessment_id:int}/publish",
        status_code=200,
        guards=[BUREAU],
        summary="Publish the conclusion for public notice",
    )
    async def publish(
        self, assessment_id: FromPath[int], data: JSONBody[PublishIn], actor: CurrentActor, services: Services
    ) -> AssessmentOut:
        return AssessmentOut.model_validate(await workflow.publish(services, actor, assessment_id, data.published_on))

    @post(
        "/{assessment_id:int}/objection",
        status_code=200,
        guards=[BUREAU],
        summary="Record an objection during the notice",
    )
    async def objection(
        self, assessment_id: FromPath[int], data: JSONBody[ObjectionIn], actor: CurrentActor, services: Services
    ) -> AssessmentOut:
        return AssessmentOut.model_validate(await workflow.object_to(services, actor, assessment_id, data.reason))

    @post(
        "/{assessment_id:int}/finalize", status_code=200, guards=[BUREAU], summary="Final conclusion with valid_until"
    )
    async def finalize(self, assessment_id: FromPath[int], actor: CurrentActor, services: Services) -> AssessmentOut:
        return AssessmentOut.model_validate(await workflow.finalize(services, actor, assessment_id))


class ConclusionsController(Controller):
    path = "/api/v1/conclusions"
    tags = ["assessments"]
    guards = [roles(Role.BUREAU, Role.ADMIN, Role.EXPERT)]

    @get("/", summary="Conclusions by status (active, superseded, expired)")
    async def list_conclusions(
        self, actor: CurrentActor, services: Services, status: FromQuery[str] = "active"
    ) -> list[ConclusionOut]:
        return [
            ConclusionOut.model_validate(r) for r in await workflow.list_conclusions(services, actor, status=status)
        ]
