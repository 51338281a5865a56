from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Indexes for the care agency's lists: its people, plans awaiting confirmation, census days, unscheduled slots"
)

# Each list of the agency's desk is read one page at a time in key order within one provider:
# these indexes give every page (and every count on the navigation) a single range scan.
STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS assignment_provider_status_person ON assignment (provider, status, person)",
    "CREATE INDEX IF NOT EXISTS care_plan_provider_status ON care_plan (provider, status)",
    "CREATE INDEX IF NOT EXISTS census_entry_provider_day ON census_entry (provider, day)",
    "CREATE INDEX IF NOT EXISTS unscheduled_slot_provider_start ON unscheduled_slot (provider, slot_start, id)",
    "CREATE INDEX IF NOT EXISTS caregiver_provider_id ON caregiver (provider, id)",
]


async def create_indexes() -> None:
    engine = engine_finder()
    for statement in STATEMENTS:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ltc", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    return manager
