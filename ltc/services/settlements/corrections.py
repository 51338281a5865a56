"""Corrections to approved months: an approved settlement never changes, so a correction is
recorded and becomes an adjustment line (naming it) of a later draft of the provider, and is
applied by the approval of the settlement that carries it, once (migration 0010).

A correction is accepted only for a month that has ended, whose settlement for the provider
is approved or paid, for a person of that provider in that month (a line of the settlement,
or done visits or census days the settlement left out), and within what the month could have
paid for the person (``rules.check_correction``). It is checked with the settlement's row
locked, so two corrections at once cannot together pass the bound."""

from __future__ import annotations

from typing import Any

from ltc.db.engine import locked, write_transaction
from ltc.db.queries import months
from ltc.db.tables import (
    CarePlan,
    CensusEntry,
    Person,
    Provider,
    Settlement,
    SettlementCorrection,
    SettlementLine,
    Visit,
)
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.periods import Period, local_day
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book
from ltc.services.settlements.remote import family_care_inputs
from ltc.services.settlements.values import CorrectionRecorded, CorrectionRequest


async def add_correction(ctx: ServiceContext, actor: Actor, data: CorrectionRequest) -> CorrectionRecorded:
    """A correction to an approved month: it becomes an adjustment line of a later draft."""
    require(actor, Action.CORRECT_SETTLEMENT)
    period = Period.parse(data.corrects_period)
    if not data.reason.strip():
        raise InvalidInput("须说明更正原因", code="reason_required", errors=[{"field": "reason"}])
    if data.person_id is None:
        raise InvalidInput("更正须指明人员", code="person_required", errors=[{"field": "person_id"}])
    rules.check_month_ended(period, local_today(ctx.clock, ctx.settings.zone), "correct")
    now = ctx.clock.now()
    async with write_transaction():
        settlement = await locked(
            Settlement.select(Settlement.id, Settlement.status).where(
                Settlement.settlement_key == f"{data.provider_id}:{period}"
            )
        ).first()
        if settlement is None or settlement["status"] not in rules.LOCKED_STATUSES:
            raise Conflict("只能更正已审核通过的月份；未审核的请重新生成", code="period_not_approved")
        person = await _person_month(ctx, data.provider_id, data.person_id, period, settlement["id"])
        ceiling = rules.month_ceiling(person, period, policy_book(ctx.settings).in_force)
        rules.check_correction(person, data.amount_fen, data.fund_fen, ceiling)
        row = SettlementCorrection(
            provider=data.provider_id,
            person=data.person_id,
            corrects_period=str(period),
            amount_fen=data.amount_fen,
            fund_fen=data.fund_fen,
            reason=data.reason.strip(),
            created_by=actor.user_id,
            created_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="settlement.correction",
            entity="settlement_correction",
            entity_id=row.id,
            after=data.model_dump(exclude={"reason"}),
        )
    return CorrectionRecorded(
        id=row.id, provider_id=data.provider_id, corrects_period=str(period), amount_fen=data.amount_fen
    )


async def _person_month(
    ctx: ServiceContext, provider_id: int, person_id: int, period: Period, settlement_id: int
) -> rules.PersonMonth:
    """The person's month with the provider: what the settlement paid for them (with every
    correction recorded since), the levels and prices of their care. Refused
    (``person_not_of_provider``) when the person had no care of that provider that month."""
    zone = ctx.settings.zone
    lines = await SettlementLine.select(
        SettlementLine.kind,
        SettlementLine.level,
        SettlementLine.unit_price_fen,
        SettlementLine.gross_fen,
        SettlementLine.fund_fen,
    ).where(
        (SettlementLine.settlement == settlement_id)
        & months.of_period(period).where(SettlementLine.service_month)
        & (SettlementLine.person == person_id)
        & SettlementLine.kind.is_in([rules.HOME, rules.INSTITUTIONAL, rules.TRAVEL, rules.FAMILY_CARE])
    )
    visits = await Visit.select(Visit.care_plan.level.as_alias("level"), Visit.checked_in_at).where(
        (Visit.provider == provider_id)
        & (Visit.person == person_id)
        & (Visit.status == "done")
        & (Visit.checked_in_at >= period.start_utc(zone))
        & (Visit.checked_in_at < period.end_utc(zone))
        & months.of_checked_in_period(period, zone).where(Visit.service_month)
    )
    census = await CensusEntry.count().where(
        (CensusEntry.provider == provider_id)
        & (CensusEntry.person == person_id)
        & (CensusEntry.day >= period.first_day)
        & (CensusEntry.day <= period.last_day)
    )
    family_care = tuple(
        x for x in (await family_care_inputs(period, provider_id)).get(provider_id, []) if x.person_id == person_id
    )
    if not lines and not visits and not census and not family_care:
        raise InvalidInput(
            "该人员当月不在该机构结算范围内", code="person_not_of_provider", errors=[{"field": "person_id"}]
        )
    earlier = await SettlementCorrection.select(SettlementCorrection.amount_fen, SettlementCorrection.fund_fen).where(
        (SettlementCorrection.provider == provider_id)
        & (SettlementCorrection.person == person_id)
        & (SettlementCorrection.corrects_period == str(period))
    )
    provider: dict[str, Any] = (
        await Provider.select(Provider.hourly_price_fen, Provider.daily_price_fen)
        .where(Provider.id == provider_id)
        .first()
    ) or {}
    home_levels = {x["level"] for x in lines if x["kind"] == rules.HOME and x["level"]}
    home_levels |= {v["level"] for v in visits if v["level"]}
    institutional_levels = {x["level"] for x in lines if x["kind"] == rules.INSTITUTIONAL and x["level"]}
    if census:
        plans = await CarePlan.select(CarePlan.level).where(
            (CarePlan.provider == provider_id)
            & (CarePlan.person == person_id)
            & (CarePlan.care_mode == "institutional")
        )
        institutional_levels |= {p["level"] for p in plans if p["level"]}
    town = await Person.select(Person.town.code.as_alias("code")).where(Person.id == person_id).first()
    hourly = {x["unit_price_fen"] for x in lines if x["kind"] == rules.HOME and x["unit_price_fen"]}
    if provider.get("hourly_price_fen"):
        hourly.add(provider["hourly_price_fen"])
    daily = {x["unit_price_fen"] for x in lines if x["kind"] == rules.INSTITUTIONAL and x["unit_price_fen"]}
    if provider.get("daily_price_fen"):
        daily.add(provider["daily_price_fen"])
    return rules.PersonMonth(
        paid_gross_fen=sum(x["gross_fen"] for x in lines) + sum(c["amount_fen"] for c in earlier),
        paid_fund_fen=sum(x["fund_fen"] for x in lines)
        + sum(c["amount_fen"] if c["fund_fen"] is None else c["fund_fen"] for c in earlier),
        home_levels=tuple(sorted(home_levels)),
        institutional_levels=tuple(sorted(institutional_levels)),
        hourly_prices=tuple(sorted(hourly)),
        daily_prices=tuple(sorted(daily)),
        family_care=family_care,
        visit_days=tuple(sorted(local_day(v["checked_in_at"], zone) for v in visits if v["checked_in_at"])),
        town_code=town["code"] if town else None,
    )
