import hmac
import json
import os
from datetime import UTC, datetime

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-06T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "The audit trail as a keyed hash chain with its anchor, checkpoints and archive; three administrator duties"
)

# The chain's key comes from the environment (as the app's settings read it), never from
# the database; without one, the development key the app also falls back to.
DEV_KEY = "ltc-development-audit-chain-key-not-for-production"
DUTIES = "('sysadmin', 'secadmin', 'auditor')"


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


HASH = {"length": 80, "default": ""}
COLUMNS = {
    ("AuditEntry", "audit_entry"): [
        # Unique through the index below: SQLite cannot add a UNIQUE column.
        ("seq", BigInt, _params(default=None, null=True)),
        ("prev_hash", Varchar, _params(**HASH)),
        ("entry_hash", Varchar, _params(**HASH)),
    ],
    ("AuditAnchor", "audit_anchor"): [
        ("seq", BigInt, _params(default=0)),
        ("entry_hash", Varchar, _params(**HASH)),
        ("seal", Varchar, _params(**HASH)),
        ("updated_at", Timestamptz, _params(default=None, null=True)),
    ],
    ("AuditCheckpoint", "audit_checkpoint"): [
        ("seq", BigInt, _params(default=0, unique=True)),
        ("entry_hash", Varchar, _params(**HASH)),
        ("seal", Varchar, _params(**HASH)),
        ("archived_before", Timestamptz, _params(default=None, null=True)),
        ("entries", Integer, _params(default=0)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("AuditArchive", "audit_archive"): [
        ("entry_id", BigInt, _params(default=0, unique=True)),
        ("seq", BigInt, _params(default=0, unique=True)),
        ("prev_hash", Varchar, _params(**HASH)),
        ("entry_hash", Varchar, _params(**HASH)),
        ("at", Timestamptz, _params(default=TimestamptzNow())),
        ("actor", Integer, _params(default=None, null=True)),
        ("actor_name", Varchar, _params(length=64, default="")),
        ("action", Varchar, _params(length=64, default="")),
        ("entity", Varchar, _params(length=64, default="")),
        ("entity_id", Varchar, _params(length=64, default="")),
        ("before", JSON, _params(default=None, null=True)),
        ("after", JSON, _params(default=None, null=True)),
        ("reason", Text, _params(default="")),
        ("archived_at", Timestamptz, _params(default=TimestamptzNow())),
    ],
}

# An administrator's duty is fixed for the account's life: no account moves from one duty
# to another (or into or out of one), so none ever holds two of them.
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER app_user_duty_fixed BEFORE UPDATE OF role ON app_user
    WHEN NEW.role <> OLD.role AND (OLD.role IN {DUTIES} OR NEW.role IN {DUTIES})
    BEGIN SELECT RAISE(ABORT, 'administrator_duty_fixed'); END""",
]
POSTGRES_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION ltc_administrator_duty_fixed() RETURNS trigger AS $$
    BEGIN
        IF NEW.role <> OLD.role AND (OLD.role IN {DUTIES} OR NEW.role IN {DUTIES}) THEN
            RAISE EXCEPTION 'administrator_duty_fixed';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER app_user_duty_fixed BEFORE UPDATE OF role ON app_user
    FOR EACH ROW EXECUTE FUNCTION ltc_administrator_duty_fixed()""",
]


def _seal(key: bytes, algorithm: str, data: bytes) -> str:
    return f"{algorithm}:{hmac.new(key, data, algorithm).hexdigest()}"


def _utc(value: object) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def _canonical(seq: int, prev: str, row: dict) -> bytes:
    # Version 1 of the canonical form (ltc.domain.audit_chain.canonical_bytes).
    document = {
        "v": 1,
        "seq": seq,
        "prev": prev,
        "at": _utc(row["at"]),
        "actor": row["actor"],
        "actor_name": row["actor_name"],
        "action": row["action"],
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "before": _json(row["before"]),
        "after": _json(row["after"]),
        "reason": row["reason"],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def chain_existing_entries() -> None:
    """The administrator becomes the system administrator; the duty triggers; every audit
    entry already written is chained in the order it was written, and the anchor set."""
    engine = engine_finder()
    key = (os.environ.get("LTC_AUDIT_CHAIN_KEY") or DEV_KEY).encode("utf-8")
    algorithm = os.environ.get("LTC_AUDIT_HASH") or "sha256"
    sqlite = engine.engine_type == "sqlite"
    async with engine.transaction():
        await engine.run_ddl("UPDATE app_user SET role = 'sysadmin' WHERE role = 'admin'")
        await engine.run_ddl("CREATE UNIQUE INDEX audit_entry_seq_unique ON audit_entry (seq)")
        for statement in SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS:
            await engine.run_ddl(statement)
        rows = await engine.run_querystring(
            _raw(
                "SELECT id, at, actor, actor_name, action, entity, entity_id, before, after, reason"
                " FROM audit_entry ORDER BY id"
            )
        )
        seq, prev = 0, ""
        for row in rows:
            seq += 1
            digest = _seal(key, algorithm, _canonical(seq, prev, row))
            await engine.run_querystring(
                _raw(
                    "UPDATE audit_entry SET seq = {}, prev_hash = {}, entry_hash = {} WHERE id = {}",
                    seq,
                    prev,
                    digest,
                    row["id"],
                )
            )
            prev = digest
        anchor = _seal(key, algorithm, f"ltc-audit-anchor|{seq}|{prev}".encode())
        await engine.run_querystring(
            _raw(
                "INSERT INTO audit_anchor (id, seq, entry_hash, seal, updated_at) VALUES (1, {}, {}, {}, {})",
                seq,
                prev,
                anchor,
                datetime.now(UTC),
            )
        )


def _raw(sql: str, *args: object) -> QueryString:
    return QueryString(sql, *args)


class _ThenChain(MigrationManager):
    """Piccolo runs raw steps before the new columns exist; the chaining runs after them."""

    async def run(self, backwards: bool = False) -> None:
        await super().run(backwards=backwards)
        if not backwards and not self.preview:
            await chain_existing_entries()


async def forwards():
    manager = _ThenChain(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    for class_name, tablename in COLUMNS:
        if tablename != "audit_entry":
            manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
    for (class_name, tablename), columns in COLUMNS.items():
        for name, column_class, params in columns:
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
