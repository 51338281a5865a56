"""Key rotation: every person and caregiver re-sealed under the new active key, in batches; a rotation
stopped part-way (here: a failure in the middle of a batch) loses nothing and the next run
finishes it."""

from __future__ import annotations

import base64
import os
from dataclasses import replace

import pytest

from ltc.db.personal_data import open_caregiver_field, open_person
from ltc.db.queries.visits import month_of_visit
from ltc.db.tables import Application, Caregiver, Job, Person
from ltc.domain.personal_data import DEV_DATA_KEY, DEV_INDEX_KEY, envelope_key_id
from ltc.services import jobs, key_rotation
from ltc.services.context import ServiceContext
from ltc.services.key_rotation import RotateKeysParams, rotate_data_keys
from ltc.settings import Settings

NEW_KEY = os.urandom(32)


def keyed(settings: Settings, active: str) -> Settings:
    keys = f"new:{base64.b64encode(NEW_KEY).decode()},dev:{base64.b64encode(DEV_DATA_KEY).decode()}"
    return Settings(
        **settings.model_dump()
        | {"data_keys": keys, "data_key_active": active, "data_index_key": base64.b64encode(DEV_INDEX_KEY).decode()}
    )


async def everyone(ctx: ServiceContext) -> dict[int, object]:
    rows = await Person.select(Person.id, Person.id_number_enc, Person.phone_enc, Person.address_enc)
    return {row["id"]: open_person(ctx.settings.keyring, row) for row in rows}


async def caregivers(ctx: ServiceContext) -> dict[int, tuple[str, str]]:
    rows = await Caregiver.select(Caregiver.id, Caregiver.id_number_enc, Caregiver.phone_enc)
    keyring = ctx.settings.keyring
    return {
        row["id"]: (open_caregiver_field(keyring, row, "id_number"), open_caregiver_field(keyring, row, "phone"))
        for row in rows
    }


async def nothing(_: float) -> None:
    return None


