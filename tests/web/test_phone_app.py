"""The caregiver's phone app over HTTP: the service worker and manifest anyone may fetch, the
app's home with today's and tomorrow's visits (each page marked with the user it was made for,
so the phone keeps it for that user only), and what a visit page asks at check-in and check-out."""

from __future__ import annotations

import html
import json
import re
from datetime import date

from ltc.domain.identity import make_id_number
from ltc.services.visits.values import CheckIn, CheckOut
from ltc.settings import PROJECT_ROOT
from ltc.web.app_shell import SHELL_FILES, shell_version
from tests.helpers import HTML, signed_in_browser
from tests.web.test_visit_pages import agency_user
from tests.web.test_visits import PASSWORD, adhoc_visit, beneficiary, plan_for


def attribute(page: str, name: str) -> str:
    match = re.search(rf"{name}='([^']*)'", page)
    assert match, name
    return html.unescape(match.group(1))


async def test_the_service_worker_and_manifest_are_served_to_anyone(client) -> None:
    worker = await client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert f'"{shell_version()}"' in worker.text and "__SHELL" not in worker.text
    for name in SHELL_FILES:
        assert f'"/static/{name}"' in worker.text, name
        assert (PROJECT_ROOT / "static" / name).is_file(), name
    manifest = await client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.headers["content-type"].startswith("application/manifest+json")
    described = manifest.json()
    assert described["start_url"] == "/visits/day" and described["display"] == "standalone"
    for icon in described["icons"]:
        assert (PROJECT_ROOT / icon["src"].lstrip("/")).is_file()


async def test_the_app_home_lists_today_and_tomorrow_for_the_phone_to_keep(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await adhoc_visit(client, b, minutes_ago=5)
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        day = await browser.get("/visits/day", headers=HTML)
        assert day.status_code == 200, day.text
        for text in ["我的服务", "今天", "明天", "测试老人", visit["person_address"], "待服务"]:
            assert text in day.text, text
        assert f'href="/visits/{visit["id"]}"' in day.text
        user = day.headers["x-ltc-user"]
        assert user.isdigit() and f'data-user="{user}"' in day.text
        assert json.loads(attribute(day.text, "data-pages")) == ["/visits/day", f"/visits/{visit['id']}"]
        assert 'rel="manifest"' in day.text and "/static/outbox.js" in day.text

        one = await browser.get(f"/visits/{visit['id']}", headers=HTML)
        assert one.status_code == 200 and one.headers["x-ltc-user"] == user
        evidence = json.loads(attribute(one.text, "data-evidence"))
        # Only what the server's events take is sent; the policy's asks are booleans.
        assert evidence["takes"] == {
            "check_in": [f for f in ("presence_code", "photo", "signature") if f in CheckIn.model_fields],
            "check_out": [f for f in ("presence_code", "photo", "signature") if f in CheckOut.model_fields],
        }
        assert all(isinstance(v, bool) for v in evidence["asks"].values())
        for text in ["在场证明卡", "扫描", "6位", "签名"]:
            assert text in one.text, text
        assert 'href="/visits/day"' in one.text
        # A page's stale CSRF token: the framework's bare "forbidden", which the phone keeps the event for.
        stale = await browser.post(
            f"/visits/{visit['id']}/check-in",
            json={
                "event_id": "5d0c3c4e-0d7e-4d43-9a53-2f8b1b1f4c11",
                "at": "2026-12-07T01:00:00Z",
                "lat": 30,
                "lon": 120,
            },
            headers={"Accept": "application/json", "x-csrftoken": "stale"},
        )
        assert stale.status_code == 403 and stale.json()["code"] == "forbidden", stale.text

    async with signed_in_browser(app, "agency-P01") as other:
        theirs = await other.get("/visits/day", headers=HTML)
        assert theirs.status_code == 200 and f"/visits/{visit['id']}" not in theirs.text
        assert theirs.headers["x-ltc-user"] != user
    async with signed_in_browser(app, "bureau") as bureau:
        assert (await bureau.get("/visits/day", headers=HTML)).status_code == 403
    signed_out = await client.get("/visits/day", headers=HTML, follow_redirects=False)
    assert signed_out.status_code in {302, 303, 401} and "x-ltc-user" not in signed_out.headers


async def test_the_app_home_in_english(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    async with signed_in_browser(app, agency_user(b), PASSWORD) as browser:
        await browser.get("/lang/en", headers=HTML)
        day = await browser.get("/visits/day", headers=HTML)
        assert day.status_code == 200
        for text in ["My visits", "Today", "Tomorrow", "No visits on this day."]:
            assert text in day.text, text


async def test_a_caregivers_app_home_holds_only_their_own_visits(app, client, auth) -> None:
    b = await beneficiary(client, auth)  # two caregivers: an elderly carer and a nurse
    await plan_for(client, b)
    mine = await adhoc_visit(client, b, minutes_ago=5)  # the first caregiver's
    nurse_id = b["caregivers"][1]["id"]
    named = await client.patch(
        f"/api/v1/caregivers/{nurse_id}",
        json={"id_number": make_id_number("330283", date(1988, 3, 4), 100 + nurse_id % 800, "F")},
        headers=b["agency"],
    )
    assert named.status_code == 200, named.text
    made = await client.post(
        f"/api/v1/caregivers/{b['caregivers'][1]['id']}/account",
        json={"username": f"nurse-{b['provider']['code'].lower()}", "password": PASSWORD},
        headers=b["agency"],
    )
    assert made.status_code in (200, 201), made.text
    async with signed_in_browser(app, f"nurse-{b['provider']['code'].lower()}", PASSWORD) as nurse:
        home = await nurse.get("/", headers=HTML)
        assert home.status_code in (301, 302, 303) and home.headers["location"].endswith("/visits/day")
        day = await nurse.get("/visits/day", headers=HTML)
        assert day.status_code == 200 and "我的服务" in day.text
        assert f"/visits/{mine['id']}" not in day.text and json.loads(attribute(day.text, "data-pages")) == [
            "/visits/day"
        ]
        assert (await nurse.get(f"/visits/{mine['id']}", headers=HTML)).status_code == 404
