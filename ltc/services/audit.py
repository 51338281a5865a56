"""The audit trail: one helper every service calls for a state change that matters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python

from ltc.db.tables import AuditEntry
from ltc.domain.access import Actor


def _snapshot(value: Any) -> Any:
    return None if value is None else to_jsonable_python(value)


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
    """Write who did what to which record, with its state before and after. Call it inside
    the same transaction as the change, so there is never a change without its entry."""
    if at.tzinfo is None:
        raise ValueError("audit times must be aware")
    await AuditEntry.insert(
        AuditEntry(
            at=at,
            actor=actor.user_id if actor else None,
            actor_name=actor.username if actor else "system",
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=_snapshot(before),
            after=_snapshot(after),
            reason=reason,
        )
    )


async def recent_entries(limit: int = 20, *, entity: str | None = None) -> list[dict[str, Any]]:
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
    return await query.order_by(AuditEntry.id, ascending=False).limit(limit)
