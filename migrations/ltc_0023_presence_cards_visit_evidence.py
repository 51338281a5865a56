from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    UUID,
    Bytea,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-08T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Presence cards (a sealed TOTP secret per person, by generation), evidence kept with visit events, and each event's presence outcome and performer"


def _reference(class_name: str, tablename: str) -> type[Table]:
    id_column = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )
    return type(class_name, (Table,), {"id": id_column}, tablename=tablename, schema=None)


AppUser = _reference("AppUser", "app_user")
Person = _reference("Person", "person")
Visit = _reference("Visit", "visit")
Caregiver = _reference("Caregiver", "caregiver")


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


def _foreign(references: type[Table], **own: object) -> tuple[type, dict[str, object]]:
    return (
        ForeignKey,
        _params(
            references=references, on_delete=OnDelete.restrict, on_update=OnUpdate.restrict, target_column=None, **own
        ),
    )


TABLES = {
    ("VisitEvidence", "visit_evidence"): {
        "visit": _foreign(Visit, default=None, null=True, index=True),
        "event_id": (UUID, _params(default=UUID4())),
        "evidence_key": (Varchar, _params(length=60, default="", unique=True)),
        "kind": (Varchar, _params(length=16, default="")),
        "content_type": (Varchar, _params(length=32, default="")),
        "size_bytes": (Integer, _params(default=0)),
        "sha256": (Varchar, _params(length=64, default="")),
        "content": (Bytea, _params(default=b"")),
        "taken_at": (Timestamptz, _params(default=TimestamptzNow())),
        "lat": (DoublePrecision, _params(default=0.0)),
        "lon": (DoublePrecision, _params(default=0.0)),
        "accuracy_m": (DoublePrecision, _params(default=0)),
        "uploaded_by": _foreign(AppUser, default=None, null=True),
        "uploaded_at": (Timestamptz, _params(default=TimestamptzNow())),
    },
    ("PresenceCard", "presence_card"): {
        "person": _foreign(Person, default=None, null=True, index=True),
        "generation": (Integer, _params(default=0)),
        "card_key": (Varchar, _params(length=40, default="", unique=True)),
        "secret_enc": (Text, _params(default="")),
        "data_key_id": (Varchar, _params(length=32, default="")),
        "valid_from": (Timestamptz, _params(default=TimestamptzNow())),
        "valid_until": (Timestamptz, _params(default=None, null=True)),
        "issued_by": _foreign(AppUser, default=None, null=True),
    },
}
EVENT_COLUMNS = {
    "presence": (Varchar, _params(length=16, default="")),
    "performed_by": _foreign(Caregiver, default=None, null=True),
    "evidence": (JSON, _params(default="[]")),
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
    for name, (column_class, params) in EVENT_COLUMNS.items():
        manager.add_column(
            table_class_name="VisitEventRecord",
            tablename="visit_event",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
