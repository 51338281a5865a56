"""Findings of an inspection case: what was found (a category of the policy's credit table),
an amount wrongly paid, the persons and caregivers concerned, with evidence files. A finding
deducts its category's credit points from the provider and from each caregiver it names."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.tables import Caregiver, CreditEvent, InspectionFile, InspectionFinding, PaymentHold, Person, Provider
from ltc.domain import inspection_outcomes as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.reference import policy_book
from ltc.services.supervision.inspections import get_inspection

MAX_NAMED = 200  # persons or caregivers one finding names
FILE_CONTENT_TYPES = ("image/jpeg", "image/png", "application/pdf")


class FindingIn(Input):
    category: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=1, max_length=4000)
    amount_fen: int | None = Field(default=None, ge=1, le=10**12)
    person_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_NAMED)
    caregiver_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_NAMED)
    hold_payment: bool = False  # the persons' direct settlement is held until lifted


class FindingOut(BaseModel):
    id: int
    inspection_id: int
    category: str
    description: str
    amount_fen: int | None
    person_ids: list[int]
    caregiver_ids: list[int]
    points: int
    recorded_at: datetime


class FileOut(BaseModel):
    id: int
    inspection_id: int
    finding_id: int | None
    outcome_id: int | None
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


_COLUMNS = (
    InspectionFinding.id,
    InspectionFinding.inspection.as_alias("inspection_id"),
    InspectionFinding.category,
    InspectionFinding.description,
    InspectionFinding.amount_fen,
    InspectionFinding.person_ids,
    InspectionFinding.caregiver_ids,
    InspectionFinding.points,
    InspectionFinding.recorded_at,
)
_FILE_COLUMNS = (
    InspectionFile.id,
    InspectionFile.inspection.as_alias("inspection_id"),
    InspectionFile.finding.as_alias("finding_id"),
    InspectionFile.outcome.as_alias("outcome_id"),
    InspectionFile.filename,
    InspectionFile.content_type,
    InspectionFile.size_bytes,
    InspectionFile.sha256,
    InspectionFile.uploaded_at,
)


def _open(status: str) -> None:
    if status != "open":
        raise Conflict("the case is closed", code="inspection_closed")


async def record_finding(ctx: ServiceContext, actor: Actor, inspection_id: int, data: FindingIn) -> FindingOut:
    """A finding on an open case; its credit points come off the provider and each caregiver
    named (who must be the provider's); the persons named must exist."""
    require(actor, Action.RUN_INSPECTIONS)
    case = await get_inspection(actor, inspection_id)
    _open(case.status)
    today = local_today(ctx.clock, ctx.settings.zone)
    points = rules.finding_points(data.category, policy_book(ctx.settings).in_force(today).finding_credit_points)
    persons, caregivers = sorted(set(data.person_ids)), sorted(set(data.caregiver_ids))
    if persons and await Person.count().where(Person.id.is_in(persons)) != len(persons):
        raise InvalidInput("没有该人员", code="person_not_found", errors=[{"field": "person_ids"}])
    staff = await Caregiver.select(Caregiver.id, Caregiver.id_number_index).where(
        Caregiver.id.is_in(caregivers or [0]) & (Caregiver.provider == case.provider_id)
    )
    if len(staff) != len(caregivers):
        raise InvalidInput("没有该机构的该护理人员", code="caregiver_not_found", errors=[{"field": "caregiver_ids"}])
    provider = await Provider.select(Provider.credit_code).where(Provider.id == case.provider_id).first()
    now = ctx.clock.now()
    reason = f"inspection {inspection_id}: {data.category}"
    async with write_transaction():
        row = InspectionFinding(
            inspection=inspection_id,
            category=data.category,
            description=data.description,
            amount_fen=data.amount_fen,
            person_ids=persons,
            caregiver_ids=caregivers,
            points=points,
            recorded_by=actor.user_id,
            recorded_at=now,
        )
        await row.save()
        events = [
            CreditEvent(
                provider=case.provider_id,
                points=-points,
                reason=reason,
                inspection=inspection_id,
                credit_code=(provider or {}).get("credit_code", ""),
                recorded_by=actor.user_id,
                recorded_at=now,
            )
        ] + [
            CreditEvent(
                caregiver=c["id"],
                points=-points,
                reason=reason,
                inspection=inspection_id,
                id_number_index=c["id_number_index"],
                recorded_by=actor.user_id,
                recorded_at=now,
            )
            for c in staff
        ]
        await CreditEvent.insert(*events)
        if data.hold_payment and persons:
            already = {
                r["person"]
                for r in await PaymentHold.select(PaymentHold.person).where(
                    PaymentHold.person.is_in(persons) & PaymentHold.lifted_at.is_null()
                )
            }
            holds = [
                PaymentHold(
                    person=p, inspection=inspection_id, reason=data.description, held_by=actor.user_id, held_at=now
                )
                for p in persons
                if p not in already
            ]
            if holds:
                await PaymentHold.insert(*holds)
        await record_change(
            actor=actor,
            at=now,
            action="inspection.finding",
            entity="inspection",
            entity_id=inspection_id,
            after=data.model_dump() | {"finding_id": row.id, "points": points},
        )
    return await get_finding(actor, row.id)


async def get_finding(actor: Actor, finding_id: int) -> FindingOut:
    row = (
        await InspectionFinding.select(*_COLUMNS)
        .output(load_json=True)
        .where(InspectionFinding.id == finding_id)
        .first()
    )
    if row is None:
        raise NotFound("no such finding", code="finding_not_found")
    try:
        await get_inspection(actor, row["inspection_id"])
    except NotFound:  # another provider's case: as if there were no such finding
        raise NotFound("no such finding", code="finding_not_found") from None
    return FindingOut.model_validate(row)


async def list_findings(actor: Actor, inspection_id: int) -> list[FindingOut]:
    await get_inspection(actor, inspection_id)
    rows = (
        await InspectionFinding.select(*_COLUMNS)
        .output(load_json=True)
        .where(InspectionFinding.inspection == inspection_id)
        .order_by(InspectionFinding.id)
    )
    return [FindingOut.model_validate(r) for r in rows]


async def found_fen(inspection_id: int) -> int:
    """What the case's findings found wrongly paid: the most its recoveries may take back."""
    rows = await InspectionFinding.select(InspectionFinding.amount_fen).where(
        InspectionFinding.inspection == inspection_id
    )
    return sum(r["amount_fen"] or 0 for r in rows)


async def add_file(
    ctx: ServiceContext,
    actor: Actor,
    inspection_id: int,
    *,
    filename: str,
    content_type: str,
    content: bytes,
    finding_id: int | None = None,
    outcome_id: int | None = None,
) -> FileOut:
    """A file kept with a case: the supervisor's evidence of a finding (open cases only), or
    the agency's with its answer to a rectification (``outcome_id``; checked by the caller)."""
    case = await get_inspection(actor, inspection_id)
    if outcome_id is None:
        require(actor, Action.RUN_INSPECTIONS)
        _open(case.status)
    else:
        require(actor, Action.RESPOND_TO_INSPECTION)
    if finding_id is not None and (await get_finding(actor, finding_id)).inspection_id != inspection_id:
        raise NotFound("no such finding", code="finding_not_found")
    if not content:
        raise InvalidInput("没有文件", code="file_required", errors=[{"field": "file"}])
    if len(content) > ctx.settings.evidence_max_bytes:
        raise InvalidInput("文件过大", code="file_too_large", errors=[{"field": "file"}])
    if content_type not in FILE_CONTENT_TYPES:
        raise InvalidInput("只收照片或 PDF", code="file_type_refused", errors=[{"field": "file"}])
    now = ctx.clock.now()
    digest = hashlib.sha256(content).hexdigest()
    async with write_transaction():
        row = InspectionFile(
            inspection=inspection_id,
            finding=finding_id,
            outcome=outcome_id,
            filename=(filename or "file")[:200],
            content_type=content_type,
            size_bytes=len(content),
            sha256=digest,
            content=content,
            uploaded_by=actor.user_id,
            uploaded_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="inspection.file",
            entity="inspection",
            entity_id=inspection_id,
            after={"file_id": row.id, "finding_id": finding_id, "outcome_id": outcome_id, "sha256": digest},
        )
    return FileOut.model_validate(
        await InspectionFile.select(*_FILE_COLUMNS).where(InspectionFile.id == row.id).first()
    )


async def list_files(actor: Actor, inspection_id: int) -> list[FileOut]:
    await get_inspection(actor, inspection_id)
    rows = (
        await InspectionFile.select(*_FILE_COLUMNS)
        .where(InspectionFile.inspection == inspection_id)
        .order_by(InspectionFile.id)
    )
    return [FileOut.model_validate(r) for r in rows]


async def file_content(actor: Actor, inspection_id: int, file_id: int) -> tuple[FileOut, bytes]:
    await get_inspection(actor, inspection_id)
    row = (
        await InspectionFile.select(*_FILE_COLUMNS, InspectionFile.content)
        .where((InspectionFile.id == file_id) & (InspectionFile.inspection == inspection_id))
        .first()
    )
    if row is None:
        raise NotFound("no such file", code="file_not_found")
    content = bytes(row.pop("content"))
    return FileOut.model_validate(row), content


class HoldOut(BaseModel):
    id: int
    person_id: int
    inspection_id: int | None
    reason: str
    held_at: datetime
    lifted_at: datetime | None


async def list_holds(actor: Actor, inspection_id: int) -> list[HoldOut]:
    """The direct settlements the case holds (and those it held)."""
    await get_inspection(actor, inspection_id)
    rows = (
        await PaymentHold.select(
            PaymentHold.id,
            PaymentHold.person.as_alias("person_id"),
            PaymentHold.inspection.as_alias("inspection_id"),
            PaymentHold.reason,
            PaymentHold.held_at,
            PaymentHold.lifted_at,
        )
        .where(PaymentHold.inspection == inspection_id)
        .order_by(PaymentHold.id)
    )
    return [HoldOut.model_validate(r) for r in rows]


async def lift_hold(ctx: ServiceContext, actor: Actor, inspection_id: int, hold_id: int) -> HoldOut:
    """Pay for the person again from the next build on (their held months stay unpaid unless
    corrected)."""
    require(actor, Action.RUN_INSPECTIONS)
    hold = next((h for h in await list_holds(actor, inspection_id) if h.id == hold_id), None)
    if hold is None:
        raise NotFound("no such hold", code="hold_not_found")
    if hold.lifted_at is not None:
        raise Conflict("the hold was already lifted", code="hold_already_lifted")
    now = ctx.clock.now()
    async with write_transaction():
        await PaymentHold.update({PaymentHold.lifted_at: now, PaymentHold.lifted_by: actor.user_id}).where(
            (PaymentHold.id == hold_id) & PaymentHold.lifted_at.is_null()
        )
        await record_change(
            actor=actor,
            at=now,
            action="inspection.lift_hold",
            entity="inspection",
            entity_id=inspection_id,
            after={"hold_id": hold_id, "person_id": hold.person_id},
        )
    return next(h for h in await list_holds(actor, inspection_id) if h.id == hold_id)
