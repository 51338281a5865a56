from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-06T19:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sessions kept on the server, failed sign-ins, password history and age"


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


def _varchar(length: int, **own: object) -> tuple[type, dict[str, object]]:
    return Varchar, _params(length=length, default="", **own)


def _moment(**own: object) -> tuple[type, dict[str, object]]:
    return Timestamptz, _params(default=TimestamptzNow(), **own)


def _user() -> tuple[type, dict[str, object]]:
    return ForeignKey, _params(
        references=AppUser,
        on_delete=OnDelete.restrict,
        on_update=OnUpdate.restrict,
        target_column=None,
        index=True,
    )


TABLES = {
    ("UserSession", "user_session"): {
        "secret_hash": _varchar(64, unique=True),
        "app_user": _user(),
        "kind": _varchar(8),
        "created_at": _moment(),
        "last_seen_at": _moment(),
        "expires_at": _moment(),
        "ended_at": (Timestamptz, _params(default=None, null=True)),
        "ended_reason": _varchar(32),
        "address": _varchar(64),
        "user_agent": _varchar(300),
    },
    ("PasswordHistory", "password_history"): {
        "app_user": _user(),
        "password_hash": _varchar(200, secret=True),
        "set_at": _moment(),
    },
    ("SignInFailure", "sign_in_failure"): {
        "subject": _varchar(100, index=True),
        "at": _moment(index=True),
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
    manager.add_column(
        table_class_name="AppUser",
        tablename="app_user",
        column_name="password_changed_at",
        db_column_name="password_changed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(default=None, null=True),
        schema=None,
    )
    return manager
