"""Monthly partitions on PostgreSQL: migration 0043 on a database with history keeps every row
and reference, the months are created ahead (idempotent; a month caught in DEFAULT stays
there), and an old settled month is detached into schema ``archive`` while the open months go
on. On SQLite the tables stay plain, with the same composite keys."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from piccolo.apps.migrations.commands.forwards import run_forwards

from ltc.db import engine as db_engine
from ltc.db import partitions as catalog
from ltc.db.migrate import apply_migrations, pending_schema_changes
from ltc.db.tables import Visit
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.services import partitions
from ltc.services.clock import FixedClock
from ltc.services.context import ServiceContext
from ltc.settings import Settings
from tests.isolated import own_database

BEFORE_0043 = "2026-12-11T02:00:00:000000"  # ltc_0040_service_month_filled
OLD, OLDER_OPEN, OPEN = date(2024, 1, 1), date(2024, 2, 1), date(2026, 12, 1)
TODAY = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
TABLES = ("visit", "visit_event", "visit_evidence", "settlement_line", "visit_exception", "visit_alert")


async def _sql(sql: str, *args: object) -> list[dict]:
    return await Visit.raw(sql, *args)


async def _add_visit(person: int, provider: int, month: date, n: int) -> int:
    start = datetime(month.year, month.month, 10 + n, 1, 0, tzinfo=UTC)
    [row] = await _sql(
        "INSERT INTO visit (person, provider, slot_key, planned_start, planned_end, window_opens, status,"
        " checked_in_at, service_month, created_at, updated_at) VALUES ({}, {}, {}, {}, {}, {}, 'done', {}, {}, {}, {})"
        " RETURNING id",
        person,
        provider,
        f"t:{month}:{n}:{uuid.uuid4().hex[:6]}",
        start,
        start,
        start,
        start,
        month,
        start,
        start,
    )
    visit = row["id"]
    event = uuid.uuid4()
    await _sql(
        "INSERT INTO visit_event (visit, event_id, kind, at, server_received_at, lat, lon, outcome, service_month)"
        " VALUES ({}, {}, 'check_in', {}, {}, 29.0, 121.0, 'accepted', {})",
        visit,
        event,
        start,
        start,
        month,
    )
    await _sql(
        "INSERT INTO visit_evidence (visit, event_id, evidence_key, kind, content_type, size_bytes, sha256, content,"
        " taken_at, lat, lon, uploaded_at, service_month)"
        " VALUES ({}, {}, {}, 'photo', 'image/jpeg', 3, 'x', {}, {}, 29.0, 121.0, {}, {})",
        visit,
        event,
        f"{event}:photo",
        b"abc",
        start,
        start,
        month,
    )
    await _sql(
        "INSERT INTO visit_exception (visit, provider, code, exception_key, status, opened_at, service_month)"
        " VALUES ({}, {}, 'late', {}, 'resolved', {}, {})",
        visit,
        provider,
        f"{visit}:late",
        start,
        month,
    )
    await _sql(
        "INSERT INTO visit_alert (visit, provider, kind, alert_key, raised_at, service_month)"
        " VALUES ({}, {}, 'late', {}, {}, {})",
        visit,
        provider,
        f"{visit}:late",
        start,
        month,
    )
    return visit


async def _add_settlement(provider: int, month: date, status: str) -> int:
    [row] = await _sql(
        "INSERT INTO settlement (provider, period, settlement_key, status) VALUES ({}, {}, {}, {}) RETURNING id",
        provider,
        f"{month:%Y-%m}",
        f"{provider}:{month:%Y-%m}",
        "draft",
    )
    for line_no in (1, 2):
        await _sql(
            "INSERT INTO settlement_line (settlement, line_no, kind, service_month) VALUES ({}, {}, 'home', {})",
            row["id"],
            line_no,
            month,
        )
    if status != "draft":
        await _sql("UPDATE settlement SET status = {} WHERE id = {}", status, row["id"])
    return row["id"]


async def _snapshot() -> dict[str, list[tuple]]:
    found = {}
    for table in TABLES:
        column = "settlement" if table == "settlement_line" else "visit"
        rows = await _sql(f"SELECT id, {column} AS ref, service_month FROM {table} ORDER BY id")
        found[table] = [(r["id"], r["ref"], r["service_month"]) for r in rows]
    return found


async def test_sqlite_keeps_plain_tables_with_the_composite_keys(app, settings: Settings) -> None:
    if not settings.uses_sqlite:
        pytest.skip("PostgreSQL: the partitioned tables are proven below")
    names = {r["name"] for r in await _sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"visit_slot_key_month", "visit_event_event_id_month", "visit_evidence_evidence_key_month"} <= names
    assert (await partitions.overview()).partitioned is False
    assert await partitions.ensure_for(date(2026, 1, 1), date(2026, 3, 1)) == catalog.EnsureResult([], [])


async def test_history_moves_into_monthly_partitions_and_an_old_month_is_archived(
    app, settings: Settings, services: ServiceContext
) -> None:
    if settings.uses_sqlite:
        pytest.skip("partitions are PostgreSQL's")
    async with own_database("partitions") as url:
        fresh = db_engine.configure_engine(url)
        await db_engine.start(fresh)
        try:
            result = await run_forwards(app_name="ltc", migration_id=BEFORE_0043)
            assert result.success, result.message
            [person] = await _sql("INSERT INTO person (id_number) VALUES ('p1') RETURNING id")
            [provider] = await _sql("INSERT INTO provider (code) VALUES ('P1') RETURNING id")
            p, q = person["id"], provider["id"]
            for month in (OLD, OLDER_OPEN, OPEN):
                for n in range(3):
                    await _add_visit(p, q, month, n)
            await _add_settlement(q, OLD, "paid")
            await _add_settlement(q, OLDER_OPEN, "draft")
            await _add_settlement(q, OPEN, "draft")
            before = await _snapshot()

            await apply_migrations()
            assert await pending_schema_changes() == []
            assert await _snapshot() == before  # every row, id and reference kept
            kinds = await _sql(
                "SELECT relname, relkind::text AS relkind FROM pg_class WHERE relname IN ('visit', 'visit_event', 'visit_evidence',"
                " 'settlement_line', 'visit_exception', 'visit_alert') AND relnamespace = 'public'::regnamespace"
            )
            assert {r["relname"]: r["relkind"] for r in kinds} == {
                "visit": "p",
                "visit_event": "p",
                "visit_evidence": "p",
                "settlement_line": "p",
                "visit_exception": "r",
                "visit_alert": "r",
            }
            overview = await partitions.overview()
            visit_months = {x.month for x in overview.partitions if x.table == "visit"}
            assert {OLD, OLDER_OPEN, OPEN, None} <= visit_months  # None: the DEFAULT partition
            assert sum(overview.rows_in_default.values()) == 0
            triggers = await _sql(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'settlement_line'::regclass AND NOT tgisinternal"
            )
            assert {r["tgname"] for r in triggers} == {"settlement_line_added", "settlement_line_locked"}
            with pytest.raises(Exception, match="settlement_locked"):  # a paid month's lines stay locked
                await _sql("UPDATE settlement_line SET note = 'x' WHERE service_month = {}", OLD)
            with pytest.raises(Exception, match="visit_event_visit_fkey"):  # an event names its visit's month
                await _sql(
                    "UPDATE visit_event SET service_month = {} WHERE id = {}", OLDER_OPEN, before["visit_event"][0][0]
                )
            new_visit = await _add_visit(p, q, OPEN, 7)
            assert new_visit > max(v[0] for v in before["visit"])  # the id sequence carries on

            # Created ahead, once; a month whose rows sit in DEFAULT stays there.
            far = date(2031, 5, 1)
            await _add_visit(p, q, far, 1)
            ctx = replace(services, clock=FixedClock(TODAY))
            ahead = await partitions.ensure_ahead(ctx)
            assert ahead.left_in_default == []
            assert await partitions.ensure_ahead(ctx) == catalog.EnsureResult([], [])
            caught = await partitions.ensure_for(far, far)
            assert set(caught.left_in_default) == {f"{t} 2031-05" for t in ("visit", "visit_event", "visit_evidence")}
            assert caught.created == ["settlement_line_2031_05"]
            assert (await catalog.rows_in_default())["visit"] == 1

            # Detach: refused while the month is kept online or not settled, then archived.
            with pytest.raises(InvalidInput):
                await partitions.detach_month(ctx, "2024-13")
            with pytest.raises(Conflict) as within:
                await partitions.detach_month(ctx, "2026-12")
            assert within.value.code == "month_within_retention"
            with pytest.raises(Conflict) as unsettled:
                await partitions.detach_month(ctx, "2024-02")
            assert unsettled.value.code == "month_not_settled"

            async def check_in_open_month() -> list[int]:
                return [await _add_visit(p, q, OPEN, 10 + n) for n in range(5)]

            detached, added = await asyncio.gather(partitions.detach_month(ctx, "2024-01"), check_in_open_month())
            assert detached.archived_rows == {
                "visit_exception": 3,
                "visit_alert": 3,
                "settlement_line": 2,
                "visit_event": 3,
                "visit_evidence": 3,
                "visit": 3,
            }
            after = await _snapshot()
            for table in TABLES:
                kept = [r for r in before[table] if r[2] != OLD]
                assert [r for r in after[table] if r in before[table]] == kept, table
                assert all(r[2] != OLD for r in after[table])
            assert len(added) == 5
            archived = await _sql("SELECT count(*) AS n FROM archive.visit_2024_01")
            assert archived[0]["n"] == 3
            audit = await _sql("SELECT entity_id FROM audit_entry WHERE action = 'partitions.detach'")
            assert [r["entity_id"] for r in audit] == ["2024-01"]
            with pytest.raises(NotFound):
                await partitions.detach_month(ctx, "2024-01")
        finally:
            db_engine.configure_engine(settings.database_url)
            await db_engine.stop(fresh)


def test_a_partitioned_index_is_rebuilt_on_every_partition() -> None:
    parent_only = "CREATE INDEX visit_planned_start ON ONLY public.visit USING btree (planned_start)"
    rebuilt = catalog.index_sql_for_parent(parent_only)
    assert rebuilt == "CREATE INDEX visit_planned_start ON public.visit USING btree (planned_start)"
    assert catalog.index_sql_for_parent(rebuilt) == rebuilt
