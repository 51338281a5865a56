"""The lists' indexes: declared once in ``ltc.db.tables``, created by migration 0020, present
in the migrated database with their columns in order."""

from __future__ import annotations

import importlib.util

from ltc.db.engine import current_engine, is_sqlite
from ltc.db.tables import LIST_INDEXES, Visit
from ltc.settings import PROJECT_ROOT


def _migration_indexes() -> set[tuple[str, tuple[str, ...]]]:
    spec = importlib.util.spec_from_file_location("list_indexes", PROJECT_ROOT / "migrations/ltc_0020_list_indexes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {(table, tuple(columns)) for table, columns in module.INDEXES}


def test_the_migration_creates_exactly_the_declared_indexes() -> None:
    declared = {(i.table._meta.tablename, tuple(c._meta.name for c in i.columns)) for i in LIST_INDEXES}
    assert declared == _migration_indexes()


async def _columns_of(name: str) -> list[str]:
    if is_sqlite(current_engine()):
        rows = await Visit.raw(f"SELECT name FROM pragma_index_info('{name}') ORDER BY seqno")
        return [r["name"] for r in rows]
    rows = await Visit.raw(
        "SELECT a.attname AS name FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid"
        " CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)"
        " JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum"
        " WHERE c.relname = {} ORDER BY k.n",
        name,
    )
    return [r["name"] for r in rows]


async def test_the_database_has_every_list_index(app) -> None:
    for index in LIST_INDEXES:
        assert await _columns_of(index.name) == [c._meta.name for c in index.columns], index.name
