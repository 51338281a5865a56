"""Importing the enrolment registry: the bureau uploads a CSV or XLSX file, a job reads it a
chunk of rows at a time and stores each person the way a registration would (personal data
sealed, found again by the blind index), and its result lists every row it refused and why.

Idempotent by id number: a person already registered with the same particulars is left as
is, one whose particulars changed is updated, so importing the same file twice changes
nothing the second time. The file is kept (``registry_upload``), so a job can run on any
worker, again after a crash, and what an import changed can be read back from it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from ltc.db.bulk import insert_rows, update_rows
from ltc.db.engine import is_unique_violation, write_transaction
from ltc.db.personal_data import PersonSecrets, open_field, reserve_person_ids, sealed_values
from ltc.db.queries.paging import Key, Page, encode_cursor
from ltc.db.tables import Person, RegistryUpload, Town
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import NotFound
from ltc.domain.personal_data import Keyring, id_number_index
from ltc.domain.registry import Cell, RegistryEntry, RepeatWatch, check_rows, town_spellings
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.intake.registry_file import open_registry
from ltc.services.intake.uploads import keep_upload
from ltc.services.intake.values import ImportRegistryParams, RegistryImportResult, RegistryUploaded, RowRefusal
from ltc.services.jobs import Progress, register_job_kind, start_job

CHUNK_ROWS = 2000  # rows per transaction: short write locks, and the loop breathes between them
_SEALED = ("id_number", "id_number_enc", "phone", "phone_enc", "address", "address_enc", "id_number_index")
INSERT_COLUMNS = (
    "id",
    *_SEALED,
    "data_key_id",
    "name",
    "sex",
    "birth_date",
    "town",
    "lat",
    "lon",
    "geocoded_by",
    "insured",
    "insured_since",
    "created_at",
    "registered_by_provider",
    "deceased_on",
    "preferred_provider",
)
UPDATE_COLUMNS = (*_SEALED, "data_key_id", "name", "town", "lat", "lon", "geocoded_by", "insured", "insured_since")


async def upload_registry(ctx: ServiceContext, actor: Actor, filename: str, content: bytes) -> RegistryUploaded:
    """Keep the file and start its import (a file that is not a registry is refused at once)."""
    require(actor, Action.IMPORT_RECORDS)
    upload_id = await keep_upload(ctx, actor, filename, content, action="registry.upload", stem="registry")
    job_id = await start_job(ctx, actor, "import_registry", ImportRegistryParams(upload_id=upload_id))
    return RegistryUploaded(job_id=job_id, upload_id=upload_id)


@dataclass(frozen=True)
class _Towns:
    spellings: dict[str, str]
    by_code: dict[str, dict[str, Any]]


async def _towns() -> _Towns:
    rows = await Town.select(Town.id, Town.code, Town.name, Town.name_en, Town.lat, Town.lon)
    return _Towns(
        spellings=town_spellings((r["code"], r["name"], r["name_en"]) for r in rows),
        by_code={r["code"]: r for r in rows},
    )


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _chunks(rows: Iterator[tuple[int, Sequence[Cell]]], size: int) -> Iterator[list[tuple[int, Sequence[Cell]]]]:
    while chunk := list(islice(rows, size)):
        yield chunk


class _Writer:
    """Stores one chunk's entries in one transaction: new persons inserted, changed ones updated."""

    def __init__(self, keyring: Keyring, towns: _Towns, now: datetime) -> None:
        self.keyring = keyring
        self.towns = towns
        self.now = now

    def _sealed(self, person_id: int, entry: RegistryEntry) -> tuple[Any, ...]:
        secrets = PersonSecrets(id_number=entry.id_number, phone=entry.phone, address=entry.address)
        values = sealed_values(self.keyring, person_id, secrets)
        return (*(values[column] for column in _SEALED), values["data_key_id"])

    def _position(self, entry: RegistryEntry) -> tuple[float | None, float | None, str]:
        # Where the offline gazetteer places a registration: the person's town (the registry
        # names it; a survey or the online geocoder can refine it).
        town = self.towns.by_code[entry.town_code]
        return town["lat"], town["lon"], "gazetteer"

    def _new(self, person_id: int, entry: RegistryEntry) -> tuple[Any, ...]:
        lat, lon, geocoded_by = self._position(entry)
        return (
            person_id,
            *self._sealed(person_id, entry),
            entry.name,
            entry.sex,
            entry.birth_date,
            self.towns.by_code[entry.town_code]["id"],
            lat,
            lon,
            geocoded_by,
            entry.insured,
            entry.insured_since,
            self.now,
            None,
            None,
            None,
        )

    def _changed(self, stored: dict[str, Any], entry: RegistryEntry) -> tuple[Any, ...] | None:
        """The update of a registered person whose particulars differ from the row, or None."""
        town_id = self.towns.by_code[entry.town_code]["id"]
        # The id number is the one the row was found by; only the phone and address are opened.
        phone, address = (open_field(self.keyring, stored, column) for column in ("phone", "address"))
        insured_since = _as_date(stored["insured_since"])
        if (stored["name"], phone, address, stored["town"], bool(stored["insured"]), insured_since) == (
            entry.name,
            entry.phone,
            entry.address,
            town_id,
            entry.insured,
            entry.insured_since,
        ):
            return None
        lat, lon, geocoded_by = stored["lat"], stored["lon"], stored["geocoded_by"]
        if geocoded_by != "device" and stored["town"] != town_id:
            lat, lon, geocoded_by = self._position(entry)  # a position a device took stays
        person_id = stored["id"]
        return (
            *self._sealed(person_id, entry),
            entry.name,
            town_id,
            lat,
            lon,
            geocoded_by,
            entry.insured,
            entry.insured_since,
            person_id,
        )

    async def store(self, entries: list[RegistryEntry]) -> _Tally:
        # A registration of one of these numbers between our read and our insert: read again.
        for attempt in range(3):
            try:
                return await self._store(entries)
            except Exception as error:
                if not is_unique_violation(error) or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _store(self, entries: list[RegistryEntry]) -> _Tally:
        by_index = {id_number_index(self.keyring, e.id_number): e for e in entries}
        tally = _Tally()
        async with write_transaction() as transaction:
            stored = await Person.select(
                Person.id,
                Person.id_number_index,
                Person.phone_enc,
                Person.address_enc,
                Person.name,
                Person.town,
                Person.lat,
                Person.lon,
                Person.geocoded_by,
                Person.insured,
                Person.insured_since,
            ).where(Person.id_number_index.is_in(list(by_index) or [""]))
            known = {row["id_number_index"] for row in stored}
            updates = [change for row in stored if (change := self._changed(row, by_index[row["id_number_index"]]))]
            fresh = [entry for index, entry in by_index.items() if index not in known]
            ids = await reserve_person_ids(len(fresh))
            if fresh:
                rows = [self._new(person_id, entry) for person_id, entry in zip(ids, fresh, strict=True)]
                await insert_rows(transaction, Person, INSERT_COLUMNS, rows)
            await update_rows(transaction, Person, "id", UPDATE_COLUMNS, updates)
        tally.created, tally.updated = len(fresh), len(updates)
        tally.unchanged = len(stored) - len(updates)
        return tally


