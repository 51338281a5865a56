from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T21:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "A correction is applied exactly once, by the approval of the settlement that carries it"


# The database itself keeps a correction from being paid twice or lost:
# * a settlement carries a correction on one line at most (a unique partial index);
# * a correction never changes once recorded, and is recorded open; its ``applied_in`` is set
#   once, to an approved (or paid) settlement whose lines carry it, and never changed again;
# * approving a settlement marks exactly the corrections on its lines applied by it: one that
#   another settlement applied already makes the approval fail (``correction_already_applied``).
LOCKED = "('approved', 'paid')"
APPROVING = "NEW.status = 'approved' AND OLD.status <> 'approved'"
CARRIED = "SELECT correction_id FROM settlement_line WHERE settlement = NEW.id AND correction_id IS NOT NULL"
CARRIES = (
    "EXISTS (SELECT 1 FROM settlement_line l JOIN settlement s ON s.id = l.settlement"
    f" WHERE l.settlement = NEW.applied_in AND l.correction_id = NEW.id AND s.status IN {LOCKED})"
)
INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS settlement_line_correction_once"
    " ON settlement_line (settlement, correction_id) WHERE correction_id IS NOT NULL"
)


def _changed(same: str) -> str:
    """A recorded correction's own fields differ (``same``: the null-safe equality)."""
    fields = ("provider", "person", "corrects_period", "amount_fen", "fund_fen", "reason")
    return " OR ".join(f"NOT (NEW.{f} {same} OLD.{f})" for f in fields)


SQLITE_STATEMENTS = [
    INDEX,
    """CREATE TRIGGER settlement_correction_open_insert BEFORE INSERT ON settlement_correction
    WHEN NEW.applied_in IS NOT NULL BEGIN SELECT RAISE(ABORT, 'correction_applied_once'); END""",
    f"""CREATE TRIGGER settlement_correction_applied_once BEFORE UPDATE ON settlement_correction
    WHEN ({_changed("IS")})
      OR (OLD.applied_in IS NOT NULL AND NOT (NEW.applied_in IS OLD.applied_in))
      OR (OLD.applied_in IS NULL AND NEW.applied_in IS NOT NULL AND NOT {CARRIES})
    BEGIN SELECT RAISE(ABORT, 'correction_applied_once'); END""",
    """CREATE TRIGGER settlement_correction_kept BEFORE DELETE ON settlement_correction
    WHEN OLD.applied_in IS NOT NULL BEGIN SELECT RAISE(ABORT, 'correction_applied_once'); END""",
    f"""CREATE TRIGGER settlement_approval_corrections_open BEFORE UPDATE OF status ON settlement
    WHEN {APPROVING} AND EXISTS (
        SELECT 1 FROM settlement_correction c WHERE c.id IN ({CARRIED})
        AND c.applied_in IS NOT NULL AND c.applied_in <> NEW.id
    )
    BEGIN SELECT RAISE(ABORT, 'correction_already_applied'); END""",
    f"""CREATE TRIGGER settlement_approval_applies_corrections AFTER UPDATE OF status ON settlement
    WHEN {APPROVING}
    BEGIN
        UPDATE settlement_correction SET applied_in = NEW.id WHERE id IN ({CARRIED});
    END""",
]

POSTGRES_STATEMENTS = [
    INDEX,
    f"""CREATE OR REPLACE FUNCTION ltc_settlement_correction_applied_once() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.applied_in IS NOT NULL THEN RAISE EXCEPTION 'correction_applied_once'; END IF;
            RETURN NEW;
        END IF;
        IF TG_OP = 'DELETE' THEN
            IF OLD.applied_in IS NOT NULL THEN RAISE EXCEPTION 'correction_applied_once'; END IF;
            RETURN OLD;
        END IF;
        IF ({_changed("IS NOT DISTINCT FROM")})
           OR (OLD.applied_in IS NOT NULL AND NEW.applied_in IS DISTINCT FROM OLD.applied_in)
           OR (OLD.applied_in IS NULL AND NEW.applied_in IS NOT NULL AND NOT {CARRIES}) THEN
            RAISE EXCEPTION 'correction_applied_once';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER settlement_correction_applied_once BEFORE INSERT OR UPDATE OR DELETE ON settlement_correction
    FOR EACH ROW EXECUTE FUNCTION ltc_settlement_correction_applied_once()""",
    f"""CREATE OR REPLACE FUNCTION ltc_settlement_approval_applies_corrections() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM settlement_correction c WHERE c.id IN ({CARRIED})
            AND c.applied_in IS NOT NULL AND c.applied_in <> NEW.id
        ) THEN
            RAISE EXCEPTION 'correction_already_applied';
        END IF;
        -- A correction another approval is marking at this moment waits for it, then is
        -- refused by the trigger above (its applied_in is no longer open).
        UPDATE settlement_correction SET applied_in = NEW.id WHERE id IN ({CARRIED});
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER settlement_approval_applies_corrections AFTER UPDATE OF status ON settlement
    FOR EACH ROW WHEN ({APPROVING}) EXECUTE FUNCTION ltc_settlement_approval_applies_corrections()""",
]


async def create_rules() -> None:
    # The engine Piccolo runs this migration on (it refuses to start without one); the
    # migration reads nothing of the app's own code, which may change after it is written.
    engine = engine_finder()
    for statement in SQLITE_STATEMENTS if engine.engine_type == "sqlite" else POSTGRES_STATEMENTS:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(create_rules)
    return manager
