from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, UUID, BigInt, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-09T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The fund's yearly budget by month and care mode, and what-if drafts of the policy"


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
    ("FundBudget", "fund_budget"): {
        "budget_key": (Varchar, _params(length=32, default="", unique=True)),
        "year": (Integer, _params(default=0, index=True)),
        "period": (Varchar, _params(length=7, default="")),
        "care_mode": (Varchar, _params(length=16, default="")),
        "amount_fen": (BigInt, _params(default=0)),
        "updated_by": _fk(AppUser),
        "updated_at": (Timestamptz, _params(default=TimestamptzNow())),
    },
    ("WhatIfDraft", "what_if_draft"): {
        "name": (Varchar, _params(length=80, default="")),
        "changes": (JSON, _params(default="{}")),
        "base_version": (Varchar, _params(length=32, default="")),
        "created_by": _fk(AppUser),
        "created_at": (Timestamptz, _params(default=TimestamptzNow())),
        "last_job": (UUID, _params(default=None, null=True)),
        "last_run_at": (Timestamptz, _params(default=None, null=True)),
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