def _as_date(value: Any) -> date | None:
    """A stored date (SQLite may hand back its ISO text through a raw read)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _estimated_rows(kind: str, content: bytes) -> int:
    """Rows to expect, for the progress bar only: a CSV's line count; an XLSX's size over the
    few dozen bytes a compressed row takes."""
    return max(content.count(b"\n"), 1) if kind == "csv" else max(len(content) // 40, 1)


@register_job_kind("import_registry", action=Action.IMPORT_RECORDS, params=ImportRegistryParams, serial=True)
async def import_registry(
    ctx: ServiceContext, params: ImportRegistryParams, progress: Progress
) -> RegistryImportResult:
    upload = (
        await RegistryUpload.select(RegistryUpload.filename, RegistryUpload.kind, RegistryUpload.content)
        .where(RegistryUpload.id == params.upload_id)
        .first()
    )
    if upload is None:
        raise NotFound("没有该名册文件", code="registry_upload_not_found")
    content = bytes(upload["content"])
    today = local_today(ctx.clock, ctx.settings.zone)
    now = ctx.clock.now()
    writer = _Writer(ctx.settings.keyring, await _towns(), now)
    registry = open_registry(upload["filename"], content)
    expected = _estimated_rows(upload["kind"], content)
    repeats = RepeatWatch()
    refused: list[RowRefusal] = []
    total, read, last_row = _Tally(), 0, 1
    try:
        for chunk in _chunks(registry.rows, CHUNK_ROWS):
            checked = check_rows(chunk, registry.columns, writer.towns.spellings, today, repeats)
            refused.extend(RowRefusal(row=r.row, field=r.field, code=r.code) for r in checked.refusals)
            read += len(checked.entries) + len({r.row for r in checked.refusals})
            tally = await writer.store(checked.entries) if checked.entries else _Tally()
            total.created += tally.created
            total.updated += tally.updated
            total.unchanged += tally.unchanged
            last_row = chunk[-1][0]
            await progress(min(last_row / expected, 0.99))
            await asyncio.sleep(0)  # let the web requests of an embedded worker through
    finally:
        registry.done()
    result = RegistryImportResult(
        upload_id=params.upload_id,
        filename=upload["filename"],
        rows=read,
        created=total.created,
        updated=total.updated,
        unchanged=total.unchanged,
        refused=refused,
    )
    await record_change(
        actor=None,
        at=ctx.clock.now(),
        action="registry.import",
        entity="registry_upload",
        entity_id=params.upload_id,
        after={
            "rows": read,
            "created": total.created,
            "updated": total.updated,
            "unchanged": total.unchanged,
            "refused_rows": result.refused_rows,
        },
    )
    return result


async def import_result(actor: Actor, job_id: UUID) -> RegistryImportResult | None:
    """The result of an import job the caller may see, once it is done (None before)."""
    from ltc.services.jobs import get_job

    job = await get_job(actor, job_id)
    if job.kind != "import_registry":
        raise NotFound("no such import", code="job_not_found")
    return RegistryImportResult.model_validate(job.result) if job.status == "done" and job.result else None


class TownChoice(BaseModel):
    code: str
    name: str
    name_en: str


async def town_choices() -> list[TownChoice]:
    """The district's towns, for a form's choice of town."""
    rows = await Town.select(Town.code, Town.name, Town.name_en).order_by(Town.code)
    return [TownChoice.model_validate(row) for row in rows]


def refusal_page(result: RegistryImportResult, *, field: str | None, after: Key | None, limit: int) -> Page[RowRefusal]:
    """One page of an import's refusals in file order (keyed by row and field), of one field if asked."""
    chosen = [r for r in result.refused if not field or r.field == field]
    if after is not None:
        row, name = int(after[0] or 0), str(after[1] or "")
        chosen = [r for r in chosen if (r.row, r.field) > (row, name)]
    shown = chosen[:limit]
    more = len(chosen) > limit
    return Page(items=shown, next_after=encode_cursor((shown[-1].row, shown[-1].field)) if more else None)
