from __future__ import annotations

import ast
from pathlib import Path

import pytest
from piccolo.columns import ForeignKey
from piccolo.columns.base import OnDelete

from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations, pending_schema_changes
from ltc.db.tables import ALL_TABLES, AppUser, Town
from ltc.settings import PROJECT_ROOT, Settings


async def test_the_tables_match_the_migrations(app) -> None:
    # What `piccolo migrations new ltc --auto` would write: nothing.
    assert await pending_schema_changes() == []


async def test_migrations_build_a_fresh_database_and_rerun_harmlessly(app, settings: Settings, tmp_path) -> None:
    if not settings.uses_sqlite:
        pytest.skip("the session database already proves a fresh PostgreSQL migration")
    fresh = db_engine.configure_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        await apply_migrations()
        await apply_migrations()
        assert await Town.count() == 0
        assert await AppUser.count() == 0
    finally:
        db_engine.configure_engine(settings.database_url)
        await db_engine.stop(fresh)


def test_every_foreign_key_restricts_deletes() -> None:
    for table in ALL_TABLES:
        for column in table._meta.foreign_key_columns:
            assert isinstance(column, ForeignKey)
            assert column._meta.params["on_delete"] == OnDelete.restrict, f"{table.__name__}.{column._meta.name}"


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "migrations").glob("ltc_*.py")), ids=lambda p: p.name)
def test_a_migration_imports_none_of_the_app(path: Path) -> None:
    # A migration runs as written for ever; the app's code goes on changing under it.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    modules += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert [m for m in modules if m == "ltc" or m.startswith("ltc.")] == []
