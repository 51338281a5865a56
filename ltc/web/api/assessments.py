"""Instruments, persons, applications and assessments (API.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import ResponseHeader, UploadFile
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action
from ltc.domain.errors import InvalidInput
from ltc.domain.periods import require_day_in_range
from ltc.services import data_subject, persons
from ltc.services.assessment import applications, assessments, conclusions, instruments
from ltc.services.assessment.instruments import InstrumentDescription, InstrumentSummary, ScoreOut, ScoreRequest
from ltc.services.assessment.values import (
    AcceptIn,
    ApplicationFilters,
    ApplicationIn,
    ApplicationOut,
    ApplicationRow,
    AssessmentIn,
    AssessmentOut,
    ConclusionOut,
    DraftIn,
    DraftOut,
    ObjectionIn,
    PublishIn,
)
from ltc.services.data_subject import Anonymised, PersonDataReport
from ltc.services.intake import registry_import
from ltc.services.intake.uploads import REGISTRY_MAX_BYTES
from ltc.services.intake.values import RegistryUploaded
from ltc.services.persons import CareStatus, PersonIn, PersonOut, PersonQuery
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.paging import LINK_HEADER, After, Limit, link_header, page_request, page_response
from ltc.web.schemas import Offset, PathId, QueryText
from ltc.web.security import allowed, signed_in


@dataclass
class RegistryForm:
    """multipart/form-data: the enrolment registry as a CSV or XLSX file."""

    file: UploadFile | None = None


async def read_registry_upload(form: RegistryForm) -> tuple[str, bytes]:
    """The file's name and content, one byte past the limit at most (the service refuses it)."""
    if form.file is None:
        raise InvalidInput("请选择名册文件", code="registry_file_missing", errors=[{"field": "file"}])
    content = await form.file.read(REGISTRY_MAX_BYTES + 1)
    return form.file.filename or "", content


# The multipart envelope around the largest file the import accepts.
REGISTRY_BODY_LIMIT = REGISTRY_MAX_BYTES + 64 * 1024


def submitted(result: tuple[AssessmentOut, bool]) -> Response[AssessmentOut]:
    """201 for a new submission, 200 when the same event was recorded before."""
    assessment, created = result
    return Response(assessment, status_code=201 if created else 200)


class InstrumentsController(Controller):
    path = "/api/v1/instruments"
    tags = ["instruments"]
    guards = [signed_in]

    @get("/", summary="The current version of every instrument")
    async def list_instruments(self, services: Services) -> list[InstrumentSummary]:
        return instruments.current_instruments(services)

    @get("/{code:str}", summary="Items, options and dimensions of an instrument (a version on request)")
    async def describe(
        self, code: FromPath[str], services: Services, version: QueryText = None
    ) -> InstrumentDescription:
        return instruments.describe_instrument(services, code, version)

    @post(
        "/{code:str}/score", status_code=200, summary="Dry-run scoring (the tablet's live preview); nothing is stored"
    )
    async def score(self, code: FromPath[str], data: JSONBody[ScoreRequest], services: Services) -> ScoreOut:
        return instruments.dry_run_score(services, code, data)


class PersonsController(Controller):
    path = "/api/v1/persons"
    tags = ["persons"]
    guards = [signed_in]

    @post(
        "/",
        status_code=201,
        guards=[allowed(Action.REGISTER_PERSON)],
        summary="Register a person (id number validated; birth date and sex derived)",
    )
    async def register(self, data: JSONBody[PersonIn], actor: CurrentActor, services: Services) -> PersonOut:
        return await persons.register_person(services, actor, data)

    @post(
        "/import",
        status_code=202,
        guards=[allowed(Action.IMPORT_RECORDS)],
        request_max_body_size=REGISTRY_BODY_LIMIT,
        summary="Import the enrolment registry (CSV or XLSX, multipart field `file`): a job, idempotent by id number",
    )
    async def import_registry(
        self, data: MultipartBody[RegistryForm], actor: CurrentActor, services: Services
    ) -> RegistryUploaded:
        filename, content = await read_registry_upload(data)
        return await registry_import.upload_registry(services, actor, filename, content)

    @get(
        "/",
        summary="Persons the caller may see (id numbers masked except for the bureau), in id order",
        description=(
            "`search`: the start of a name, or a complete id number (the bureau only) or phone number, found"
            " exactly. Filters: `town` (code), `insured`, `care_status`, `level`. Keyset paging: the `Link`"
            ' header names the next page (`rel="next"`, with `after`).'
        ),
        response_headers=[
            ResponseHeader(
                name="Link", documentation_only=True, required=False, description='the next page, rel="next"'
            )
        ],
    )
    async def list_persons(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        search: Annotated[str, QueryParameter(max_length=64)] = "",
        town: Annotated[str | None, QueryParameter(max_length=12)] = None,
        insured: FromQuery[bool | None] = None,
        care_status: FromQuery[CareStatus | None] = None,
        level: Annotated[int | None, QueryParameter(ge=0, le=5)] = None,
        after: After = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Offset = 0,
    ) -> Response[list[PersonOut]]:
        query = PersonQuery(q=search, town=town, insured=insured, care_status=care_status, level=level)
        found = await persons.search_persons(services, actor, query, page_request(limit, after, width=1), offset=offset)
        return Response(found.page.items, headers=link_header(request, found.page))

    @get("/{person_id:int}", summary="One person")
    async def person(self, person_id: PathId, actor: CurrentActor, services: Services) -> PersonOut:
        return await persons.get_person(services, actor, person_id, audit=True)

    @get(
        "/{person_id:int}/data-report",
        guards=[allowed(Action.REPORT_PERSONAL_DATA)],
        summary="Everything held about a person: their fields, applications, assessments, plans, visits, money",
    )
    async def data_report(self, person_id: PathId, actor: CurrentActor, services: Services) -> PersonDataReport:
        return await data_subject.person_data_report(services, actor, person_id)

    @post(
        "/{person_id:int}/anonymise",
        status_code=200,
        guards=[allowed(Action.ANONYMISE_PERSON)],
        summary="Anonymise a person once no retention duty applies (409 with the duty's code otherwise)",
    )
    async def anonymise(self, person_id: PathId, actor: CurrentActor, services: Services) -> Anonymised:
        return await data_subject.anonymise_person(services, actor, person_id)


