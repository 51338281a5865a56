"""The one bulk writer: many rows into one table on a transaction's own connection, COPY on
PostgreSQL and executemany on SQLite, bypassing Piccolo's per-object statement building (and
its limit of one statement's parameters) for whole-city writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from piccolo.columns import Timestamptz
from piccolo.table import Table

from ltc.db.engine import is_sqlite


async def insert_rows(
    transaction: Any,
    table: type[Table],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    foreign_keys_by_index: bool = False,
) -> None:
    """Rows (tuples in ``columns`` order, every value as Piccolo would write it). A duplicate
    unique key fails the whole call, as one multi-row INSERT would.

    ``foreign_keys_by_index``: on PostgreSQL each row's foreign key checks are planned per
    connection; over a small or freshly analyzed parent table the planner would scan all of it
    for every row, through its primary key each check takes the same few steps whatever the
    table holds. The setting lasts to the end of the transaction."""
    name = table._meta.tablename
    if not is_sqlite(transaction.engine):
        if foreign_keys_by_index:
            await transaction.connection.execute("SET LOCAL enable_seqscan = off")
        await transaction.connection.copy_records_to_table(
            name, records=rows, columns=list(columns), schema_name=table._meta.schema
        )
        return
    times = [i for i, c in enumerate(columns) if isinstance(table._meta.get_column_by_name(c), Timestamptz)]
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    # Room for a chunk's dirty index pages (the default 2 MB spills them to the WAL mid-way);
    # the connection is the transaction's own and closes with it.
    await transaction.connection.execute("PRAGMA cache_size = -131072")
    await transaction.connection.executemany(sql, _sqlite_rows(rows, times) if times else rows)


def _sqlite_rows(rows: list[tuple[Any, ...]], times: list[int]) -> list[list[Any]]:
    """The rows with their times as the text Piccolo's sqlite3 adapter writes (``str`` of the
    UTC time), each distinct time converted once: the adapter costs microseconds a value."""
    text: dict[datetime, str] = {}
    out = []
    for row in rows:
        values = list(row)
        for i in times:
            moment = values[i]
            if moment is not None:
                converted = text.get(moment)
                if converted is None:
                    converted = text[moment] = str(moment.astimezone(UTC))
                values[i] = converted
        out.append(values)
    return out


async def update_rows(
    transaction: Any, table: type[Table], key: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Rows (tuples of ``columns`` values followed by the ``key`` value) written over the rows
    with that key: one prepared UPDATE run for every row, on the transaction's own connection."""
    if not rows:
        return
    name = table._meta.tablename
    if not is_sqlite(transaction.engine):
        assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=1))
        sql = f"UPDATE {name} SET {assignments} WHERE {key} = ${len(columns) + 1}"
        await transaction.connection.executemany(sql, rows)
        return
    times = [i for i, c in enumerate(columns) if isinstance(table._meta.get_column_by_name(c), Timestamptz)]
    sql = f"UPDATE {name} SET {', '.join(f'{column} = ?' for column in columns)} WHERE {key} = ?"
    await transaction.connection.executemany(sql, _sqlite_rows(rows, times) if times else rows)
