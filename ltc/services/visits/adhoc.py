"""Visits the agency adds by hand: an unscheduled or replacement visit, verified like any other."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from ltc.db.engine import write_transaction
from ltc.db.tables import Assignment, Caregiver, CarePlan, Visit
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.periods import service_month
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.partitions import ensure_for
from ltc.services.reference import service_catalogue
from ltc.services.visits.reads import get_visit
from ltc.services.visits.values import VisitIn, VisitOut

LONGEST_VISIT = timedelta(hours=12)


async def add_visit(ctx: ServiceContext, actor: Actor, data: VisitIn) -> VisitOut:
    """An unscheduled or replacement visit added by the agency; it is verified like any other."""
    require(actor, Action.RECORD_VISIT)
    start, end = data.planned_start, data.planned_end
    if end <= start:
        raise InvalidInput("结束时间须晚于开始时间", code="invalid_times")
    if end - start > LONGEST_VISIT:
        raise InvalidInput("单次上门服务不超过 12 小时", code="invalid_times")
    assignment = (
        await Assignment.select(Assignment.provider)
        .where((Assignment.person == data.person_id) & (Assignment.status == "active"))
        .first()
    )
    if assignment is None or assignment["provider"] != actor.provider_id:
        raise NotFound("没有该服务对象", code="person_not_found")
    caregiver = (
        await Caregiver.select(Caregiver.provider, Caregiver.active).where(Caregiver.id == data.caregiver_id).first()
    )
    if caregiver is None or caregiver["provider"] != actor.provider_id or not caregiver["active"]:
        raise NotFound("没有该护理人员", code="caregiver_not_found")
    unknown = service_catalogue(ctx.settings).unknown(data.items)
    if unknown:
        raise InvalidInput(f"未知服务项目：{', '.join(unknown)}", code="unknown_item")
    plan = (
        await CarePlan.select(CarePlan.id)
        .where((CarePlan.person == data.person_id) & (CarePlan.status == "confirmed"))
        .first()
    )
    now = ctx.clock.now()
    month = service_month(start, ctx.settings.zone)
    await ensure_for(month, month)  # a month far ahead gets its partition, not DEFAULT (PostgreSQL)
    async with write_transaction():
        visit = Visit(
            care_plan=plan["id"] if plan else None,
            person=data.person_id,
            provider=actor.provider_id,
            caregiver=data.caregiver_id,
            slot_key=f"agency:{uuid4()}",
            planned_start=start,
            planned_end=end,
            service_month=month,
            items=sorted(set(data.items)),
            source="agency",
            status="planned",
            created_at=now,
            updated_at=now,
        )
        await visit.save()
        await record_change(
            actor=actor,
            at=now,
            action="visit.add",
            entity="visit",
            entity_id=visit.id,
            after={
                "person_id": data.person_id,
                "caregiver_id": data.caregiver_id,
                "planned_start": start.isoformat(),
            },
        )
    return await get_visit(ctx, actor, visit.id)
