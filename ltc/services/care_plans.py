"""Care plans: derived from the final level and the care mode, adjusted by the agency within
the policy, confirmed by the person or family. Every version is kept; the scheduler uses
the newest confirmed one."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ltc.db.engine import locked, write_transaction
from ltc.db.queries import agency as desk
from ltc.db.queries.agency import int_key
from ltc.db.queries.paging import Page, PageRequest, page_of
from ltc.db.tables import Assignment, CarePlan, Conclusion, Person, Visit
from ltc.domain.access import Action, Actor, require
from ltc.domain.care_plan import (
    MAX_WINDOW_MINUTES,
    CarePlanDraft,
    PlanBounds,
    adjust_plan,
    changed_fields,
    derive_plan,
    parse_slot,
    plan_bounds,
)
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.reference import policy_book, service_catalogue


class Slot(Input):
    weekday: int = Field(ge=0, le=6)
    start: str = Field(pattern=r"^\d{1,2}:\d{2}$")
    # minutes after ``start`` the visit may still start; None: the policy's visit_window_minutes
    window_minutes: int | None = Field(default=None, ge=0, le=MAX_WINDOW_MINUTES)


class CarePlanIn(Input):
    person_id: RecordId
    items: list[str] = Field(min_length=1, max_length=42)
    slots: list[Slot] | None = Field(default=None, max_length=28)


class CarePlanChanges(Input):
    reason: str = Field(min_length=1, max_length=2000)
    monthly_hours: int | None = Field(default=None, ge=1, le=744)
    items: list[str] | None = Field(default=None, max_length=42)
    slots: list[Slot] | None = Field(default=None, max_length=28)


class ConfirmIn(Input):
    confirmed_by: str = Field(min_length=1, max_length=64, description="the person or family member who confirmed")


class CarePlanOut(BaseModel):
    id: int
    person_id: int
    provider_id: int
    version: int
    status: str
    current: bool
    level: int
    care_mode: str
    items: list[str]
    needs_nurse: bool
    monthly_hours: int
    visit_minutes: int
    visits_per_month: int
    slots: list[Slot]
    bed_day_cap_fen: int
    policy_version: str
    reason: str
    confirmed_by: str
    confirmed_at: datetime | None
    created_at: datetime


def _draft_of(row: dict[str, Any]) -> CarePlanDraft:
    return CarePlanDraft(
        level=row["level"],
        care_mode=row["care_mode"],
        policy_version=row["policy_version"],
        items=tuple(row["items"]),
        needs_nurse=row["needs_nurse"],
        monthly_hours=row["monthly_hours"],
        visit_minutes=row["visit_minutes"],
        visits_per_month=row["visits_per_month"],
        slots=tuple(parse_slot(s) for s in row["slots"]),
        bed_day_cap_fen=row["bed_day_cap_fen"],
    )


def _columns(draft: CarePlanDraft) -> dict[str, Any]:
    data = draft.to_dict()
    return {
        key: data[key]
        for key in (
            "level",
            "care_mode",
            "items",
            "needs_nurse",
            "monthly_hours",
            "visit_minutes",
            "visits_per_month",
            "slots",
            "bed_day_cap_fen",
            "policy_version",
        )
    }


def _out(row: dict[str, Any]) -> CarePlanOut:
    return CarePlanOut.model_validate(
        {**row, "person_id": row["person"], "provider_id": row["provider"], "current": row["current_key"] is not None}
    )


async def _row(plan_id: int) -> dict[str, Any] | None:
    return await CarePlan.select().where(CarePlan.id == plan_id).output(load_json=True).first()


def _in_scope(actor: Actor, provider_id: int | None) -> bool:
    scope = actor.provider_scope
    return scope is None or scope == provider_id


def _require_provider(actor: Actor, provider_id: int) -> None:
    require(actor, Action.WRITE_CARE_PLAN)
    if not _in_scope(actor, provider_id):
        raise NotFound("没有该护理计划", code="care_plan_not_found")


async def get_plan(ctx: ServiceContext, actor: Actor, plan_id: int) -> CarePlanOut:
    row = await _row(plan_id)
    if row is None or not _in_scope(actor, row["provider"]) or not actor.may(Action.READ_CARE_PLAN):
        raise NotFound("没有该护理计划", code="care_plan_not_found")
    return _out(row)


async def plans_of_person(ctx: ServiceContext, actor: Actor, person_id: int) -> list[CarePlanOut]:
    """Every version, oldest first. An agency sees its own provider's, and is told the same
    (404) of a person with none of its plans as of one who does not exist."""
    require(actor, Action.READ_CARE_PLAN)
    rows = await CarePlan.select().where(CarePlan.person == person_id).order_by(CarePlan.version).output(load_json=True)
    plans = [_out(r) for r in rows if _in_scope(actor, r["provider"])]
    if not plans and (actor.provider_scope is not None or not await Person.exists().where(Person.id == person_id)):
        raise NotFound("没有该人员", code="person_not_found")
    return plans


async def _save_version(
    actor: Actor,
    now: datetime,
    *,
    person_id: int,
    provider_id: int,
    conclusion_id: int,
    version: int,
    draft: CarePlanDraft,
    reason: str = "",
) -> CarePlan:
    """A person's plan version as a draft waiting for the family's confirmation, the current one."""
    plan = CarePlan(
        person=person_id,
        provider=provider_id,
        conclusion=conclusion_id,
        version=version,
        version_key=f"{person_id}:{version}",
        current_key=f"person:{person_id}",
        status="draft",
        reason=reason,
        created_by=actor.user_id,
        created_at=now,
        **_columns(draft),
    )
    await plan.save()
    return plan


async def create_plan(
    ctx: ServiceContext, actor: Actor, person_id: int, items: list[str], slots: Sequence[Slot] | None = None
) -> CarePlanOut:
    """The first plan of a beneficiary at their assigned provider, derived from the final level.
    An agency is told the same (404) of a person who does not exist and of one who is not
    its own: the answer reveals nothing of other agencies' people."""
    require(actor, Action.WRITE_CARE_PLAN)
    assignment = (
        await Assignment.select().where((Assignment.person == person_id) & (Assignment.status == "active")).first()
    )
    if not _in_scope(actor, assignment["provider"] if assignment else None):
        raise NotFound("没有该人员", code="person_not_found")
    if assignment is None:
        if not await Person.exists().where(Person.id == person_id):
            raise NotFound("没有该人员", code="person_not_found")
        raise Conflict("该人员尚未分配到护理机构", code="not_assigned")
    conclusion = (
        await Conclusion.select()
        .where((Conclusion.person == person_id) & (Conclusion.status == "active") & (Conclusion.severe == True))
        .order_by(Conclusion.id, ascending=False)
        .first()
    )
    if conclusion is None:
        raise Conflict("没有有效的重度失能结论", code="no_severe_conclusion")
    today = local_today(ctx.clock, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(today)
    catalogue = service_catalogue(ctx.settings)
    town = await town_code_of(person_id)
    draft = derive_plan(
        conclusion["level"], assignment["care_mode"], policy, items, catalogue, stagger=person_id, town=town
    )
    if slots is not None:
        draft = adjust_plan(draft, {"slots": [s.model_dump() for s in slots]}, policy, catalogue, town=town)
    now = ctx.clock.now()
    async with write_transaction():
        await locked(Person.select(Person.id).where(Person.id == person_id)).first()
        if await CarePlan.exists().where(CarePlan.person == person_id):
            raise Conflict("该人员已有护理计划，请调整现有计划", code="care_plan_exists")
        plan = await _save_version(
            actor,
            now,
            person_id=person_id,
            provider_id=assignment["provider"],
            conclusion_id=conclusion["id"],
            version=1,
            draft=draft,
        )
        await record_change(
            actor=actor,
            at=now,
            action="care_plan.create",
            entity="care_plan",
            entity_id=plan.id,
            after={"person_id": person_id, "level": draft.level, "items": list(draft.items)},
        )
    return await get_plan(ctx, actor, plan.id)


async def adjust(ctx: ServiceContext, actor: Actor, plan_id: int, data: CarePlanChanges) -> CarePlanOut:
    """A new draft version from the current one; the earlier versions stay as they were."""
    changes = data.model_dump(exclude_unset=True, exclude={"reason"})
    reason = data.reason
    if not reason.strip():
        raise InvalidInput("调整护理计划须说明原因", code="reason_required")
    row = await _row(plan_id)
    if row is None:
        raise NotFound("没有该护理计划", code="care_plan_not_found")
    _require_provider(actor, row["provider"])
    if row["current_key"] is None:
        raise Conflict("只能调整当前版本", code="not_the_current_version")
    today = local_today(ctx.clock, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(today)
    draft = adjust_plan(
        _draft_of(row), changes, policy, service_catalogue(ctx.settings), town=await town_code_of(row["person"])
    )
    now = ctx.clock.now()
    async with write_transaction():
        current = await locked(
            CarePlan.select(CarePlan.id, CarePlan.version).where(CarePlan.current_key == f"person:{row['person']}")
        ).first()
        if current is None or current["id"] != plan_id:
            raise Conflict("计划已被他人调整，请刷新", code="stale_version")
        await CarePlan.update({CarePlan.current_key: None}).where(CarePlan.id == plan_id)
        version = current["version"] + 1
        plan = await _save_version(
            actor,
            now,
            person_id=row["person"],
            provider_id=row["provider"],
            conclusion_id=row["conclusion"],
            version=version,
            draft=draft,
            reason=reason.strip(),
        )
        await record_change(
            actor=actor,
            at=now,
            action="care_plan.adjust",
            entity="care_plan",
            entity_id=plan.id,
            before=_columns(_draft_of(row)),
            after=_columns(draft) | {"reason": reason.strip()},
        )
    return await get_plan(ctx, actor, plan.id)


async def confirm(ctx: ServiceContext, actor: Actor, plan_id: int, confirmed_by: str) -> CarePlanOut:
    """The person or family confirms the draft: it becomes the plan visits are scheduled from;
    visits of the earlier version that have not begun are cancelled, to be generated anew."""
    if not confirmed_by.strip():
        raise InvalidInput("须记录确认人（本人或家属）", code="confirmed_by_required")
    row = await _row(plan_id)
    if row is None:
        raise NotFound("没有该护理计划", code="care_plan_not_found")
    _require_provider(actor, row["provider"])
    now = ctx.clock.now()
    async with write_transaction():
        fresh = await locked(
            CarePlan.select(CarePlan.status, CarePlan.current_key).where(CarePlan.id == plan_id)
        ).first()
        if fresh["status"] != "draft" or fresh["current_key"] is None:
            raise Conflict(f"计划状态为 {fresh['status']}，不能确认", code="invalid_state")
        earlier = [
            r["id"]
            for r in await CarePlan.select(CarePlan.id).where(
                (CarePlan.person == row["person"]) & (CarePlan.status == "confirmed")
            )
        ]
        if earlier:
            await CarePlan.update({CarePlan.status: "superseded"}).where(CarePlan.id.is_in(earlier))
            await Visit.update({Visit.status: "cancelled", Visit.updated_at: now}).where(
                Visit.care_plan.is_in(earlier) & (Visit.status == "planned") & (Visit.planned_start > now)
            )
        await CarePlan.update(
            {
                CarePlan.status: "confirmed",
                CarePlan.confirmed_by: confirmed_by.strip()[:64],
                CarePlan.confirmed_at: now,
            }
        ).where(CarePlan.id == plan_id)
        await record_change(
            actor=actor,
            at=now,
            action="care_plan.confirm",
            entity="care_plan",
            entity_id=plan_id,
            after={"confirmed_by": confirmed_by.strip(), "superseded": earlier},
        )
    return await get_plan(ctx, actor, plan_id)


# --------------------------------------------------------------------------- the agency's desk


class RosterRow(BaseModel):
    """One of the provider's assigned people and their current plan (none yet: ``plan_id`` None)."""

    person_id: int
    person_name: str
    care_mode: str
    level: int | None
    plan_id: int | None
    plan_status: str | None
    plan_version: int | None


ROSTER_STATES = tuple(desk.ROSTER_STATES)
FIRST_PAGE = PageRequest()


async def roster(
    ctx: ServiceContext,
    actor: Actor,
    *,
    provider_id: int | None = None,
    state: str | None = None,
    care_mode: str | None = None,
    name: str | None = None,
    page: PageRequest = FIRST_PAGE,
) -> Page[RosterRow]:
    """The provider's people needing or holding a plan, in id order (an agency: its own)."""
    require(actor, Action.READ_CARE_PLAN)
    scope = actor.provider_scope if actor.provider_scope is not None else provider_id
    if scope is None:
        raise InvalidInput("须指定护理机构", code="provider_required", errors=[{"field": "provider_id"}])
    if state is not None and state not in ROSTER_STATES:
        raise InvalidInput("未知的计划状态", code="unknown_plan_state", errors=[{"field": "state"}])
    after = int_key(page.after)
    rows = await desk.roster_rows(scope, state=state, care_mode=care_mode, name=name, after=after, limit=page.limit)
    return page_of([RosterRow.model_validate(r) for r in rows], page, lambda r: (r.person_id,))


async def on_roster(ctx: ServiceContext, actor: Actor, person_id: int) -> RosterRow:
    """One of the agency's assigned people; another agency's (or no one) is 'not found'."""
    require(actor, Action.WRITE_CARE_PLAN)
    row = await desk.roster_row(actor.provider_scope or 0, person_id) if actor.provider_scope else None
    if row is None:
        raise NotFound("没有该人员", code="person_not_found")
    return RosterRow.model_validate(row)


async def entitlement(ctx: ServiceContext, level: int, care_mode: str) -> PlanBounds:
    """What the policy in force gives a level in a care mode (the bounds of its plan)."""
    policy = policy_book(ctx.settings).in_force(local_today(ctx.clock, ctx.settings.zone))
    return plan_bounds(level, care_mode, policy)


async def town_code_of(person_id: int) -> str | None:
    """The code of the person's town (whose own rules a plan follows), if known."""
    row = await Person.select(Person.town.code.as_alias("code")).where(Person.id == person_id).first()
    return row["code"] if row else None


async def awaiting_confirmation(actor: Actor) -> int:
    """How many of the agency's current plans wait for the family's confirmation."""
    if actor.provider_scope is None or not actor.may(Action.WRITE_CARE_PLAN):
        return 0
    return await desk.plans_awaiting_confirmation(actor.provider_scope)


def draft_of(plan: CarePlanOut) -> CarePlanDraft:
    return _draft_of(plan.model_dump() | {"slots": [s.model_dump() for s in plan.slots]})


async def bounds_of(ctx: ServiceContext, plan: CarePlanOut) -> PlanBounds:
    """The limits the policy in force puts on adjusting this plan."""
    return await entitlement(ctx, plan.level, plan.care_mode)


def changes_between(plans: Sequence[CarePlanOut]) -> list[frozenset[str]]:
    """For each version, the fields it changed from the one before (none for the first)."""
    drafts = [draft_of(p) for p in plans]
    return [frozenset()] + [changed_fields(a, b) for a, b in itertools.pairwise(drafts)]
