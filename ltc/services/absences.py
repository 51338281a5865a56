"""Caregivers' absences (sick, leave, training, other) at the agency's desk: recorded (which
starts the job re-planning the caregiver's visits in it), listed, cancelled; and what the
scheduler and the roster read of them: each caregiver's availability, their working days
and hours minus absences."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, cast
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ltc.db.engine import write_transaction
from ltc.db.parameters import in_parts
from ltc.db.queries.paging import Page, PageRequest, after_key, page_of
from ltc.db.tables import Caregiver, CaregiverAbsence, Visit
from ltc.domain import roster as availability
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict, NotFound
from ltc.domain.policy import Policy
from ltc.domain.scheduling import ALL_DAYS, Booking, CaregiverInput
from ltc.services.audit import record_change
from ltc.services.caregivers import get_caregiver
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.jobs import start_job
from ltc.services.reference import policy_book
from ltc.services.replan_values import ReplanParams


class AbsenceIn(Input):
    """``from`` and ``to`` are aware times: the caregiver is away from ``from`` to ``to``."""

    model_config = ConfigDict(populate_by_name=True)

    starts_at: datetime = Field(alias="from")
    ends_at: datetime = Field(alias="to")
    reason: str = Field(min_length=1, max_length=16)
    note: str = Field(default="", max_length=500)


class AbsenceOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: int
    caregiver_id: int
    starts_at: datetime = Field(alias="from")
    ends_at: datetime = Field(alias="to")
    reason: str
    note: str
    created_at: datetime
    cancelled_at: datetime | None
    job_id: UUID | None


class AbsenceRecorded(BaseModel):
    id: int
    job_id: UUID


_COLUMNS = (
    CaregiverAbsence.id,
    CaregiverAbsence.caregiver.as_alias("caregiver_id"),
    CaregiverAbsence.starts_at.as_alias("from"),
    CaregiverAbsence.ends_at.as_alias("to"),
    CaregiverAbsence.reason,
    CaregiverAbsence.note,
    CaregiverAbsence.created_at,
    CaregiverAbsence.cancelled_at,
    CaregiverAbsence.job.as_alias("job_id"),
)


async def record_absence(ctx: ServiceContext, actor: Actor, caregiver_id: int, data: AbsenceIn) -> AbsenceRecorded:
    """Record the absence, then start the job that re-plans the caregiver's visits in it."""
    caregiver = await get_caregiver(ctx, actor, caregiver_id)
    availability.check_absence(data.starts_at, data.ends_at, data.reason)
    if not caregiver.active:
        raise Conflict("该护理人员已停用", code="caregiver_inactive")
    now = ctx.clock.now()
    async with write_transaction():
        overlapping = await CaregiverAbsence.exists().where(
            (CaregiverAbsence.caregiver == caregiver_id)
            & CaregiverAbsence.cancelled_at.is_null()
            & (CaregiverAbsence.starts_at < data.ends_at)
            & (CaregiverAbsence.ends_at > data.starts_at)
        )
        if overlapping:
            raise Conflict("该时段已有缺勤记录", code="absence_overlaps")
        row = CaregiverAbsence(
            caregiver=caregiver_id,
            provider=caregiver.provider_id,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            reason=data.reason,
            note=data.note,
            created_by=actor.user_id,
            created_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="caregiver.absence",
            entity="caregiver",
            entity_id=caregiver_id,
            after={
                "absence_id": row.id,
                "from": data.starts_at.isoformat(),
                "to": data.ends_at.isoformat(),
                "reason": data.reason,
            },
            reason=data.note,
        )
    params = ReplanParams(
        caregiver_id=caregiver_id, starts_at=data.starts_at, ends_at=data.ends_at, absence_id=row.id, cause="absence"
    )
    job_id = await start_job(ctx, actor, "replan_absence", params, provider_id=caregiver.provider_id)
    await CaregiverAbsence.update({CaregiverAbsence.job: job_id}).where(CaregiverAbsence.id == row.id)
    return AbsenceRecorded(id=row.id, job_id=job_id)


