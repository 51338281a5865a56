"""Evidence of on-site assessments: upload (multipart), list, and the stored file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.openapi import ResponseSpec
from litestar.params import MultipartBody

from ltc.domain.access import Action, Actor
from ltc.domain.periods import MIN_YEAR, require_day_in_range
from ltc.services.assessment import evidence
from ltc.services.assessment.evidence import EvidenceItem, EvidenceOut
from ltc.services.context import ServiceContext
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.request_guards import nul_refused
from ltc.web.schemas import PathId
from ltc.web.security import allowed, signed_in


@dataclass
class EvidenceForm:
    """multipart/form-data: a file, or a video's archive reference; where and when it was taken."""

    file: UploadFile | None = None
    reference: str = ""
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    coordinate_system: str = "wgs84"


async def store_upload(
    services: ServiceContext, actor: Actor, application_id: int, form: EvidenceForm
) -> Response[EvidenceOut]:
    content, filename, content_type = None, "", ""
    if form.file is not None:
        # Read one byte past the limit, so an oversized file is refused without holding it all.
        content = await form.file.read(services.settings.evidence_max_bytes + 1)
        filename, content_type = form.file.filename or "", form.file.content_type or ""
    # A form is not an Input model: the same rules, by hand.
    if any("\x00" in text for text in (filename, content_type, form.reference, form.coordinate_system)):
        raise nul_refused("form")
    if form.taken_at is not None and form.taken_at.year < MIN_YEAR:  # the future is the service's refusal
        require_day_in_range(form.taken_at, "taken_at")
    item = EvidenceItem(
        filename=filename,
        content_type=content_type,
        content=content,
        reference=form.reference,
        taken_at=form.taken_at,
        lat=form.lat,
        lon=form.lon,
        coordinate_system=form.coordinate_system,
    )
    stored, created = await evidence.add_evidence(services, actor, application_id, item)
    return Response(stored, status_code=201 if created else 200)


async def stored_file(services: ServiceContext, actor: Actor, evidence_id: int) -> Response[bytes]:
    meta, content = await evidence.evidence_content(services, actor, evidence_id)
    if meta.kind == "video":
        return Response(meta.reference.encode(), media_type="text/plain; charset=utf-8")
    disposition = "inline" if meta.kind == "photo" else "attachment"
    return Response(
        content,
        media_type=meta.content_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="evidence-{evidence_id}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )


class EvidenceController(Controller):
    path = "/api/v1"
    tags = ["assessments"]
    guards = [signed_in]

    @post(
        "/applications/{application_id:int}/evidence",
        summary="Add a photo or document (multipart), or a video by reference; the same file twice is kept once",
        guards=[allowed(Action.ASSESS)],
        responses={200: ResponseSpec(EvidenceOut, description="The same file, stored before: its evidence")},
    )
    async def upload(
        self,
        application_id: PathId,
        data: MultipartBody[EvidenceForm],
        actor: CurrentActor,
        services: Services,
    ) -> Response[EvidenceOut]:
        return await store_upload(services, actor, application_id, data)

    @get("/applications/{application_id:int}/evidence", summary="The evidence of an application (metadata)")
    async def list_for_application(
        self, application_id: PathId, actor: CurrentActor, services: Services
    ) -> list[EvidenceOut]:
        return await evidence.list_evidence(services, actor, application_id)

    @get(
        "/evidence/{evidence_id:int}/content",
        media_type="application/octet-stream",
        summary="The stored file (bureau and the application's assessors)",
    )
    async def content(self, evidence_id: PathId, actor: CurrentActor, services: Services) -> Response[bytes]:
        return await stored_file(services, actor, evidence_id)
