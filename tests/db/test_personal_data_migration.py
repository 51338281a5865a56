"""Migration 0013 on a database as it was before it (SQLite or PostgreSQL, whichever the suite
runs on): the persons stored in clear are encrypted, indexed and blanked, the blind index is
unique, and the app opens what the migration sealed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from piccolo.apps.migrations.commands.forwards import run_forwards

from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations, pending_schema_changes
from ltc.db.personal_data import open_person, person_ids_by_id_number
from ltc.db.tables import Person
from ltc.domain.identity import make_id_number
from ltc.settings import Settings
from tests.isolated import own_database

BEFORE_0013 = "2026-12-02T21:40:00:000000"  # ltc_0011_job_heartbeat


async def test_the_migration_encrypts_the_persons_stored_in_clear(app, settings: Settings, tmp_path) -> None:
    people = [
        (make_id_number("330283", date(1940, 1, 1 + i), 501, "F"), f"1380000000{i}", f"溪口镇旧村{i}号")
        for i in range(3)
    ]
    async with own_database("upgrade") as url:
        fresh = db_engine.configure_engine(url)
        await db_engine.start(fresh)
        try:
            result = await run_forwards(app_name="ltc", migration_id=BEFORE_0013)
            assert result.success, result.message
            for number, phone, address in people:
                await Person.raw(
                    "INSERT INTO person (id_number, name, sex, birth_date, phone, address, geocoded_by, insured,"
                    " created_at) VALUES ({}, '旧人员', 'F', {}, {}, {}, '', {}, {})",
                    number,
                    date(1940, 1, 1),
                    phone,
                    address,
                    True,
                    datetime(2026, 1, 1, tzinfo=UTC),
                )
            await apply_migrations()
            assert await pending_schema_changes() == []
            rows = await Person.raw("SELECT * FROM person ORDER BY id")
            stored = "\n".join(str(v) for row in rows for v in row.values())
            assert [s for person in people for s in person if s in stored] == []
            keyring = settings.keyring
            assert [tuple(vars(open_person(keyring, row)).values()) for row in rows] == people
            assert {row["data_key_id"] for row in rows} == {keyring.active}
            found = await person_ids_by_id_number(keyring, [people[1][0]])
            assert found == {people[1][0]: rows[1]["id"]}
            # the blind index is unique in the database itself
            try:
                await Person.raw(
                    "UPDATE person SET id_number_index = {} WHERE id = {}", rows[0]["id_number_index"], rows[1]["id"]
                )
            except Exception as exc:
                assert db_engine.is_unique_violation(exc), exc
            else:
                raise AssertionError("a second person took the same blind index")
        finally:
            db_engine.configure_engine(settings.database_url)
            await db_engine.stop(fresh)
