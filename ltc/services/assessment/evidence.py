"""Evidence taken during an on-site assessment: photos and documents stored with their
metadata (who, when, where, what, its SHA-256), and videos recorded by reference.

Only the assessors of the current round add evidence, while the round is open or just
submitted (a tablet back online may still be uploading). The same file sent twice is kept
once. Evidence shows a person in their home, so it is seen by the bureau and the
application's assessors only, not by care agencies.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from ltc.db.engine import write_transaction
from ltc.db.tables import Application, Evidence
from ltc.domain.access import Actor
from ltc.domain.coordinates import check_coordinates
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.services.assessment.scope import ApplicationRecord, application_to_assess, on_any_team
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.positions import to_wgs84


@dataclass(frozen=True)
class EvidenceItem:
    """One item as the tablet sends it: a file (its bytes, name and declared type), or a
    video's archive reference; when and where it was taken."""

    filename: str = ""
    content_type: str = ""
    content: bytes | None = None
    reference: str = ""
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    coordinate_system: str = "wgs84"


class EvidenceOut(BaseModel):
    id: int
    application_id: int
    round: int
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    reference: str
    taken_at: datetime | None
    lat: float | None
    lon: float | None
    uploaded_by: int | None
    uploaded_by_name: str | None
    uploaded_at: datetime


# What a tablet camera or scanner produces, with the bytes each format starts with.
ACCEPTED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "image/jpeg": ("photo", (b"\xff\xd8\xff",)),
    "image/png": ("photo", (b"\x89PNG\r\n\x1a\n",)),
    "image/webp": ("photo", (b"RIFF",)),
    "application/pdf": ("document", (b"%PDF",)),
}
OPEN_STATUSES = ("accepted", "reassessing", "assessed")

_META_COLUMNS = (
    Evidence.id,
    Evidence.application.as_alias("application_id"),
    Evidence.round,
    Evidence.kind,
    Evidence.filename,
    Evidence.content_type,
    Evidence.size_bytes,
    Evidence.sha256,
    Evidence.reference,
    Evidence.taken_at,
    Evidence.lat,
    Evidence.lon,
    Evidence.uploaded_by,
    Evidence.uploaded_by.display_name.as_alias("uploaded_by_name"),
    Evidence.uploaded_at,
)


async def _open_round(actor: Actor, application_id: int) -> ApplicationRecord:
    application = await application_to_assess(actor, application_id)
    if application.status not in OPEN_STATUSES:
        raise Conflict(f"申请当前状态为 {application.status}，不能添加佐证材料", code="not_open_for_assessment")
    return application


async def _stored(evidence_id: int) -> EvidenceOut:
    row = await Evidence.select(*_META_COLUMNS).where(Evidence.id == evidence_id).first()
    if row is None:
        raise NotFound("没有该佐证材料", code="evidence_not_found")
    return EvidenceOut.model_validate(row)


async def add_evidence(
    ctx: ServiceContext, actor: Actor, application_id: int, item: EvidenceItem
) -> tuple[EvidenceOut, bool]:
    """Store one item of evidence; returns (evidence, created). A file already stored for
    this round (same SHA-256) is returned as it is."""
    application = await _open_round(actor, application_id)
    position = to_wgs84(item.lat, item.lon, item.coordinate_system)
    lat, lon = position
    if (lat is None) != (lon is None):
        raise InvalidInput("lat 和 lon 须同时提供", code="coordinates_incomplete")
    if lat is not None and lon is not None:
        check_coordinates(lat, lon)
    taken_at = item.taken_at
    if taken_at is not None and taken_at.tzinfo is None:
        raise InvalidInput("taken_at 须带时区", code="naive_datetime")
    if taken_at is not None and taken_at > ctx.clock.now():
        raise InvalidInput("拍摄时间晚于当前时间", code="taken_in_the_future")
    content, content_type, reference = item.content, item.content_type, item.reference
    if content:
        size = len(content)
        if size > ctx.settings.evidence_max_bytes:
            raise InvalidInput(
                f"文件过大（{size} 字节，上限 {ctx.settings.evidence_max_bytes}）", code="evidence_too_large"
            )
        accepted = ACCEPTED_TYPES.get(content_type)
        if accepted is None:
            raise InvalidInput(
                f"不支持的文件类型 {content_type}；可上传 {', '.join(ACCEPTED_TYPES)}", code="unsupported_media_type"
            )
        kind, signatures = accepted
        if not content.startswith(signatures):
            raise InvalidInput("文件内容与声明的类型不符", code="content_type_mismatch")
        digest = hashlib.sha256(content).hexdigest()
    elif reference.strip():
        kind, content, size, content_type = "video", b"", 0, ""
        digest = hashlib.sha256(reference.strip().encode()).hexdigest()
    else:
        raise InvalidInput("请上传文件或填写视频存档编号", code="evidence_empty")

    now = ctx.clock.now()
    async with write_transaction():
        existing = (
            await Evidence.select(*_META_COLUMNS)
            .where(
                (Evidence.application == application_id)
                & (Evidence.round == application.round)
                & (Evidence.sha256 == digest)
            )
            .first()
        )
        if existing is not None:
            return EvidenceOut.model_validate(existing), False
        evidence = Evidence(
            application=application_id,
            round=application.round,
            kind=kind,
            filename=(item.filename or "")[:200],
            content_type=content_type,
            size_bytes=size,
            sha256=digest,
            content=content,
            reference=reference.strip()[:300],
            taken_at=taken_at,
            lat=lat,
            lon=lon,
            uploaded_by=actor.user_id,
            uploaded_at=now,
        )
        await evidence.save()
        await record_change(
            actor=actor,
            at=now,
            action="evidence.add",
            entity="evidence",
            entity_id=evidence.id,
            after={"application_id": application_id, "kind": kind, "sha256": digest, "size_bytes": size},
        )
    return await _stored(evidence.id), True


async def _may_see(actor: Actor, application_id: int) -> bool:
    return actor.sees_whole_region or await on_any_team(actor, application_id)


async def list_evidence(ctx: ServiceContext, actor: Actor, application_id: int) -> list[EvidenceOut]:
    if not await Application.exists().where(Application.id == application_id) or not await _may_see(
        actor, application_id
    ):
        raise NotFound("没有该申请", code="application_not_found")
    rows = await Evidence.select(*_META_COLUMNS).where(Evidence.application == application_id).order_by(Evidence.id)
    return [EvidenceOut.model_validate(row) for row in rows]


async def evidence_content(ctx: ServiceContext, actor: Actor, evidence_id: int) -> tuple[EvidenceOut, bytes]:
    row = await Evidence.select(*_META_COLUMNS, Evidence.content).where(Evidence.id == evidence_id).first()
    if row is None or not await _may_see(actor, row["application_id"]):
        raise NotFound("没有该佐证材料", code="evidence_not_found")
    content = bytes(row.pop("content") or b"")
    return EvidenceOut.model_validate(row), content
