"""The in-app inbox: notices to users, kept as a kind and its parameters (the words are
rendered when read, in the reader's language), read a page at a time, newest first, and
marked read by their recipient only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ltc.db.engine import write_transaction
from ltc.db.queries.paging import Page, PageRequest, after_key, page_of
from ltc.db.tables import AppUser, Notice
from ltc.domain.access import Actor
from ltc.domain.errors import NotFound

NOTICE_KINDS: tuple[str, ...] = (
    "absence_replanned",
    "visits_given",
    "visits_taken",
    "payment_due_soon",
    "payment_overdue",
    "rectification_ordered",
    "rectification_overdue",
)


class NoticeOut(BaseModel):
    id: int
    kind: str
    params: dict[str, Any]
    link: str
    created_at: datetime
    read_at: datetime | None


_COLUMNS = (Notice.id, Notice.kind, Notice.params, Notice.link, Notice.created_at, Notice.read_at)


NoticeParams = dict[str, str | int | None]


async def notify(recipients: Iterable[int], kind: str, params: NoticeParams, link: str, at: datetime) -> int:
    """One notice to each recipient (call inside the transaction of what it tells); how many."""
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind}")
    rows = [
        Notice(recipient=user_id, kind=kind, params=params, link=link, created_at=at)
        for user_id in sorted(set(recipients))
    ]
    if rows:
        await Notice.insert(*rows)
    return len(rows)


async def agency_users(provider_id: int) -> list[int]:
    """The active agency accounts of a provider: who hears about its caregivers' days."""
    rows = await AppUser.select(AppUser.id).where(
        (AppUser.provider == provider_id) & (AppUser.role == "agency") & (AppUser.active == True)
    )
    return [r["id"] for r in rows]


async def inbox(actor: Actor, page: PageRequest, *, unread_only: bool = False) -> Page[NoticeOut]:
    """The actor's own notices, newest first."""
    query = Notice.select(*_COLUMNS).output(load_json=True).where(Notice.recipient == actor.user_id)
    if unread_only:
        query = query.where(Notice.read_at.is_null())
    if page.after is not None:
        query = query.where(after_key((Notice.created_at, Notice.id), page.after, descending=True))
    rows = await query.order_by(Notice.created_at, Notice.id, ascending=False).limit(page.limit + 1)
    return page_of([NoticeOut.model_validate(r) for r in rows], page, lambda n: (n.created_at, n.id))


async def unread_count(actor: Actor) -> int:
    return await Notice.count().where((Notice.recipient == actor.user_id) & Notice.read_at.is_null())


async def mark_read(actor: Actor, notice_id: int, at: datetime) -> NoticeOut:
    """Mark one of the actor's notices read (again: it keeps its first reading time); another
    user's notice is 'not found'."""
    async with write_transaction():
        await Notice.update({Notice.read_at: at}).where(
            (Notice.id == notice_id) & (Notice.recipient == actor.user_id) & Notice.read_at.is_null()
        )
    row = (
        await Notice.select(*_COLUMNS)
        .output(load_json=True)
        .where((Notice.id == notice_id) & (Notice.recipient == actor.user_id))
        .first()
    )
    if row is None:
        raise NotFound("没有该通知", code="notice_not_found")
    return NoticeOut.model_validate(row)


async def mark_all_read(actor: Actor, at: datetime) -> int:
    async with write_transaction():
        marked = (
            await Notice.update({Notice.read_at: at})
            .where((Notice.recipient == actor.user_id) & Notice.read_at.is_null())
            .returning(Notice.id)
        )
    return len(marked)
