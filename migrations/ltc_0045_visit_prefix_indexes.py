from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey, Varchar

ID = "2026-12-12T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The visit's single-column indexes that lead a list index dropped: a check-in updates three indexes less"

# Each is the first column of a list index (migration 0020: (provider | caregiver | status,
# planned_start, id)), which answers every lookup it answered, the foreign keys' included.
# A check-in changes the visit's status, so its update writes a new entry in every index of
# the visit: eleven before, eight after. Piccolo drops each with DROP INDEX IF EXISTS; on
# PostgreSQL dropping the partitioned index drops each month's.
DROPPED = (("provider", ForeignKey), ("caregiver", ForeignKey), ("status", Varchar))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    for column, kind in DROPPED:
        manager.alter_column(
            table_class_name="Visit",
            tablename="visit",
            column_name=column,
            db_column_name=column,
            params={"index": False},
            old_params={"index": True},
            column_class=kind,
            old_column_class=kind,
            schema=None,
        )
    return manager
