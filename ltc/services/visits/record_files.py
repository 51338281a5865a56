"""Inpatient stays and deaths uploaded as a CSV file: every row is read on its own (see
``ltc.domain.record_rows``), the rows naming no registered person are refused too, and the
rest are recorded as the API records them. The answer lists each refused row with its code."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from ltc.db.personal_data import person_ids_by_id_number
from ltc.domain import record_rows
from ltc.domain.access import Action, Actor, require
from ltc.domain.record_rows import RowRefusal
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.visits import records
from ltc.services.visits.values import DeathIn, StayIn


class RowRefused(BaseModel):
    row: int  # as a spreadsheet numbers it: the header is row 1
    code: str  # one of ltc.domain.record_rows.ROW_CODES
    column: str


class RecordsFileImported(BaseModel):
    kind: Literal["stays", "deaths"]
    rows: int  # data rows read
    recorded: int
    persons: int
    visits_verified_again: int
    refused: list[RowRefused]
    reverification_job_id: UUID | None = None  # many persons: their visits are verified again by this job


def _refused(refusals: list[RowRefusal]) -> list[RowRefused]:
    return [RowRefused(row=r.row, code=r.code, column=r.column) for r in sorted(refusals, key=lambda r: r.row)]


async def _registered(ctx: ServiceContext, id_numbers: list[str]) -> set[str]:
    return set(await person_ids_by_id_number(ctx.settings.keyring, id_numbers))


async def import_stays_file(ctx: ServiceContext, actor: Actor, content: bytes) -> RecordsFileImported:
    require(actor, Action.IMPORT_RECORDS)
    good, refused = record_rows.parse_stays(content, today=local_today(ctx.clock, ctx.settings.zone))
    registered = await _registered(ctx, [r.id_number for r in good])
    refused += [
        RowRefusal(r.row, record_rows.UNKNOWN_PERSON, "id_number") for r in good if r.id_number not in registered
    ]
    known = [r for r in good if r.id_number in registered]
    persons = verified = 0
    job_id = None
    if known:
        done = await records.import_hospital_stays(
            ctx,
            actor,
            [
                StayIn(
                    id_number=r.id_number, admitted_on=r.admitted_on, discharged_on=r.discharged_on, hospital=r.hospital
                )
                for r in known
            ],
        )
        persons, verified, job_id = done.persons, done.visits_verified_again, done.reverification_job_id
    return RecordsFileImported(
        kind="stays",
        rows=len(known) + len(refused),
        recorded=len(known),
        persons=persons,
        visits_verified_again=verified,
        refused=_refused(refused),
        reverification_job_id=job_id,
    )


async def import_deaths_file(ctx: ServiceContext, actor: Actor, content: bytes) -> RecordsFileImported:
    require(actor, Action.IMPORT_RECORDS)
    good, refused = record_rows.parse_deaths(content, today=local_today(ctx.clock, ctx.settings.zone))
    registered = await _registered(ctx, [r.id_number for r in good])
    refused += [
        RowRefusal(r.row, record_rows.UNKNOWN_PERSON, "id_number") for r in good if r.id_number not in registered
    ]
    known = [r for r in good if r.id_number in registered]
    verified = 0
    job_id = None
    if known:
        done = await records.record_deaths(
            ctx, actor, [DeathIn(id_number=r.id_number, died_on=r.died_on) for r in known]
        )
        verified, job_id = done.visits_verified_again, done.reverification_job_id
    return RecordsFileImported(
        kind="deaths",
        rows=len(known) + len(refused),
        recorded=len(known),
        persons=len(known),
        visits_verified_again=verified,
        refused=_refused(refused),
        reverification_job_id=job_id,
    )
