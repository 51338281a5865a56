"""Key rotation: every person's and caregiver's envelopes re-sealed under the active data key,
a batch per transaction. Resumable by construction: a row's ``data_key_id`` names the key all its
envelopes are under and changes in the same UPDATE as they do, so a run stopped anywhere
(killed, a crash, the database away) leaves each row wholly under its old key or wholly
under the new one, and the next run picks up the rows still under an old key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column
from piccolo.custom_types import Combinable
from piccolo.table import Table
from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.personal_data import SEALED_COLUMNS
from ltc.db.tables import Application, Caregiver, Person, TipOff
from ltc.domain.access import Action
from ltc.domain.personal_data import Keyring, location, reseal
from ltc.services.context import ServiceContext
from ltc.services.jobs import JobParams, Progress, register_job_kind
from ltc.services.presence import reseal_cards
from ltc.services.visits.evidence import reseal_evidence


class RotateKeysParams(JobParams):
    batch_size: int = Field(default=500, ge=1, le=10_000, description="rows re-sealed per transaction")


class RotateKeysResult(BaseModel):
    active_key: str
    rotated: int = Field(description="persons and caregivers re-sealed by this run")
    remaining: int = Field(description="persons and caregivers still under another key (0 when done)")


class KeyUsage(BaseModel):
    active_key: str
    cipher: str
    development_keys: bool
    persons_by_key: dict[str, int]


@dataclass(frozen=True)
class _SealedTable:
    """A table whose rows carry envelopes (``<column>_enc``) and the key they are under."""

    table: type[Table]
    name: str  # as the envelopes' location names it
    columns: tuple[str, ...]
    sealing: str = ""  # a column whose empty value marks a row that seals nothing

    def stale(self, keyring: Keyring) -> Combinable:
        """Rows that seal something under another key than the active one."""
        where: Combinable = self.key_column() != keyring.active
        if self.sealing:
            where &= self.table._meta.get_column_by_name(self.sealing) != ""
        return where

    def envelopes(self) -> list[Column]:
        return [self.table._meta.get_column_by_name(f"{column}_enc") for column in self.columns]

    def key_column(self) -> Column:
        return self.table._meta.get_column_by_name("data_key_id")


SEALED_TABLES = (
    _SealedTable(Person, "person", SEALED_COLUMNS),
    _SealedTable(Caregiver, "caregiver", ("id_number", "phone")),
    _SealedTable(TipOff, "tip_off", ("contact",)),
    _SealedTable(Application, "application", ("filer",), sealing="filed_by"),  # filed on the public page
)


def _resealed(keyring: Keyring, sealed: _SealedTable, row: dict[str, Any]) -> dict[Any, Any]:
    values: dict[Any, Any] = {
        envelope: reseal(keyring, row[envelope._meta.name] or "", location(sealed.name, column, row["id"]))
        for column, envelope in zip(sealed.columns, sealed.envelopes(), strict=True)
    }
    return values | {sealed.key_column(): keyring.active}


async def _stale_count(keyring: Keyring) -> int:
    return sum([await s.table.count().where(s.stale(keyring)) for s in SEALED_TABLES])


async def rotate_batch(keyring: Keyring, batch_size: int) -> int:
    """Re-seal the next ``batch_size`` rows (persons first, then caregivers, tip-offs, public filers) not under the
    active key, in one transaction; how many were re-sealed (0: none left)."""
    for sealed in SEALED_TABLES:
        table, key = sealed.table, sealed.key_column()
        async with write_transaction():
            rows = (
                await table.select(table._meta.primary_key, key, *sealed.envelopes())
                .where(sealed.stale(keyring))
                .order_by(table._meta.primary_key)
                .limit(batch_size)
            )
            for row in rows:
                # Conditional on the key the row was read under: a second rotation running at the
                # same time re-seals it once only.
                await table.update(_resealed(keyring, sealed, row)).where(
                    (table._meta.primary_key == row["id"]) & (key == row["data_key_id"])
                )
        if rows:
            return len(rows)
    return 0


@register_job_kind("rotate_data_keys", action=Action.ROTATE_DATA_KEYS, params=RotateKeysParams)
async def rotate_data_keys(ctx: ServiceContext, params: RotateKeysParams, progress: Progress) -> RotateKeysResult:
    keyring = ctx.settings.keyring
    total = await _stale_count(keyring)
    rotated = 0
    while done := await rotate_batch(keyring, params.batch_size):
        rotated += done
        await progress(rotated / total if total else 1.0)
    while await reseal_cards(keyring, params.batch_size):  # the homes' presence card secrets
        pass
    while await reseal_evidence(keyring, params.batch_size):  # visit photos and signatures
        pass
    remaining = await _stale_count(keyring)
    return RotateKeysResult(active_key=keyring.active, rotated=rotated, remaining=remaining)


async def key_usage(ctx: ServiceContext) -> KeyUsage:
    """How many persons each key seals (the keys themselves are never shown)."""
    keyring = ctx.settings.keyring
    rows = await Person.raw("SELECT data_key_id, COUNT(*) AS n FROM person GROUP BY data_key_id")
    return KeyUsage(
        active_key=keyring.active,
        cipher=keyring.cipher,
        development_keys=keyring.development,
        persons_by_key={row["data_key_id"] or "(none)": int(row["n"]) for row in rows},
    )
