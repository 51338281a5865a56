from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, BigInt, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-09T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Spot re-assessments, bed-day flags and the settled census lock; the annual evaluation by indicators, follow-up calls and the"
    " final account of the quality reserve"
)


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
Person = _table("Person", "person")
Conclusion = _table("Conclusion", "conclusion")


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
    ("SpotCheck", "spot_check"): {
        "conclusion": _fk(Conclusion, index=True),
        "spot_key": (Varchar, _params(length=32, default="", unique=True)),
        "seed": (BigInt, _params(default=0)),
        "team": (JSON, _params(default="[]")),
        "conclusion_level": (Integer, _params(default=0)),
        "status": (Varchar, _params(length=16, default="", index=True)),
        "drawn_by": _fk(AppUser),
        "drawn_at": (Timestamptz, _params(default=TimestamptzNow())),
        "spot_level": (Integer, _params(default=None, null=True)),
        "outcome": (Varchar, _params(length=16, default="")),
        "note": (Text, _params(default="")),
        "recorded_by": _fk(AppUser),
        "recorded_at": (Timestamptz, _params(default=None, null=True)),
    },
    ("BedDayFlag", "bed_day_flag"): {
        "provider": _fk(Provider, index=True),
        "person": _fk(Person, index=True),
        "day": (Date, _params(default=DateNow(), index=True)),
        "code": (Varchar, _params(length=40, default="")),
        "flag_key": (Varchar, _params(length=80, default="", unique=True)),
        "status": (Varchar, _params(length=16, default="", index=True)),
        "opened_at": (Timestamptz, _params(default=TimestamptzNow())),
        "explanation": (Text, _params(default="")),
        "explained_by": _fk(AppUser),
        "explained_at": (Timestamptz, _params(default=None, null=True)),
        "resolution": (Varchar, _params(length=16, default="")),
        "resolution_note": (Text, _params(default="")),
        "resolved_by": _fk(AppUser),
        "resolved_at": (Timestamptz, _params(default=None, null=True)),
    },
    ("EvaluationScore", "evaluation_score"): {
        "provider": _fk(Provider, index=True),
        "year": (Integer, _params(default=0)),
        "indicator": (Varchar, _params(length=32, default="")),
        "score_key": (Varchar, _params(length=64, default="", unique=True)),
        "self_score": (Integer, _params(default=None, null=True)),
        "self_note": (Text, _params(default="")),
        "self_by": _fk(AppUser),
        "self_at": (Timestamptz, _params(default=None, null=True)),
        "bureau_score": (Integer, _params(default=None, null=True)),
        "bureau_note": (Text, _params(default="")),
        "scored_by": _fk(AppUser),
        "scored_at": (Timestamptz, _params(default=None, null=True)),
    },
    ("FollowUpCall", "follow_up_call"): {
        "provider": _fk(Provider, index=True),
        "person": _fk(Person),
        "year": (Integer, _params(default=0, index=True)),
        "called_at": (Timestamptz, _params(default=TimestamptzNow())),
        "answer": (Varchar, _params(length=16, default="")),
        "note": (Text, _params(default="")),
        "recorded_by": _fk(AppUser),
    },
    ("FinalAccount", "final_account"): {
        "provider": _fk(Provider, index=True),
        "year": (Integer, _params(default=0, index=True)),
        "account_key": (Varchar, _params(length=32, default="", unique=True)),
        "score": (Integer, _params(default=None, null=True)),
        "grade": (Varchar, _params(length=16, default="")),
        "reserve_fen": (BigInt, _params(default=0)),
        "released_fen": (BigInt, _params(default=0)),
        "forfeited_fen": (BigInt, _params(default=0)),
        "posted_by": _fk(AppUser),
        "posted_at": (Timestamptz, _params(default=TimestamptzNow())),
    },
}


# The database itself refuses a census day of a month whose settlement is approved or paid: the
# bed-days it settled cannot change under it (the services refuse first, with a clear code).
SETTLED = (
    "EXISTS (SELECT 1 FROM settlement WHERE settlement.provider = NEW.provider"
    " AND settlement.period = {month} AND settlement.status IN ('approved', 'paid'))"
)
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER census_entry_settled_{op.lower()} BEFORE {op} ON census_entry
    WHEN {SETTLED.format(month="strftime('%Y-%m', NEW.day)")}
    BEGIN SELECT RAISE(ABORT, 'census_period_settled'); END"""
    for op in ("INSERT", "UPDATE")
]
POSTGRES_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION ltc_census_settled() RETURNS trigger AS $$
    BEGIN
        IF {SETTLED.format(month="to_char(NEW.day, 'YYYY-MM')")} THEN
            RAISE EXCEPTION 'census_period_settled';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER census_entry_settled BEFORE INSERT OR UPDATE ON census_entry
    FOR EACH ROW EXECUTE FUNCTION ltc_census_settled()""",
]


async def create_triggers() -> None:
    # The engine Piccolo runs this migration on; the migration reads nothing of the app's code.
    engine = engine_finder()
    for statement in SQLITE_TRIGGERS if engine.engine_type == "sqlite" else POSTGRES_TRIGGERS:
        await engine.run_ddl(statement)


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
    manager.add_raw(create_triggers)
    return manager
