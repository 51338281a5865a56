"""The audit trail: one helper every service calls for a state change that matters. Each
entry is chained to the one before by a keyed hash (``ltc.domain.audit_chain``); the
chain's head, kept in ``audit_anchor``, is read (and on PostgreSQL locked) once per
transaction that writes entries, so two writers never fork the chain."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from ltc.db.engine import current_engine, is_sqlite, write_transaction
from ltc.db.queries.paging import Page, PageRequest, after_key, page_of
from ltc.db.tables import AuditAnchor, AuditEntry
from ltc.domain.access import Action, Actor, require
from ltc.domain.audit_chain import DEV_KEY, ChainedEntry, ChainKey, ChainPoint, EntryContent, anchor_seal, extend
from ltc.domain.errors import Conflict
from ltc.settings import Settings


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor_name: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    reason: str
    seq: int | None = None


def _snapshot(value: Any) -> Any:
    return None if value is None else to_jsonable_python(value)


@dataclass(frozen=True)
class Change:
    """Who did what to which record, with its state before and after."""

    actor: Actor | None
    at: datetime
    action: str
    entity: str
    entity_id: object
    before: Any = None
    after: Any = None
    reason: str = ""

    def content(self) -> EntryContent:
        if self.at.tzinfo is None:
            raise ValueError("audit times must be aware")
        return EntryContent(
            at=self.at.astimezone(UTC),
            actor_id=self.actor.user_id if self.actor and self.actor.user_id else None,  # 0: no account
            actor_name=self.actor.username if self.actor else "system",
            action=self.action,
            entity=self.entity,
            entity_id=str(self.entity_id),
            before=_snapshot(self.before),
            after=_snapshot(self.after),
            reason=self.reason,
        )


log = logging.getLogger(__name__)
_CHAIN_KEY: list[ChainKey] = []


def chain_key_of(settings: Settings) -> ChainKey:
    secret = settings.audit_chain_key.encode("utf-8") if settings.audit_chain_key else DEV_KEY
    return ChainKey(secret, settings.audit_hash)


def configure_chain(settings: Settings) -> ChainKey:
    """Make the settings' key the one this process chains and verifies with (at start-up,
    like the database engine)."""
    key = chain_key_of(settings)
    if not settings.audit_chain_key and not settings.uses_sqlite:
        log.warning("LTC_AUDIT_CHAIN_KEY is not set: the audit trail is chained with the development key")
    _CHAIN_KEY[:] = [key]
    return key


def chain_key() -> ChainKey:
    return _CHAIN_KEY[0] if _CHAIN_KEY else ChainKey(DEV_KEY)


def _row(entry: ChainedEntry) -> AuditEntry:
    content = entry.content
    return AuditEntry(
        at=content.at,
        actor=content.actor_id,
        actor_name=content.actor_name,
        action=content.action,
        entity=content.entity,
        entity_id=content.entity_id,
        before=content.before,
        after=content.after,
        reason=content.reason,
        seq=entry.seq,
        prev_hash=entry.prev_hash,
        entry_hash=entry.hash,
    )


# The head this task's transaction left the chain at, so a transaction writing entries in
# several calls reads the anchor once: (the transaction, the head).
_HEAD: ContextVar[tuple[object, ChainPoint] | None] = ContextVar("ltc_audit_head", default=None)
ENTRIES_PER_INSERT = 1000  # 12 columns: 12,000 parameters a statement, within either database's limit

_READ_HEAD = "SELECT seq, entry_hash FROM audit_anchor WHERE id = 1"
_MOVE_HEAD = "UPDATE audit_anchor SET seq = {}, entry_hash = {}, seal = {}, updated_at = {} WHERE id = 1 AND seq = {} RETURNING id"


async def read_head(*, lock: bool) -> ChainPoint:
    """The chain's head; with ``lock``, held until the transaction ends (PostgreSQL: the
    row lock every writer queues on; SQLite: a write transaction already excludes others)."""
    sql = _READ_HEAD if not lock or is_sqlite(current_engine()) else _READ_HEAD + " FOR UPDATE"
    rows = await AuditAnchor.raw(sql)
    if not rows:
        raise Conflict("the audit trail's anchor is missing; run `ltc audit verify`", code="audit_anchor_missing")
    return ChainPoint(rows[0]["seq"], rows[0]["entry_hash"])


async def record_changes(changes: Sequence[Change]) -> None:
    """Write the changes' entries, chained, in as few statements as the databases' limit on
    parameters allows (a month's build audits thousands of settlements). Call it inside the
    same transaction as the changes, so there is never a change without its entry."""
    if not changes:
        return
    key = chain_key()
    contents = [change.content() for change in changes]
    async with write_transaction() as transaction:
        cached = _HEAD.get()
        head = cached[1] if cached is not None and cached[0] is transaction else await read_head(lock=True)
        entries = extend(key, head, contents)
        if not await _move_head(key, head, entries[-1].point, contents[-1].at):
            # The remembered head is stale (a savepoint rolled back): read it again.
            head = await read_head(lock=True)
            entries = extend(key, head, contents)
            if not await _move_head(key, head, entries[-1].point, contents[-1].at):
                raise Conflict("the audit trail's anchor moved under a lock", code="audit_anchor_missing")
        rows = [_row(entry) for entry in entries]
        for start in range(0, len(rows), ENTRIES_PER_INSERT):
            await AuditEntry.insert(*rows[start : start + ENTRIES_PER_INSERT])
        _HEAD.set((transaction, entries[-1].point))


async def _move_head(key: ChainKey, head: ChainPoint, new: ChainPoint, at: datetime) -> bool:
    moved = await AuditAnchor.raw(_MOVE_HEAD, new.seq, new.hash, anchor_seal(key, new), at, head.seq)
    return bool(moved)


async def record_change(
    *,
    actor: Actor | None,
    at: datetime,
    action: str,
    entity: str,
    entity_id: object,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> None:
    """One change's entry (see :func:`record_changes`)."""
    await record_changes([Change(actor, at, action, entity, entity_id, before, after, reason)])


def _entries():
    """The columns an entry is shown with, its before and after read as JSON."""
    return AuditEntry.select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor_name,
        AuditEntry.action,
        AuditEntry.entity,
        AuditEntry.entity_id,
        AuditEntry.before,
        AuditEntry.after,
        AuditEntry.reason,
        AuditEntry.seq,
    ).output(load_json=True)


