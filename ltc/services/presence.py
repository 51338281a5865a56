"""Presence cards (see ``ltc.domain.presence`` for what a card carries and proves): issuing a
person's first card when their agency or the bureau first opens it, rotating it (each
rotation audited; the old card keeps proving events from before the rotation), and the card
generations a check-in's code is verified against.

The secret is sealed at rest like a person's id number (an envelope under the active data
key, bound to the person and the card's generation); the audit trail records generations,
never secrets. The card is read and rotated by those who manage the person's care: the
bureau, and an agency for the persons it sees (another agency's persons are not found)."""

from __future__ import annotations

from datetime import datetime

import pyotp
from pydantic import BaseModel

from ltc.db.engine import current_engine, is_sqlite, write_transaction
from ltc.db.tables import Person, PresenceCard
from ltc.domain import presence
from ltc.domain.access import Action, Actor, require
from ltc.domain.personal_data import Keyring, location, open_envelope, reseal, seal
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.persons import PersonOut, get_person


class PresenceCardOut(BaseModel):
    """The card in use: what is printed on it."""

    person_id: int
    generation: int
    valid_from: datetime
    household_code: str
    qr_content: str  # what the QR code holds: ltc-presence:1:<person id>:<base32 secret>


def _where(person_id: int, generation: int) -> bytes:
    return location("presence_card", "secret", f"{person_id}:{generation}")


def _card_out(person_id: int, generation: int, valid_from: datetime, secret: str) -> PresenceCardOut:
    return PresenceCardOut(
        person_id=person_id,
        generation=generation,
        valid_from=valid_from,
        household_code=presence.household_code(secret),
        qr_content=presence.card_payload(person_id, secret),
    )


def _open(keyring: Keyring, row: dict) -> str:
    return open_envelope(keyring, row["secret_enc"], _where(row["person"], row["generation"]))


async def card_secrets(keyring: Keyring, person_id: int) -> list[presence.CardSecret]:
    """Every generation of the person's card, opened (what a code is verified against)."""
    rows = await PresenceCard.select(
        PresenceCard.person,
        PresenceCard.generation,
        PresenceCard.secret_enc,
        PresenceCard.valid_from,
        PresenceCard.valid_until,
    ).where(PresenceCard.person == person_id)
    return [presence.CardSecret(_open(keyring, r), r["valid_from"], r["valid_until"]) for r in rows]


async def _lock_person(person_id: int) -> None:
    """Serialise issuing and rotating one person's card (SQLite: the write lock already does)."""
    if not is_sqlite(current_engine()):
        await Person.raw("SELECT id FROM person WHERE id = {} FOR UPDATE", person_id)


async def _generations(person_id: int) -> list[dict]:
    return await PresenceCard.select().where(PresenceCard.person == person_id).order_by(PresenceCard.generation)


async def _issue(ctx: ServiceContext, actor: Actor, person_id: int, generation: int, now: datetime) -> str:
    secret = pyotp.random_base32(length=presence.SECRET_LENGTH)
    keyring = ctx.settings.keyring
    await PresenceCard.insert(
        PresenceCard(
            person=person_id,
            generation=generation,
            card_key=f"{person_id}:{generation}",
            secret_enc=seal(keyring, secret, _where(person_id, generation)),
            data_key_id=keyring.active,
            valid_from=now,
            valid_until=None,
            issued_by=actor.user_id,
        )
    )
    return secret


async def presence_card(ctx: ServiceContext, actor: Actor, person_id: int) -> tuple[PersonOut, PresenceCardOut]:
    """The person (as the actor sees them) and their card in use, issued on first reading."""
    require(actor, Action.MANAGE_PRESENCE_CARDS)
    person = await get_person(ctx, actor, person_id)
    async with write_transaction():
        await _lock_person(person_id)
        current = [g for g in await _generations(person_id) if g["valid_until"] is None]
        if current:
            card = current[-1]
            return person, _card_out(
                person_id, card["generation"], card["valid_from"], _open(ctx.settings.keyring, card)
            )
        now = ctx.clock.now()
        secret = await _issue(ctx, actor, person_id, 1, now)
        await record_change(
            actor=actor,
            at=now,
            action="presence_card.issue",
            entity="person",
            entity_id=person_id,
            after={"generation": 1},
        )
    return person, _card_out(person_id, 1, now, secret)


async def rotate_card(ctx: ServiceContext, actor: Actor, person_id: int) -> PresenceCardOut:
    """A new card for the person: the one in use stops proving events after now; events from
    before now still verify against it."""
    require(actor, Action.MANAGE_PRESENCE_CARDS)
    await get_person(ctx, actor, person_id)
    now = ctx.clock.now()
    async with write_transaction():
        await _lock_person(person_id)
        generations = await _generations(person_id)
        last = generations[-1]["generation"] if generations else 0
        if generations:
            await PresenceCard.update({PresenceCard.valid_until: now}).where(
                (PresenceCard.person == person_id) & PresenceCard.valid_until.is_null()
            )
        secret = await _issue(ctx, actor, person_id, last + 1, now)
        await record_change(
            actor=actor,
            at=now,
            action="presence_card.rotate",
            entity="person",
            entity_id=person_id,
            before={"generation": last} if last else None,
            after={"generation": last + 1},
        )
    return _card_out(person_id, last + 1, now, secret)


async def verify_code(ctx: ServiceContext, person_id: int, code: str | None, at: datetime) -> str:
    """What an event's code proves at its own time (a ``ltc.domain.presence`` outcome); no
    card read when there is no code."""
    if code is None or code == "":
        return presence.NO_CODE
    return presence.presence_outcome(code, at, await card_secrets(ctx.settings.keyring, person_id))


async def reseal_cards(keyring: Keyring, batch_size: int) -> int:
    """Re-seal the next ``batch_size`` card secrets not under the active key (part of a data
    key rotation, after the persons); how many were re-sealed (0: none left)."""
    async with write_transaction():
        rows = (
            await PresenceCard.select(
                PresenceCard.id,
                PresenceCard.person,
                PresenceCard.generation,
                PresenceCard.secret_enc,
                PresenceCard.data_key_id,
            )
            .where(PresenceCard.data_key_id != keyring.active)
            .order_by(PresenceCard.id)
            .limit(batch_size)
        )
        for row in rows:
            resealed = reseal(keyring, row["secret_enc"], _where(row["person"], row["generation"]))
            await PresenceCard.update(
                {PresenceCard.secret_enc: resealed, PresenceCard.data_key_id: keyring.active}
            ).where((PresenceCard.id == row["id"]) & (PresenceCard.data_key_id == row["data_key_id"]))
    return len(rows)
