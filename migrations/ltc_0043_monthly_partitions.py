from datetime import date

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-11T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Visits, their events and evidence, and settlement lines kept in monthly partitions on PostgreSQL"

# Parents before children: a child's foreign key names the partitioned visit table.
PARTITIONED = ("visit", "visit_event", "visit_evidence", "settlement_line")
# Tables whose foreign key to visit becomes (visit, service_month) -> visit (id, service_month).
VISIT_CHILDREN = ("visit_event", "visit_evidence", "visit_exception", "visit_alert")
# A partitioned table's unique keys must hold its partition key. A visit's month is a function
# of its slot key, an event's and an evidence's of their visit, so these keys are as strict as
# the single-column ones. The event id is the exception: unique within a month here, the
# check-in looks for it in the months an event of its time may be kept under before storing it
# (ltc.db.queries.visits.events_for), and refuses one found on another visit (duplicate_event).
COMPOSITE_KEYS = (
    ("visit", "visit_slot_key_month", "slot_key, service_month"),
    ("visit_event", "visit_event_event_id_month", "event_id, service_month"),
    ("visit_evidence", "visit_evidence_evidence_key_month", "evidence_key, service_month"),
)
# The months created ahead of today beside the months present in the data.
MONTHS_AHEAD = 3


def _month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


async def _rows(engine, sql: str) -> list[dict]:
    return [dict(row) for row in await engine.run_ddl(sql)]


async def _partition(engine) -> None:
    kinds = await _rows(
        engine,
        "SELECT relname, relkind::text AS relkind FROM pg_class WHERE relname = 'visit' AND relnamespace = 'public'::regnamespace",
    )
    if kinds and kinds[0]["relkind"] == "p":
        return  # partitioned already
    months: set[date] = set()
    for table in PARTITIONED:
        for row in await _rows(engine, f"SELECT DISTINCT service_month AS m FROM {table}"):
            months.add(row["m"].replace(day=1))
    today = (await _rows(engine, "SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d"))[0]["d"]
    month = today.replace(day=1)
    for _ in range(MONTHS_AHEAD + 1):
        months.add(month)
        month = _month_after(month)

    for child in VISIT_CHILDREN:
        await engine.run_ddl(f"ALTER TABLE {child} DROP CONSTRAINT IF EXISTS {child}_visit_fkey")
    for table in PARTITIONED:
        old = f"{table}_unpartitioned"
        await engine.run_ddl(f"ALTER TABLE {table} RENAME TO {old}")
        indexes = await _rows(
            engine,
            f"""SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid
                WHERE x.indrelid = '{old}'::regclass
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)""",
        )
        foreign_keys = await _rows(
            engine,
            f"""SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
                WHERE conrelid = '{old}'::regclass AND contype = 'f'""",
        )
        triggers = await _rows(
            engine,
            f"SELECT pg_get_triggerdef(oid) AS definition FROM pg_trigger WHERE tgrelid = '{old}'::regclass"
            " AND NOT tgisinternal",
        )
        await engine.run_ddl(
            f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING STORAGE) PARTITION BY RANGE (service_month)"
        )
        for first in sorted(months):
            await engine.run_ddl(
                f"CREATE TABLE {table}_{first:%Y_%m} PARTITION OF {table} "
                f"FOR VALUES FROM ('{first.isoformat()}') TO ('{_month_after(first).isoformat()}')"
            )
        # A safety net: a row of a month not created yet still lands somewhere.
        await engine.run_ddl(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        await engine.run_ddl(f"INSERT INTO {table} SELECT * FROM {old}")
        await engine.run_ddl(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
        await engine.run_ddl(f"DROP TABLE {old}")
        await engine.run_ddl(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, service_month)")
        for index in indexes:
            definition = index["definition"].replace(f" ON public.{old} ", f" ON public.{table} ")
            if index["name"] == "settlement_line_correction_once":
                # A settlement's lines share its period's month: one carried correction each, still.
                definition = definition.replace(
                    "(settlement, correction_id)", "(settlement, correction_id, service_month)"
                )
            await engine.run_ddl(definition)
        for key in foreign_keys:
            await engine.run_ddl(f"ALTER TABLE {table} ADD CONSTRAINT {key['name']} {key['definition']}")
        for trigger in triggers:
            await engine.run_ddl(trigger["definition"].replace(f" ON public.{old} ", f" ON public.{table} "))
    for table, name, columns in COMPOSITE_KEYS:
        await engine.run_ddl(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns})")
    for child in VISIT_CHILDREN:
        await engine.run_ddl(
            f"ALTER TABLE {child} ADD CONSTRAINT {child}_visit_fkey FOREIGN KEY (visit, service_month) "
            "REFERENCES visit (id, service_month) ON UPDATE RESTRICT ON DELETE RESTRICT"
        )
    await engine.run_ddl("CREATE SCHEMA IF NOT EXISTS archive")


async def monthly_partitions() -> None:
    engine = engine_finder()
    if engine.engine_type == "sqlite":
        # The tables stay plain; the composite keys exist so one ON CONFLICT target serves both.
        for table, name, columns in COMPOSITE_KEYS:
            await engine.run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
        return
    await _partition(engine)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(monthly_partitions)
    return manager
