from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-09T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Visit photos and signatures sealed at rest under a named data key"

# The key a photo or signature is sealed under; "" for one kept before sealing (in clear),
# which the next data key rotation seals.


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_column(
        table_class_name="VisitEvidence",
        tablename="visit_evidence",
        column_name="data_key_id",
        db_column_name="data_key_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
