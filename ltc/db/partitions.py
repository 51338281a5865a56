"""PostgreSQL's monthly partitions as the catalog shows them, created ahead and detached into
the ``archive`` schema. On SQLite the tables are plain: every function here does nothing there.

Names in the SQL come from ``ltc.domain.partitions`` and months are formatted dates, never
input text."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date

from ltc.db.engine import current_engine, is_sqlite, write_transaction
from ltc.domain.partitions import (
    ARCHIVE_SCHEMA,
    ARCHIVED_BY_COPY,
    DETACH_ORDER,
    PARTITIONED_TABLES,
    default_partition_name,
    month_after,
    months_between,
    months_missing,
    partition_name,
)

LOCK_WAIT_MS = 100
CREATE_ATTEMPTS = 50
LOCK_ORDER = ("visit", "visit_event", "visit_evidence", "visit_exception", "visit_alert", "settlement_line")

log = logging.getLogger(__name__)

_BOUND_FROM = re.compile(r"FROM \('(\d{4})-(\d{2})-01'\)")
# Serialises the creators (the daily job, visit generation, the settlement build).
_ENSURE_LOCK = 0x1C7A2043


@dataclass(frozen=True)
class Partition:
    table: str  # the partitioned parent
    name: str
    month: date | None  # None: the DEFAULT partition
    estimated_rows: int  # the planner's estimate (reltuples; -1 before the first ANALYZE)
    bytes: int  # table, indexes and TOAST


@dataclass(frozen=True)
class EnsureResult:
    created: list[str]  # partitions created now
    left_in_default: list[str]  # "<table> YYYY-MM": rows of the month already sit in DEFAULT


def partitioned() -> bool:
    return not is_sqlite(current_engine())


async def _fetch(sql: str) -> list[dict]:
    return [dict(row) for row in await current_engine().run_ddl(sql)]


async def list_partitions() -> list[Partition]:
    """Every partition of the partitioned tables, in one catalog query."""
    if not partitioned():
        return []
    names = ", ".join(f"'{t}'" for t in PARTITIONED_TABLES)
    rows = await _fetch(
        f"""SELECT parent.relname AS parent, child.relname AS name, pg_get_expr(child.relpartbound, child.oid) AS bound,
                   child.reltuples::bigint AS estimated_rows, pg_total_relation_size(child.oid) AS bytes
            FROM pg_inherits i
            JOIN pg_class parent ON parent.oid = i.inhparent
            JOIN pg_class child ON child.oid = i.inhrelid
            WHERE parent.relname IN ({names}) AND parent.relnamespace = 'public'::regnamespace
            ORDER BY parent.relname, child.relname"""
    )
    found = []
    for row in rows:
        start = _BOUND_FROM.search(row["bound"])
        month = date(int(start[1]), int(start[2]), 1) if start else None
        found.append(Partition(row["parent"], row["name"], month, int(row["estimated_rows"]), int(row["bytes"])))
    return found


async def rows_in_default(month: date | None = None) -> dict[str, int]:
    """How many rows each DEFAULT partition holds (of ``month`` only, when given): rows of a
    month whose partition did not exist when they were written."""
    if not partitioned():
        return {}
    where = f" WHERE service_month >= '{month}' AND service_month < '{month_after(month)}'" if month else ""
    union = " UNION ALL ".join(
        f"SELECT '{t}' AS parent, count(*) AS n FROM {default_partition_name(t)}{where}" for t in PARTITIONED_TABLES
    )
    return {row["parent"]: int(row["n"]) for row in await _fetch(union)}


async def _months_with_default_rows(table: str, months: list[date]) -> set[date]:
    first, end = months[0], month_after(months[-1])
    rows = await _fetch(
        f"SELECT DISTINCT service_month AS m FROM {default_partition_name(table)}"
        f" WHERE service_month >= '{first}' AND service_month < '{end}'"
    )
    return {row["m"].replace(day=1) for row in rows}


async def ensure_partitions(months: list[date]) -> EnsureResult:
    """Create each table's partition of each month that has none yet: one catalog query when
    they all exist. A month whose rows already sit in a DEFAULT partition is left there and
    reported (creating it would fail; moving the rows is the operator's decision)."""
    if not partitioned() or not months:
        return EnsureResult([], [])
    existing: dict[str, set[date]] = {t: set() for t in PARTITIONED_TABLES}
    for part in await list_partitions():
        if part.month is not None:
            existing[part.table].add(part.month)
    missing = {t: months_missing(months, existing[t]) for t in PARTITIONED_TABLES}
    if not any(missing.values()):
        return EnsureResult([], [])
    created: list[str] = []
    left: list[str] = []
    for table in PARTITIONED_TABLES:
        if not missing[table]:
            continue
        blocked = await _months_with_default_rows(table, missing[table])
        for month in missing[table]:
            name = partition_name(table, month)
            if month in blocked or not await _create_partition(table, month):
                log.warning("%s: rows of %s sit in %s; the month stays there", name, month, table + "_default")
                left.append(f"{table} {month:%Y-%m}")
                continue
            created.append(name)
    return EnsureResult(created, left)


async def _create_partition(table: str, month: date) -> bool:
    """One partition, in a transaction of its own: creating it locks the parent for its moment,
    so it waits behind a long reader at most LOCK_WAIT_MS, then gives way and tries again (the
    check-ins and pages never queue behind it for long). False: rows of the month reached
    DEFAULT meanwhile."""
    engine = current_engine()
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            async with write_transaction():
                await engine.run_ddl(f"SELECT pg_advisory_xact_lock({_ENSURE_LOCK})")
                await engine.run_ddl(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'")
                await engine.run_ddl(
                    f"CREATE TABLE IF NOT EXISTS {partition_name(table, month)} PARTITION OF {table}"
                    f" FOR VALUES FROM ('{month}') TO ('{month_after(month)}')"
                )
            return True
        except Exception as error:
            if getattr(error, "sqlstate", None) == "23514":  # DEFAULT holds rows of the month
                return False
            if not is_lock_wait_over(error) or attempt == CREATE_ATTEMPTS:
                raise
            await asyncio.sleep(0.05 * attempt)
    return False


async def ensure_months(first: date, last: date) -> None:
    """The partitions of every month from ``first``'s to ``last``'s, for a bulk load (COPY into
    the parent routes each row to its month's partition)."""
    await ensure_partitions(months_between(first, last))


def is_lock_wait_over(error: BaseException) -> bool:
    return getattr(error, "sqlstate", None) == "55P03"  # lock_not_available


async def archive_month(month: date) -> dict[str, int]:
    """Inside the caller's transaction: copy the month's exception and alert rows into
    ``archive.<table>_YYYY_MM`` and delete them, then detach the month's partitions (lines,
    events, evidence, visits) and move them to the archive schema, their foreign keys dropped
    (they reference rows that stay online, or visits that leave with them). Returns the rows
    each archived table holds."""
    engine = current_engine()
    counts: dict[str, int] = {}
    # Detaching and dropping the foreign keys lock the parents (and so every partition): all
    # are taken first. Writers of the open months take these tables in either order (a check-in
    # locks its visit then adds events; an insert's key check goes event then visit), so the
    # detach never waits long: after LOCK_WAIT it gives way (the caller tries again), and a
    # writer is never the one a deadlock aborts.
    await engine.run_ddl(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'")
    await engine.run_ddl(f"LOCK TABLE {', '.join(LOCK_ORDER)} IN ACCESS EXCLUSIVE MODE")
    await engine.run_ddl(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE_SCHEMA}")
    bounds = f"service_month >= '{month}' AND service_month < '{month_after(month)}'"
    for table in ARCHIVED_BY_COPY:
        target = f"{ARCHIVE_SCHEMA}.{partition_name(table, month)}"
        await engine.run_ddl(f"CREATE TABLE {target} AS SELECT * FROM {table} WHERE {bounds}")
        counts[table] = int((await _fetch(f"SELECT count(*) AS n FROM {target}"))[0]["n"])
        await engine.run_ddl(f"DELETE FROM {table} WHERE {bounds}")
    for table in DETACH_ORDER:
        name = partition_name(table, month)
        await engine.run_ddl(f"ALTER TABLE {table} DETACH PARTITION {name}")
        for key in await _fetch(
            f"SELECT conname FROM pg_constraint WHERE conrelid = '{name}'::regclass AND contype = 'f' AND conparentid = 0"
        ):
            await engine.run_ddl(f"ALTER TABLE {name} DROP CONSTRAINT {key['conname']}")
        await engine.run_ddl(f"ALTER TABLE {name} SET SCHEMA {ARCHIVE_SCHEMA}")
        counts[table] = int((await _fetch(f"SELECT count(*) AS n FROM {ARCHIVE_SCHEMA}.{name}"))[0]["n"])
    return counts


def index_sql_for_parent(definition: str) -> str:
    """``pg_get_indexdef`` of a partitioned table's index says ``ON ONLY <table>`` (the parent
    alone, left invalid); run again to rebuild the index, it must name the table itself so
    every partition gets its part."""
    return definition.replace(" ON ONLY ", " ON ", 1)
