"""Applies the add-only migrations in ``migrations/`` to the configured database."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder


class MigrationFailed(RuntimeError):
    pass


async def apply_migrations(*, quiet: bool = True) -> None:
    """Bring the schema up to date; safe to run any number of times."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="ltc", migration_id="all")
    if not result.success:
        raise MigrationFailed(f"{result.message}\n{out.getvalue()}")


async def pending_schema_changes() -> list[str]:
    """What `piccolo migrations new ltc --auto` would write: empty when the tables and
    the migrations agree."""
    app_config = Finder().get_app_config(app_name="ltc")
    with contextlib.redirect_stdout(io.StringIO()):
        alter = await AutoMigrationManager().get_alter_statements(app_config=app_config)
    return [statement for group in alter for statement in group.statements]


__all__ = ["MigrationFailed", "apply_migrations", "pending_schema_changes"]
