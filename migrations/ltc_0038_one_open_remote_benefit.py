from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-10T07:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A person has at most one open remote benefit: two grants at once (a double click) cannot both stand"

INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS remote_benefit_one_open ON remote_benefit (person) WHERE to_day IS NULL"


async def create_index() -> None:
    await engine_finder().run_ddl(INDEX)  # the same partial index on SQLite and PostgreSQL


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(create_index)
    return manager
