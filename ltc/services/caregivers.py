"""Caregivers at the agency's desk: one caregiver read, a provider's caregivers a page at a
time, an edit, a deactivation (with a reason) and a taking back. Adding a caregiver and the
whole list stay with the provider registry (``ltc.services.providers``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ltc.db.engine import write_transaction
from ltc.db.queries.agency import int_key
from ltc.db.queries.paging import Page, PageRequest, page_of
from ltc.db.tables import Caregiver, Visit
from ltc.domain.access import Action, Actor, require
from ltc.domain.coordinates import check_in_china
from ltc.domain.errors import InvalidInput, NotFound
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.jobs import start_job
from ltc.services.positions import CoordinateSystem, to_wgs84
from ltc.services.providers import _CAREGIVER_COLUMNS, QUALIFICATIONS, CaregiverOut, get_provider
from ltc.services.replan_values import ReplanParams

FIRST_PAGE = PageRequest()


class CaregiverChanges(Input):
    """A change to a caregiver's record; ``active: false`` deactivates (a reason is required),
    ``active: true`` takes the caregiver back."""

    name: str | None = Field(default=None, min_length=1, max_length=64)
    qualification: str | None = Field(default=None, min_length=1, max_length=32)
    lat: float | None = None
    lon: float | None = None
    coordinate_system: CoordinateSystem = "wgs84"
    weekly_hours: int | None = Field(default=None, ge=1, le=60)
    skills: list[str] | None = Field(default=None, max_length=60)
    active: bool | None = None
    reason: str = Field(default="", max_length=2000)


async def get_caregiver(actor: Actor, caregiver_id: int) -> CaregiverOut:
    """One caregiver; another agency's is 'not found'."""
    require(actor, Action.MANAGE_CAREGIVERS)
    row = await Caregiver.select(*_CAREGIVER_COLUMNS).output(load_json=True).where(Caregiver.id == caregiver_id).first()
    scope = actor.provider_scope
    if row is None or (scope is not None and scope != row["provider_id"]):
        raise NotFound("没有该护理人员", code="caregiver_not_found")
    return CaregiverOut.model_validate(row)


async def caregivers_page(
    actor: Actor,
    provider_id: int,
    *,
    active: bool | None = None,
    qualification: str | None = None,
    page: PageRequest = FIRST_PAGE,
) -> Page[CaregiverOut]:
    """A provider's caregivers in id order after ``after``, filtered."""
    require(actor, Action.MANAGE_CAREGIVERS)
    await get_provider(actor, provider_id)
    query = (
        Caregiver.select(*_CAREGIVER_COLUMNS)
        .output(load_json=True)
        .where((Caregiver.provider == provider_id) & (Caregiver.id > int_key(page.after)))
    )
    if active is not None:
        query = query.where(Caregiver.active == active)
    if qualification:
        query = query.where(Caregiver.qualification == qualification)
    rows = await query.order_by(Caregiver.id).limit(page.limit + 1)
    return page_of([CaregiverOut.model_validate(r) for r in rows], page, lambda c: (c.id,))


async def planned_visits_ahead(ctx: ServiceContext, caregiver_id: int) -> int:
    """The caregiver's planned visits not yet begun: what a deactivation leaves without them."""
    now = ctx.clock.now()
    return await Visit.count().where(
        (Visit.caregiver == caregiver_id) & (Visit.status == "planned") & (Visit.planned_start > now)
    )


async def update_caregiver(
    ctx: ServiceContext, actor: Actor, caregiver_id: int, data: CaregiverChanges
) -> CaregiverOut:
    """Edit a caregiver, deactivate one (with a reason: the scheduler no longer gives them
    visits, and no visit can be added for them) or take one back."""
    before = await get_caregiver(actor, caregiver_id)
    # A field sent as null changes nothing, like one left out.
    sent = data.model_dump(exclude_unset=True, exclude={"reason", "coordinate_system"})
    changes = {name: value for name, value in sent.items() if value is not None}
    if not changes:
        raise InvalidInput("没有要修改的内容", code="no_changes")
    if data.qualification is not None and data.qualification not in QUALIFICATIONS:
        raise InvalidInput("未知的资质", code="unknown_qualification", errors=[{"field": "qualification"}])
    if (data.lat is None) != (data.lon is None):
        raise InvalidInput("经纬度须同时给出", code="incomplete_position", errors=[{"field": "lat"}])
    if data.active is False and before.active and not data.reason.strip():
        raise InvalidInput("停用护理人员须说明原因", code="reason_required", errors=[{"field": "reason"}])
    values: dict[Any, Any] = {}
    for name in ("name", "qualification", "weekly_hours", "skills", "active"):
        if changes.get(name) is not None:
            values[getattr(Caregiver, name)] = changes[name]
    if data.lat is not None and data.lon is not None:
        lat, lon = to_wgs84(data.lat, data.lon, data.coordinate_system)
        check_in_china(lat, lon)
        values[Caregiver.lat], values[Caregiver.lon] = lat, lon
    now = ctx.clock.now()
    action = "caregiver.update"
    if data.active is False and before.active:
        action = "caregiver.deactivate"
    elif data.active is True and not before.active:
        action = "caregiver.reactivate"
    async with write_transaction():
        await Caregiver.update(values).where(Caregiver.id == caregiver_id)
        await record_change(
            actor=actor,
            at=now,
            action=action,
            entity="caregiver",
            entity_id=caregiver_id,
            before={c._meta.name: getattr(before, c._meta.name) for c in values},
            after={c._meta.name: v for c, v in values.items()},
            reason=data.reason.strip(),
        )
    if action == "caregiver.deactivate":
        # Their visits ahead go to colleagues (or to the unscheduled list), like an endless absence.
        await start_job(
            ctx,
            actor,
            "replan_absence",
            ReplanParams(caregiver_id=caregiver_id, starts_at=now, cause="deactivation"),
            provider_id=before.provider_id,
        )
    return await get_caregiver(actor, caregiver_id)
