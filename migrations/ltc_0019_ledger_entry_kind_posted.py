from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The fund's entries of one kind in the order they were posted (the contributions' list)"

# The contributions page lists one kind of entry newest first, a page at a time after the last
# (posted_at, id) shown: this index gives it that order without reading the month's approvals
# and payments in between. The same statement on SQLite and PostgreSQL.
INDEX = "CREATE INDEX IF NOT EXISTS ledger_entry_kind_posted ON ledger_entry (kind, posted_at, id)"


async def create_index() -> None:
    # The engine Piccolo runs this migration on; the migration reads nothing of the app's code.
    await engine_finder().run_ddl(INDEX)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(create_index)
    return manager
