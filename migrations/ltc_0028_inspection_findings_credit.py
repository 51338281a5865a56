from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    BigInt,
    Bytea,
    Date,
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

ID = "2026-12-09T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Inspection findings, outcomes and files, credit events, payment holds; a netting line names its outcome"


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
Caregiver = _table("Caregiver", "caregiver")
Inspection = _table("Inspection", "inspection")
Person = _table("Person", "person")
Provider = _table("Provider", "provider")
Settlement = _table("Settlement", "settlement")


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
    ("InspectionFinding", "inspection_finding"): {
        "inspection": _fk(Inspection, index=True),
        "category": (Varchar, _params(length=32, default="")),
        "description": (Text, _params(default="")),
        "amount_fen": (BigInt, _params(default=None, null=True)),
        "person_ids": (JSON, _params(default="[]")),
        "caregiver_ids": (JSON, _params(default="[]")),
        "points": (Integer, _params(default=0)),
        "recorded_by": _fk(AppUser),
        "recorded_at": (Timestamptz, _params(default=TimestamptzNow())),
    },
    ("InspectionOutcome", "inspection_outcome"): {
        "inspection": _fk(Inspection, index=True),
        "provider": _fk(Provider, index=True),
        "action": (Varchar, _params(length=16, default="")),
        "deadline": (Date, _params(default=None, null=True)),
        "amount_fen": (BigInt, _params(default=None, null=True)),
        "note": (Text, _params(default="")),
        "referred_to": (Varchar, _params(length=32, default="")),
        "bar_years": (Integer, _params(default=None, null=True)),
        "status": (Varchar, _params(length=16, default="done", index=True)),
        "response_note": (Text, _params(default="")),
        "responded_at": (Timestamptz, _params(default=None, null=True)),
        "responded_by": _fk(AppUser),
        "follow_up_note": (Text, _params(default="")),
        "followed_up_at": (Timestamptz, _params(default=None, null=True)),
        "followed_up_by": _fk(AppUser),
        "overdue_noticed_at": (Timestamptz, _params(default=None, null=True)),
        "recorded_by": _fk(AppUser),
        "recorded_at": (Timestamptz, _params(default=TimestamptzNow())),
        "applied_in": _fk(Settlement),
    },
    ("InspectionFile", "inspection_file"): {
        "inspection": _fk(Inspection, index=True),
        "finding": (Integer, _params(default=None, null=True)),
        "outcome": (Integer, _params(default=None, null=True)),
        "filename": (Varchar, _params(length=200, default="")),
        "content_type": (Varchar, _params(length=100, default="")),
        "size_bytes": (Integer, _params(default=0)),
        "sha256": (Varchar, _params(length=64, default="")),
        "content": (Bytea, _params(default=b"")),
        "uploaded_by": _fk(AppUser),
        "uploaded_at": (Timestamptz, _params(default=TimestamptzNow())),
    },
    ("CreditEvent", "credit_event"): {
        "provider": _fk(Provider, index=True),
        "caregiver": _fk(Caregiver, index=True),
        "points": (Integer, _params(default=0)),
        "reason": (Text, _params(default="")),
        "inspection": _fk(Inspection),
        "barred_until": (Date, _params(default=None, null=True)),
        "credit_code": (Varchar, _params(length=18, default="", index=True)),
        "id_number_index": (Varchar, _params(length=64, default="", index=True)),
        "recorded_by": _fk(AppUser),
        "recorded_at": (Timestamptz, _params(default=TimestamptzNow())),
    },
    ("PaymentHold", "payment_hold"): {
        "person": _fk(Person, index=True),
        "inspection": _fk(Inspection),
        "reason": (Text, _params(default="")),
        "held_by": _fk(AppUser),
        "held_at": (Timestamptz, _params(default=TimestamptzNow())),
        "lifted_at": (Timestamptz, _params(default=None, null=True)),
        "lifted_by": _fk(AppUser),
    },
}
# A closed case keeps its summary; a netting line (recovery, penalty) names the outcome it carries.
NEW_COLUMNS = {
    ("Inspection", "inspection"): {
        "summary": (Text, _params(default="")),
    },
    ("SettlementLine", "settlement_line"): {
        "outcome_id": (Integer, _params(default=None, null=True)),
    },
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        _add_columns(manager, class_name, tablename, columns)
    for (class_name, tablename), columns in NEW_COLUMNS.items():
        _add_columns(manager, class_name, tablename, columns)
    return manager


def _add_columns(manager: MigrationManager, class_name: str, tablename: str, columns: dict) -> None:
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
