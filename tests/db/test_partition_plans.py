"""The plans PostgreSQL makes on the partitioned tables: each list page's query (first and a deep
keyset page, with each filter), the alert sweep, the check-in's reads and the line deletes read
only the months they need, by an index; the settlement gathering reads only its month and the
neighbouring ones (it aggregates nearly every row there: a whole-partition read is its best plan).

The test data is small, so a sequential scan would be the cheaper plan here: the index reads are
checked with ``enable_seqscan`` off, which only asks whether a usable index exists."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations
from ltc.db.queries import lists
from ltc.db.queries import visits as visit_queries
from ltc.db.queries.months import of_event, of_period
from ltc.db.queries.settlements import home_sql
from ltc.db.tables import SettlementLine, Visit
from ltc.domain.periods import Period
from ltc.services.partitions import ensure_for
from ltc.services.visits.alerts import swept_visits
from ltc.settings import Settings
from tests.isolated import own_database

ZONE = ZoneInfo("Asia/Shanghai")
MONTHS = [date(2026, m, 1) for m in (9, 10, 11, 12)]
PARTITIONED = ("visit", "visit_event", "visit_evidence", "settlement_line")


def _scans(plan: dict[str, Any]) -> list[tuple[str, str]]:
    found = [(plan["Relation Name"], plan["Node Type"])] if "Relation Name" in plan else []
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


async def _plan(sql: str, *args: Any) -> list[tuple[str, str]]:
    rows = await Visit.raw("EXPLAIN (FORMAT JSON) " + sql, *args)
    plan = rows[0]["QUERY PLAN"]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return _scans(plan[0]["Plan"])


def _partitions(scans: list[tuple[str, str]]) -> set[str]:
    return {name for name, _ in scans if name.startswith(PARTITIONED) and name not in PARTITIONED}


def _assert_indexed(scans: list[tuple[str, str]], months: list[date], what: str) -> None:
    wanted = {f"{t}_{m:%Y_%m}" for t in PARTITIONED for m in months}
    read = _partitions(scans)
    assert read and read <= wanted, f"{what}: {sorted(read)}"
    seq = [name for name, node in scans if name in read and node == "Seq Scan"]
    assert seq == [], f"{what}: {seq}"


async def _load(provider: int, person: int, caregiver: int) -> None:
    rows = []
    for month in MONTHS:
        for n in range(200):
            start = datetime(month.year, month.month, 1 + n % 28, 1 + n % 10, tzinfo=UTC)
            rows.append(
                f"({person}, {provider}, {caregiver if n % 2 else 'NULL'}, 'p:{month}:{n}', '{start.isoformat()}',"
                f" '{(start + timedelta(hours=1)).isoformat()}', '{start.isoformat()}', '{'done' if n % 3 else 'planned'}',"
                f" '{start.isoformat()}', '{month}', now(), now())"
            )
    await Visit.raw(
        "INSERT INTO visit (person, provider, caregiver, slot_key, planned_start, planned_end, window_opens, status,"
        " checked_in_at, service_month, created_at, updated_at) VALUES " + ", ".join(rows)
    )
    await Visit.raw(
        "INSERT INTO visit_event (visit, event_id, kind, at, server_received_at, lat, lon, outcome, service_month)"
        " SELECT id, md5(id::text)::uuid, 'check_in', planned_start, planned_start, 29, 121, 'accepted', service_month"
        " FROM visit"
    )
    for month in MONTHS:
        [row] = await Visit.raw(
            "INSERT INTO settlement (provider, period, settlement_key, status) VALUES ({}, {}, {}, 'draft') RETURNING id",
            provider,
            f"{month:%Y-%m}",
            f"{provider}:{month:%Y-%m}",
        )
        await Visit.raw(
            "INSERT INTO settlement_line (settlement, line_no, kind, service_month)"
            " SELECT {}, n, 'home', {} FROM generate_series(1, 200) n",
            row["id"],
            month,
        )
    for table in PARTITIONED:
        await Visit.raw(f"ANALYZE {table}")


async def test_each_query_reads_its_months_by_an_index(app, settings: Settings) -> None:
    if settings.uses_sqlite:
        pytest.skip("partitions and their plans are PostgreSQL's")
    async with own_database("plans") as url:
        fresh = db_engine.configure_engine(url)
        await db_engine.start(fresh)
        try:
            await apply_migrations()
            await ensure_for(MONTHS[0], MONTHS[-1])
            [person] = await Visit.raw("INSERT INTO person (id_number) VALUES ('p1') RETURNING id")
            provider = (await Visit.raw("INSERT INTO provider (code) VALUES ('P1') RETURNING id"))[0]["id"]
            caregiver = (
                await Visit.raw("INSERT INTO caregiver (provider, name) VALUES ({}, 'c') RETURNING id", provider)
            )[0]["id"]
            await _load(provider, person["id"], caregiver)
            async with fresh.transaction():  # one connection: the SET holds for the plans below
                await Visit.raw("SET LOCAL enable_seqscan = off")
                await _index_plans(provider, caregiver)
            await _gathering_plan()
        finally:
            db_engine.configure_engine(settings.database_url)
            await db_engine.stop(fresh)


async def _index_plans(provider: int, caregiver: int) -> None:
    day = datetime(2026, 11, 16, tzinfo=ZONE)
    november = [date(2026, 11, 1)]
    filters = [
        {},
        {"provider": provider},
        {"caregiver": caregiver},
        {"status": "done"},
        {"provider": provider, "status": "planned"},
    ]
    for given in filters:
        kwargs = {"provider": None, "caregiver": None, "status": None} | given
        query = lists.visits_query(
            visit_queries.VISIT_COLUMNS, start=day, end=day + timedelta(days=1), zone=ZONE, **kwargs
        )
        first = lists.VISIT_ORDER.ordered(query).limit(51)
        _assert_indexed(await _plan(str(first)), november, f"visit list {given}")
        deep_key = ((day + timedelta(hours=12)).isoformat(), 4000)
        deep = lists.VISIT_ORDER.ordered(lists.VISIT_ORDER.after(query, deep_key)).limit(51)
        _assert_indexed(await _plan(str(deep)), november, f"visit list, deep page {given}")

    sweep = swept_visits(datetime(2026, 11, 16, 8, tzinfo=UTC), ZONE)
    _assert_indexed(await _plan(str(sweep)), november, "alert sweep")

    [visit] = await Visit.raw("SELECT id, service_month FROM visit WHERE service_month = '2026-11-01' LIMIT 1")
    # The visit's month, and the event id in the months around the event's: never September.
    event_months = of_event(datetime(2026, 11, 16, 9, tzinfo=ZONE), ZONE)
    events_sql = visit_queries.events_sql(visit["service_month"], event_months)
    events = await _plan(events_sql, visit["id"], uuid.uuid4())
    _assert_indexed(events, [date(2026, m, 1) for m in (10, 11, 12)], "the check-in's events")
    by_id = await _plan("SELECT * FROM visit v WHERE v.id = {}", visit["id"])
    assert {node for _, node in by_id} <= {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}, by_id

    period = Period.parse("2026-11")
    [settlement] = await Visit.raw("SELECT id FROM settlement WHERE period = '2026-11'")
    delete = SettlementLine.delete().where(
        (SettlementLine.settlement == settlement["id"]) & of_period(period).where(SettlementLine.service_month)
    )
    _assert_indexed(await _plan(str(delete)), november, "line delete")


async def _gathering_plan() -> None:
    period = Period.parse("2026-11")
    scans = await _plan(
        home_sql(False, period, ZONE, [(0, None)], False, (0, 1)),
        period.start_utc(ZONE),
        period.end_utc(ZONE),
    )
    neighbours = {f"visit_{m:%Y_%m}" for m in (date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1))}
    assert _partitions(scans) <= neighbours, scans
    assert "visit_2026_09" not in _partitions(scans)
