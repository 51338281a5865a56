from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-10T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Applications carry a reference the family quotes, who filed them from the public page;"
    " follow-up answers name their channel, a family's at most once a month"
)


UNIQUE_INDEXES = (
    ("application_reference_unique", "application", "reference"),
    ("follow_up_call_answer_key_unique", "follow_up_call", "answer_key"),
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


class _ThenIndexes(MigrationManager):
    """Piccolo runs raw steps before the new columns exist; the indexes come after them."""

    async def run(self, backwards: bool = False) -> None:
        await super().run(backwards=backwards)
        if not backwards and not self.preview:
            await create_unique_indexes()


async def forwards():
    manager = _ThenIndexes(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    application = {"table_class_name": "Application", "tablename": "application", "schema": None}
    # The reference a family keeps with the person's id number (earlier applications have none).
    manager.add_column(
        **application,
        column_name="reference",
        db_column_name="reference",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=20, default=None, null=True),  # unique: the index below
    )
    # Who filed on the public page: self | family | village_agent ("" at a desk), and their
    # name and phone sealed together (personal data), under the data key named.
    for name, column_class, params in (
        ("filed_by", Varchar, _params(length=16, default="")),
        ("filer_enc", Text, _params(default="")),
        ("data_key_id", Varchar, _params(length=32, default="")),
        ("client_key", Varchar, _params(length=64, default="", index=True)),
    ):
        manager.add_column(
            **application,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
        )
    follow_up = {"table_class_name": "FollowUpCall", "tablename": "follow_up_call", "schema": None}
    manager.add_column(
        **follow_up,
        column_name="channel",
        db_column_name="channel",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=16, default="call"),
    )
    # "family:<person>:<YYYY-MM>": one answer a month from a family's follow page.
    manager.add_column(
        **follow_up,
        column_name="answer_key",
        db_column_name="answer_key",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=48, default=None, null=True),  # unique: the index below
    )
    return manager


async def create_unique_indexes() -> None:
    """SQLite cannot add a UNIQUE column: the two are unique through indexes."""
    engine = engine_finder()
    for name, table, column in UNIQUE_INDEXES:
        await engine.run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({column})")
