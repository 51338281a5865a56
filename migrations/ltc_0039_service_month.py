from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-11T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The month a visit, its events, evidence, exceptions and alerts, and a settlement's lines are kept under"

TABLES = (
    ("Visit", "visit"),
    ("VisitEventRecord", "visit_event"),
    ("VisitEvidence", "visit_evidence"),
    ("VisitException", "visit_exception"),
    ("VisitAlert", "visit_alert"),
    ("SettlementLine", "settlement_line"),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    # Nullable while it is added; the next migration fills it and makes it required.
    for class_name, tablename in TABLES:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="service_month",
            db_column_name="service_month",
            column_class_name="Date",
            column_class=Date,
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
