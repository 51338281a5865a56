from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID as UUIDColumn
from piccolo.columns.column_types import Integer, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-11T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "A job may have parts: child jobs naming their parent, each under a unique part key; the"
    " parent counts its parts and the parts done"
)

UNIQUE_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS job_part_key_unique ON job (part_key)"


def _params(**own: object) -> dict[str, object]:
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **own,
    }


class _ThenIndex(MigrationManager):
    """Piccolo runs raw steps before the new columns exist; the unique index comes after them."""

    async def run(self, backwards: bool = False) -> None:
        await super().run(backwards=backwards)
        if not backwards and not self.preview:
            await engine_finder().run_ddl(UNIQUE_INDEX)  # SQLite cannot add a UNIQUE column


async def forwards():
    manager = _ThenIndex(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    job = {"table_class_name": "Job", "tablename": "job", "schema": None}
    for name, column_class, params in (
        ("parent", UUIDColumn, _params(default=None, null=True, index=True)),
        ("part_key", Varchar, _params(length=80, default=None, null=True)),  # unique: the index above
        ("parts", Integer, _params(default=0)),
        ("parts_done", Integer, _params(default=0)),
    ):
        manager.add_column(
            **job,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
        )
    return manager
