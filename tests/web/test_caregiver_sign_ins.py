"""Caregivers in their own name over HTTP: the registry's real-name fields (the id number
checked, sealed and masked for all but the bureau), the caregiver's own sign-in opened by the
agency, a caregiver who sees and records only their own visits, and a deactivation that ends
the sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar

from ltc.db.tables import AppUser, Caregiver, Provider, Visit
from ltc.domain.identity import make_id_number
from ltc.settings import Settings
from tests.helpers import DEMO_PASSWORD, HTML, signed_in_browser
from tests.isolated import isolated_app

pytestmark = pytest.mark.slow

PASSWORD = "Carer-own-passw0rd"


@pytest.fixture(scope="module")
async def app_with_visits(settings: Settings) -> AsyncIterator[Litestar]:
    async with isolated_app(settings, "carers", activity=True) as app:
        yield app


@pytest.fixture
async def http(app_with_visits: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with_visits)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def token(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    answer = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert answer.status_code in (200, 201), answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def carer(**overrides: object) -> dict[str, object]:
    return {
        "name": "王护理",
        "qualification": "elderly_carer",
        "lat": 29.65,
        "lon": 121.40,
        "weekly_hours": 35,
        "id_number": make_id_number("330283", date(1980, 5, 6), 17, "F"),
        "phone": "13800001111",
        "certificate_no": "NCS-2024-0001",
        "certificate_expires_on": "2028-06-30",
        "working_days": [0, 1, 2, 3, 4, 5],
        "work_start": "07:30",
        "work_end": "17:00",
    } | overrides


async def provider_id(code: str) -> int:
    row = await Provider.select(Provider.id).where(Provider.code == code).first()
    assert row is not None
    return row["id"]


async def test_the_registry_keeps_a_caregiver_in_their_real_name(http: httpx.AsyncClient) -> None:
    p01 = await provider_id("P01")
    agency = await token(http, "agency-P01")
    added = await http.post(f"/api/v1/providers/{p01}/caregivers", json=carer(), headers=agency)
    assert added.status_code == 201, added.text
    body = added.json()
    clear = str(carer()["id_number"])
    assert body["id_number"] != clear and body["id_number"].endswith(clear[-4:]) and "*" in body["id_number"]
    assert body["phone"] == "13800001111"
    assert body["working_days"] == [0, 1, 2, 3, 4, 5] and (body["work_start"], body["work_end"]) == ("07:30", "17:00")
    assert body["certificate_expires_on"] == "2028-06-30"
    stored = await Caregiver.select().where(Caregiver.id == body["id"]).first()
    assert clear not in str(stored), "the id number is sealed at rest"
    bureau = await http.get(f"/api/v1/caregivers/{body['id']}", headers=await token(http, "bureau"))
    assert bureau.json()["id_number"] == clear  # the bureau sees it whole

    again = await http.post(f"/api/v1/providers/{p01}/caregivers", json=carer(name="另一人"), headers=agency)
    assert again.status_code == 409 and again.json()["code"] == "caregiver_exists"
    wrong = await http.post(
        f"/api/v1/providers/{p01}/caregivers",
        json=carer(id_number=clear[:14] + str((int(clear[14]) + 1) % 10) + clear[15:]),
        headers=agency,
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_id_number"
    backwards = await http.post(
        f"/api/v1/providers/{p01}/caregivers",
        json=carer(id_number=None, work_start="18:00", work_end="08:00"),
        headers=agency,
    )
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid_working_hours"
    sunday_only = await http.patch(f"/api/v1/caregivers/{body['id']}", json={"working_days": [6, 6]}, headers=agency)
    assert sunday_only.status_code == 200 and sunday_only.json()["working_days"] == [6]
    no_day = await http.patch(f"/api/v1/caregivers/{body['id']}", json={"working_days": [7]}, headers=agency)
    assert no_day.status_code == 422


async def test_the_agency_opens_a_caregivers_own_sign_in_once(http: httpx.AsyncClient) -> None:
    p01 = await provider_id("P01")
    agency = await token(http, "agency-P01")
    nameless = (
        await http.post(f"/api/v1/providers/{p01}/caregivers", json=carer(id_number=None, name="无证"), headers=agency)
    ).json()
    refused = await http.post(
        f"/api/v1/caregivers/{nameless['id']}/account",
        json={"username": "nameless", "password": PASSWORD},
        headers=agency,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "caregiver_identity_missing"

    person = make_id_number("330283", date(1990, 2, 3), 41, "M")
    added = (
        await http.post(f"/api/v1/providers/{p01}/caregivers", json=carer(id_number=person, name="李"), headers=agency)
    ).json()
    opened = await http.post(
        f"/api/v1/caregivers/{added['id']}/account", json={"username": "carer-li", "password": PASSWORD}, headers=agency
    )
    assert opened.status_code == 201 and opened.json()["caregiver_id"] == added["id"]
    account = await AppUser.select().where(AppUser.username == "carer-li").first()
    assert account["role"] == "caregiver" and account["caregiver"] == added["id"] and account["provider"] == p01
    # The agency knows this first password: the caregiver is made to choose their own.
    signed_in = await http.post("/api/v1/auth/token", json={"username": "carer-li", "password": PASSWORD})
    assert account["must_change_password"] and signed_in.json()["password_expired"] is True
    twice = await http.post(
        f"/api/v1/caregivers/{added['id']}/account",
        json={"username": "carer-li2", "password": PASSWORD},
        headers=agency,
    )
    assert twice.status_code == 409 and twice.json()["code"] == "caregiver_has_account"
    # An administrator cannot open a caregiver's account from the user registry.
    admin = await http.post(
        "/api/v1/users",
        json={"username": "fake-carer", "password": PASSWORD, "role": "caregiver", "provider_id": p01},
        headers=await token(http, "admin"),
    )
    assert admin.status_code in (403, 422) and admin.status_code != 201


async def test_a_caregiver_sees_and_records_only_their_own_visits(http: httpx.AsyncClient) -> None:
    own = colleague = account = None
    for account in await AppUser.select().where(AppUser.role == "caregiver").order_by(AppUser.id):
        own_id, p01 = account["caregiver"], account["provider"]
        own = await Visit.select().where((Visit.caregiver == own_id) & (Visit.status == "planned")).first()
        colleague = (
            await Visit.select()
            .where((Visit.provider == p01) & (Visit.caregiver != own_id) & (Visit.status == "planned"))
            .first()
        )
        if own is not None and colleague is not None:
            break
    assert account and own and colleague, "the demo activity plans visits of several caregivers of a provider"
    me = await token(http, account["username"])
    day = own["planned_start"].astimezone(ZoneInfo("Asia/Shanghai")).date()

    mine = await http.get(f"/api/v1/me/visits?date={day.isoformat()}&limit=200", headers=me)
    assert mine.status_code == 200
    assert own["id"] in {v["id"] for v in mine.json()}
    assert {v["caregiver_id"] for v in mine.json()} == {own_id}
    listed = await http.get(f"/api/v1/visits?date={day.isoformat()}&provider_id={p01}&limit=200", headers=me)
    assert listed.status_code == 200 and {v["caregiver_id"] for v in listed.json()} == {own_id}

    assert (await http.get(f"/api/v1/visits/{own['id']}", headers=me)).status_code == 200
    assert (await http.get(f"/api/v1/visits/{colleague['id']}", headers=me)).status_code == 404
    event = {"event_id": str(uuid4()), "at": datetime.now(UTC).isoformat(), "lat": 29.66, "lon": 121.41}
    assert (await http.post(f"/api/v1/visits/{colleague['id']}/check-in", json=event, headers=me)).status_code == 404
    checked = await http.post(f"/api/v1/visits/{own['id']}/check-in", json=event, headers=me)
    assert checked.status_code == 201 and checked.json()["status"] == "in_progress"
    added = await http.post(
        "/api/v1/visits",
        json={
            "person_id": own["person"],
            "caregiver_id": own_id,
            "planned_start": own["planned_start"].isoformat(),
            "planned_end": own["planned_end"].isoformat(),
            "items": [],
        },
        headers=me,
    )
    assert added.status_code == 403  # adding visits stays with the agency
    for elsewhere in ("/api/v1/visit-alerts", "/api/v1/fund", f"/api/v1/providers/{p01}/caregivers"):
        assert (await http.get(elsewhere, headers=me)).status_code == 403, elsewhere
    assert (await http.get("/api/v1/me/visits", headers=await token(http, "agency-P01"))).status_code == 403


async def test_a_caregivers_pages_are_their_own_day(app_with_visits: Litestar) -> None:
    async with signed_in_browser(app_with_visits, "caregiver-P02") as browser:
        home = await browser.get("/", headers=HTML)
        assert home.status_code in (301, 302, 303) and home.headers["location"].endswith("/visits/day")
        for own in ("/visits/day", "/visits"):
            assert (await browser.get(own, headers=HTML)).status_code == 200, own
        for elsewhere in ("/caregivers", "/visit-alerts", "/care-plans", "/settlements"):
            assert (await browser.get(elsewhere, headers=HTML)).status_code == 403, elsewhere


async def test_a_deactivated_caregiver_no_longer_signs_in(http: httpx.AsyncClient) -> None:
    account = await AppUser.select().where(AppUser.username == "caregiver-P03").first()
    me = await token(http, "caregiver-P03")
    assert (await http.get("/api/v1/me/visits", headers=me)).status_code == 200
    agency = await token(http, "agency-P03")
    gone = await http.patch(
        f"/api/v1/caregivers/{account['caregiver']}", json={"active": False, "reason": "离职"}, headers=agency
    )
    assert gone.status_code == 200 and gone.json()["deactivated_reason"] == "离职"
    assert (await http.get("/api/v1/me/visits", headers=me)).status_code == 401
    refused = await http.post("/api/v1/auth/token", json={"username": "caregiver-P03", "password": DEMO_PASSWORD})
    assert refused.status_code == 401
    back = await http.patch(f"/api/v1/caregivers/{account['caregiver']}", json={"active": True}, headers=agency)
    assert back.status_code == 200 and back.json()["deactivated_reason"] == ""
    assert (await http.get("/api/v1/me/visits", headers=await token(http, "caregiver-P03"))).status_code == 200
