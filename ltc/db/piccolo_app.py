"""The Piccolo app: our tables and the top-level migrations folder."""

from piccolo.conf.apps import AppConfig

from ltc.db.tables import ALL_TABLES
from ltc.settings import PROJECT_ROOT

APP_CONFIG = AppConfig(
    app_name="ltc",
    migrations_folder_path=str(PROJECT_ROOT / "migrations"),
    table_classes=ALL_TABLES,
    migration_dependencies=[],
    commands=[],
)