async def absences_page(ctx: ServiceContext, actor: Actor, caregiver_id: int, page: PageRequest) -> Page[AbsenceOut]:
    """A caregiver's absences, the latest start first (cancelled ones too, marked)."""
    await get_caregiver(ctx, actor, caregiver_id)
    query = CaregiverAbsence.select(*_COLUMNS).where(CaregiverAbsence.caregiver == caregiver_id)
    if page.after is not None:
        query = query.where(after_key((CaregiverAbsence.starts_at, CaregiverAbsence.id), page.after, descending=True))
    rows = await query.order_by(CaregiverAbsence.starts_at, CaregiverAbsence.id, ascending=False).limit(page.limit + 1)
    return page_of([AbsenceOut.model_validate(r) for r in rows], page, lambda a: (a.starts_at, a.id))


async def cancel_absence(ctx: ServiceContext, actor: Actor, caregiver_id: int, absence_id: int) -> AbsenceOut:
    """The absence no longer holds: the caregiver can be planned again in it. Visits already
    given to colleagues stay with them (each was a change of its own, told to those concerned)."""
    await get_caregiver(ctx, actor, caregiver_id)
    now = ctx.clock.now()
    async with write_transaction():
        cancelled = (
            await CaregiverAbsence.update(
                {CaregiverAbsence.cancelled_at: now, CaregiverAbsence.cancelled_by: actor.user_id}
            )
            .where(
                (CaregiverAbsence.id == absence_id)
                & (CaregiverAbsence.caregiver == caregiver_id)
                & CaregiverAbsence.cancelled_at.is_null()
            )
            .returning(CaregiverAbsence.id)
        )
        if cancelled:
            await record_change(
                actor=actor,
                at=now,
                action="caregiver.absence_cancel",
                entity="caregiver",
                entity_id=caregiver_id,
                after={"absence_id": absence_id},
            )
    row = (
        await CaregiverAbsence.select(*_COLUMNS)
        .where((CaregiverAbsence.id == absence_id) & (CaregiverAbsence.caregiver == caregiver_id))
        .first()
    )
    if row is None:
        raise NotFound("没有该缺勤记录", code="absence_not_found")
    return AbsenceOut.model_validate(row)


# --------------------------------------------------------------------------- availability


async def absences_between(caregiver_ids: Sequence[int], start: datetime, end: datetime) -> list[availability.Absence]:
    """The absences (not cancelled) of these caregivers overlapping [start, end)."""
    found: list[availability.Absence] = []
    for part in in_parts(caregiver_ids):
        rows = await CaregiverAbsence.select(
            CaregiverAbsence.caregiver, CaregiverAbsence.starts_at, CaregiverAbsence.ends_at, CaregiverAbsence.reason
        ).where(
            CaregiverAbsence.caregiver.is_in(part)
            & CaregiverAbsence.cancelled_at.is_null()
            & (CaregiverAbsence.starts_at < end)
            & (CaregiverAbsence.ends_at > start)
        )
        found.extend(availability.Absence(r["caregiver"], r["starts_at"], r["ends_at"], r["reason"]) for r in rows)
    return found


async def absence_bookings(
    caregivers: Sequence[CaregiverInput], start: datetime, end: datetime, zone: tzinfo
) -> list[Booking]:
    """The absences of these caregivers in [start, end) as the scheduler takes them."""
    ids = [cast(int, c.caregiver_id) for c in caregivers]
    return availability.absence_bookings(await absences_between(ids, start, end), caregivers, zone)


def _clock_time(value: Any, fallback: time) -> time:
    try:
        return time.fromisoformat(str(value)) if value else fallback
    except ValueError:
        return fallback


