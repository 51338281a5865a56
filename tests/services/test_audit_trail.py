"""The audit trail's hash chain on the real database (SQLite or PostgreSQL): raw SQL edits,
deletions, swaps and truncations are each found by the verification, with their code;
concurrent writers never fork the chain; archiving keeps it verifiable.

Each tampering happens inside a transaction that is rolled back, so the session's
database keeps an intact chain."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from piccolo.columns import JSON, ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from ltc.bench.scratch import scratch_database
from ltc.db import engine as db_engine
from ltc.db.engine import current_engine, write_transaction
from ltc.db.tables import AppUser, AuditArchive, AuditCheckpoint, AuditEntry
from ltc.domain.access import Actor, Role
from ltc.domain.errors import Conflict
from ltc.services import audit, audit_integrity
from ltc.services.audit_integrity import VerifyReport, archive_entries, verify_chain
from ltc.services.context import ServiceContext
from ltc.settings import Settings

SYSTEM = None
AT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


async def write_entries(n: int, label: str = "test") -> None:
    for i in range(n):
        await audit.record_change(
            actor=SYSTEM, at=AT, action=f"{label}.write", entity="test", entity_id=i, after={"n": i, "名": "王"}
        )


async def last_seq() -> int:
    row = await AuditEntry.select(AuditEntry.seq).order_by(AuditEntry.seq, ascending=False).first()
    return row["seq"]


@asynccontextmanager
async def tampered(*statements: str | tuple[str, ...]) -> AsyncIterator[None]:
    """Run raw SQL against the trail inside a transaction that is rolled back afterwards."""
    async with current_engine().transaction() as transaction:
        for statement in statements:
            sql, *args = (statement,) if isinstance(statement, str) else statement
            await AuditEntry.raw(sql, *args)
        yield
        await transaction.rollback()


async def broken_by(*statements: str | tuple[str, ...]) -> VerifyReport:
    async with tampered(*statements):
        return await verify_chain(None)


@pytest.fixture
async def chain(app) -> int:
    """At least six entries written through the app; the chain intact. Returns the last seq."""
    await write_entries(6)
    report = await verify_chain(None)
    assert report.ok, report
    return await last_seq()


async def test_the_seeded_trail_verifies(chain: int) -> None:
    report = await verify_chain(None)
    assert report.ok and report.broken is None
    assert report.last_seq == chain == report.anchor_seq and report.checked >= 6


async def test_an_edited_row_is_found(chain: int) -> None:
    report = await broken_by(f"UPDATE audit_entry SET reason = 'nothing happened' WHERE seq = {chain - 2}")
    assert not report.ok and report.broken is not None
    assert (report.broken.code, report.broken.seq) == ("entry_altered", chain - 2)
    edited_json = await broken_by(("UPDATE audit_entry SET after = {} WHERE seq = {}", '{"n": 99}', chain - 3))
    assert edited_json.broken is not None and edited_json.broken.code == "entry_altered"
    if current_engine().engine_type == "sqlite":  # PostgreSQL's json column refuses what is not JSON
        not_json = await broken_by(("UPDATE audit_entry SET after = {} WHERE seq = {}", '"unclosed', chain - 3))
        assert not_json.broken is not None and not_json.broken.code == "entry_altered"
    edited_time = await broken_by(f"UPDATE audit_entry SET actor_name = 'someone' WHERE seq = {chain - 1}")
    assert edited_time.broken is not None and edited_time.broken.seq == chain - 1


async def test_a_deleted_row_is_found(chain: int) -> None:
    report = await broken_by(f"DELETE FROM audit_entry WHERE seq = {chain - 3}")
    assert report.broken is not None and (report.broken.code, report.broken.seq) == ("entry_missing", chain - 3)


async def test_a_deleted_row_with_the_rest_renumbered_is_found(chain: int) -> None:
    report = await broken_by(
        f"DELETE FROM audit_entry WHERE seq = {chain - 3}",
        f"UPDATE audit_entry SET seq = -seq WHERE seq > {chain - 3}",
        "UPDATE audit_entry SET seq = -seq - 1 WHERE seq < 0",
    )
    assert report.broken is not None and (report.broken.code, report.broken.seq) == ("entry_missing", chain - 3)


async def test_swapped_rows_are_found(chain: int) -> None:
    a, b = chain - 3, chain - 2
    report = await broken_by(
        f"UPDATE audit_entry SET seq = -1 WHERE seq = {a}",
        f"UPDATE audit_entry SET seq = {a} WHERE seq = {b}",
        f"UPDATE audit_entry SET seq = {b} WHERE seq = -1",
    )
    assert report.broken is not None and (report.broken.code, report.broken.seq) == ("entry_reordered", a)


async def test_a_truncated_tail_is_found(chain: int) -> None:
    report = await broken_by(f"DELETE FROM audit_entry WHERE seq > {chain - 2}")
    assert report.broken is not None and (report.broken.code, report.broken.seq) == ("tail_truncated", chain - 1)
    assert report.anchor_seq == chain and report.last_seq == chain - 2


async def test_moving_the_anchor_back_with_the_tail_is_found(chain: int) -> None:
    report = await broken_by(
        f"DELETE FROM audit_entry WHERE seq > {chain - 2}",
        f"UPDATE audit_anchor SET seq = {chain - 2},"
        f" entry_hash = (SELECT entry_hash FROM audit_entry WHERE seq = {chain - 2})",
    )
    assert report.broken is not None and report.broken.code == "anchor_altered"


async def test_rows_written_outside_the_chain_are_found(chain: int) -> None:
    report = await broken_by(
        "INSERT INTO audit_entry (at, actor_name, action, entity, entity_id, reason, prev_hash, entry_hash)"
        " VALUES ('2026-12-06 12:00:00+00:00', 'x', 'forged', 'test', '1', '', '', '')"
    )
    assert report.broken is not None and report.broken.code == "entry_unchained"
    behind = await broken_by(
        "INSERT INTO audit_entry (at, actor_name, action, entity, entity_id, reason, seq, prev_hash, entry_hash)"
        f" VALUES ('2026-12-06 12:00:00+00:00', 'x', 'forged', 'test', '1', '', {chain + 1}, '', 'sha256:00')"
    )
    assert behind.broken is not None and (behind.broken.code, behind.broken.seq) == ("entry_altered", chain + 1)


async def test_a_missing_anchor_is_found_and_stops_every_write(chain: int) -> None:
    async with tampered("DELETE FROM audit_anchor"):
        report = await verify_chain(None)
        assert report.broken is not None and report.broken.code == "anchor_missing"
        with pytest.raises(Conflict) as refused:
            await write_entries(1)
        assert refused.value.code == "audit_anchor_missing"


async def test_a_transaction_reads_the_head_once(app, monkeypatch) -> None:
    reads: list[bool] = []
    original = audit.read_head

    async def counting(*, lock: bool):
        reads.append(lock)
        return await original(lock=lock)

    monkeypatch.setattr(audit, "read_head", counting)
    async with write_transaction():
        await write_entries(3)
        await audit.record_changes(
            [audit.Change(SYSTEM, AT, "test.bulk", "test", i, after={"i": i}) for i in range(50)]
        )
    assert reads == [True]
    await write_entries(1)  # a new transaction reads it again
    assert reads == [True, True]
    assert (await verify_chain(None)).ok


async def test_concurrent_writers_do_not_fork_the_chain(app) -> None:
    before = await last_seq()

    async def writer(label: str) -> None:
        async with write_transaction():
            await write_entries(1, label)
            await asyncio.sleep(0.02)  # the other writers arrive meanwhile
            await write_entries(2, label)

    await asyncio.gather(*[writer(f"w{i}") for i in range(6)])
    seqs = [row["seq"] for row in await AuditEntry.select(AuditEntry.seq).where(AuditEntry.seq > before)]
    assert sorted(seqs) == list(range(before + 1, before + 19))
    # Each writer's three entries are consecutive: one writer held the head at a time.
    rows = await AuditEntry.select(AuditEntry.seq, AuditEntry.action).where(AuditEntry.seq > before)
    order = [r["action"] for r in sorted(rows, key=lambda r: r["seq"])]
    assert all(len(set(order[i : i + 3])) == 1 for i in range(0, 18, 3))
    assert (await verify_chain(None)).ok


async def test_archiving_keeps_the_chain_verifiable(app, services: ServiceContext, chain: int) -> None:
    async with current_engine().transaction() as transaction:
        result = await archive_entries(services, before=datetime(2999, 1, 1, tzinfo=UTC))
        assert result.archived >= chain and result.upto_seq == chain
        assert await AuditEntry.count().where(AuditEntry.seq <= chain) == 0
        assert await AuditArchive.count() >= chain
        online = await verify_chain(None)
        assert online.ok, online
        assert online.from_seq == chain and online.checked == 1  # only the archiving's own entry
        everything = await verify_chain(None, include_archive=True)
        assert everything.ok and everything.archived >= chain, everything
        # Nothing more to archive: the archiving's own entry is the only one online.
        again = await archive_entries(services, before=AT - timedelta(days=1))
        assert again.archived == 0 and again.upto_seq is None
        await AuditArchive.raw(f"UPDATE audit_archive SET reason = 'x' WHERE seq = {chain - 1}")
        tampered_archive = await verify_chain(None, include_archive=True)
        assert tampered_archive.broken is not None and tampered_archive.broken.code == "entry_altered"
        assert (await verify_chain(None)).ok  # the online part still verifies from the checkpoint
        await AuditCheckpoint.raw(f"UPDATE audit_checkpoint SET seq = {chain - 1}")
        moved = await verify_chain(None)
        assert moved.broken is not None and moved.broken.code == "checkpoint_altered"
        await transaction.rollback()
    assert (await verify_chain(None)).ok


async def test_an_archive_whose_end_differs_from_the_checkpoint_is_found(services: ServiceContext, chain: int) -> None:
    async with current_engine().transaction() as transaction:
        await archive_entries(services, before=datetime(2999, 1, 1, tzinfo=UTC))
        await AuditArchive.raw(f"DELETE FROM audit_archive WHERE seq = {chain}")
        report = await verify_chain(None, include_archive=True)
        assert report.broken is not None and report.broken.code == "archive_mismatch"
        await transaction.rollback()


async def test_a_broken_chain_is_not_archived(services: ServiceContext, chain: int) -> None:
    async with tampered(f"DELETE FROM audit_entry WHERE seq = {chain - 1}"):
        with pytest.raises(Conflict) as refused:
            await archive_entries(services, before=datetime(2999, 1, 1, tzinfo=UTC))
        assert refused.value.code == "audit_chain_broken"
        assert await AuditArchive.count() == 0


async def test_only_the_audit_administrator_verifies(app) -> None:
    from ltc.domain.errors import Forbidden

    for role in set(Role) - {Role.AUDITOR}:
        with pytest.raises(Forbidden):
            await verify_chain(Actor(user_id=1, username="x", role=role))
    assert (await verify_chain(Actor(user_id=1, username="x", role=Role.AUDITOR))).ok


# An administrator's duty in the database ------------------------------------------------------


async def test_the_database_refuses_to_change_an_administrators_duty(app) -> None:
    for statement in [
        "UPDATE app_user SET role = 'auditor' WHERE username = 'admin'",
        "UPDATE app_user SET role = 'bureau' WHERE username = 'secadmin'",
        "UPDATE app_user SET role = 'sysadmin' WHERE username = 'bureau'",
    ]:
        with pytest.raises(Exception, match="administrator_duty_fixed"):
            async with current_engine().transaction():
                await AppUser.raw(statement)
    roles = {r["username"]: r["role"] for r in await AppUser.select(AppUser.username, AppUser.role)}
    assert (roles["admin"], roles["secadmin"], roles["auditor"]) == ("sysadmin", "secadmin", "auditor")
    async with current_engine().transaction() as transaction:  # other roles change freely
        await AppUser.raw("UPDATE app_user SET role = 'expert' WHERE username = 'assessor2'")
        await transaction.rollback()


# The migration chains the entries written before it -------------------------------------------------

BEFORE_CHAIN = "2026-12-02T21:40:00:000000"


class OldAuditEntry(Table, tablename="audit_entry"):
    """audit_entry as it was before the chain."""

    at = Timestamptz()
    actor = ForeignKey(references=AppUser, null=True)
    actor_name = Varchar(length=64)
    action = Varchar(length=64)
    entity = Varchar(length=64)
    entity_id = Varchar(length=64)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    reason = Text(default="")


class OldAppUser(Table, tablename="app_user"):
    username = Varchar(length=64)
    display_name = Varchar(length=100)
    password_hash = Varchar(length=200)
    role = Varchar(length=16)
    active = Varchar()
    created_at = Timestamptz()


async def test_the_migration_chains_the_entries_written_before_it(app, settings: Settings, tmp_path) -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from ltc.db.migrate import apply_migrations

    async with scratch_database("chain") as url:
        fresh = db_engine.configure_engine(url)
        await db_engine.start(fresh)
        try:
            assert (await run_forwards(app_name="ltc", migration_id=BEFORE_CHAIN)).success
            OldAuditEntry._meta.db = OldAppUser._meta.db = fresh
            await OldAppUser.raw(
                "INSERT INTO app_user (username, display_name, password_hash, role, active, created_at)"
                " VALUES ('admin', '', 'x', 'admin', true, '2026-12-01 00:00:00+00:00')"
            )
            shanghai = datetime(2026, 12, 1, 9, 30, 15, 250000, tzinfo=UTC)
            await OldAuditEntry.insert(
                *[
                    OldAuditEntry(
                        at=shanghai + timedelta(minutes=i),
                        actor=1 if i % 2 else None,
                        actor_name="admin" if i % 2 else "system",
                        action="user.create",
                        entity="user",
                        entity_id=str(i),
                        before=None if i % 3 else {"active": True},
                        after={"username": f"u{i}", "role": "assessor", "姓名": "李强", "n": i / 4},
                        reason="" if i % 2 else "因为",
                    )
                    for i in range(7)
                ]
            )
            await apply_migrations()
            report = await verify_chain(None)
            assert report.ok, report
            assert report.checked == 7 and report.last_seq == 7 == report.anchor_seq
            admin = await AppUser.select(AppUser.role).where(AppUser.username == "admin").first()
            assert admin["role"] == "sysadmin"  # the administrator signs in as the system administrator
            await audit.record_change(actor=None, at=AT, action="after.migration", entity="test", entity_id=1)
            assert (await verify_chain(None)).last_seq == 8
        finally:
            db_engine.configure_engine(settings.database_url)
            await db_engine.stop(fresh)


async def test_record_verification_writes_an_entry(services: ServiceContext) -> None:
    auditor = Actor(user_id=1, username="auditor", role=Role.AUDITOR)
    report = await audit_integrity.verify_chain(auditor)
    await audit_integrity.record_verification(services, auditor, report)
    newest = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.after).order_by(AuditEntry.seq, ascending=False).first()
    )
    assert newest["action"] == "audit.verify"


# The command line ------------------------------------------------------------------------------


def _ltc(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"LTC_DATABASE_URL": settings.database_url, "LTC_REDIS_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "ltc.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def test_ltc_audit_verify_exits_non_zero_at_a_break(settings: Settings, chain: int) -> None:
    intact = await asyncio.to_thread(_ltc, settings, "audit", "verify", "--include-archive")
    assert intact.returncode == 0, intact.stderr
    assert json.loads(intact.stdout)["ok"] is True
    original = await AuditEntry.select(AuditEntry.reason).where(AuditEntry.seq == chain - 1).first()
    await AuditEntry.raw("UPDATE audit_entry SET reason = 'rewritten' WHERE seq = {}", chain - 1)
    try:
        broken = await asyncio.to_thread(_ltc, settings, "audit", "verify")
    finally:
        await AuditEntry.raw("UPDATE audit_entry SET reason = {} WHERE seq = {}", original["reason"], chain - 1)
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert (
        report["ok"] is False and report["broken"]["code"] == "entry_altered" and report["broken"]["seq"] == chain - 1
    )
    assert (await verify_chain(None)).ok


async def test_ltc_audit_archive_moves_nothing_within_the_retention(settings: Settings, chain: int) -> None:
    done = await asyncio.to_thread(_ltc, settings, "audit", "archive", "--before", "2000-01-01")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["archived"] == 0


async def test_a_district_seeded_earlier_gets_the_demo_users_added_since(services: ServiceContext, monkeypatch) -> None:
    from ltc.services import seed

    monkeypatch.setattr(seed, "DEMO_STAFF", [*seed.DEMO_STAFF, ("auditor-2", Role.AUDITOR, "审计员二")])
    outcome = await seed.seed_demo(services, password="a-long-password")
    assert outcome.seeded is False
    added = await AppUser.select(AppUser.role).where(AppUser.username == "auditor-2").first()
    assert added["role"] == "auditor"
    await seed.seed_demo(services, password="a-long-password")  # once
    assert await AppUser.count().where(AppUser.username == "auditor-2") == 1
    assert (await verify_chain(None)).ok
