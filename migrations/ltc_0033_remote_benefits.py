from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-10T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Remote benefits granted where no provider reaches, and the town agents' monthly checks"


def _table(class_name: str, tablename: str) -> type[Table]:
    """A stand-in for a table referenced by a foreign key: only its primary key."""
    return type(
        class_name,
        (Table,),
        {
            "id": Serial(
                null=False,
                primary_key=True,
                unique=False,
                index=False,
                index_method=IndexMethod.btree,
                choices=None,
                db_column_name="id",
                secret=False,
            )
        },
        tablename=tablename,
        schema=None,
    )


AppUser = _table("AppUser", "app_user")
Person = _table("Person", "person")
Provider = _table("Provider", "provider")
RemoteBenefit = _table("RemoteBenefit", "remote_benefit")


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


def _fk(references: type[Table], **own: object) -> tuple[type, dict[str, object]]:
    own.setdefault("null", True)  # as Piccolo makes a foreign key unless told otherwise
    return (
        ForeignKey,
        _params(
            default=None,
            references=references,
            on_delete=OnDelete.restrict,
            on_update=OnUpdate.restrict,
            target_column=None,
            **own,
        ),
    )


TABLES = {
    ("RemoteBenefit", "remote_benefit"): {
        "person": _fk(Person, index=True),
        "kind": (Varchar, _params(length=32, default="")),
        "provider": _fk(Provider, index=True),
        "from_day": (Date, _params(default=DateNow())),
        "to_day": (Date, _params(default=None, null=True)),
        "granted_by": _fk(AppUser),
        "note": (Text, _params(default="")),
        "created_at": (Timestamptz, _params(default=TimestamptzNow())),
    },
    ("RemoteCheck", "remote_check"): {
        "benefit": _fk(RemoteBenefit, index=True),
        "person": _fk(Person, index=True),
        "period": (Varchar, _params(length=7, default="", index=True)),
        "check_key": (Varchar, _params(length=32, default="", unique=True)),
        "kind": (Varchar, _params(length=8, default="")),
        "checked_on": (Date, _params(default=DateNow())),
        "checked_by": _fk(AppUser),
        "finding": (Varchar, _params(length=16, default="")),
        "note": (Text, _params(default="")),
        "created_at": (Timestamptz, _params(default=TimestamptzNow())),
    },
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, (column_class, params) in columns.items():
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
