"""What a check-in or check-out brings besides its time and place: who performed it, what its
presence code proves (the code itself is never kept) and the photo or signature kept as
evidence with the event's time and position (once per event: a replay stores nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from ltc.db.engine import write_transaction
from ltc.db.tables import Caregiver, VisitEvidence
from ltc.domain.access import Actor
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.event_evidence import PHOTO, SIGNATURE, EventEvidence, decode_data_url
from ltc.domain.personal_data import Keyring, location, open_bytes, seal_bytes
from ltc.domain.visit_events import VisitEvent
from ltc.services.visits.values import CheckIn, VisitToVerify


class EvidenceMeta(BaseModel):
    """A kept photo or signature, without its bytes."""

    id: int
    visit_id: int
    event_id: str
    kind: str
    content_type: str
    size_bytes: int
    sha256: str
    taken_at: datetime
    lat: float
    lon: float
    accuracy_m: float


def evidence_of(data: CheckIn) -> list[EventEvidence]:
    """The photo and signature the event carries, decoded and checked (before any lock is taken)."""
    kept = []
    if data.photo:
        kept.append(decode_data_url(data.photo, PHOTO))
    if data.signature:
        kept.append(decode_data_url(data.signature, SIGNATURE))
    return kept


async def performer_of(actor: Actor, visit: VisitToVerify, named: int | None) -> int | None:
    """Who performed the event: a caregiver signed in as themselves, else the caregiver the
    agency names (one of the visit's provider), else None (the visit's planned caregiver)."""
    own = actor.caregiver_scope
    if own is not None:
        if named is not None and named != own:
            raise InvalidInput("护理人员只能以本人名义记录", code="caregiver_not_self")
        return own
    if named is None:
        return None
    row = await Caregiver.select(Caregiver.provider).where(Caregiver.id == named).first()
    if row is None or row["provider"] != visit.provider_id:
        raise NotFound("没有该护理人员", code="caregiver_not_found")
    return named


def _where(evidence_key: str) -> bytes:
    """Where a photo or signature lives, bound into its ciphertext (the key is known before the row's id)."""
    return location("visit_evidence", "content", evidence_key)


async def keep_evidence(
    keyring: Keyring,
    visit: VisitToVerify,
    event: VisitEvent,
    kept: Sequence[EventEvidence],
    *,
    uploaded_by: int,
    now: datetime,
) -> None:
    """Store a new event's photo and signature, sealed (inside the event's transaction)."""
    if not kept:
        return
    await VisitEvidence.insert(
        *[
            VisitEvidence(
                visit=visit.id,
                service_month=visit.service_month,
                event_id=event.event_id,
                evidence_key=(key := f"{event.event_id}:{item.kind}"),
                kind=item.kind,
                content_type=item.content_type,
                size_bytes=item.size_bytes,
                sha256=item.sha256,
                content=seal_bytes(keyring, item.content, _where(key)),
                data_key_id=keyring.active,
                taken_at=event.at,
                lat=event.lat,
                lon=event.lon,
                accuracy_m=event.accuracy_m,
                uploaded_by=uploaded_by,
                uploaded_at=now,
            )
            for item in kept
        ]
    )


_META = (
    VisitEvidence.id,
    VisitEvidence.visit.as_alias("visit_id"),
    VisitEvidence.event_id,
    VisitEvidence.kind,
    VisitEvidence.content_type,
    VisitEvidence.size_bytes,
    VisitEvidence.sha256,
    VisitEvidence.taken_at,
    VisitEvidence.lat,
    VisitEvidence.lon,
    VisitEvidence.accuracy_m,
)


async def evidence_of_visit(visit_id: int) -> list[EvidenceMeta]:
    rows = await VisitEvidence.select(*_META).where(VisitEvidence.visit == visit_id).order_by(VisitEvidence.id)
    return [EvidenceMeta.model_validate(r | {"event_id": str(r["event_id"])}) for r in rows]


async def evidence_content(keyring: Keyring, visit_id: int, evidence_id: int) -> tuple[str, bytes] | None:
    row = (
        await VisitEvidence.select(
            VisitEvidence.content_type, VisitEvidence.content, VisitEvidence.evidence_key, VisitEvidence.data_key_id
        )
        .where((VisitEvidence.id == evidence_id) & (VisitEvidence.visit == visit_id))
        .first()
    )
    if row is None:
        return None
    content = bytes(row["content"])
    if row["data_key_id"]:
        content = open_bytes(keyring, content, _where(row["evidence_key"]))
    return row["content_type"], content


async def reseal_evidence(keyring: Keyring, batch_size: int) -> int:
    """Seal the next ``batch_size`` photos and signatures not under the active key (part of a data
    key rotation; one kept in clear before sealing is sealed now); how many (0: none left)."""
    async with write_transaction():
        rows = (
            await VisitEvidence.select(
                VisitEvidence.id, VisitEvidence.evidence_key, VisitEvidence.content, VisitEvidence.data_key_id
            )
            .where(VisitEvidence.data_key_id != keyring.active)
            .order_by(VisitEvidence.id)
            .limit(batch_size)
        )
        for row in rows:
            where = _where(row["evidence_key"])
            clear = bytes(row["content"])
            if row["data_key_id"]:
                clear = open_bytes(keyring, clear, where)
            await VisitEvidence.update(
                {VisitEvidence.content: seal_bytes(keyring, clear, where), VisitEvidence.data_key_id: keyring.active}
            ).where((VisitEvidence.id == row["id"]) & (VisitEvidence.data_key_id == row["data_key_id"]))
    return len(rows)
