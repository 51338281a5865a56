"""The audit trail: one helper every service calls for a state change that matters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from ltc.db.tables import AuditEntry
from ltc.domain.access import Action, Actor, require


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

    def entry(self) -> AuditEntry:
        if self.at.tzinfo is None:
            raise ValueError("audit times must be aware")
        return AuditEntry(
            at=self.at,
            actor=self.actor.user_id if self.actor else None,
            actor_name=self.actor.username if self.actor else "system",
            action=self.action,
            entity=self.entity,
            entity_id=str(self.entity_id),
            before=_snapshot(self.before),
            after=_snapshot(self.after),
            reason=self.reason,
        )


async def record_changes(changes: Sequence[Change]) -> None:
    """Write the changes' entries in one statement. Call it inside the same transaction as
    the changes, so there is never a change without its entry."""
    if changes:
        await AuditEntry.insert(*[change.entry() for change in changes])


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


async def recent_entries(actor: Actor, limit: int = 20, *, entity: str | None = None) -> list[AuditEntryOut]:
    """The newest entries first, of one kind of record or of all."""
    require(actor, Action.READ_AUDIT)
    query = AuditEntry.select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor_name,
        AuditEntry.action,
        AuditEntry.entity,
        AuditEntry.entity_id,
        AuditEntry.before,
        AuditEntry.after,
        AuditEntry.reason,
    ).output(load_json=True)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return [
        AuditEntryOut.model_validate(row) for row in await query.order_by(AuditEntry.id, ascending=False).limit(limit)
    ]
