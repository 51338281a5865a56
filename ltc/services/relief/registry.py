"""Importing the civil-affairs registry of hardship groups (医疗救助, 低保, 特困): the bureau
uploads the file (CSV or XLSX: id number, name, group, from, to), a job reads it a chunk of
rows at a time, finds each person by the blind index of their id number (never opening
anyone's sealed number) and stores their enrolment. Its result lists every row refused and why.

Idempotent: an enrolment is one row per (person, group, from day); a row already stored
with the same end changes nothing, one whose end changed is updated, so importing the same
file twice changes nothing the second time."""

from __future__ import annotations

import asyncio
from datetime import date
from itertools import islice
from uuid import UUID

from ltc.db.engine import write_transaction
from ltc.db.tables import Person, RegistryUpload, ReliefEnrolment
from ltc.domain import relief
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import NotFound
from ltc.domain.personal_data import id_number_index
from ltc.domain.registry import Refusal
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.intake.registry_file import open_registry
from ltc.services.intake.uploads import keep_upload
from ltc.services.intake.values import RowRefusal
from ltc.services.jobs import Progress, get_job, register_job_kind, start_job
from ltc.services.reference import policy_book
from ltc.services.relief.values import ImportReliefParams, ReliefImportResult, ReliefUploaded

CHUNK_ROWS = 2000


async def upload_relief_registry(ctx: ServiceContext, actor: Actor, filename: str, content: bytes) -> ReliefUploaded:
    """Keep the civil-affairs file and start its import (a file that is no such list is refused
    at once)."""
    require(actor, Action.MANAGE_RELIEF)
    upload_id = await keep_upload(
        ctx, actor, filename, content, action="relief.upload", stem="relief", header=relief.read_header
    )
    job_id = await start_job(
        ctx, actor, "import_relief", ImportReliefParams(upload_id=upload_id, actor_id=actor.user_id)
    )
    return ReliefUploaded(job_id=job_id, upload_id=upload_id)


def _known_groups(ctx: ServiceContext) -> tuple[str, ...]:
    """The hardship groups any policy version names (a group a later version adds can be
    enrolled before it takes effect)."""
    seen: dict[str, None] = {}
    for version in policy_book(ctx.settings).versions:
        seen |= dict.fromkeys(version.relief_groups)
    return tuple(seen)


class _Tally:
    def __init__(self) -> None:
        self.created = self.updated = self.unchanged = 0


async def _store(
    ctx: ServiceContext, rows: list[relief.ReliefRow], upload_id: int, actor_id: int | None, tally: _Tally
) -> list[Refusal]:
    """One chunk: persons found by id number, enrolments inserted or their end updated."""
    keyring = ctx.settings.keyring
    by_index = {id_number_index(keyring, r.id_number): r for r in rows}
    refusals: list[Refusal] = []
    now = ctx.clock.now()
    async with write_transaction():
        persons = {
            p["id_number_index"]: p
            for p in await Person.select(Person.id, Person.name, Person.id_number_index).where(
                Person.id_number_index.is_in(list(by_index) or [""])
            )
        }
        found: dict[str, relief.ReliefRow] = {}
        person_of: dict[str, int] = {}
        for row in rows:
            person = persons.get(id_number_index(keyring, row.id_number))
            if person is None:
                refusals.append(Refusal(row.row, "id_number", "relief_person_unknown"))
            elif not relief.names_agree(row.name, person["name"]):
                refusals.append(Refusal(row.row, "name", "relief_name_mismatch"))
            else:
                key = f"{person['id']}:{row.group}:{row.from_day.isoformat()}"
                found[key], person_of[key] = row, person["id"]
        stored = {
            r["enrolment_key"]: r
            for r in await ReliefEnrolment.select(
                ReliefEnrolment.id, ReliefEnrolment.enrolment_key, ReliefEnrolment.to_day
            ).where(ReliefEnrolment.enrolment_key.is_in(list(found) or [""]))
        }
        fresh = []
        ended: dict[date | None, list[int]] = {}
        for key, row in found.items():
            old = stored.get(key)
            if old is None:
                fresh.append(
                    ReliefEnrolment(
                        enrolment_key=key,
                        person=person_of[key],
                        group=row.group,
                        from_day=row.from_day,
                        to_day=row.to_day,
                        source=upload_id,
                        imported_at=now,
                        imported_by=actor_id,
                    )
                )
            elif relief.as_day(old["to_day"]) != row.to_day:
                ended.setdefault(row.to_day, []).append(old["id"])
                tally.updated += 1
            else:
                tally.unchanged += 1
        for to_day, ids in ended.items():  # one update per new end day: a list ends few distinct days
            await ReliefEnrolment.update({ReliefEnrolment.to_day: to_day, ReliefEnrolment.source: upload_id}).where(
                ReliefEnrolment.id.is_in(ids)
            )
        if fresh:
            await ReliefEnrolment.insert(*fresh)
        tally.created += len(fresh)
    return refusals


@register_job_kind("import_relief", action=Action.MANAGE_RELIEF, params=ImportReliefParams, serial=True)
async def import_relief(ctx: ServiceContext, params: ImportReliefParams, progress: Progress) -> ReliefImportResult:
    upload = (
        await RegistryUpload.select(RegistryUpload.filename, RegistryUpload.content)
        .where(RegistryUpload.id == params.upload_id)
        .first()
    )
    if upload is None:
        raise NotFound("没有该名单文件", code="registry_upload_not_found")
    content = bytes(upload["content"])
    today = local_today(ctx.clock, ctx.settings.zone)
    groups = _known_groups(ctx)
    registry = open_registry(upload["filename"], content, relief.read_header)
    expected = max(content.count(b"\n"), 1)
    refused: list[Refusal] = []
    tally, read = _Tally(), 0
    try:
        while chunk := list(islice(registry.rows, CHUNK_ROWS)):
            checked = relief.check_rows(chunk, registry.columns, groups, today)
            refused += checked.refusals
            read += len(checked.rows) + len({r.row for r in checked.refusals})
            if checked.rows:
                refused += await _store(ctx, checked.rows, params.upload_id, params.actor_id, tally)
            await progress(min(chunk[-1][0] / expected, 0.99))
            await asyncio.sleep(0)
    finally:
        registry.done()
    result = ReliefImportResult(
        upload_id=params.upload_id,
        filename=upload["filename"],
        rows=read,
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.unchanged,
        refused=[RowRefusal(row=r.row, field=r.field, code=r.code) for r in sorted(refused, key=lambda r: r.row)],
    )
    await record_change(
        actor=None,
        at=ctx.clock.now(),
        action="relief.import",
        entity="registry_upload",
        entity_id=params.upload_id,
        after={"rows": read, "created": tally.created, "updated": tally.updated, "refused_rows": result.refused_rows},
    )
    return result


async def relief_import_result(actor: Actor, job_id: UUID) -> ReliefImportResult | None:
    """The result of an import of the civil-affairs file, once done (None before)."""
    require(actor, Action.MANAGE_RELIEF)
    job = await get_job(actor, job_id)
    if job.kind != "import_relief":
        raise NotFound("no such import", code="job_not_found")
    return ReliefImportResult.model_validate(job.result) if job.status == "done" and job.result else None