@dataclass(frozen=True, slots=True)
class CaregiverRow:
    """A caregiver as the scheduler, the re-planner and the roster read them."""

    id: int
    provider: int
    name: str
    qualification: str
    lat: float
    lon: float
    weekly_hours: int
    skills: tuple[str, ...]
    working_days: tuple[int, ...] | None  # None: the registry has none yet
    work_start: str
    work_end: str

    def as_input(self, policy: Policy) -> CaregiverInput:
        """Their own working days and hours where the registry has them, the policy's working day otherwise."""
        return CaregiverInput(
            caregiver_id=self.id,
            provider_id=self.provider,
            qualification=self.qualification,
            lat=self.lat,
            lon=self.lon,
            weekly_hours=self.weekly_hours,
            work_start=_clock_time(self.work_start, time(policy.working_day_start_hour)),
            work_end=_clock_time(self.work_end, time(policy.working_day_end_hour)),
            working_days=frozenset(self.working_days) if self.working_days is not None else ALL_DAYS,
        )


def _caregiver_row(row: dict[str, Any]) -> CaregiverRow:
    days = row.get("working_days")
    return CaregiverRow(
        id=row["id"],
        provider=row["provider"],
        name=row["name"],
        qualification=row["qualification"],
        lat=row["lat"],
        lon=row["lon"],
        weekly_hours=row["weekly_hours"],
        skills=tuple(row.get("skills") or ()),
        working_days=tuple(days) if isinstance(days, list) else None,
        work_start=str(row.get("work_start") or ""),
        work_end=str(row.get("work_end") or ""),
    )


async def active_caregivers(
    provider_ids: Sequence[int], *, after_id: int = 0, limit: int | None = None
) -> list[CaregiverRow]:
    """The providers' active caregivers in id order (after ``after_id``, at most ``limit``)."""
    query = (
        Caregiver.select()
        .output(load_json=True)
        .where(Caregiver.provider.is_in(list(provider_ids)) & (Caregiver.active == True) & (Caregiver.id > after_id))
        .order_by(Caregiver.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_caregiver_row(r) for r in await query]


# --------------------------------------------------------------------------- the roster

ROSTER_DAYS = 7


@dataclass(frozen=True, slots=True)
class RosterRow:
    caregiver_id: int
    name: str
    qualification: str
    days: list[availability.RosterDay]


async def roster_week(
    ctx: ServiceContext, actor: Actor, first_day: date, page: PageRequest
) -> tuple[list[date], Page[RosterRow]]:
    """The agency's active caregivers (a page of them) over seven days from ``first_day``:
    working, absent (and why) or a day off, and how many visits each day."""
    require(actor, Action.MANAGE_CAREGIVERS)
    scope = actor.provider_scope
    if not scope:
        raise NotFound("没有该机构", code="provider_not_found")
    zone = ctx.settings.zone
    days = [first_day + timedelta(days=i) for i in range(ROSTER_DAYS)]
    start, end = datetime.combine(days[0], time(0), zone), datetime.combine(days[-1] + timedelta(days=1), time(0), zone)
    policy = policy_book(ctx.settings).in_force(first_day)
    after_id = int(page.after[0] or 0) if page.after is not None else 0
    rows = await active_caregivers([scope], after_id=after_id, limit=page.limit + 1)
    shown = rows[: page.limit]
    ids = [r.id for r in shown]
    away: dict[int, list[availability.Absence]] = defaultdict(list)
    for absence in await absences_between(ids, start, end):
        away[cast(int, absence.caregiver_id)].append(absence)
    starts: dict[int, list[datetime]] = defaultdict(list)
    if ids:
        for visit in await Visit.select(Visit.caregiver, Visit.planned_start).where(
            Visit.caregiver.is_in(ids)
            & (Visit.status != "cancelled")
            & (Visit.planned_start >= start)
            & (Visit.planned_start < end)
        ):
            starts[visit["caregiver"]].append(visit["planned_start"])
    roster = [
        RosterRow(
            caregiver_id=r.id,
            name=r.name,
            qualification=r.qualification,
            days=availability.roster_days(r.as_input(policy), days, away[r.id], starts[r.id], zone),
        )
        for r in rows
    ]
    return days, page_of(roster, page, lambda row: (row.caregiver_id,))
