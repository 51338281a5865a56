from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-11T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Every visit row and settlement line knows its month: filled, then required"

# The months are Asia/Shanghai's (UTC+8 all year since 1991, hence the fixed offset on SQLite).
# A scheduled visit's month is its slot's (window_opens), an agency-added one's its planned start's.
POSTGRES_FILL = (
    """UPDATE visit SET service_month =
         date_trunc('month', coalesce(window_opens, planned_start) AT TIME ZONE 'Asia/Shanghai')::date
       WHERE service_month IS NULL""",
    *(
        f"UPDATE {child} c SET service_month = v.service_month FROM visit v "
        "WHERE v.id = c.visit AND c.service_month IS NULL"
        for child in ("visit_event", "visit_evidence", "visit_exception", "visit_alert")
    ),
    """UPDATE settlement_line l SET service_month = to_date(s.period || '-01', 'YYYY-MM-DD')
       FROM settlement s WHERE s.id = l.settlement AND l.service_month IS NULL""",
)
SQLITE_FILL = (
    """UPDATE visit SET service_month =
         date(coalesce(window_opens, planned_start), '+8 hours', 'start of month')
       WHERE service_month IS NULL""",
    *(
        f"UPDATE {child} SET service_month = (SELECT v.service_month FROM visit v WHERE v.id = {child}.visit) "
        "WHERE service_month IS NULL"
        for child in ("visit_event", "visit_evidence", "visit_exception", "visit_alert")
    ),
    """UPDATE settlement_line SET service_month =
         (SELECT s.period || '-01' FROM settlement s WHERE s.id = settlement_line.settlement)
       WHERE service_month IS NULL""",
)
TABLES = ("visit", "visit_event", "visit_evidence", "visit_exception", "visit_alert", "settlement_line")


async def fill_and_require() -> None:
    engine = engine_finder()
    if engine.engine_type == "sqlite":
        for statement in SQLITE_FILL:
            await engine.run_ddl(statement)
        # SQLite cannot add NOT NULL to a column: a trigger refuses a row without its month.
        for table in TABLES:
            for event in ("INSERT", "UPDATE OF service_month"):
                name = f"{table}_service_month_required_{event.split()[0].lower()}"
                await engine.run_ddl(
                    f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} "
                    "WHEN NEW.service_month IS NULL "
                    f"BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: {table}.service_month'); END"
                )
        return
    for statement in POSTGRES_FILL:
        await engine.run_ddl(statement)
    for table in TABLES:
        await engine.run_ddl(f"ALTER TABLE {table} ALTER COLUMN service_month SET NOT NULL")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(fill_and_require)
    return manager
