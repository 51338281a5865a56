"""Inspection cases and credit (API.md "Supervision"): open and list cases, findings with
evidence files, outcomes along the ladder, follow-ups, the agency's answer, the closing; the
credit of providers and caregivers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import JSONBody, MultipartBody, QueryParameter
from pydantic import BaseModel

from ltc.db.queries.paging import DEFAULT_LIMIT
from ltc.domain.access import Action
from ltc.domain.errors import NotFound
from ltc.services.inputs import MAX_ID
from ltc.services.supervision import credit, findings, outcomes
from ltc.services.supervision.credit import CreditOut
from ltc.services.supervision.findings import FileOut, FindingIn, FindingOut, HoldOut
from ltc.services.supervision.inspections import (
    InspectionIn,
    InspectionKind,
    InspectionOut,
    get_inspection,
    list_inspections,
    open_inspection,
)
from ltc.services.supervision.outcomes import ClosingIn, FollowUpIn, OutcomeIn, OutcomeOut, ResponseIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.paging import LINK_HEADER, After, Limit, page_request, page_response
from ltc.web.request_guards import nul_refused
from ltc.web.schemas import PathId, QueryId
from ltc.web.security import allowed, signed_in


class InspectionDetail(BaseModel):
    inspection: InspectionOut
    findings: list[FindingOut]
    outcomes: list[OutcomeOut]
    files: list[FileOut]
    holds: list[HoldOut]
    available_actions: list[str]
    next_rung: str | None


@dataclass
class FileForm:
    """multipart/form-data: a photo or PDF, and the finding or rectification it goes with."""

    file: UploadFile | None = None
    finding_id: int | None = None
    outcome_id: int | None = None


async def inspection_detail(actor: CurrentActor, inspection_id: int) -> InspectionDetail:
    case = await get_inspection(actor, inspection_id)
    actions, due = await outcomes.available(actor, case)
    return InspectionDetail(
        inspection=case,
        findings=await findings.list_findings(actor, inspection_id),
        outcomes=await outcomes.list_outcomes(actor, inspection_id),
        files=await findings.list_files(actor, inspection_id),
        holds=await findings.list_holds(actor, inspection_id),
        available_actions=actions,
        next_rung=due,
    )


async def store_file(services: Services, actor: CurrentActor, inspection_id: int, form: FileForm) -> FileOut:
    content, filename, content_type = b"", "", ""
    if form.file is not None:
        content = await form.file.read(services.settings.evidence_max_bytes + 1)
        filename, content_type = form.file.filename or "", form.file.content_type or ""
    if "\x00" in filename or "\x00" in content_type:
        raise nul_refused("form")
    for named in (form.finding_id, form.outcome_id):
        if named is not None and not 1 <= named <= MAX_ID:  # no such record: never a query out of range
            raise NotFound(
                "no such record", code="finding_not_found" if named == form.finding_id else "outcome_not_found"
            )
    if form.outcome_id is not None:  # the agency's answer to its rectification
        outcome = await outcomes.get_outcome(actor, form.outcome_id)
        if outcome.inspection_id != inspection_id or outcome.action != "rectify":
            raise NotFound("no such outcome", code="outcome_not_found")
    return await findings.add_file(
        services,
        actor,
        inspection_id,
        filename=filename,
        content_type=content_type,
        content=content,
        finding_id=form.finding_id,
        outcome_id=form.outcome_id,
    )


class InspectionsController(Controller):
    path = "/api/v1"
    tags = ["supervision"]
    guards = [signed_in]

    @post("/inspections", guards=[allowed(Action.RUN_INSPECTIONS)], summary="Open an inspection case")
    async def open(self, data: JSONBody[InspectionIn], actor: CurrentActor, services: Services) -> InspectionOut:
        return await open_inspection(services, actor, data)

    @get(
        "/inspections",
        guards=[allowed(Action.READ_INSPECTIONS)],
        summary="Inspection cases, newest first, filtered, in pages (an agency: about itself)",
        response_headers=LINK_HEADER,
    )
    async def cases(
        self,
        request: Request,
        actor: CurrentActor,
        status: Annotated[Literal["open", "closed"] | None, QueryParameter(description="open or closed")] = None,
        kind: Annotated[InspectionKind | None, QueryParameter(description="routine, special or unannounced")] = None,
        provider_id: QueryId = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Response[list[InspectionOut]]:
        page = await list_inspections(
            actor, status=status, kind=kind, provider_id=provider_id, page=page_request(limit, after, 1)
        )
        return page_response(request, page)

    @get(
        "/inspections/{inspection_id:int}",
        guards=[allowed(Action.READ_INSPECTIONS)],
        summary="A case with its findings, outcomes, files and the outcomes that may be taken now",
    )
    async def case(self, inspection_id: PathId, actor: CurrentActor) -> InspectionDetail:
        return await inspection_detail(actor, inspection_id)

    @post(
        "/inspections/{inspection_id:int}/findings",
        guards=[allowed(Action.RUN_INSPECTIONS)],
        summary="Record a finding on an open case (its credit points come off the provider and caregivers named)",
    )
    async def finding(
        self, inspection_id: PathId, data: JSONBody[FindingIn], actor: CurrentActor, services: Services
    ) -> FindingOut:
        return await findings.record_finding(services, actor, inspection_id, data)

    @post(
        "/inspections/{inspection_id:int}/files",
        guards=[allowed(Action.RUN_INSPECTIONS, Action.RESPOND_TO_INSPECTION)],
        summary="Add a photo or PDF: evidence of a finding, or the agency's with its rectification answer",
    )
    async def upload(
        self, inspection_id: PathId, data: MultipartBody[FileForm], actor: CurrentActor, services: Services
    ) -> FileOut:
        return await store_file(services, actor, inspection_id, data)

    @get(
        "/inspections/{inspection_id:int}/files/{file_id:int}/content",
        guards=[allowed(Action.READ_INSPECTIONS)],
        media_type="application/octet-stream",
        summary="A file of the case",
    )
    async def content(self, inspection_id: PathId, file_id: PathId, actor: CurrentActor) -> Response[bytes]:
        meta, body = await findings.file_content(actor, inspection_id, file_id)
        return Response(
            body,
            media_type=meta.content_type,
            headers={
                "Content-Disposition": f'attachment; filename="inspection-{inspection_id}-file-{file_id}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    @post(
        "/inspections/{inspection_id:int}/outcomes",
        guards=[allowed(Action.RUN_INSPECTIONS)],
        summary="Take an outcome along the ladder (recover and penalty post ledger entries)",
    )
    async def outcome(
        self, inspection_id: PathId, data: JSONBody[OutcomeIn], actor: CurrentActor, services: Services
    ) -> OutcomeOut:
        return await outcomes.take_outcome(services, actor, inspection_id, data)

    @post(
        "/inspections/{inspection_id:int}/outcomes/{outcome_id:int}/follow-up",
        status_code=200,
        guards=[allowed(Action.RUN_INSPECTIONS)],
        summary="The follow-up check of a rectification: passed or failed",
    )
    async def follow_up(
        self,
        inspection_id: PathId,
        outcome_id: PathId,
        data: JSONBody[FollowUpIn],
        actor: CurrentActor,
        services: Services,
    ) -> OutcomeOut:
        await _of_case(actor, inspection_id, outcome_id)
        return await outcomes.follow_up(services, actor, outcome_id, data)

    @post(
        "/inspections/{inspection_id:int}/outcomes/{outcome_id:int}/response",
        status_code=200,
        guards=[allowed(Action.RESPOND_TO_INSPECTION)],
        summary="The agency reports its rectification",
    )
    async def response(
        self,
        inspection_id: PathId,
        outcome_id: PathId,
        data: JSONBody[ResponseIn],
        actor: CurrentActor,
        services: Services,
    ) -> OutcomeOut:
        await _of_case(actor, inspection_id, outcome_id)
        return await outcomes.respond(services, actor, outcome_id, data)

    @post(
        "/inspections/{inspection_id:int}/close",
        status_code=200,
        guards=[allowed(Action.RUN_INSPECTIONS)],
        summary="Close a case with a summary",
    )
    async def close(
        self, inspection_id: PathId, data: JSONBody[ClosingIn], actor: CurrentActor, services: Services
    ) -> InspectionOut:
        return await outcomes.close_inspection(services, actor, inspection_id, data)

    @post(
        "/inspections/{inspection_id:int}/holds/{hold_id:int}/lift",
        status_code=200,
        guards=[allowed(Action.RUN_INSPECTIONS)],
        summary="Lift the hold on a person's direct settlement: paid again from the next build",
    )
    async def lift(self, inspection_id: PathId, hold_id: PathId, actor: CurrentActor, services: Services) -> HoldOut:
        return await findings.lift_hold(services, actor, inspection_id, hold_id)

    @get(
        "/providers/{provider_id:int}/credit",
        guards=[allowed(Action.READ_CREDIT)],
        summary="A provider's credit: points, level, bar and history (an agency: its own)",
    )
    async def provider_credit(self, provider_id: PathId, actor: CurrentActor, services: Services) -> CreditOut:
        return await credit.provider_credit(services, actor, provider_id)

    @get(
        "/caregivers/{caregiver_id:int}/credit",
        guards=[allowed(Action.READ_CREDIT)],
        summary="A caregiver's credit: points, level, bar and history (an agency: its own caregivers')",
    )
    async def caregiver_credit(self, caregiver_id: PathId, actor: CurrentActor, services: Services) -> CreditOut:
        return await credit.caregiver_credit(services, actor, caregiver_id)


async def _of_case(actor: CurrentActor, inspection_id: int, outcome_id: int) -> None:
    if (await outcomes.get_outcome(actor, outcome_id)).inspection_id != inspection_id:
        raise NotFound("no such outcome", code="outcome_not_found")
