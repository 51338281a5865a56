"""The daily census of an institution's residents (admitted, present, on leave, in hospital,
discharged): what institutional bed-days are settled from. A day in hospital is no bed-day
(the hospital's stay is paid by the medical insurance), and no leave day either."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.queries import agency as desk
from ltc.db.tables import Assignment, CensusEntry
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import InvalidInput
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.supervision.bed_days import check_bed_days, check_census_open
from ltc.services.visits.reads import reading_scope

STATUSES = ("present", "leave", "hospital", "admitted", "discharged")


class CensusEntryIn(Input):
    person_id: RecordId
    status: str = Field(min_length=1, max_length=16)


class CensusIn(Input):
    day: date
    entries: list[CensusEntryIn] = Field(min_length=1, max_length=2000)


class CensusRecorded(BaseModel):
    day: date
    entries: int


class CensusEntryOut(BaseModel):
    person_id: int
    person_name: str | None
    provider_id: int
    day: date
    status: str


async def record_census(
    ctx: ServiceContext, actor: Actor, day: date, entries: Sequence[CensusEntryIn]
) -> CensusRecorded:
    """One day's census for the agency's institution; sending the day again corrects it."""
    require(actor, Action.RECORD_CENSUS)
    if day > local_today(ctx.clock, ctx.settings.zone):
        raise InvalidInput("不能登记未来日期的在院情况", code="day_in_future")
    bad = [e for e in entries if e.status not in STATUSES]
    if bad:
        raise InvalidInput(f"状态须为 {', '.join(STATUSES)} 之一", code="unknown_census_status")
    residents = {
        r["person"]
        for r in await Assignment.select(Assignment.person).where(
            (Assignment.provider == actor.provider_id)
            & (Assignment.status == "active")
            & (Assignment.care_mode == "institutional")
        )
    }
    strangers = [e.person_id for e in entries if e.person_id not in residents]
    if strangers:
        raise InvalidInput(
            "这些人员不是本机构的机构护理对象", code="not_a_resident", errors=[{"person_id": p} for p in strangers]
        )
    now = ctx.clock.now()
    async with write_transaction():
        await check_census_open(actor.provider_id or 0, [day])
        for e in entries:
            key = f"{e.person_id}:{day.isoformat()}"
            if await CensusEntry.exists().where(CensusEntry.census_key == key):
                await CensusEntry.update(
                    {
                        CensusEntry.status: e.status,
                        CensusEntry.recorded_by: actor.user_id,
                        CensusEntry.recorded_at: now,
                    }
                ).where(CensusEntry.census_key == key)
            else:
                await CensusEntry.insert(
                    CensusEntry(
                        provider=actor.provider_id,
                        person=e.person_id,
                        day=day,
                        census_key=key,
                        status=e.status,
                        recorded_by=actor.user_id,
                        recorded_at=now,
                    )
                )
        await record_change(
            actor=actor,
            at=now,
            action="census.record",
            entity="census",
            entity_id=actor.provider_id,
            after={"day": day.isoformat(), "entries": len(entries)},
        )
    await check_bed_days(ctx, {e.person_id for e in entries}, day)
    return CensusRecorded(day=day, entries=len(entries))


async def census_of(ctx: ServiceContext, actor: Actor, provider_id: int | None, day: date) -> list[CensusEntryOut]:
    """The census of a day (agencies: their own institution's)."""
    provider_id = reading_scope(actor, provider_id)
    query = CensusEntry.select(
        CensusEntry.person.as_alias("person_id"),
        CensusEntry.person.name.as_alias("person_name"),
        CensusEntry.provider.as_alias("provider_id"),
        CensusEntry.day,
        CensusEntry.status,
    ).where(CensusEntry.day == day)
    if provider_id is not None:
        query = query.where(CensusEntry.provider == provider_id)
    return [CensusEntryOut.model_validate(r) for r in await query.order_by(CensusEntry.person)]


class ResidentDay(BaseModel):
    """A resident of the institution and what the census of the day recorded (None: nothing yet)."""

    person_id: int
    person_name: str
    status: str | None


class RecordedDay(BaseModel):
    day: date
    entries: int


async def residents_on(ctx: ServiceContext, actor: Actor, day: date) -> list[ResidentDay]:
    """The agency's institutional residents, each with the day's recorded status."""
    require(actor, Action.RECORD_CENSUS)
    rows = await desk.resident_rows(actor.provider_id or 0, day)
    return [ResidentDay.model_validate(r) for r in rows]


async def recorded_days(ctx: ServiceContext, actor: Actor, before: date, limit: int = 14) -> list[RecordedDay]:
    """The latest days before ``before`` the agency recorded, newest first."""
    require(actor, Action.RECORD_CENSUS)
    rows = await desk.census_days(actor.provider_id or 0, before, limit)
    return [RecordedDay.model_validate(r) for r in rows]
