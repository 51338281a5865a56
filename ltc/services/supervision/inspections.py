"""Inspection cases (稽核): opened by a fund supervisor about one provider over a span of
months, on a plan, a tip-off or a review's finding."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ltc.db.engine import write_transaction
from ltc.db.queries.paging import Page, PageRequest, after_key, page_of
from ltc.db.tables import Inspection
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.errors import InvalidInput, NotFound
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.providers import get_provider
from ltc.services.settlements.values import PERIOD_PATTERN

FIRST_PAGE = PageRequest()
InspectionKind = Literal["routine", "special", "unannounced"]  # 日常稽核, 专项检查, 飞行检查
INSPECTION_KINDS: tuple[InspectionKind, ...] = ("routine", "special", "unannounced")


class InspectionIn(Input):
    kind: InspectionKind
    provider_id: RecordId
    period_from: str = Field(pattern=PERIOD_PATTERN)
    period_to: str = Field(pattern=PERIOD_PATTERN)
    reason: str = Field(min_length=1, max_length=2000)


class InspectionOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    kind: InspectionKind
    provider_id: int
    period_from: str
    period_to: str
    reason: str
    status: Literal["open", "closed"]
    opened_at: datetime
    closed_at: datetime | None
    summary: str = ""


_COLUMNS = (
    Inspection.id,
    Inspection.kind,
    Inspection.provider.as_alias("provider_id"),
    Inspection.period_from,
    Inspection.period_to,
    Inspection.reason,
    Inspection.status,
    Inspection.opened_at,
    Inspection.closed_at,
    Inspection.summary,
)


async def open_inspection(ctx: ServiceContext, actor: Actor, data: InspectionIn) -> InspectionOut:
    """Open a case about the provider (it must exist); the opening is audited."""
    require(actor, Action.RUN_INSPECTIONS)
    if data.period_to < data.period_from:
        raise InvalidInput("检查期间的结束早于开始", code="period_span_reversed", errors=[{"field": "period_to"}])
    await get_provider(actor, data.provider_id)
    now = ctx.clock.now()
    async with write_transaction():
        row = Inspection(
            provider=data.provider_id,
            kind=data.kind,
            period_from=data.period_from,
            period_to=data.period_to,
            reason=data.reason,
            status="open",
            opened_by=actor.user_id,
            opened_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="inspection.open",
            entity="inspection",
            entity_id=row.id,
            after=data.model_dump(),
            reason=data.reason,
        )
    return await get_inspection(actor, row.id)


async def get_inspection(actor: Actor, inspection_id: int) -> InspectionOut:
    """One case; an agency reads only those about itself (another's is 'not found')."""
    require(actor, Action.READ_INSPECTIONS)
    row = await Inspection.select(*_COLUMNS).where(Inspection.id == inspection_id).first()
    if row is None:
        raise NotFound("no such inspection", code="inspection_not_found")
    try:
        require_provider_visible(actor, row["provider_id"])
    except NotFound:
        raise NotFound("no such inspection", code="inspection_not_found") from None
    return InspectionOut.model_validate(row)


async def list_inspections(
    actor: Actor,
    *,
    status: Literal["open", "closed"] | None = None,
    provider_id: int | None = None,
    kind: InspectionKind | None = None,
    page: PageRequest = FIRST_PAGE,
) -> Page[InspectionOut]:
    """Cases newest first, filtered; an agency's list holds only those about itself."""
    require(actor, Action.READ_INSPECTIONS)
    query = Inspection.select(*_COLUMNS)
    scope = actor.provider_scope
    if scope is not None:
        query = query.where(Inspection.provider == scope)
    if provider_id is not None:
        query = query.where(Inspection.provider == provider_id)
    if status is not None:
        query = query.where(Inspection.status == status)
    if kind is not None:
        query = query.where(Inspection.kind == kind)
    if page.after is not None:
        query = query.where(after_key([Inspection.id], page.after, descending=True))
    rows = await query.order_by(Inspection.id, ascending=False).limit(page.limit + 1)
    return page_of([InspectionOut.model_validate(r) for r in rows], page, lambda c: (c.id,))
