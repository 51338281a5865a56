from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Bytea, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-07T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Enrolment registry files kept for the job that imports them"


class AppUser(Table, tablename="app_user", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


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


COLUMNS = {
    "filename": (Varchar, _params(length=200, default="")),
    "kind": (Varchar, _params(length=8, default="")),
    "size_bytes": (Integer, _params(default=0)),
    "sha256": (Varchar, _params(length=64, default="")),
    "content": (Bytea, _params(default=b"")),
    "uploaded_by": (
        ForeignKey,
        _params(
            default=None,
            null=True,
            references=AppUser,
            on_delete=OnDelete.restrict,
            on_update=OnUpdate.restrict,
            target_column=None,
        ),
    ),
    "uploaded_at": (Timestamptz, _params(default=TimestamptzNow())),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_table(class_name="RegistryUpload", tablename="registry_upload", schema=None, columns=None)
    for name, (column_class, params) in COLUMNS.items():
        manager.add_column(
            table_class_name="RegistryUpload",
            tablename="registry_upload",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
