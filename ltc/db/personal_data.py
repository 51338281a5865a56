"""Persons' and caregivers' personal data as stored (rows ⇄ clear values): sealing the id
number, phone and address of a row under the active key, opening them for those who may read them, finding
persons by id number through the blind index, and reserving row ids before an insert (the
envelopes are bound to their row)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from ltc.db.engine import current_engine, is_sqlite
from ltc.db.tables import Caregiver, Person
from ltc.domain.personal_data import (
    Keyring,
    id_number_index,
    id_number_placeholder,
    location,
    open_envelope,
    phone_index,
    seal,
)

SEALED_COLUMNS = ("id_number", "phone", "address")


@dataclass(frozen=True)
class PersonSecrets:
    """A person's clear id number, phone and address."""

    id_number: str
    phone: str
    address: str


def sealed_values(keyring: Keyring, person_id: int, secrets: PersonSecrets) -> dict[str, Any]:
    """The stored columns of a person's personal data, by column name: the envelopes, the
    blind indexes (id number, phone), the placeholder in the old id number column and the blanked clear ones."""
    index = id_number_index(keyring, secrets.id_number)
    return {
        "id_number": id_number_placeholder(index),
        "phone": "",
        "address": "",
        "id_number_enc": seal(keyring, secrets.id_number.strip().upper(), location("person", "id_number", person_id)),
        "phone_enc": seal(keyring, secrets.phone, location("person", "phone", person_id)),
        "address_enc": seal(keyring, secrets.address, location("person", "address", person_id)),
        "id_number_index": index,
        "phone_index": phone_index(keyring, secrets.phone),
        "data_key_id": keyring.active,
    }


def sealed_columns(keyring: Keyring, person_id: int, secrets: PersonSecrets) -> dict[Column | str, Any]:
    """The same, keyed by Piccolo column (for ``Person.update``)."""
    return {
        Person._meta.get_column_by_name(name): value
        for name, value in sealed_values(keyring, person_id, secrets).items()
    }


def open_field(keyring: Keyring, row: Mapping[str, Any], column: str, *, person_key: str = "id") -> str:
    """One clear value of a row selected with ``<column>_enc`` (and the person's id)."""
    return open_envelope(keyring, row[f"{column}_enc"] or "", location("person", column, row[person_key]))


def open_person(keyring: Keyring, row: Mapping[str, Any], *, person_key: str = "id") -> PersonSecrets:
    return PersonSecrets(*(open_field(keyring, row, column, person_key=person_key) for column in SEALED_COLUMNS))


async def person_ids_by_id_number(keyring: Keyring, id_numbers: Iterable[str]) -> dict[str, int]:
    """Clear id number → person id, for the numbers that are registered (one query)."""
    by_index = {id_number_index(keyring, n): n for n in id_numbers}
    if not by_index:
        return {}
    rows = await Person.select(Person.id, Person.id_number_index).where(Person.id_number_index.is_in(list(by_index)))
    return {by_index[r["id_number_index"]]: r["id"] for r in rows}


async def id_number_taken(keyring: Keyring, id_number: str, *, other_than: int | None = None) -> bool:
    query = Person.exists().where(Person.id_number_index == id_number_index(keyring, id_number))
    if other_than is not None:
        query = query.where(Person.id != other_than)
    return await query


async def reserve_person_ids(count: int) -> list[int]:
    """``count`` fresh person ids, for rows whose envelopes must name their id before the
    insert. PostgreSQL: from the id sequence. SQLite: past the largest id, so call it inside
    the write transaction that inserts them (it holds the one write lock)."""
    if count <= 0:
        return []
    engine = current_engine()
    if is_sqlite(engine):
        top = await Person.raw("SELECT COALESCE(MAX(id), 0) AS top FROM person")
        start = int(top[0]["top"]) + 1
        return list(range(start, start + count))
    rows = await Person.raw(
        "SELECT nextval(pg_get_serial_sequence('person', 'id')) AS id FROM generate_series(1, {})", count
    )
    return [int(r["id"]) for r in rows]


def with_person_address(keyring: Keyring, row: dict[str, Any]) -> dict[str, Any]:
    """A visit row (selected with ``person_address_enc`` and ``person_id``) with the person's
    address opened: only the visits a page or a check-in shows, never a whole-city loop."""
    sealed = row.pop("person_address_enc", "") or ""
    row["person_address"] = open_envelope(keyring, sealed, location("person", "address", row["person_id"]))
    return row


def sealed_caregiver(keyring: Keyring, caregiver_id: int, id_number: str | None, phone: str | None) -> dict[Any, Any]:
    """A caregiver's id number and phone sealed for ``Caregiver.update`` (None: left as stored),
    the id number findable by its blind index."""
    values: dict[Any, Any] = {}
    if id_number is not None:
        clear = id_number.strip().upper()
        values[Caregiver.id_number_enc] = seal(keyring, clear, location("caregiver", "id_number", caregiver_id))
        values[Caregiver.id_number_index] = id_number_index(keyring, clear) if clear else ""
    if phone is not None:
        values[Caregiver.phone_enc] = seal(keyring, phone.strip(), location("caregiver", "phone", caregiver_id))
    if values:
        values[Caregiver.data_key_id] = keyring.active
    return values


def open_caregiver_field(keyring: Keyring, row: Mapping[str, Any], column: str) -> str:
    """A caregiver's clear ``id_number`` or ``phone`` from a row with its ``<column>_enc`` and ``id``."""
    envelope = row.get(f"{column}_enc") or ""
    return open_envelope(keyring, envelope, location("caregiver", column, row["id"])) if envelope else ""
