from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-07T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A user whose password was reset must change it; the audit trail searchable by actor, action and record"

# Each search filter with the newest-first keyset order (id descending) in one index.
AUDIT_SEARCH_INDEXES = [
    "CREATE INDEX IF NOT EXISTS audit_entry_action_id ON audit_entry (action, id)",
    "CREATE INDEX IF NOT EXISTS audit_entry_actor_name_id ON audit_entry (actor_name, id)",
    "CREATE INDEX IF NOT EXISTS audit_entry_record_id ON audit_entry (entity, entity_id, id)",
]


async def create_audit_search_indexes() -> None:
    engine = engine_finder()
    for statement in AUDIT_SEARCH_INDEXES:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_column(
        table_class_name="AppUser",
        tablename="app_user",
        column_name="must_change_password",
        db_column_name="must_change_password",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
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
    manager.add_raw(create_audit_search_indexes)
    return manager
