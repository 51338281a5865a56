"""Bed-day checks (rules: ``ltc.domain.bed_days``): census days against hospital stays and
deaths, checked when a day is recorded and again when a stay or a death is imported later;
the agency explains a flagged day, the bureau accepts or refuses it; a settled month's census
stays as it is. What the settlement leaves out: :func:`unsettled_days`."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ltc.db.engine import write_transaction
from ltc.db.tables import BedDayFlag, CensusEntry, HospitalStay, Person, Settlement
from ltc.domain import bed_days as rules
from ltc.domain.access import Action, Actor, require, require_provider_visible
from ltc.domain.errors import NotFound
from ltc.domain.periods import Period
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.visits.reads import reading_scope

LOCKED = ("approved", "paid")


class FlagExplanationIn(Input):
    explanation: str = Field(min_length=1, max_length=2000)


class FlagResolutionIn(Input):
    resolution: Literal["accepted", "refused"]
    note: str = Field(default="", max_length=2000)


FlagStatus = Literal["open", "explained", "resolved", "withdrawn"]


class BedDayFlagOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    provider_id: int
    person_id: int
    day: date
    code: str
    status: str
    explanation: str
    resolution: str
    resolution_note: str
    opened_at: datetime


_COLUMNS = (
    BedDayFlag.id,
    BedDayFlag.provider.as_alias("provider_id"),
    BedDayFlag.person.as_alias("person_id"),
    BedDayFlag.day,
    BedDayFlag.code,
    BedDayFlag.status,
    BedDayFlag.explanation,
    BedDayFlag.resolution,
    BedDayFlag.resolution_note,
    BedDayFlag.opened_at,
)


async def check_census_open(provider_id: int, days: Iterable[date]) -> None:
    """Refuse (409 ``census_period_settled``) a day of a month the provider's settlement of
    which is approved or paid; the database refuses it too."""
    months = sorted({str(Period.of(day)) for day in days})
    for month in months:
        settled = await Settlement.exists().where(
            (Settlement.provider == provider_id) & (Settlement.period == month) & Settlement.status.is_in(list(LOCKED))
        )
        rules.check_census_open(settled, month)


async def check_bed_days(ctx: ServiceContext, person_ids: Collection[int], since: date | None = None) -> int:
    """Check the recorded census days of these persons (from ``since``) against their stays
    and death: a new contradiction opens a flag (or reopens a withdrawn one), a flag whose
    cause is gone is withdrawn. Returns how many flags were opened."""
    if not person_ids:
        return 0
    ids = list(person_ids)
    entries = CensusEntry.select(CensusEntry.provider, CensusEntry.person, CensusEntry.day, CensusEntry.status).where(
        CensusEntry.person.is_in(ids)
    )
    flags = BedDayFlag.select().where(BedDayFlag.person.is_in(ids))
    if since is not None:
        entries, flags = entries.where(CensusEntry.day >= since), flags.where(BedDayFlag.day >= since)
    stays: dict[int, list[rules.Stay]] = {}
    for row in await HospitalStay.select().where(HospitalStay.person.is_in(ids)):
        stays.setdefault(row["person"], []).append(rules.Stay(row["admitted_on"], row["discharged_on"]))
    deaths = {
        r["id"]: r["deceased_on"]
        for r in await Person.select(Person.id, Person.deceased_on).where(Person.id.is_in(ids))
    }
    due: dict[str, tuple[int, int, date, str]] = {}
    for e in await entries:
        for code in rules.bed_day_flags(e["day"], e["status"], stays.get(e["person"], ()), deaths.get(e["person"])):
            due[f"{e['person']}:{e['day'].isoformat()}:{code}"] = (e["provider"], e["person"], e["day"], code)
    existing = {f["flag_key"]: f for f in await flags}
    now = ctx.clock.now()
    opened = 0
    async with write_transaction():
        for key, (provider_id, person_id, day, code) in due.items():
            flag = existing.get(key)
            if flag is None:
                await BedDayFlag.insert(
                    BedDayFlag(
                        provider=provider_id, person=person_id, day=day, code=code, flag_key=key,
                        status=rules.OPEN, opened_at=now,
                    )
                )  # fmt: skip
                opened += 1
            elif flag["status"] == rules.WITHDRAWN:
                await BedDayFlag.update({BedDayFlag.status: rules.OPEN, BedDayFlag.opened_at: now}).where(
                    BedDayFlag.id == flag["id"]
                )
                opened += 1
        gone = [
            f["id"] for key, f in existing.items() if key not in due and f["status"] in (rules.OPEN, rules.EXPLAINED)
        ]
        if gone:
            await BedDayFlag.update({BedDayFlag.status: rules.WITHDRAWN}).where(BedDayFlag.id.is_in(gone))
    return opened


async def unsettled_days(period: Period, provider_id: int | None = None) -> dict[int, dict[int, set[date]]]:
    """The month's census days held back by their flags, by provider and person."""
    query = BedDayFlag.select(
        BedDayFlag.provider, BedDayFlag.person, BedDayFlag.day, BedDayFlag.status, BedDayFlag.resolution
    ).where((BedDayFlag.day >= period.first_day) & (BedDayFlag.day <= period.last_day))
    if provider_id is not None:
        query = query.where(BedDayFlag.provider == provider_id)
    states: dict[tuple[int, int, date], list[tuple[str, str]]] = {}
    for row in await query:
        states.setdefault((row["provider"], row["person"], row["day"]), []).append((row["status"], row["resolution"]))
    out: dict[int, dict[int, set[date]]] = {}
    for (provider, person, day), flag_states in states.items():
        if not rules.day_is_settled(flag_states):
            out.setdefault(provider, {}).setdefault(person, set()).add(day)
    return out


