from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-10T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The civil-affairs registry of hardship groups whose personal share the relief fund pays"


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
RegistryUpload = _table("RegistryUpload", "registry_upload")


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


COLUMNS = {
    "enrolment_key": (Varchar, _params(length=64, default="", unique=True)),
    "person": _fk(Person, index=True),
    "group": (Varchar, _params(length=32, default="")),
    "from_day": (Date, _params(default=DateNow())),
    "to_day": (Date, _params(default=None, null=True)),
    "source": _fk(RegistryUpload),
    "imported_at": (Timestamptz, _params(default=TimestamptzNow())),
    "imported_by": _fk(AppUser),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_table(class_name="ReliefEnrolment", tablename="relief_enrolment", schema=None, columns=None)
    for name, (column_class, params) in COLUMNS.items():
        manager.add_column(
            table_class_name="ReliefEnrolment",
            tablename="relief_enrolment",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
