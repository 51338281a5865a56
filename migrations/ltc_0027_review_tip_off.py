from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    BigInt,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-09T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Review samples of settlement lines and tip-offs"


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
Provider = _table("Provider", "provider")
Settlement = _table("Settlement", "settlement")
Person = _table("Person", "person")
Inspection = _table("Inspection", "inspection")


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
    ("ReviewSample", "review_sample"): {
        "settlement": _fk(Settlement, index=True),
        "provider": _fk(Provider, index=True),
        "period": (Varchar, _params(length=7, default="", index=True)),
        "line_id": (Integer, _params(default=0)),
        "line_fingerprint": (Varchar, _params(length=64, default="")),
        "person": _fk(Person),
        "seed": (BigInt, _params(default=0)),
        "drawn_for": (Varchar, _params(length=8, default="")),
        "reasons": (JSON, _params(default="[]")),
        "score": (DoublePrecision, _params(default=0.0)),
        "status": (Varchar, _params(length=16, default="pending", index=True)),
        "fund_fen_drawn": (BigInt, _params(default=0)),
        "amount_fen": (BigInt, _params(default=None, null=True)),
        "note": (Text, _params(default="")),
        "drawn_at": (Timestamptz, _params(default=TimestamptzNow())),
        "decided_by": _fk(AppUser),
        "decided_at": (Timestamptz, _params(default=None, null=True)),
    },
    ("TipOff", "tip_off"): {
        "reference": (Varchar, _params(length=20, default="", unique=True)),
        "channel": (Varchar, _params(length=24, default="public")),
        "about": (Text, _params(default="")),
        "description": (Text, _params(default="")),
        "contact_enc": (Text, _params(default="")),
        "data_key_id": (Varchar, _params(length=32, default="")),
        "client_key": (Varchar, _params(length=64, default="", index=True)),
        "status": (Varchar, _params(length=16, default="new", index=True)),
        "inspection": _fk(Inspection),
        "close_reason": (Text, _params(default="")),
        "reward_fen": (BigInt, _params(default=None, null=True)),
        "reward_note": (Text, _params(default="")),
        "received_at": (Timestamptz, _params(default=TimestamptzNow())),
        "recorded_by": _fk(AppUser),
        "triaged_by": _fk(AppUser),
        "triaged_at": (Timestamptz, _params(default=None, null=True)),
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