async def test_a_rotation_interrupted_mid_batch_resumes_and_loses_nothing(services, monkeypatch) -> None:
    rotated = replace(services, settings=keyed(services.settings, "new"))
    back = replace(services, settings=keyed(services.settings, "dev"))
    before = await everyone(services)
    carers = await caregivers(services)
    total = len(before)
    filers = await Application.count().where(Application.filed_by != "")  # public filings, if any ran before
    assert any(id_number for id_number, _ in carers.values()), "the demo's caregivers are in their real name"
    assert total > 20
    real_reseal = key_rotation.reseal
    calls = {"n": 0}

    def failing_reseal(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3 * 7 * 3 + 5:  # the 4th batch of 7 persons (3 envelopes each), part-way
            raise RuntimeError("the worker was killed")
        return real_reseal(*args, **kwargs)

    try:
        monkeypatch.setattr(key_rotation, "reseal", failing_reseal)
        with pytest.raises(RuntimeError):
            await rotate_data_keys(rotated, RotateKeysParams(batch_size=7), nothing)
        # the three committed batches are under the new key, the broken one wholly under the old
        by_key = {
            r["data_key_id"]: r["n"]
            for r in await Person.raw("SELECT data_key_id, COUNT(*) AS n FROM person GROUP BY data_key_id")
        }
        assert by_key.get("new") == 21
        for row in await Person.select(Person.id, Person.data_key_id, Person.id_number_enc):
            if row["id_number_enc"]:
                assert envelope_key_id(row["id_number_enc"]) == row["data_key_id"]
        monkeypatch.setattr(key_rotation, "reseal", real_reseal)
        # the rerun, as a job like the one `ltc keys rotate` starts
        job_id = await jobs.start_job(rotated, None, "rotate_data_keys", RotateKeysParams(batch_size=50))
        assert await jobs.execute_job(rotated, job_id) == "done"
        result = (await Job.select(Job.result).where(Job.id == job_id).output(load_json=True).first())["result"]
        assert result == {"active_key": "new", "rotated": total - 21 + len(carers) + filers, "remaining": 0}
        assert await Person.count().where(Person.data_key_id != "new") == 0
        assert await Caregiver.count().where(Caregiver.data_key_id != "new") == 0
        assert await everyone(rotated) == before  # every value opens, unchanged
        assert await caregivers(rotated) == carers
        with pytest.raises(Exception) as old_only:
            await everyone(services)  # the old keyring alone no longer opens them
        assert getattr(old_only.value, "code", "") == "unknown_key_id"
        again = await rotate_data_keys(rotated, RotateKeysParams(), nothing)
        assert (again.rotated, again.remaining) == (0, 0)
    finally:
        monkeypatch.setattr(key_rotation, "reseal", real_reseal)
        await rotate_data_keys(back, RotateKeysParams(batch_size=1000), nothing)  # the suite's key again
    assert await Person.count().where(Person.data_key_id != "dev") == 0
    assert await everyone(services) == before
    assert await caregivers(services) == carers


def test_production_refuses_the_development_keys() -> None:
    from ltc.cli import _require_real_data_keys

    postgres = "postgres://ltc@127.0.0.1:5432/ltc"
    with pytest.raises(SystemExit, match="LTC_DATA_KEYS"):
        _require_real_data_keys(Settings(database_url=postgres))
    _require_real_data_keys(Settings(database_url=postgres, allow_development_keys=True))
    _require_real_data_keys(Settings(database_url="sqlite:///demo.sqlite"))  # the demo
    real = keyed(Settings(database_url=postgres), "new")
    assert not real.keyring.development and real.keyring.active == "new"
    _require_real_data_keys(real)


def test_the_keys_command_line() -> None:
    from ltc.cli import build_parser, cmd_keys

    rotate = build_parser().parse_args(["keys", "rotate", "--batch-size", "50"])
    assert (rotate.run, rotate.keys_command, rotate.batch_size) == (cmd_keys, "rotate", 50)
    assert build_parser().parse_args(["keys", "status"]).keys_command == "status"


async def test_a_rotation_reseals_the_presence_cards_too(services) -> None:
    from ltc.db.tables import PresenceCard
    from ltc.domain import presence as cards
    from ltc.domain.access import Actor, Role
    from ltc.services import presence

    person_id = (await Person.select(Person.id).first())["id"]
    bureau = Actor(user_id=1, username="bureau", role=Role.BUREAU)
    await presence.rotate_card(services, bureau, person_id)
    await presence.rotate_card(services, bureau, person_id)
    before = await presence.card_secrets(services.settings.keyring, person_id)
    rotated = replace(services, settings=keyed(services.settings, "new"))
    back = replace(services, settings=keyed(services.settings, "dev"))
    try:
        await rotate_data_keys(rotated, RotateKeysParams(batch_size=1), nothing)
        assert await PresenceCard.count().where(PresenceCard.data_key_id != "new") == 0
        for row in await PresenceCard.select(PresenceCard.secret_enc):
            assert envelope_key_id(row["secret_enc"]) == "new"
        assert await presence.card_secrets(rotated.settings.keyring, person_id) == before
        at = before[-1].valid_from
        code = cards.household_code(before[-1].secret)
        assert cards.presence_outcome(code, at, await presence.card_secrets(rotated.settings.keyring, person_id)) == (
            cards.HOUSEHOLD_CODE
        )
    finally:
        await rotate_data_keys(back, RotateKeysParams(batch_size=1000), nothing)  # the suite's key again
    assert await presence.card_secrets(services.settings.keyring, person_id) == before


async def test_a_rotation_seals_photos_kept_in_clear_and_reseals_sealed_ones(services) -> None:
    import uuid
    from datetime import UTC, datetime

    from ltc.db.tables import Visit, VisitEvidence
    from ltc.services.visits.evidence import evidence_content

    visit_id = (await Visit.select(Visit.id).first())["id"]
    picture = b"\xff\xd8\xff\xe0 a photo from before sealing"
    now = datetime.now(UTC)
    legacy = VisitEvidence(
        visit=visit_id,
        event_id=uuid.uuid4(),
        service_month=await month_of_visit(visit_id),
        evidence_key=f"{uuid.uuid4()}:photo",
        kind="photo",
        content_type="image/jpeg",
        size_bytes=len(picture),
        sha256="0" * 64,
        content=picture,
        data_key_id="",  # kept in clear before photos were sealed
        taken_at=now,
        lat=29.6,
        lon=121.4,
        uploaded_at=now,
    )
    await legacy.save()
    assert await evidence_content(services.settings.keyring, visit_id, legacy.id) == ("image/jpeg", picture)
    rotated = replace(services, settings=keyed(services.settings, "new"))
    back = replace(services, settings=keyed(services.settings, "dev"))
    try:
        await rotate_data_keys(rotated, RotateKeysParams(batch_size=1), nothing)
        row = await VisitEvidence.select().where(VisitEvidence.id == legacy.id).first()
        assert row["data_key_id"] == "new" and picture not in bytes(row["content"])
        assert await evidence_content(rotated.settings.keyring, visit_id, legacy.id) == ("image/jpeg", picture)
    finally:
        await rotate_data_keys(back, RotateKeysParams(batch_size=1000), nothing)  # the suite's key again
    assert await VisitEvidence.count().where(VisitEvidence.data_key_id != "dev") == 0
    assert await evidence_content(services.settings.keyring, visit_id, legacy.id) == ("image/jpeg", picture)
