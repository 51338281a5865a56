from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "PostgreSQL checks the lines added to settlements once a statement, not once a line"


# A month's build adds tens of thousands of lines at once (COPY): on PostgreSQL the check that
# none goes to an approved or paid settlement (migration 0007) runs once for all the lines a
# statement added, from its transition table, instead of once a line. Updates and deletes are
# still checked row by row. SQLite keeps its row triggers (it has no statement triggers).
LOCKED = "('approved', 'paid')"

POSTGRES_STATEMENTS = [
    f"""CREATE OR REPLACE FUNCTION ltc_settlement_lines_added() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM added_lines a JOIN settlement s ON s.id = a.settlement WHERE s.status IN {LOCKED}
        ) THEN
            RAISE EXCEPTION 'settlement_locked';
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS settlement_line_locked ON settlement_line",
    """CREATE TRIGGER settlement_line_locked BEFORE UPDATE OR DELETE ON settlement_line
    FOR EACH ROW EXECUTE FUNCTION ltc_settlement_line_locked()""",
    """CREATE TRIGGER settlement_line_added AFTER INSERT ON settlement_line
    REFERENCING NEW TABLE AS added_lines FOR EACH STATEMENT EXECUTE FUNCTION ltc_settlement_lines_added()""",
]


async def replace_insert_trigger() -> None:
    # The engine Piccolo runs this migration on (it refuses to start without one); the
    # migration reads nothing of the app's own code, which may change after it is written.
    engine = engine_finder()
    if engine.engine_type == "sqlite":
        return
    for statement in POSTGRES_STATEMENTS:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(replace_insert_trigger)
    return manager
