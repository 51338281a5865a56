"""Migration 0016 on a database as it was before it (SQLite or PostgreSQL, whichever the suite
runs on): every person with a phone gets the blind index the app computes, and a name-prefix
search finds them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from piccolo.apps.migrations.commands.forwards import run_forwards

from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations, pending_schema_changes
from ltc.db.queries.persons import name_starts_with
from ltc.db.tables import Person
from ltc.domain.identity import make_id_number
from ltc.domain.personal_data import id_number_index, location, phone_index, seal
from ltc.settings import Settings
from tests.isolated import own_database

BEFORE_0016 = "2026-12-06T19:30:00:000000"  # ltc_0014_audit_chain_duties


async def test_the_migration_indexes_the_phones_already_stored(app, settings: Settings) -> None:
    keyring = settings.keyring
    phones = ["138 0000 1234", "", "+86 139-0000-5678"]
    async with own_database("phones") as url:
        fresh = db_engine.configure_engine(url)
        await db_engine.start(fresh)
        try:
            result = await run_forwards(app_name="ltc", migration_id=BEFORE_0016)
            assert result.success, result.message
            for i, phone in enumerate(phones, start=1):
                number = make_id_number("330283", date(1940, 1, i), 501, "F")
                index = id_number_index(keyring, number)
                await Person.raw(
                    "INSERT INTO person (id, id_number, name, sex, birth_date, phone, address, geocoded_by, insured,"
                    " created_at, id_number_enc, phone_enc, address_enc, id_number_index, data_key_id)"
                    " VALUES ({}, {}, {}, 'F', {}, '', '', '', {}, {}, {}, {}, '', {}, {})",
                    i,
                    index[:18],
                    f"旧人员{i}",
                    date(1940, 1, i),
                    True,
                    datetime(2026, 1, 1, tzinfo=UTC),
                    seal(keyring, number, location("person", "id_number", i)),
                    seal(keyring, phone, location("person", "phone", i)),
                    index,
                    keyring.active,
                )
            await apply_migrations()
            assert await pending_schema_changes() == []
            rows = await Person.select(Person.id, Person.phone_index).order_by(Person.id)
            assert [r["phone_index"] for r in rows] == [phone_index(keyring, p) for p in phones]
            assert rows[1]["phone_index"] is None
            found = await Person.select(Person.id).where(name_starts_with("旧人员")).order_by(Person.id)
            assert [r["id"] for r in found] == [1, 2, 3]
            assert await Person.select(Person.id).where(name_starts_with("人员")) == []
            if settings.uses_sqlite:
                rows = await Person.raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'person'")
            else:
                rows = await Person.raw("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'person'")
            names = {r["name"] for r in rows}
            assert {"person_name_prefix", "person_town_id", "person_insured_id", "person_phone_index"} <= names, names
        finally:
            db_engine.configure_engine(settings.database_url)
            await db_engine.stop(fresh)
