"""Builds the Piccolo engine from LTC_DATABASE_URL and binds every table to it."""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table

from ltc.db.tables import ALL_TABLES

_current: list[Engine] = []


def sqlite_path(url: str) -> Path:
    # sqlite:///relative.sqlite and sqlite:////absolute/path.sqlite, as SQLAlchemy spells them.
    return Path(url.removeprefix("sqlite:///"))


def engine_for_url(url: str) -> Engine:
    if url.startswith("sqlite://"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The busy timeout lets a writer wait for the single write lock instead of failing.
        return SQLiteEngine(path=str(path), timeout=30, check_same_thread=False)
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"unsupported database URL scheme: {parts.scheme}")
    return PostgresEngine(config={"dsn": url}, log_queries=False)


def configure_engine(url: str) -> Engine:
    """Make ``url`` the database of this process: every table and Piccolo itself use it."""
    engine = engine_for_url(url)
    os.environ["PICCOLO_CONF"] = "ltc.db.piccolo_conf"
    return bind(engine)


def bind(engine: Engine) -> Engine:
    """Bind every table to ``engine`` (e.g. back to the previous one after a tool used another)."""
    for table in [*ALL_TABLES, Migration]:
        table._meta.db = engine
    _current[:] = [engine]
    return engine


def bound_engine() -> Engine | None:
    """The engine the tables are bound to now, if any."""
    return _current[0] if _current else None


def current_engine() -> Engine:
    if not _current:
        # The piccolo CLI (e.g. `piccolo migrations new ltc --auto`) imports no app.
        from ltc.settings import load_settings

        configure_engine(load_settings().database_url)
    return _current[0]


def is_sqlite(engine: Engine) -> bool:
    return isinstance(engine, SQLiteEngine)


def is_unique_violation(error: BaseException) -> bool:
    """True for a UNIQUE constraint failure on either database."""
    name = type(error).__name__
    return name == "UniqueViolationError" or (name == "IntegrityError" and "UNIQUE" in str(error))


async def fetch_rows(sql: str, *args: Any) -> Sequence[Sequence[Any]]:
    """The rows of a raw query (parameters ``{}``, as Piccolo's ``raw``), each a sequence in
    the columns' order: on PostgreSQL the driver's records as they come (a read of a month's
    lines is not copied into a dict a row), on SQLite the values of each row."""
    rows = await current_engine().run_querystring(QueryString(sql, *args))
    return [tuple(row.values()) for row in rows] if rows and isinstance(rows[0], dict) else rows


# A month's aggregate of the largest city groups hundreds of thousands of rows: hashed in
# memory, not sorted through temporary files (PostgreSQL's default work_mem is 4 MB).
AGGREGATE_WORK_MEM = "256MB"


@asynccontextmanager
async def aggregating() -> AsyncIterator[Any]:
    """A transaction for reading a month's aggregate: on PostgreSQL with the working memory to
    hash its groups (``AGGREGATE_WORK_MEM``); on SQLite none is needed (yields None)."""
    engine = current_engine()
    if not isinstance(engine, PostgresEngine):
        yield None
        return
    async with engine.transaction() as transaction:
        await transaction.connection.execute(f"SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'")
        yield transaction


def locked(query: Any, of: tuple[type[Table], ...] = (), *, key_kept: bool = False) -> Any:
    """SELECT ... FOR UPDATE on PostgreSQL, so concurrent writers to the same record queue
    (``of``: lock only these tables' rows, for a query that joins others). ``key_kept``: FOR
    NO KEY UPDATE, for a change that leaves the key alone, which lets other transactions
    still insert rows referring to it (an audit entry naming a user, say) meanwhile. SQLite
    needs nothing: a write transaction there already holds the database's one write lock."""
    if is_sqlite(current_engine()):
        return query
    return query.lock_rows("NO KEY UPDATE" if key_kept else "UPDATE", of=of)


def write_transaction(engine: Engine | None = None) -> AbstractAsyncContextManager[Any]:
    """A read-then-write transaction. SQLite takes the write lock up front (IMMEDIATE), so two
    writers queue instead of failing at commit; PostgreSQL uses its normal transaction."""
    engine = engine or current_engine()
    if isinstance(engine, SQLiteEngine):
        return _sqlite_write_transaction(engine)
    return engine.transaction()


# SQLite has one write lock. Writers of this process queue for it on an asyncio lock (in
# arrival order, woken at once) rather than in SQLite's busy handler, which polls with
# sleeps of up to 100 ms and under load serves them in no order. Other processes still
# meet the busy timeout.
_sqlite_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
WRITE_LOCK_TIMEOUT_S = 30.0


@asynccontextmanager
async def _sqlite_write_transaction(engine: SQLiteEngine) -> AsyncIterator[Any]:
    if engine.current_transaction.get() is not None:  # nested: the outer one holds the lock
        async with engine.transaction(transaction_type=TransactionType.immediate) as transaction:
            yield transaction
        return
    lock = _sqlite_writers.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with asyncio.timeout(WRITE_LOCK_TIMEOUT_S):
        await lock.acquire()
    try:
        async with engine.transaction(transaction_type=TransactionType.immediate) as transaction:
            yield transaction
    finally:
        lock.release()


async def _keep_session(connection: Any) -> None:
    """The pool's reset between borrowers. asyncpg's default (RESET ALL, UNLISTEN, CLOSE ALL,
    advisory unlocks) costs a round trip per query, for session state this app never sets;
    an open transaction is still rolled back by the pool itself."""


async def start(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10, reset=_keep_session)
    else:
        # WAL lets readers run beside the single writer; it persists in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
