"""Personal data at rest, read from the raw rows (SQL, not the services' opened view) on
whichever database the suite runs on: no id number, phone or address of any person in
clear text; lookups and uniqueness by id number still work through the blind index; the
bureau's reads of full id numbers, the data report, anonymisation and exports are audited."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ltc.db.queries.visits import month_of_visit
from ltc.db.tables import AuditEntry, Caregiver, Person
from ltc.demo.district import build_demo_district
from ltc.domain.identity import make_id_number
from ltc.domain.periods import Period, service_month
from ltc.geo.towns import load_towns
from ltc.services.seed import DEMO_REFERENCE_DATE, DEMO_SEED

SHANGHAI = ZoneInfo("Asia/Shanghai")

ROOT = Path(__file__).resolve().parents[2]
_sequence = iter(range(10_000))


def fresh_id_number() -> str:
    return make_id_number("330283", date(1941, 3, 9) + timedelta(days=next(_sequence)), 733, "M")


async def raw_rows(table: str) -> list[dict[str, Any]]:
    return await Person.raw(f"SELECT * FROM {table}")


def texts(row: dict[str, Any]) -> str:
    return "\x00".join(str(value) for value in row.values() if value is not None)


async def register(client, headers, **overrides) -> dict[str, Any]:
    body = {
        "id_number": fresh_id_number(),
        "name": "加密测试",
        "phone": "13912345678",
        "address": "溪口镇加密路88号",
        "town": "溪口镇",
        "insured": True,
        "insured_since": "2022-01-01",
    } | overrides
    response = await client.post("/api/v1/persons", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_no_id_number_phone_or_address_is_stored_in_clear_text(app, client, auth) -> None:
    bureau = await auth("bureau")
    mine = await register(client, bureau, phone="13700001234", address="莼湖镇明文不存路7号")
    district = build_demo_district(list(load_towns()), seed=DEMO_SEED, residents=300, today=DEMO_REFERENCE_DATE)
    secrets = {mine["id_number"], "13700001234", "莼湖镇明文不存路7号"}
    for resident in district.residents:
        secrets |= {resident.id_number, resident.phone, resident.address}
    secrets.discard("")
    people = await raw_rows("person")
    assert len(people) >= 301
    stored = "\n".join(texts(row) for row in people)
    caregivers = "\n".join(texts(row) for row in await raw_rows("caregiver"))
    assert [s for s in secrets if s in stored] == []
    assert [s for s in secrets if s in caregivers] == []
    # nor anywhere else: the audit trail, jobs, caches, visits … hold none of them either
    from ltc.db.tables import ALL_TABLES

    for table in ALL_TABLES:
        name = table._meta.tablename
        held = "\n".join(texts(row) for row in await raw_rows(name))
        assert [s for s in (mine["id_number"], "13700001234", "莼湖镇明文不存路7号") if s in held] == [], name
    row = next(r for r in people if r["id"] == mine["id"])
    assert row["phone"] == "" and row["address"] == "" and len(row["id_number_index"]) == 64
    assert row["id_number"] == row["id_number_index"][:18] and row["data_key_id"]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", row[c]) for c in ("id_number_enc", "phone_enc", "address_enc"))
    # and the services open them for those who may see them
    full = (await client.get(f"/api/v1/persons/{mine['id']}", headers=bureau)).json()
    assert (full["id_number"], full["phone"], full["address"]) == (
        mine["id_number"],
        "13700001234",
        "莼湖镇明文不存路7号",
    )


async def test_lookup_and_uniqueness_by_id_number_go_through_the_blind_index(client, auth) -> None:
    bureau = await auth("bureau")
    number = make_id_number("330283", date(1939, 2, 2), 811, "F")
    person = await register(client, bureau, id_number=number)
    again = await client.post(
        "/api/v1/persons", json={"id_number": number.lower(), "name": "x", "town": "溪口镇"}, headers=bureau
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate_id_number"
    found = await client.get("/api/v1/persons", params={"search": number}, headers=bureau)
    assert [p["id"] for p in found.json()] == [person["id"]]
    # others search by name only: the number finds nothing for them
    agency = await auth("agency-P01")
    assert (await client.get("/api/v1/persons", params={"search": number}, headers=agency)).json() == []
    # hospital records are matched by id number
    stay = await client.post(
        "/api/v1/hospital-stays",
        json={"stays": [{"id_number": number, "admitted_on": "2026-01-05", "hospital": "奉化人民医院"}]},
        headers=bureau,
    )
    assert stay.status_code in {200, 201}, stay.text


async def test_the_bureau_reading_full_id_numbers_is_audited_once_a_read(client, auth) -> None:
    bureau, agency = await auth("bureau"), await auth("agency-P01")
    person = await register(client, agency)
    before = await AuditEntry.count().where(AuditEntry.action == "person.view_identity")
    await client.get(f"/api/v1/persons/{person['id']}", headers=agency)  # masked: not audited
    assert await AuditEntry.count().where(AuditEntry.action == "person.view_identity") == before
    await client.get(f"/api/v1/persons/{person['id']}", headers=bureau)
    listed = await client.get("/api/v1/persons", params={"limit": 100}, headers=bureau)
    assert len(listed.json()) == 100
    entries = (
        await AuditEntry.select(AuditEntry.entity_id, AuditEntry.actor_name)
        .where(AuditEntry.action == "person.view_identity")
        .order_by(AuditEntry.id, ascending=False)
        .limit(2)
    )
    assert [e["entity_id"] for e in entries] == ["list", str(person["id"])]
    assert {e["actor_name"] for e in entries} == {"bureau"}


async def test_a_tampered_or_moved_value_is_refused_with_a_stable_code(client, auth) -> None:
    bureau = await auth("bureau")
    a, b = await register(client, bureau), await register(client, bureau, phone="13600000001")
    saved = await Person.select(Person.phone_enc).where(Person.id == a["id"]).first()
    moved = await Person.select(Person.phone_enc).where(Person.id == b["id"]).first()
    await Person.update({Person.phone_enc: moved["phone_enc"]}).where(Person.id == a["id"])
    try:
        refused = await client.get(f"/api/v1/persons/{a['id']}", headers=bureau)
        assert refused.status_code == 400 and refused.json()["code"] == "ciphertext_invalid"
    finally:
        await Person.update({Person.phone_enc: saved["phone_enc"]}).where(Person.id == a["id"])
    assert (await client.get(f"/api/v1/persons/{a['id']}", headers=bureau)).status_code == 200


async def test_the_migration_encrypts_rows_stored_in_clear(client, auth) -> None:
    """A row as it was before the migration (clear values, no blind index) is encrypted by the
    migration's own code, and opens with the app's."""
    migration = importlib.import_module("migrations.ltc_0013_personal_data_encrypted")
    number = make_id_number("330283", date(1944, 4, 4), 912, "F")
    await Person.raw(
        "INSERT INTO person (id_number, name, sex, birth_date, phone, address, geocoded_by, insured, created_at,"
        " id_number_enc, phone_enc, address_enc, data_key_id)"
        " VALUES ({}, '旧记录', 'F', {}, '13500009999', '松岙镇旧路1号', '', {}, {}, '', '', '', '')",
        number,
        date(1944, 4, 4),
        True,
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    await migration.encrypt_existing_rows()
    row = next(r for r in await raw_rows("person") if r["name"] == "旧记录")
    assert number not in texts(row) and "13500009999" not in texts(row) and "松岙镇旧路1号" not in texts(row)
    bureau = await auth("bureau")
    found = (await client.get("/api/v1/persons", params={"search": number}, headers=bureau)).json()
    assert [(p["id_number"], p["phone"], p["address"]) for p in found] == [(number, "13500009999", "松岙镇旧路1号")]


async def test_the_data_report_lists_what_is_held_for_the_bureau_only(client, auth) -> None:
    bureau = await auth("bureau")
    person = await register(client, bureau)
    report = await client.get(f"/api/v1/persons/{person['id']}/data-report", headers=bureau)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["person"]["id_number"] == person["id_number"] and body["person"]["phone"] == "13912345678"
    assert body["visits"] == 0 and body["applications"] == [] and body["settlement_lines"] == []
    assert body["retention_duty"] is None and body["generated_by"] == "bureau"
    assert await AuditEntry.exists().where(
        (AuditEntry.action == "person.data_report") & (AuditEntry.entity_id == str(person["id"]))
    )
    for role in ("admin", "agency-P01", "assessor1"):
        assert (
            await client.get(f"/api/v1/persons/{person['id']}/data-report", headers=await auth(role))
        ).status_code in {
            403,
            404,
        }


async def test_anonymisation_replaces_the_identity_once_no_retention_duty_applies(client, auth) -> None:
    bureau = await auth("bureau")
    person = await register(client, bureau, phone="13311112222", address="大堰镇匿名路2号")
    refused = await client.post(f"/api/v1/persons/{person['id']}/anonymise", headers=await auth("agency-P01"))
    assert refused.status_code == 403
    done = await client.post(f"/api/v1/persons/{person['id']}/anonymise", headers=bureau)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "anonymised"
    after = (await client.get(f"/api/v1/persons/{person['id']}", headers=bureau)).json()
    assert after["id_number"] == f"ANON{person['id']:014d}" and after["phone"] == "" and after["address"] == ""
    assert after["name"] != "加密测试" and after["lat"] is None
    row = next(r for r in await raw_rows("person") if r["id"] == person["id"])
    assert person["id_number"] not in texts(row) and "大堰镇匿名路2号" not in texts(row)
    assert await AuditEntry.exists().where(
        (AuditEntry.action == "person.anonymise") & (AuditEntry.entity_id == str(person["id"]))
    )
    # the number is free again: nobody holds it any more
    assert (await register(client, bureau, id_number=person["id_number"]))["id"] != person["id"]


async def test_anonymisation_removes_the_photos_of_the_home_and_the_familys_signatures(client, auth) -> None:
    import uuid
    from datetime import UTC, datetime

    from ltc.db.tables import Provider, Visit, VisitEvidence

    bureau = await auth("bureau")
    person = await register(client, bureau)
    provider_id = (await Provider.select(Provider.id).first())["id"]
    now = datetime.now(UTC)
    visit = Visit(
        person=person["id"],
        provider=provider_id,
        slot_key=f"agency:{uuid.uuid4()}",
        planned_start=now,
        service_month=service_month(now, SHANGHAI),
        planned_end=now,
        source="agency",
        status="done",
        created_at=now,
        updated_at=now,
    )
    await visit.save()
    await VisitEvidence(
        visit=visit.id,
        service_month=await month_of_visit(visit.id),
        event_id=uuid.uuid4(),
        evidence_key=f"{uuid.uuid4()}:signature",
        kind="signature",
        content_type="image/png",
        size_bytes=3,
        sha256="0" * 64,
        content=b"png",
        taken_at=now,
        lat=29.6,
        lon=121.4,
        uploaded_at=now,
    ).save()
    done = await client.post(f"/api/v1/persons/{person['id']}/anonymise", headers=bureau)
    assert done.status_code == 200, done.text
    assert await VisitEvidence.count().where(VisitEvidence.visit == visit.id) == 0
    assert await Visit.exists().where(Visit.id == visit.id)  # the visit itself stays


async def test_anonymisation_is_refused_while_a_retention_duty_applies(client, auth) -> None:
    """A beneficiary with a live care plan, and one settled a year ago, must be kept."""
    from ltc.db.tables import CarePlan, Provider, Settlement, SettlementLine

    bureau = await auth("bureau")
    now = datetime.now(UTC)
    provider = (await Provider.select(Provider.id).order_by(Provider.id).first())["id"]
    cared, settled = await register(client, bureau), await register(client, bureau)
    await CarePlan.insert(
        CarePlan(
            person=cared["id"],
            provider=provider,
            version=1,
            version_key=f"{cared['id']}:1",
            current_key=f"person:{cared['id']}",
            level=4,
            care_mode="home",
            policy_version="test",
            status="confirmed",
            created_at=now,
        )
    )
    period = f"{now.year - 1}-06"
    settlement = Settlement(
        provider=provider, period=period, settlement_key=f"retention:{settled['id']}", status="draft", built_at=now
    )
    await settlement.save()
    await SettlementLine.insert(
        SettlementLine(
            settlement=settlement.id,
            service_month=Period.parse(period).first_day,
            line_no=1,
            kind="home",
            person=settled["id"],
        )
    )
    for person, duty in ((cared, "retention_live_care_plan"), (settled, "retention_settlement_records")):
        response = await client.post(f"/api/v1/persons/{person['id']}/anonymise", headers=bureau)
        assert response.status_code == 409 and response.json()["code"] == duty
        report = (await client.get(f"/api/v1/persons/{person['id']}/data-report", headers=bureau)).json()
        assert report["retention_duty"] == duty
    report = (await client.get(f"/api/v1/persons/{settled['id']}/data-report", headers=bureau)).json()
    assert [(line["period"], line["kind"]) for line in report["settlement_lines"]] == [(period, "home")]
    # files with personal data name who exported them, and each export is audited
    before = await AuditEntry.count().where(AuditEntry.action == "export.personal_data")
    exported = await client.get(f"/api/v1/settlements/{settlement.id}/export.csv", headers=bureau)
    assert exported.status_code == 200 and exported.text.strip().splitlines()[-1].startswith("导出人,")
    workbook = await client.get(f"/api/v1/settlements/{settlement.id}/export.xlsx", headers=bureau)
    from io import BytesIO

    from openpyxl import load_workbook

    last = list(load_workbook(BytesIO(workbook.content)).active.values)[-1]
    assert last[0] == "导出人" and last[2] == "导出时间"
    entries = (
        await AuditEntry.select(AuditEntry.entity_id, AuditEntry.after, AuditEntry.actor_name)
        .where(AuditEntry.action == "export.personal_data")
        .output(load_json=True)
        .order_by(AuditEntry.id, ascending=False)
        .limit(2)
    )
    assert await AuditEntry.count().where(AuditEntry.action == "export.personal_data") == before + 2
    assert [(e["entity_id"], e["after"]["format"], e["actor_name"]) for e in entries] == [
        (str(settlement.id), "xlsx", "bureau"),
        (str(settlement.id), "csv", "bureau"),
    ]
    await SettlementLine.delete().where(SettlementLine.settlement == settlement.id)
    await Settlement.delete().where(Settlement.id == settlement.id)
    await CarePlan.delete().where(CarePlan.person == cared["id"])


def test_whole_city_work_never_opens_personal_data() -> None:
    """Settlement and visit generation read no envelope, so they decrypt nothing."""
    modules = [
        *sorted((ROOT / "ltc" / "services" / "settlements").glob("*.py")),
        ROOT / "ltc" / "services" / "visits" / "generation.py",
        ROOT / "ltc" / "services" / "assignments.py",
        ROOT / "ltc" / "db" / "queries" / "settlements.py",
    ]
    for path in modules:
        source = path.read_text(encoding="utf-8")
        assert "_enc" not in source and "personal_data" not in source, path
    assert Caregiver._meta.get_column_by_name("name")  # caregivers hold no id number, phone or address
    assert not {"id_number", "phone", "address"} & {c._meta.name for c in Caregiver._meta.columns}