class ApplicationsController(Controller):
    path = "/api/v1/applications"
    tags = ["applications"]
    guards = [signed_in]

    @post(
        "/",
        status_code=201,
        guards=[allowed(Action.FILE_APPLICATION)],
        summary="Apply; refused with the failing gate's code",
    )
    async def apply(self, data: JSONBody[ApplicationIn], actor: CurrentActor, services: Services) -> ApplicationOut:
        return await applications.apply(services, actor, data)

    @get(
        "/",
        summary="The application queue, newest first (assessors: their assigned applications), in pages",
        response_headers=LINK_HEADER,
    )
    async def list_applications(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        status: QueryText = None,
        town: Annotated[
            str | None, QueryParameter(max_length=12, description="the applicant's town (its code)")
        ] = None,
        applied_from: Annotated[date | None, QueryParameter(description="applied on or after this day")] = None,
        applied_to: Annotated[date | None, QueryParameter(description="applied on or before this day")] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[ApplicationRow]]:
        for day, name in ((applied_from, "applied_from"), (applied_to, "applied_to")):
            if day is not None:
                require_day_in_range(day, name)
        filters = ApplicationFilters(
            status=status or None, town=town or None, applied_from=applied_from, applied_to=applied_to
        )
        page = await applications.application_page(services, actor, filters, after=after, limit=limit)
        return page_response(request, page)

    @get("/{application_id:int}", summary="One application with its team, assessments and draft")
    async def application(self, application_id: PathId, actor: CurrentActor, services: Services) -> ApplicationOut:
        return await applications.get_application(services, actor, application_id)

    @post(
        "/{application_id:int}/accept",
        status_code=200,
        guards=[allowed(Action.ACCEPT_APPLICATION)],
        summary="Accept and assign assessors (≥2, ≥1 expert, no conflict)",
    )
    async def accept(
        self, application_id: PathId, data: JSONBody[AcceptIn], actor: CurrentActor, services: Services
    ) -> ApplicationOut:
        return await applications.accept(services, actor, application_id, data.assessor_ids)

    @put("/{application_id:int}/draft", summary="Save the on-site answers so far; returns the live preview")
    async def save_draft(
        self, application_id: PathId, data: JSONBody[DraftIn], actor: CurrentActor, services: Services
    ) -> DraftOut:
        return await assessments.save_draft(services, actor, application_id, data)


class AssessmentsController(Controller):
    path = "/api/v1/assessments"
    tags = ["assessments"]
    guards = [signed_in]

    @post(
        "/",
        summary="Submit an on-site assessment (immutable); the same event_id twice is recorded once",
        responses={200: ResponseSpec(AssessmentOut, description="The same event, recorded before: its assessment")},
    )
    async def submit(
        self, data: JSONBody[AssessmentIn], actor: CurrentActor, services: Services
    ) -> Response[AssessmentOut]:
        return submitted(await assessments.submit_assessment(services, actor, data))

    @get("/{assessment_id:int}", summary="One assessment with its answers")
    async def assessment(self, assessment_id: PathId, actor: CurrentActor, services: Services) -> AssessmentOut:
        return await assessments.get_assessment(services, actor, assessment_id)

    @post(
        "/{assessment_id:int}/publish",
        status_code=200,
        guards=[allowed(Action.DECIDE_ASSESSMENT)],
        summary="Publish the conclusion for public notice",
    )
    async def publish(
        self, assessment_id: PathId, data: JSONBody[PublishIn], actor: CurrentActor, services: Services
    ) -> AssessmentOut:
        return await conclusions.publish(services, actor, assessment_id, data.published_on)

    @post(
        "/{assessment_id:int}/objection",
        status_code=200,
        guards=[allowed(Action.DECIDE_ASSESSMENT)],
        summary="Record an objection during the notice",
    )
    async def objection(
        self, assessment_id: PathId, data: JSONBody[ObjectionIn], actor: CurrentActor, services: Services
    ) -> AssessmentOut:
        return await conclusions.object_to(services, actor, assessment_id, data.reason)

    @post(
        "/{assessment_id:int}/finalize",
        status_code=200,
        guards=[allowed(Action.DECIDE_ASSESSMENT)],
        summary="Final conclusion with valid_until",
    )
    async def finalize(self, assessment_id: PathId, actor: CurrentActor, services: Services) -> AssessmentOut:
        return await conclusions.finalize(services, actor, assessment_id)


class ConclusionsController(Controller):
    path = "/api/v1/conclusions"
    tags = ["assessments"]
    guards = [allowed(Action.READ_CONCLUSIONS)]

    @get(
        "/",
        summary="Conclusions by status (active, superseded, expired) and level, the first to expire first, in pages",
        response_headers=LINK_HEADER,
    )
    async def list_conclusions(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        status: Annotated[str, QueryParameter(max_length=16)] = "active",
        level: Annotated[int | None, QueryParameter(ge=0, le=5)] = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[ConclusionOut]]:
        page = await conclusions.conclusion_page(services, actor, status=status, level=level, after=after, limit=limit)
        return page_response(request, page)
