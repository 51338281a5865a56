"""Who is told after a re-plan: the agency's users and the caregivers concerned in their
inbox (words rendered when read), and the caregivers given visits by a text message through
the configured HTTP gateway; a gateway that refuses is logged and never fails the re-plan."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from ltc.db.tables import AppUser, Notice
from ltc.domain.identity import make_id_number
from ltc.services import roster, sms
from ltc.services.replan_values import ReplanParams
from tests.web.test_absences import add_visit, next_weekday
from tests.web.test_visits import beneficiary

_sequence = itertools.count(300, 2)


async def no_progress(_: float) -> None:
    return None


@pytest.fixture
async def gateway():
    received: list[dict] = []
    statuses: list[int] = []

    async def send(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({}, status=statuses.pop(0) if statuses else 200)

    app = web.Application()
    app.router.add_post("/sms", send)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("/sms")), received, statuses
    finally:
        await server.close()


async def _with_phone_and_account(client, b, caregiver_id: int, phone: str) -> int:
    registered = await client.patch(
        f"/api/v1/caregivers/{caregiver_id}",
        json={"id_number": make_id_number("330283", date(1985, 3, 4), next(_sequence), "F"), "phone": phone},
        headers=b["agency"],
    )
    assert registered.status_code == 200, registered.text
    username = f"carer-{caregiver_id}"
    opened = await client.post(
        f"/api/v1/caregivers/{caregiver_id}/account",
        json={"username": username, "password": "A-long-passw0rd-carer"},
        headers=b["agency"],
    )
    assert opened.status_code == 201, opened.text
    return (await AppUser.select(AppUser.id).where(AppUser.username == username).first())["id"]


async def test_the_colleague_gets_a_notice_and_a_text_and_the_absent_one_a_notice(
    client, auth, services, gateway, monkeypatch
) -> None:
    monkeypatch.setattr(sms, "RETRY_PAUSE_SECONDS", 0.01)
    url, received, statuses = gateway
    b = await beneficiary(client, auth, nurse=True)
    absent, nurse = b["caregivers"][0]["id"], b["caregivers"][1]["id"]
    nurse_account = await _with_phone_and_account(client, b, nurse, "13912345678")
    absent_account = await _with_phone_and_account(client, b, absent, "13987654321")
    day = next_weekday()
    await add_visit(client, b, absent, day + timedelta(hours=9), ["B01"])
    ctx = replace(services, settings=services.settings.model_copy(update={"sms_url": url, "sms_tries": 2}))

    result = await roster.replan_absence(
        ctx, ReplanParams(caregiver_id=absent, starts_at=day, ends_at=day + timedelta(days=1)), no_progress
    )
    assert (result.moved, result.sms_sent, result.sms_failed) == (1, 1, 0)
    assert [r["to"] for r in received] == ["13912345678"] and "新增1次" in received[0]["text"]
    given = await Notice.select().where(Notice.recipient == nurse_account).output(load_json=True)
    assert [(n["kind"], n["params"]["count"]) for n in given] == [("visits_given", 1)]
    taken = await Notice.select(Notice.kind).where(Notice.recipient == absent_account)
    assert [n["kind"] for n in taken] == ["visits_taken"]

    # The caregiver reads it in words, in their own inbox.
    headers = {
        "Authorization": f"Bearer {(await client.post('/api/v1/auth/token', json={'username': f'carer-{nurse}', 'password': 'A-long-passw0rd-carer'})).json()['access_token']}"
    }
    mine = (await client.get("/api/v1/notices", headers=headers)).json()
    assert [n["kind"] for n in mine] == ["visits_given"]

    # A gateway that keeps refusing: logged, counted, and the re-plan still done.
    await add_visit(client, b, absent, day + timedelta(hours=11), ["B01"])
    statuses.extend([500, 500])
    again = await roster.replan_absence(
        ctx, ReplanParams(caregiver_id=absent, starts_at=day, ends_at=day + timedelta(days=1)), no_progress
    )
    assert (again.moved, again.sms_sent, again.sms_failed) == (1, 0, 1)
