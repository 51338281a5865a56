from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T21:06:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Triggers that keep approved settlements, their lines and the fund ledger unchanged"


# The database itself refuses to change an approved or paid settlement, its lines, or any
# ledger entry: a bug or a hand-written UPDATE cannot rewrite what the fund owed or paid.
LOCKED = "('approved', 'paid')"
SAME_MONEY = (
    "NEW.gross_fen = OLD.gross_fen AND NEW.fund_fen = OLD.fund_fen AND NEW.personal_fen = OLD.personal_fen"
    " AND NEW.content_hash = OLD.content_hash AND NEW.period = OLD.period AND NEW.provider = OLD.provider"
)
PAYING = f"OLD.status = 'approved' AND NEW.status = 'paid' AND {SAME_MONEY}"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER settlement_locked_update BEFORE UPDATE ON settlement
    WHEN OLD.status IN {LOCKED} AND NOT ({PAYING})
    BEGIN SELECT RAISE(ABORT, 'settlement_locked'); END""",
    f"""CREATE TRIGGER settlement_locked_delete BEFORE DELETE ON settlement
    WHEN OLD.status IN {LOCKED} BEGIN SELECT RAISE(ABORT, 'settlement_locked'); END""",
    *[
        f"""CREATE TRIGGER settlement_line_locked_{op.lower()} BEFORE {op} ON settlement_line
        WHEN (SELECT status FROM settlement WHERE id = {row}.settlement) IN {LOCKED}
        BEGIN SELECT RAISE(ABORT, 'settlement_locked'); END"""
        for op, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD"))
    ],
    *[
        f"""CREATE TRIGGER {table}_immutable_{op.lower()} BEFORE {op} ON {table}
        BEGIN SELECT RAISE(ABORT, 'ledger_immutable'); END"""
        for table in ("ledger_entry", "ledger_posting")
        for op in ("UPDATE", "DELETE")
    ],
]

POSTGRES_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION ltc_settlement_locked() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.status IN {LOCKED} THEN RAISE EXCEPTION 'settlement_locked'; END IF;
            RETURN OLD;
        END IF;
        IF OLD.status IN {LOCKED} AND NOT ({PAYING}) THEN RAISE EXCEPTION 'settlement_locked'; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER settlement_locked BEFORE UPDATE OR DELETE ON settlement
    FOR EACH ROW EXECUTE FUNCTION ltc_settlement_locked()""",
    f"""CREATE OR REPLACE FUNCTION ltc_settlement_line_locked() RETURNS trigger AS $$
    DECLARE parent_status text;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            SELECT status INTO parent_status FROM settlement WHERE id = NEW.settlement;
        ELSE
            SELECT status INTO parent_status FROM settlement WHERE id = OLD.settlement;
        END IF;
        IF parent_status IN {LOCKED} THEN RAISE EXCEPTION 'settlement_locked'; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER settlement_line_locked BEFORE INSERT OR UPDATE OR DELETE ON settlement_line
    FOR EACH ROW EXECUTE FUNCTION ltc_settlement_line_locked()""",
    """CREATE OR REPLACE FUNCTION ltc_ledger_immutable() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'ledger_immutable'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ltc_ledger_immutable()""",
    """CREATE TRIGGER ledger_posting_immutable BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ltc_ledger_immutable()""",
]


async def create_triggers() -> None:
    # The engine Piccolo runs this migration on (it refuses to start without one); the
    # migration reads nothing of the app's own code, which may change after it is written.
    engine = engine_finder()
    for statement in SQLITE_TRIGGERS if engine.engine_type == "sqlite" else POSTGRES_TRIGGERS:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(create_triggers)
    return manager
