"""Records from outside that change what a visit may be: inpatient stays from the hospitals and
deaths, both by id number. Visits already made on those days are verified again; visits after
a death that have not begun are cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from uuid import UUID

from ltc.db.engine import write_transaction
from ltc.db.personal_data import person_ids_by_id_number
from ltc.db.tables import HospitalStay, Person, Visit
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import InvalidInput
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.jobs import start_job
from ltc.services.supervision.bed_days import check_bed_days
from ltc.services.visits.values import (
    DeathIn,
    DeathsRecorded,
    PersonToReverify,
    ReverifyPersonsParams,
    StayIn,
    StaysImported,
)
from ltc.services.visits.verification import reverify_person

# More persons than this in one import: their visits are verified again by a job in parts.
INLINE_REVERIFICATION = 5


async def _person_ids(ctx: ServiceContext, id_numbers: list[str]) -> dict[str, int]:
    """The registered person of every id number (found by its blind index); refuses the lot
    if any is unknown."""
    by_number = await person_ids_by_id_number(ctx.settings.keyring, id_numbers)
    unknown = [n for n in id_numbers if n not in by_number]
    if unknown:
        raise InvalidInput(
            f"{len(unknown)} 个身份证号码未登记", code="unknown_person", errors=[{"id_number": n} for n in unknown]
        )
    return by_number


async def import_hospital_stays(ctx: ServiceContext, actor: Actor, stays: Sequence[StayIn]) -> StaysImported:
    """Inpatient stays from the hospitals' records, by id number; visits already made on those
    days are verified again. The same stay twice is stored once (a later discharge date updates it)."""
    require(actor, Action.IMPORT_RECORDS)
    by_number = await _person_ids(ctx, [s.id_number for s in stays])
    for s in stays:
        if s.discharged_on is not None and s.discharged_on < s.admitted_on:
            raise InvalidInput("出院日期早于入院日期", code="invalid_dates")
    now = ctx.clock.now()
    touched: dict[int, date] = {}
    async with write_transaction():
        for s in stays:
            person_id = by_number[s.id_number]
            key = f"{person_id}:{s.admitted_on.isoformat()}"
            if await HospitalStay.exists().where(HospitalStay.stay_key == key):
                await HospitalStay.update(
                    {HospitalStay.discharged_on: s.discharged_on, HospitalStay.hospital: s.hospital}
                ).where(HospitalStay.stay_key == key)
            else:
                await HospitalStay.insert(
                    HospitalStay(
                        person=person_id,
                        stay_key=key,
                        admitted_on=s.admitted_on,
                        discharged_on=s.discharged_on,
                        hospital=s.hospital,
                        imported_at=now,
                    )
                )
            touched[person_id] = min(touched.get(person_id, s.admitted_on), s.admitted_on)
        await record_change(
            actor=actor,
            at=now,
            action="hospital_stays.import",
            entity="hospital_stay",
            entity_id=len(stays),
            after={"stays": len(stays), "persons": len(touched)},
        )
    reverified, job_id = await _verify_again(ctx, actor, touched)
    for person_id, since in touched.items():
        await check_bed_days(ctx, [person_id], since)  # census days recorded before the stay was known
    return StaysImported(
        stays=len(stays), persons=len(touched), visits_verified_again=reverified, reverification_job_id=job_id
    )


async def record_deaths(ctx: ServiceContext, actor: Actor, records: Sequence[DeathIn]) -> DeathsRecorded:
    """Deaths by id number: no visits after the day of death (the ones not begun are cancelled),
    and the person's visits since that day are verified again."""
    require(actor, Action.IMPORT_RECORDS)
    today = local_today(ctx.clock, ctx.settings.zone)
    by_number = await _person_ids(ctx, [r.id_number for r in records])
    if any(r.died_on > today for r in records):
        raise InvalidInput("死亡日期晚于今天", code="invalid_dates")
    now = ctx.clock.now()
    async with write_transaction():
        for r in records:
            await Person.update({Person.deceased_on: r.died_on}).where(Person.id == by_number[r.id_number])
            await record_change(
                actor=actor,
                at=now,
                action="person.death",
                entity="person",
                entity_id=by_number[r.id_number],
                after={"deceased_on": r.died_on.isoformat()},
            )
        for r in records:
            after = datetime.combine(r.died_on + timedelta(days=1), time(0), ctx.settings.zone)
            await Visit.update({Visit.status: "cancelled", Visit.updated_at: now}).where(
                (Visit.person == by_number[r.id_number]) & (Visit.status == "planned") & (Visit.planned_start >= after)
            )
    reverified, job_id = await _verify_again(ctx, actor, {by_number[r.id_number]: r.died_on for r in records})
    for r in records:
        await check_bed_days(ctx, [by_number[r.id_number]], r.died_on)  # census days recorded after it
    return DeathsRecorded(persons=len(records), visits_verified_again=reverified, reverification_job_id=job_id)


async def _verify_again(ctx: ServiceContext, actor: Actor, since: dict[int, date]) -> tuple[int, UUID | None]:
    """The persons' visits since their day verified again: here for a handful of persons (the
    count answered), by a job shared by the workers for more (its id answered)."""
    if len(since) > INLINE_REVERIFICATION:
        persons = [PersonToReverify(person_id=p, since=day) for p, day in since.items()]
        return 0, await start_job(ctx, actor, "reverify_persons", ReverifyPersonsParams(persons=persons))
    reverified = 0
    for person_id, day in since.items():
        reverified += await reverify_person(ctx, person_id, day)
    return reverified, None
