"""Verifying the audit trail's hash chain and archiving entries past the online retention.

Verification walks the chain in sequence order from the last archive checkpoint (or from
the archive's start) and reports the first broken link with a stable code
(``ltc.domain.audit_chain.BREAK_CODES``); archiving moves a verified prefix of the chain to
``audit_archive`` and seals its last entry as the checkpoint the online chain starts from."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ltc.db.engine import current_engine, is_sqlite, write_transaction
from ltc.db.tables import AuditAnchor, AuditArchive, AuditCheckpoint, AuditEntry
from ltc.domain.access import Action, Actor, require
from ltc.domain.audit_chain import (
    START,
    ChainBreak,
    ChainedEntry,
    ChainKey,
    ChainPoint,
    ChainVerifier,
    EntryContent,
    archive_upto,
    checkpoint_break,
    checkpoint_seal,
    explain_mismatch,
)
from ltc.domain.errors import Conflict
from ltc.services.audit import chain_key, read_head, record_change
from ltc.services.context import ServiceContext

PAGE = 2000


class ChainBreakOut(BaseModel):
    code: str
    seq: int | None
    detail: str


class VerifyReport(BaseModel):
    """What a walk of the chain found: ``ok`` and the range checked, or the first break."""

    ok: bool
    checked: int
    from_seq: int  # the checkpoint (or 0) the walk started after
    last_seq: int
    last_hash: str
    anchor_seq: int | None
    archived: int  # archived entries walked too (with ``include_archive``)
    broken: ChainBreakOut | None = None


class ArchiveResult(BaseModel):
    archived: int
    upto_seq: int | None
    before: datetime


def _json(stored: Any) -> Any:
    """A JSON column as stored; text that is not JSON (written by hand) stays text, which
    then fails its hash like any other edit."""
    if not isinstance(stored, str):
        return stored
    try:
        return json.loads(stored)
    except ValueError:
        return stored


def _entry(row: dict[str, Any]) -> ChainedEntry:
    return ChainedEntry(
        seq=row["seq"],
        prev_hash=row["prev_hash"],
        hash=row["entry_hash"],
        content=EntryContent(
            at=row["at"],
            actor_id=row["actor"],
            actor_name=row["actor_name"],
            action=row["action"],
            entity=row["entity"],
            entity_id=row["entity_id"],
            before=_json(row["before"]),
            after=_json(row["after"]),
            reason=row["reason"],
        ),
    )


async def _pages(
    table: type[AuditEntry] | type[AuditArchive], after: int, upto: int | None
) -> AsyncIterator[ChainedEntry]:
    """The chained entries of ``table`` in sequence order, a page at a time."""
    last = after
    while True:
        where = (table.seq > last) if upto is None else (table.seq > last) & (table.seq <= upto)
        rows = await (
            table.select(
                table.seq,
                table.prev_hash,
                table.entry_hash,
                table.at,
                table.actor,
                table.actor_name,
                table.action,
                table.entity,
                table.entity_id,
                table.before,
                table.after,
                table.reason,
            )
            .where(where)
            .order_by(table.seq)
            .limit(PAGE)
        )
        for row in rows:
            yield _entry(row)
        if len(rows) < PAGE:
            return
        last = rows[-1]["seq"]


async def _walk(
    key: ChainKey, table: type[AuditEntry] | type[AuditArchive], verifier: ChainVerifier, upto: int | None = None
) -> ChainBreak | None:
    # Online, from the first entry: one still there at or before the checkpoint is a break too.
    async for entry in _pages(table, 0 if table is AuditEntry else verifier.last.seq, upto):
        found = verifier.check(entry)
        if found is None:
            continue
        if found.code == "entry_altered":
            # Moved rather than edited? Its previous hash names the entry it was written after.
            predecessor = await table.select(table.seq).where(table.entry_hash == entry.prev_hash).first()
            found = explain_mismatch(key, entry, predecessor_present=predecessor is not None)
        return found
    return None


async def _latest_checkpoint(key: ChainKey) -> tuple[ChainPoint, ChainBreak | None]:
    row = (
        await AuditCheckpoint.select(AuditCheckpoint.seq, AuditCheckpoint.entry_hash, AuditCheckpoint.seal)
        .order_by(AuditCheckpoint.seq, ascending=False)
        .first()
    )
    if row is None:
        return START, None
    point = ChainPoint(row["seq"], row["entry_hash"])
    return point, checkpoint_break(key, point, row["seal"])


@asynccontextmanager
async def _snapshot() -> AsyncIterator[None]:
    """One consistent view of the chain and its anchor while writers go on appending."""
    engine = current_engine()
    if engine.current_transaction.get() is not None:
        yield
        return
    async with engine.transaction():
        if not is_sqlite(engine):
            await engine.run_ddl("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


async def verify_chain(actor: Actor | None, *, include_archive: bool = False) -> VerifyReport:
    """Walk the chain and report its first broken link. ``actor`` None: the operator at the
    command line."""
    if actor is not None:
        require(actor, Action.VERIFY_AUDIT)
    key = chain_key()
    async with _snapshot():
        checkpoint, found = await _latest_checkpoint(key)
        archived = 0
        verifier = ChainVerifier(key, START if include_archive else checkpoint)
        if found is None and include_archive:
            found = await _walk(key, AuditArchive, verifier)
            archived = verifier.checked
            if found is None and verifier.last != checkpoint:
                found = ChainBreak(
                    "archive_mismatch",
                    verifier.last.seq,
                    f"the archive ends at {verifier.last.seq}, not {checkpoint.seq}",
                )
            verifier = ChainVerifier(key, checkpoint)
        if found is None:
            found = await _walk(key, AuditEntry, verifier)
        anchor_row = await AuditAnchor.select(AuditAnchor.seq, AuditAnchor.entry_hash, AuditAnchor.seal).first()
        if found is None:
            unchained = await AuditEntry.select(AuditEntry.id).where(AuditEntry.seq.is_null()).first()
            if unchained is not None:
                found = ChainBreak(
                    "entry_unchained", None, f"audit entry id {unchained['id']} has no place in the chain"
                )
        if found is None:
            anchor = ChainPoint(anchor_row["seq"], anchor_row["entry_hash"]) if anchor_row else None
            found = verifier.finish(anchor, anchor_row["seal"] if anchor_row else "")
    return VerifyReport(
        ok=found is None,
        checked=verifier.checked,
        from_seq=verifier.start.seq,
        last_seq=verifier.last.seq,
        last_hash=verifier.last.hash,
        anchor_seq=anchor_row["seq"] if anchor_row else None,
        archived=archived,
        broken=ChainBreakOut(code=found.code, seq=found.seq, detail=found.detail) if found else None,
    )


async def record_verification(ctx: ServiceContext, actor: Actor, report: VerifyReport) -> None:
    """The audit administrator's verification is itself in the trail."""
    await record_change(
        actor=actor,
        at=ctx.clock.now(),
        action="audit.verify",
        entity="audit",
        entity_id=report.last_seq,
        after={"ok": report.ok, "checked": report.checked, "code": report.broken.code if report.broken else None},
    )


