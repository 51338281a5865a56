from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Date, ForeignKey, Serial, Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-08T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Caregivers in their own name: id number and phone sealed, certificate, working days and hours, own sign-in"
)


class Caregiver(Table, tablename="caregiver", schema=None):
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


CAREGIVER_COLUMNS = {
    "id_number_enc": (Text, _params(default="")),
    "id_number_index": (Varchar, _params(length=64, default="", index=True)),
    "phone_enc": (Text, _params(default="")),
    "data_key_id": (Varchar, _params(length=32, default="")),
    "certificate_no": (Varchar, _params(length=64, default="")),
    "certificate_expires_on": (Date, _params(default=None, null=True)),
    "working_days": (JSON, _params(default="[0, 1, 2, 3, 4, 5, 6]")),  # as the scheduler assumed before
    "work_start": (Varchar, _params(length=5, default="08:00")),
    "work_end": (Varchar, _params(length=5, default="18:00")),
    "deactivated_reason": (Text, _params(default="")),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    for name, (column_class, params) in CAREGIVER_COLUMNS.items():
        manager.add_column(
            table_class_name="Caregiver",
            tablename="caregiver",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    manager.add_column(
        table_class_name="AppUser",
        tablename="app_user",
        column_name="caregiver",
        db_column_name="caregiver",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_params(
            references=Caregiver,
            on_delete=OnDelete.restrict,
            on_update=OnUpdate.restrict,
            target_column=None,
            default=None,
            null=True,
            index=True,
        ),
        schema=None,
    )
    return manager
