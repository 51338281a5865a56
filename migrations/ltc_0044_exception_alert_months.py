from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-11T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A month's exceptions and alerts found by their month: the risk facts of a month and its archiving"

INDEXES = (
    "CREATE INDEX IF NOT EXISTS visit_exception_service_month ON visit_exception (service_month)",
    "CREATE INDEX IF NOT EXISTS visit_alert_service_month ON visit_alert (service_month)",
)


async def create_indexes() -> None:
    for statement in INDEXES:  # the same plain indexes on SQLite and PostgreSQL
        await engine_finder().run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    return manager