async def archive_entries(ctx: ServiceContext, *, before: datetime | None = None) -> ArchiveResult:
    """Move the entries written before ``before`` (default: the retention's start) to the
    archive, once the part moved verifies; seal its last entry as the new checkpoint. Run by
    the operator (`ltc audit archive`); an archive of a broken chain is refused."""
    now = ctx.clock.now()
    before = before or now - timedelta(days=ctx.settings.audit_retention_days)
    key = chain_key()
    async with write_transaction():
        await read_head(lock=True)  # writers wait while the chain's start moves
        checkpoint, found = await _latest_checkpoint(key)
        first_recent = await _first_recent(before)
        last = (
            await AuditEntry.select(AuditEntry.seq)
            .where(AuditEntry.seq.is_not_null())
            .order_by(AuditEntry.seq, ascending=False)
            .first()
        )
        upto = archive_upto(checkpoint.seq, first_recent, last["seq"] if last else None)
        if upto is None:
            return ArchiveResult(archived=0, upto_seq=None, before=before)
        verifier = ChainVerifier(key, checkpoint)
        found = found or await _walk(key, AuditEntry, verifier, upto)
        if found is not None or verifier.last.seq != upto:
            code = found.code if found else "entry_missing"
            raise Conflict(f"the audit chain is broken ({code}); nothing archived", code="audit_chain_broken")
        await AuditArchive.raw(
            "INSERT INTO audit_archive (entry_id, seq, prev_hash, entry_hash, at, actor, actor_name, action, entity,"
            " entity_id, before, after, reason, archived_at) SELECT id, seq, prev_hash, entry_hash, at, actor,"
            " actor_name, action, entity, entity_id, before, after, reason, {} FROM audit_entry"
            " WHERE seq > {} AND seq <= {}",
            now,
            checkpoint.seq,
            upto,
        )
        await AuditEntry.delete().where((AuditEntry.seq > checkpoint.seq) & (AuditEntry.seq <= upto))
        boundary = verifier.last
        await AuditCheckpoint.insert(
            AuditCheckpoint(
                seq=boundary.seq,
                entry_hash=boundary.hash,
                seal=checkpoint_seal(key, boundary),
                archived_before=before,
                entries=verifier.checked,
                created_at=now,
            )
        )
        await record_change(
            actor=None,
            at=now,
            action="audit.archive",
            entity="audit",
            entity_id=boundary.seq,
            after={"archived": verifier.checked, "from_seq": checkpoint.seq + 1, "upto_seq": boundary.seq},
        )
    return ArchiveResult(archived=verifier.checked, upto_seq=boundary.seq, before=before)


async def _first_recent(before: datetime) -> int | None:
    row = (
        await AuditEntry.select(AuditEntry.seq)
        .where((AuditEntry.at >= before) & AuditEntry.seq.is_not_null())
        .order_by(AuditEntry.seq)
        .first()
    )
    return row["seq"] if row else None
