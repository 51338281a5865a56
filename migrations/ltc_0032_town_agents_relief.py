from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import BigInt, ForeignKey, Serial
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-10T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Town agents' accounts name their town; the relief fund's part of a settlement's personal share"


class Town(Table, tablename="town", schema=None):
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


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    # A town agent (镇街经办) works for one town: the families there, its monthly checks.
    manager.add_column(
        table_class_name="AppUser",
        tablename="app_user",
        column_name="town",
        db_column_name="town",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_params(
            references=Town,
            on_delete=OnDelete.restrict,
            on_update=OnUpdate.restrict,
            target_column=None,
            default=None,
            null=True,
            index=True,
        ),
        schema=None,
    )
    # The part of the personal share the relief fund pays (一站式), on each line and in total.
    for class_name, tablename in (("Settlement", "settlement"), ("SettlementLine", "settlement_line")):
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="relief_fen",
            db_column_name="relief_fen",
            column_class_name="BigInt",
            column_class=BigInt,
            params=_params(default=0),
            schema=None,
        )
    return manager
