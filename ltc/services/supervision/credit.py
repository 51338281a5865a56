"""Credit (信用) of providers and caregivers: points deducted by findings (the policy's table),
a level by the policy's thresholds, and bars (黑名单) that block a provider's designation (by
its credit code) and a caregiver's work (by their id number's blind index)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from ltc.db.tables import Caregiver, CreditEvent, Provider
from ltc.domain import inspection_outcomes as rules
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.errors import Conflict, NotFound
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book


class CreditEventOut(BaseModel):
    points: int
    reason: str
    inspection_id: int | None
    barred_until: date | None
    recorded_at: datetime


class CreditOut(BaseModel):
    points: int
    level: str
    barred_until: date | None
    history: list[CreditEventOut]


_EVENT_COLUMNS = (
    CreditEvent.points,
    CreditEvent.reason,
    CreditEvent.inspection.as_alias("inspection_id"),
    CreditEvent.barred_until,
    CreditEvent.recorded_at,
)


async def _credit(ctx: ServiceContext, rows: list[dict]) -> CreditOut:
    today = local_today(ctx.clock, ctx.settings.zone)
    policy = policy_book(ctx.settings).in_force(today)
    history = [CreditEventOut.model_validate(r) for r in rows]
    points = rules.credit_points(policy.credit_start_points, (e.points for e in history))
    return CreditOut(
        points=points,
        level=rules.credit_level(points, policy.credit_level_points),
        barred_until=rules.barred((e.barred_until for e in history), today),
        history=history,
    )


async def provider_credit(ctx: ServiceContext, actor: Actor, provider_id: int) -> CreditOut:
    """A provider's credit: its own events and the bars on its credit code (which follow it to
    a new registration). An agency reads its own only."""
    require(actor, Action.READ_CREDIT)
    require_provider_visible(actor, provider_id)
    provider = await Provider.select(Provider.credit_code).where(Provider.id == provider_id).first()
    if provider is None:
        raise NotFound("没有该护理机构", code="provider_not_found")
    same = CreditEvent.provider == provider_id
    if provider["credit_code"]:
        same = same | (CreditEvent.credit_code == provider["credit_code"])
    rows = (
        await CreditEvent.select(*_EVENT_COLUMNS).where(same & CreditEvent.caregiver.is_null()).order_by(CreditEvent.id)
    )
    return await _credit(ctx, rows)


async def caregiver_credit(ctx: ServiceContext, actor: Actor, caregiver_id: int) -> CreditOut:
    """A caregiver's credit, with the bars on their id number from any provider."""
    require(actor, Action.READ_CREDIT)
    row = (
        await Caregiver.select(Caregiver.provider, Caregiver.id_number_index)
        .where(Caregiver.id == caregiver_id)
        .first()
    )
    scope = actor.provider_scope
    if row is None or (scope is not None and scope != row["provider"]):
        raise NotFound("没有该护理人员", code="caregiver_not_found")
    same = CreditEvent.caregiver == caregiver_id
    if row["id_number_index"]:
        same = same | (CreditEvent.id_number_index == row["id_number_index"])
    rows = await CreditEvent.select(*_EVENT_COLUMNS).where(same).order_by(CreditEvent.id)
    return await _credit(ctx, rows)


async def _barred(where: object, today: date) -> bool:
    return await CreditEvent.exists().where(where & (CreditEvent.barred_until >= today))  # type: ignore[operator]


async def refuse_barred_provider(ctx: ServiceContext, credit_code: str, provider_id: int | None = None) -> None:
    """A provider barred (by its credit code, or itself) is not designated."""
    today = local_today(ctx.clock, ctx.settings.zone)
    where = CreditEvent.caregiver.is_null() & (
        (CreditEvent.credit_code == credit_code) if credit_code else (CreditEvent.provider == provider_id)
    )
    if (credit_code or provider_id) and await _barred(where, today):
        raise Conflict("该机构在黑名单禁入期内", code="provider_barred", errors=[{"field": "credit_code"}])


async def refuse_barred_caregiver(ctx: ServiceContext, id_number_index: str, caregiver_id: int | None = None) -> None:
    """A caregiver barred (themselves, or by id number at any provider) is not registered nor
    taken back."""
    today = local_today(ctx.clock, ctx.settings.zone)
    by_id = CreditEvent.caregiver == (caregiver_id or 0)
    where = by_id | (CreditEvent.id_number_index == id_number_index) if id_number_index else by_id
    if await _barred(where, today):
        raise Conflict("该护理人员在黑名单禁入期内", code="caregiver_barred", errors=[{"field": "id_number"}])
