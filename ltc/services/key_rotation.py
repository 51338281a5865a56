"""Key rotation: every person's envelopes re-sealed under the active data key, a batch per
transaction. Resumable by construction: a row's ``data_key_id`` names the key all its
envelopes are under and changes in the same UPDATE as they do, so a run stopped anywhere
(killed, a crash, the database away) leaves each row wholly under its old key or wholly
under the new one, and the next run picks up the rows still under an old key."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.personal_data import SEALED_COLUMNS
from ltc.db.tables import Person
from ltc.domain.access import Action
from ltc.domain.personal_data import Keyring, location, reseal
from ltc.services.context import ServiceContext
from ltc.services.jobs import JobParams, Progress, register_job_kind
from ltc.services.presence import reseal_cards

_ENVELOPES = [Person._meta.get_column_by_name(f"{column}_enc") for column in SEALED_COLUMNS]


class RotateKeysParams(JobParams):
    batch_size: int = Field(default=500, ge=1, le=10_000, description="persons re-sealed per transaction")


class RotateKeysResult(BaseModel):
    active_key: str
    rotated: int = Field(description="persons re-sealed by this run")
    remaining: int = Field(description="persons still under another key (0 when done)")


class KeyUsage(BaseModel):
    active_key: str
    cipher: str
    development_keys: bool
    persons_by_key: dict[str, int]


def _resealed(keyring: Keyring, row: dict[str, Any]) -> dict[Any, Any]:
    values: dict[Any, Any] = {
        envelope: reseal(keyring, row[envelope._meta.name] or "", location("person", column, row["id"]))
        for column, envelope in zip(SEALED_COLUMNS, _ENVELOPES, strict=True)
    }
    return values | {Person.data_key_id: keyring.active}


async def rotate_batch(keyring: Keyring, batch_size: int) -> int:
    """Re-seal the next ``batch_size`` persons not under the active key, in one transaction;
    how many were re-sealed (0: none left)."""
    stale = Person.data_key_id != keyring.active
    async with write_transaction():
        rows = (
            await Person.select(Person.id, Person.data_key_id, *_ENVELOPES)
            .where(stale)
            .order_by(Person.id)
            .limit(batch_size)
        )
        for row in rows:
            # Conditional on the key the row was read under: a second rotation running at the
            # same time re-seals it once only.
            await Person.update(_resealed(keyring, row)).where(
                (Person.id == row["id"]) & (Person.data_key_id == row["data_key_id"])
            )
    return len(rows)


@register_job_kind("rotate_data_keys", action=Action.ROTATE_DATA_KEYS, params=RotateKeysParams)
async def rotate_data_keys(ctx: ServiceContext, params: RotateKeysParams, progress: Progress) -> RotateKeysResult:
    keyring = ctx.settings.keyring
    total = await Person.count().where(Person.data_key_id != keyring.active)
    rotated = 0
    while done := await rotate_batch(keyring, params.batch_size):
        rotated += done
        await progress(rotated / total if total else 1.0)
    while await reseal_cards(keyring, params.batch_size):  # the homes' presence card secrets
        pass
    remaining = await Person.count().where(Person.data_key_id != keyring.active)
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
