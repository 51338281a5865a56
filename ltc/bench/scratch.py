"""A scratch database for one benchmark run, and bulk loads into it beside Piccolo."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np


def server_url() -> str:
    url = os.environ.get("LTC_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


@contextlib.asynccontextmanager
async def scratch_database(label: str) -> AsyncIterator[str]:
    """A fresh, empty database for one run (a benchmark, or a test that must not share the
    session's): a new database on the PostgreSQL server of ``LTC_DATABASE_URL`` (dropped
    afterwards), else a SQLite file in a temporary directory."""
    server = server_url()
    if not server:
        with tempfile.TemporaryDirectory(prefix=f"ltc-{label}-") as tmp:
            yield f"sqlite:///{Path(tmp) / f'{label}.sqlite'}"
        return
    import asyncpg

    name = f"ltc_{label}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        admin = await asyncpg.connect(server)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class Loader:
    """Bulk loads and raw reads beside Piccolo: executemany on SQLite, COPY on PostgreSQL.
    Values are Python objects; on SQLite, Piccolo's registered sqlite3 adapters write them
    the way Piccolo does (aware datetimes as UTC text, dates as ISO text)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite://")
        self.conn: Any = None

    async def __aenter__(self) -> Loader:
        if self.sqlite:
            import ltc.db.engine as db_engine  # registers Piccolo's sqlite3 adapters

            self.conn = sqlite3.connect(db_engine.sqlite_path(self.url), isolation_level=None)
            self.conn.execute("PRAGMA synchronous=OFF")
        else:
            import asyncpg

            self.conn = await asyncpg.connect(self.url)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.sqlite:
            self.conn.close()
        else:
            await self.conn.close()

    async def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            self.conn.execute("BEGIN")
            self.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            self.conn.execute("COMMIT")
        else:
            await self.conn.copy_records_to_table(table, records=list(rows), columns=list(columns))

    async def insert_arrays(self, table: str, columns: Mapping[str, np.ndarray]) -> None:
        """Rows given a column at a time as numpy arrays of one length (a generator's chunk):
        integers, booleans, ``datetime64[us]`` in UTC (NaT is NULL) for timestamptz,
        ``datetime64[D]`` for dates, and strings (an object array's None is NULL). Written
        as CSV to COPY on PostgreSQL, as Piccolo's text forms through executemany on SQLite,
        with no Python object made a row."""
        names = list(columns)
        if self.sqlite:
            cells = [_sqlite_cells(values) for values in columns.values()]
            await self.insert(table, names, zip(*cells, strict=True))
            return
        lines = map(",".join, zip(*(_csv_cells(values) for values in columns.values()), strict=True))
        data = ("\n".join(lines) + "\n").encode()
        await self.conn.copy_to_table(table, source=io.BytesIO(data), columns=names, format="csv")

    async def prepare_months(self, first: date, last: date) -> None:
        """Make room for the visits of the months from ``first`` to ``last`` (first days)
        before they are loaded. SQLite keeps every month in one table and needs nothing; on
        PostgreSQL the months' partitions are made (through the app's engine, bound to this
        database by the benchmark), so the COPY routes each row to its month."""
        if self.sqlite:
            return
        from ltc.db.partitions import ensure_months

        await ensure_months(first, last)

    async def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of a query without parameters (callers format only integers into it)."""
        if self.sqlite:
            return self.conn.execute(sql).fetchall()
        return [tuple(r) for r in await self.conn.fetch(sql)]

    async def move_sequences(self, tables: Sequence[str]) -> None:
        """Move the id sequences past the explicit ids (PostgreSQL; SQLite needs nothing)."""
        if self.sqlite:
            return
        for table in tables:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
            )

    async def finish(self, tables: Sequence[str]) -> None:
        """Move the id sequences past the explicit ids and gather planner statistics, as
        autovacuum would after a load (PostgreSQL); ANALYZE on SQLite too."""
        if self.sqlite:
            self.conn.execute("ANALYZE")
            return
        await self.move_sequences(tables)
        await self.conn.execute("ANALYZE")


# --------------------------------------------------------------------------- columns as text


def _csv_cells(values: np.ndarray) -> list[str]:
    """One column in PostgreSQL's CSV: NULL unquoted and empty, text always quoted."""
    kind = values.dtype.kind
    if kind == "M":
        unit = np.datetime_data(values.dtype)[0]
        text = np.datetime_as_string(values, unit=unit, timezone="UTC" if unit != "D" else "naive")
        return ["" if t == "NaT" else t for t in text.tolist()]
    if kind == "b":
        return ["t" if v else "f" for v in values.tolist()]
    if kind in "iu":
        return list(map(str, values.tolist()))
    return ["" if v is None else '"' + str(v).replace('"', '""') + '"' for v in values.tolist()]


def _sqlite_cells(values: np.ndarray) -> list[Any]:
    """One column as Piccolo writes it on SQLite: aware datetimes as ``str()`` of their UTC
    value ('YYYY-MM-DD HH:MM:SS[.ffffff]+00:00'), dates in ISO form."""
    kind = values.dtype.kind
    if kind == "M":
        unit = np.datetime_data(values.dtype)[0]
        text = np.datetime_as_string(values, unit=unit).tolist()
        if unit == "D":
            return [None if t == "NaT" else t for t in text]
        return [None if t == "NaT" else t.replace("T", " ").removesuffix(".000000") + "+00:00" for t in text]
    return list(values.tolist())