async def recent_entries(actor: Actor, limit: int = 20, *, entity: str | None = None) -> list[AuditEntryOut]:
    """The newest entries first, of one kind of record or of all."""
    require(actor, Action.READ_AUDIT)
    query = _entries()
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return [
        AuditEntryOut.model_validate(row) for row in await query.order_by(AuditEntry.id, ascending=False).limit(limit)
    ]


class AuditFilter(BaseModel):
    """What a search of the audit trail is narrowed to; None: any. Days are the city's."""

    actor_name: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    from_day: date | None = None
    to_day: date | None = None  # inclusive


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


async def search_entries(
    actor: Actor, filters: AuditFilter, zone: ZoneInfo, request: PageRequest
) -> Page[AuditEntryOut]:
    """One page of the trail, newest first, by who, what, which record and between which
    days (keyset paging on the id, descending)."""
    require(actor, Action.READ_AUDIT)
    query = _entries()
    if filters.actor_name:
        query = query.where(AuditEntry.actor_name == filters.actor_name)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.entity:
        query = query.where(AuditEntry.entity == filters.entity)
    if filters.entity_id:
        query = query.where(AuditEntry.entity_id == filters.entity_id)
    if filters.from_day is not None:
        query = query.where(AuditEntry.at >= _day_start(filters.from_day, zone))
    if filters.to_day is not None:
        query = query.where(AuditEntry.at < _day_start(filters.to_day + timedelta(days=1), zone))
    if request.after is not None:
        query = query.where(after_key([AuditEntry.id], request.after, descending=True))
    rows = await query.order_by(AuditEntry.id, ascending=False).limit(request.limit + 1)
    return page_of([AuditEntryOut.model_validate(row) for row in rows], request, lambda entry: (entry.id,))