async def list_flags(
    actor: Actor, provider_id: int | None = None, status: FlagStatus | None = None
) -> list[BedDayFlagOut]:
    """The flagged bed-days (an agency: its own), newest day first."""
    scope = reading_scope(actor, provider_id)
    if actor.caregiver_scope is not None:
        return []  # a caregiver's own visits are theirs to see, not the institution's census
    query = BedDayFlag.select(*_COLUMNS)
    if scope is not None:
        query = query.where(BedDayFlag.provider == scope)
    if status is not None:
        query = query.where(BedDayFlag.status == status)
    rows = await query.order_by(BedDayFlag.day, ascending=False).order_by(BedDayFlag.id).limit(500)
    return [BedDayFlagOut.model_validate(r) for r in rows]


async def _flag(actor: Actor, flag_id: int) -> dict[str, Any]:
    row = await BedDayFlag.select(*_COLUMNS).where(BedDayFlag.id == flag_id).first()
    if row is None:
        raise NotFound("没有该床日异常", code="bed_day_flag_not_found")
    try:
        require_provider_visible(actor, row["provider_id"])
    except NotFound:
        raise NotFound("没有该床日异常", code="bed_day_flag_not_found") from None
    return row


async def explain_flag(ctx: ServiceContext, actor: Actor, flag_id: int, data: FlagExplanationIn) -> BedDayFlagOut:
    """The agency says why the day was recorded as a bed-day."""
    require(actor, Action.EXPLAIN_EXCEPTION)
    now = ctx.clock.now()
    async with write_transaction():
        row = await _flag(actor, flag_id)
        status = rules.next_flag_status(row["status"], "explain")
        await BedDayFlag.update(
            {
                BedDayFlag.status: status,
                BedDayFlag.explanation: data.explanation,
                BedDayFlag.explained_by: actor.user_id,
                BedDayFlag.explained_at: now,
            }
        ).where(BedDayFlag.id == flag_id)
        await record_change(
            actor=actor, at=now, action="bed_day_flag.explain", entity="bed_day_flag", entity_id=flag_id,
            before={"status": row["status"]}, after={"status": status}, reason=data.explanation,
        )  # fmt: skip
    return BedDayFlagOut.model_validate(await _flag(actor, flag_id))


async def resolve_flag(ctx: ServiceContext, actor: Actor, flag_id: int, data: FlagResolutionIn) -> BedDayFlagOut:
    """The bureau accepts the day (it is settled) or refuses it (it never is)."""
    require(actor, Action.RESOLVE_EXCEPTION)
    resolution = rules.check_resolution(data.resolution)
    now = ctx.clock.now()
    async with write_transaction():
        row = await _flag(actor, flag_id)
        status = rules.next_flag_status(row["status"], "resolve")
        await BedDayFlag.update(
            {
                BedDayFlag.status: status,
                BedDayFlag.resolution: resolution,
                BedDayFlag.resolution_note: data.note,
                BedDayFlag.resolved_by: actor.user_id,
                BedDayFlag.resolved_at: now,
            }
        ).where(BedDayFlag.id == flag_id)
        await record_change(
            actor=actor, at=now, action="bed_day_flag.resolve", entity="bed_day_flag", entity_id=flag_id,
            before={"status": row["status"]}, after={"status": status, "resolution": resolution}, reason=data.note,
        )  # fmt: skip
    return BedDayFlagOut.model_validate(await _flag(actor, flag_id))
