from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-08T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A scheduled visit remembers its slot's time window"

# A visit may start anywhere in its slot's window: window_opens is the slot's own start (the
# visit's key), window_closes the last start allowed. Null for visits from before windows
# and for visits an agency adds by hand.
COLUMNS = ("window_opens", "window_closes")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    for name in COLUMNS:
        manager.add_column(
            table_class_name="Visit",
            tablename="visit",
            column_name=name,
            db_column_name=name,
            column_class_name="Timestamptz",
            column_class=Timestamptz,
            params={
                "default": None,
                "null": True,
                "primary_key": False,
                "unique": False,
                "index": False,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
            },
            schema=None,
        )
    return manager
