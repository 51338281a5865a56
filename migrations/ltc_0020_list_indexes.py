from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes behind the lists' keyset orders and filters"

# One index per order or filter of a list: each list is read in pages by its order's key
# (the last key of each index is the row's unique tie-breaker), so a deep page starts where the
# index says instead of skipping the pages before it. The same statements on both databases.
# (table, columns): the index is named "<table>_<columns joined by _>_list".
INDEXES = (
    ("application", ("status", "id")),
    ("application", ("applied_on", "id")),
    ("conclusion", ("status", "valid_until", "id")),
    ("conclusion", ("status", "level", "valid_until", "id")),
    ("provider", ("status", "code")),
    ("provider", ("kind", "code")),
    ("provider", ("town", "code")),
    ("visit", ("provider", "planned_start", "id")),
    ("visit", ("caregiver", "planned_start", "id")),
    ("visit", ("status", "planned_start", "id")),
    ("visit_exception", ("opened_at", "id")),
    ("visit_exception", ("status", "opened_at", "id")),
    ("visit_exception", ("provider", "opened_at", "id")),
    ("visit_exception", ("code", "opened_at", "id")),
    ("visit_alert", ("raised_at", "id")),
    ("visit_alert", ("provider", "raised_at", "id")),
    ("visit_alert", ("kind", "raised_at", "id")),
    ("settlement", ("period", "provider")),
    ("settlement", ("status", "period")),
)


async def create_indexes() -> None:
    # The engine Piccolo runs this migration on; nothing of the app's own code is read.
    engine = engine_finder()
    for table, columns in INDEXES:
        name = f"{table}_{'_'.join(columns)}_list"
        await engine.run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(columns)})")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    return manager
