"""Proof of presence over HTTP: the printable card (issued on first reading, audited), its
rotation by the agency or the bureau (another agency's person is not found), and check-ins and
check-outs carrying the card's code, a photo, a signature and the caregiver who performed them."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from ltc.db.tables import AuditEntry, PresenceCard, VisitEventRecord, VisitEvidence
from ltc.domain import presence
from ltc.domain.event_evidence import MAX_PHOTO_BYTES
from tests.helpers import HTML, signed_in_browser
from tests.web.test_visit_pages import agency_user
from tests.web.test_visits import (
    PASSWORD,
    adhoc_visit,
    an_event_id_sent_again_months_later,
    beneficiary,
    event,
    plan_for,
)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 600
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300


def data_url(kind: str, content: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(content).decode()}"


def secret_of(card: dict[str, Any]) -> str:
    person_id, secret = presence.parse_card_payload(card["qr_content"])
    assert person_id == card["person_id"]
    return secret


async def rotate(client, b: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    answer = await client.post(f"/api/v1/persons/{b['person_id']}/presence-card/rotate", headers=headers or b["agency"])
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_the_card_page_is_issued_once_and_rotation_is_audited_and_scoped(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    other = await beneficiary(client, auth)
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        record = await browser.get(f"/persons/{b['person_id']}", headers=HTML)
        assert f'href="/persons/{b["person_id"]}/presence-card"' in record.text
        page = await browser.get(f"/persons/{b['person_id']}/presence-card", headers=HTML)
        assert page.status_code == 200, page.text
        assert '<svg role="img"' in page.text and "data-confirm" in page.text and "在场卡" in page.text
        again = await browser.get(f"/persons/{b['person_id']}/presence-card", headers=HTML)
        assert again.text == page.text  # read again: the same card, not a new one
        foreign = await browser.get(f"/persons/{other['person_id']}/presence-card", headers=HTML)
        assert foreign.status_code == 404
    (card,) = await PresenceCard.select().where(PresenceCard.person == b["person_id"])
    assert card["generation"] == 1 and card["valid_until"] is None
    household = presence.household_code(presence.check_secret(_opened(app, card)))
    assert f"{household[:3]} {household[3:]}" in page.text
    assert household not in card["secret_enc"] and "secret" not in str(await _audit(b["person_id"]))

    rotated = await rotate(client, b)
    assert rotated["generation"] == 2 and rotated["household_code"] != household
    bureau = await rotate(client, b, await auth("bureau"))
    assert bureau["generation"] == 3
    refused = await client.post(f"/api/v1/persons/{b['person_id']}/presence-card/rotate", headers=other["agency"])
    assert refused.status_code == 404 and refused.json()["code"] == "person_not_found"
    assessor = await client.post(
        f"/api/v1/persons/{b['person_id']}/presence-card/rotate", headers=await auth("assessor1")
    )
    assert assessor.status_code == 403
    generations = (
        await PresenceCard.select().where(PresenceCard.person == b["person_id"]).order_by(PresenceCard.generation)
    )
    assert [g["generation"] for g in generations] == [1, 2, 3]
    assert generations[0]["valid_until"] == generations[1]["valid_from"]
    assert generations[1]["valid_until"] == generations[2]["valid_from"] and generations[2]["valid_until"] is None
    entries = await _audit(b["person_id"])
    assert [e["action"] for e in entries] == ["presence_card.issue", "presence_card.rotate", "presence_card.rotate"]

    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        page = await browser.get(f"/persons/{b['person_id']}/presence-card", headers=HTML)
        shown = bureau["household_code"]
        assert f"{shown[:3]} {shown[3:]}" in page.text


def _opened(app, row: dict[str, Any]) -> str:
    from ltc.domain.personal_data import location, open_envelope

    keyring = app.state.services.settings.keyring
    return open_envelope(
        keyring, row["secret_enc"], location("presence_card", "secret", f"{row['person']}:{row['generation']}")
    )


async def _audit(person_id: int) -> list[dict[str, Any]]:
    return (
        await AuditEntry.select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
        .where(
            (AuditEntry.entity == "person")
            & (AuditEntry.entity_id == str(person_id))
            & AuditEntry.action.like("presence_card.%")
        )
        .order_by(AuditEntry.id)
    )


async def test_codes_verify_for_the_events_own_time_even_sent_after_a_rotation(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    old = secret_of(await rotate(client, b))
    visit = await adhoc_visit(client, b, minutes_ago=20)
    home = (visit["person_lat"], visit["person_lon"])
    at = datetime.now(UTC)  # after the card was issued (it proves nothing before), before its rotation
    kept_offline = event(at, *home, presence_code=presence.time_code(old, at))
    new = secret_of(await rotate(client, b))  # the card is replaced before the phone is back online

    checked_in = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=kept_offline, headers=b["agency"])
    assert checked_in.status_code == 201 and checked_in.json()["flags"] == [], checked_in.text
    out_at = datetime.now(UTC)
    stale = event(out_at, *home, items=["B01"], presence_code=presence.household_code(old))
    out = await client.post(f"/api/v1/visits/{visit['id']}/check-out", json=stale, headers=b["agency"])
    assert out.status_code == 201, out.text
    assert out.json()["flags"] == ["presence_code_invalid", "too_short"]  # the old card, after its rotation
    rows = {r["event_id"]: r for r in await VisitEventRecord.select().where(VisitEventRecord.visit == visit["id"])}
    assert rows[uuid.UUID(kept_offline["event_id"])]["presence"] == presence.TIME_CODE
    assert rows[uuid.UUID(stale["event_id"])]["presence"] == presence.INVALID
    stored = str(list(rows.values()))
    assert kept_offline["presence_code"] not in stored and stale["presence_code"] not in stored  # never the code

    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        listed = await browser.get("/visit-exceptions", params={"code": "presence_code_invalid"}, headers=HTML)
        assert "在场码不符" in listed.text and "已扫描在场卡" in listed.text  # the flag, and what the check-in proved

    second = await adhoc_visit(client, b, minutes_ago=5)
    now = datetime.now(UTC)
    fresh = event(now, *home, presence_code=presence.household_code(new))
    answered = await client.post(f"/api/v1/visits/{second['id']}/check-in", json=fresh, headers=b["agency"])
    assert answered.status_code == 201 and answered.json()["flags"] == [], answered.text
    malformed = event(now, *home, presence_code="12a456")
    bad = await client.post(f"/api/v1/visits/{second['id']}/check-in", json=malformed, headers=b["agency"])
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"


async def test_a_photo_and_a_signature_are_kept_once_with_the_events_time_and_place(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await adhoc_visit(client, b)
    home = (visit["person_lat"], visit["person_lon"])
    at = datetime.now(UTC) - timedelta(minutes=5)
    check_in = event(at, *home, photo=data_url("image/jpeg", JPEG))
    first = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=check_in, headers=b["agency"])
    assert first.status_code == 201, first.text
    replay = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=check_in, headers=b["agency"])
    assert replay.status_code == 200
    batch = await client.post(
        "/api/v1/visits/events",
        json={"events": [check_in | {"visit_id": visit["id"], "kind": "check_in"}]},
        headers=b["agency"],
    )
    assert batch.status_code == 200 and batch.json()[0]["status"] == 200
    signed = event(datetime.now(UTC), *home, items=["B01"], signature=data_url("image/png", PNG))
    out = await client.post(f"/api/v1/visits/{visit['id']}/check-out", json=signed, headers=b["agency"])
    assert out.status_code == 201, out.text

    kept = await VisitEvidence.select().where(VisitEvidence.visit == visit["id"]).order_by(VisitEvidence.id)
    assert [(k["kind"], k["content_type"]) for k in kept] == [("photo", "image/jpeg"), ("signature", "image/png")]
    # Sealed at rest: neither picture is in the stored bytes, and each names the key it is under.
    assert JPEG not in bytes(kept[0]["content"]) and PNG not in bytes(kept[1]["content"])
    assert {k["data_key_id"] for k in kept} == {app.state.services.settings.keyring.active}
    signature = await client.get(f"/visits/{visit['id']}/evidence/{kept[1]['id']}", headers=b["agency"])
    assert signature.status_code == 200 and signature.content == PNG
    assert kept[0]["taken_at"] == at and (kept[0]["lat"], kept[0]["lon"]) == home and kept[0]["accuracy_m"] == 15
    assert kept[0]["event_id"] == uuid.UUID(check_in["event_id"]) and len(kept[0]["sha256"]) == 64
    photo = await client.get(f"/visits/{visit['id']}/evidence/{kept[0]['id']}", headers=b["agency"])
    assert photo.status_code == 200 and photo.content == JPEG and photo.headers["content-type"] == "image/jpeg"
    stranger = await beneficiary(client, auth)
    elsewhere = await client.get(f"/visits/{visit['id']}/evidence/{kept[0]['id']}", headers=stranger["agency"])
    assert elsewhere.status_code == 404
    other = await adhoc_visit(client, b, minutes_ago=3)
    mismatched = await client.get(f"/visits/{other['id']}/evidence/{kept[0]['id']}", headers=b["agency"])
    assert mismatched.status_code == 404
    events = await VisitEventRecord.select(VisitEventRecord.evidence).where(VisitEventRecord.visit == visit["id"])
    assert sorted(str(e["evidence"]) for e in events) == sorted(['["photo"]', '["signature"]'])

    for body, code in (
        (event(at, *home, photo=data_url("image/png", PNG)), "invalid_photo"),
        (event(at, *home, photo=data_url("image/jpeg", b"not a jpeg")), "invalid_photo"),
        (event(at, *home, photo="data:image/jpeg;base64,@@@@"), "invalid_photo"),
        (event(at, *home, signature=data_url("image/png", JPEG)), "invalid_signature"),
    ):
        refused = await client.post(f"/api/v1/visits/{other['id']}/check-in", json=body, headers=b["agency"])
        assert refused.status_code == 422 and refused.json()["code"] == code, refused.text
    huge = event(at, *home, photo=data_url("image/jpeg", JPEG[:4] + b"\x00" * MAX_PHOTO_BYTES))
    too_large = await client.post(f"/api/v1/visits/{other['id']}/check-in", json=huge, headers=b["agency"])
    assert too_large.status_code == 422
    assert await VisitEvidence.count().where(VisitEvidence.visit == other["id"]) == 0


async def test_the_agency_names_who_performed_and_far_starts_and_empty_check_outs_are_flagged(client, auth) -> None:
    b = await beneficiary(client, auth)
    other = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await adhoc_visit(client, b, minutes_ago=200)  # planned 200 minutes ago
    home = (visit["person_lat"], visit["person_lon"])
    stranger = event(datetime.now(UTC), *home, caregiver_id=other["caregivers"][0]["id"])
    refused = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=stranger, headers=b["agency"])
    assert refused.status_code == 404 and refused.json()["code"] == "caregiver_not_found"

    colleague = b["caregivers"][1]["id"]
    at = datetime.now(UTC) - timedelta(minutes=2)
    check_in = event(at, *home, caregiver_id=colleague)
    answered = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=check_in, headers=b["agency"])
    assert answered.status_code == 201, answered.text
    assert answered.json()["flags"] == ["caregiver_substituted", "start_far_from_plan"]
    out = await client.post(
        f"/api/v1/visits/{visit['id']}/check-out", json=event(datetime.now(UTC), *home), headers=b["agency"]
    )
    assert out.json()["flags"] == ["caregiver_substituted", "no_items_recorded", "start_far_from_plan", "too_short"]
    (row,) = await VisitEventRecord.select(VisitEventRecord.performed_by).where(
        VisitEventRecord.event_id == uuid.UUID(check_in["event_id"])
    )
    assert row["performed_by"] == colleague
    exceptions = await client.get(f"/api/v1/visit-exceptions?provider_id={b['provider']['id']}", headers=b["agency"])
    assert {"caregiver_substituted", "no_items_recorded", "start_far_from_plan"} <= {
        e["code"] for e in exceptions.json()
    }


async def test_a_caregiver_records_as_themselves_and_an_expired_certificate_is_flagged(client, auth) -> None:
    from datetime import date

    from ltc.domain.identity import make_id_number
    from tests.conftest import bearer

    b = await beneficiary(client, auth)
    await plan_for(client, b)
    carer, colleague = b["caregivers"][0]["id"], b["caregivers"][1]["id"]
    changed = await client.patch(
        f"/api/v1/caregivers/{carer}",
        json={"id_number": make_id_number("330283", date(1985, 3, 4), 77, "F"), "certificate_expires_on": "2020-06-30"},
        headers=b["agency"],
    )
    assert changed.status_code == 200, changed.text
    username = f"carer-{b['provider']['code'].lower()}"
    opened = await client.post(
        f"/api/v1/caregivers/{carer}/account", json={"username": username, "password": PASSWORD}, headers=b["agency"]
    )
    assert opened.status_code == 201, opened.text
    phone = await bearer(client, username, PASSWORD)

    visit = await adhoc_visit(client, b)
    home = (visit["person_lat"], visit["person_lon"])
    at = datetime.now(UTC) - timedelta(minutes=5)
    as_other = await client.post(
        f"/api/v1/visits/{visit['id']}/check-in", json=event(at, *home, caregiver_id=colleague), headers=phone
    )
    assert as_other.status_code == 422 and as_other.json()["code"] == "caregiver_not_self"
    own = event(at, *home, caregiver_id=carer)
    answered = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=own, headers=phone)
    assert answered.status_code == 201, answered.text
    assert answered.json()["flags"] == ["caregiver_certificate_expired"]
    (row,) = await VisitEventRecord.select(VisitEventRecord.performed_by, VisitEventRecord.recorded_by).where(
        VisitEventRecord.event_id == uuid.UUID(own["event_id"])
    )
    assert row["performed_by"] == carer

    renewed = await client.patch(
        f"/api/v1/caregivers/{carer}", json={"certificate_expires_on": "2030-06-30"}, headers=b["agency"]
    )
    assert renewed.status_code == 200, renewed.text
    out = await client.post(
        f"/api/v1/visits/{visit['id']}/check-out", json=event(datetime.now(UTC), *home, items=["B01"]), headers=phone
    )
    assert out.status_code == 201 and "caregiver_certificate_expired" not in out.json()["flags"], out.text


async def test_an_event_id_with_a_photo_sent_again_months_later_to_another_visit(client, auth, settings) -> None:
    """As without a photo (``test_visits``): the photo, stored before the event, meets the id
    kept months before on SQLite and is refused with it as duplicate_event, nothing kept."""
    first, sent, today = await an_event_id_sent_again_months_later(client, auth, photo=data_url("image/jpeg", JPEG))
    photos = await VisitEvidence.count().where(VisitEvidence.event_id == uuid.UUID(first["event_id"]))
    if settings.uses_sqlite:
        assert sent.status_code == 409 and sent.json()["code"] == "duplicate_event", sent.text
        assert photos == 1
        assert await VisitEventRecord.count().where(VisitEventRecord.visit == today["id"]) == 0
    else:  # unique within a month only, as the event
        assert sent.status_code == 201 and photos == 2, sent.text
