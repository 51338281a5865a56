"""A caregiver's visit on a phone (390×844, touch, the phone's position): the day's visits,
the visit, a big 签到, an item ticked, 签退 sent while the network is down and resent when it
is back, and a completed visit with no flags. A phone that refuses its position sends nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import LiveApi, check_accessibility

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "A-long-passw0rd"
HOME = (30.702, 120.55)  # the person's home: west of the district, near no other provider


class Api(LiveApi):
    """LiveApi for a user with a password of its own."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.headers = {}
        token = self.call("POST", "/api/v1/auth/token", {"username": username, "password": password}, auth=False)
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}


def arrange_visit(
    base: str, code: str = "V901", sequence: int = 611, home: tuple[float, float] = HOME, minutes: int = 60
) -> dict[str, Any]:
    """A provider of its own (``code``), its agency user ``agency-<code>``, a caregiver, a person
    at ``home`` (over 5 km from any other test's) with a confirmed plan, and a visit of
    ``minutes`` that started five minutes ago."""
    bureau, admin, assessor = LiveApi(base, "bureau"), LiveApi(base, "admin"), LiveApi(base, "assessor1")
    lat, lon = home[0] - 0.002, home[1]
    provider = bureau.call(
        "POST",
        "/api/v1/providers",
        {
            "code": code,
            "name": "西岙居家护理站",
            "kind": "home",
            "lat": lat,
            "lon": lon,
            "service_radius_km": 5.0,
            "capacity": 10,
            "hourly_price_fen": 6000,
            "daily_price_fen": 0,
        },
    )
    bureau.call("POST", f"/api/v1/providers/{provider['id']}/designate", {"batch": "2026-10"})
    bureau.call("POST", f"/api/v1/providers/{provider['id']}/activate", {})
    admin.call(
        "POST",
        "/api/v1/users",
        {
            "username": f"agency-{code.lower()}",
            "password": PASSWORD,
            "role": "agency",
            "provider_id": provider["id"],
            "display_name": "西岙护理站",
        },
    )
    agency = Api(base, f"agency-{code.lower()}", PASSWORD)
    caregiver = agency.call(
        "POST",
        f"/api/v1/providers/{provider['id']}/caregivers",
        {"name": "李春燕", "qualification": "elderly_carer", "lat": lat, "lon": lon, "weekly_hours": 40},
    )
    local_today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    person = bureau.call(
        "POST",
        "/api/v1/persons",
        {
            "id_number": make_id_number("330297", date(1937, 6, 12) + timedelta(days=sequence - 611), sequence, "F"),
            "name": "郑阿婆",
            "address": "西岙村新屋里17号",
            "town": "溪口镇",
            "lat": home[0],
            "lon": home[1],
            "insured": True,
            "insured_since": "2021-01-01",
        },
    )
    dependent = dict.fromkeys(["eating", "continence", "bathing", "dressing", "toilet_use", "transfer"], "dependent")
    application = bureau.call(
        "POST",
        "/api/v1/applications",
        {
            "person_id": person["id"],
            "applied_on": local_today.isoformat(),
            "disabled_since": (local_today - timedelta(days=400)).isoformat(),
            "care_mode": "home",
            "self_eval": {"answers": dependent},
        },
    )
    users = {u["username"]: u["id"] for u in admin.call("GET", "/api/v1/users")}
    team = [users["assessor1"], users["expert1"]]
    bureau.call("POST", f"/api/v1/applications/{application['id']}/accept", {"assessor_ids": team})
    description = assessor.call("GET", "/api/v1/instruments/nhsa-2021")
    now = datetime.now(UTC)
    assessment = assessor.call(
        "POST",
        "/api/v1/assessments",
        {
            "event_id": str(uuid.uuid4()),
            "application_id": application["id"],
            "instrument": "nhsa-2021",
            "answers": {i["key"]: i["options"][0]["value"] for i in description["items"]},
            "assessor_ids": team,
            "started_at": (now - timedelta(hours=1)).isoformat(),
            "finished_at": (now - timedelta(minutes=5)).isoformat(),
        },
    )
    bureau.call(
        "POST",
        f"/api/v1/assessments/{assessment['id']}/publish",
        {"published_on": (local_today - timedelta(days=9)).isoformat()},
    )
    bureau.call("POST", f"/api/v1/assessments/{assessment['id']}/finalize")
    assignment = bureau.call("GET", f"/api/v1/persons/{person['id']}/assignment")
    assert assignment["provider_id"] == provider["id"], assignment
    plan = agency.call("POST", "/api/v1/care-plans", {"person_id": person["id"], "items": ["B01", "B07"]})
    agency.call("POST", f"/api/v1/care-plans/{plan['id']}/confirm", {"confirmed_by": "女儿 郑红"})
    start = now - timedelta(minutes=5)
    visit = agency.call(
        "POST",
        "/api/v1/visits",
        {
            "person_id": person["id"],
            "caregiver_id": caregiver["id"],
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(minutes=minutes)).isoformat(),
            "items": ["B01"],
        },
    )
    return {"visit": visit, "agency": agency, "caregiver": caregiver, "person": person, "provider": provider}


async def sign_in(page, base: str, username: str, password: str) -> None:
    await page.goto(f"{base}/")
    assert "/login" in page.url
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").tap()
    await page.wait_for_url(f"{base}/")


async def no_sideways_scroll(page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


async def tall_enough(locator) -> None:
    box = await locator.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 48, box


async def waiting(page) -> list[dict[str, Any]]:
    """The signed-in user's events in the phone's outbox, oldest first."""
    return await page.evaluate("LtcOutbox.store.waiting(document.querySelector('[data-user]').dataset.user)")


def phone(browser, **extra: Any):
    # A phone set to another zone than the district's: the page still shows the district's times.
    return browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="UTC", has_touch=True, is_mobile=True, **extra
    )


async def test_a_caregiver_checks_in_and_out_on_a_phone(browser, live_server: str, artifacts) -> None:
    arranged = arrange_visit(live_server)
    visit, agency = arranged["visit"], arranged["agency"]
    path = f"/visits/{visit['id']}"

    # A phone that refuses to tell where it is: told so, nothing sent.
    refusing = await phone(browser)
    page = await refusing.new_page()
    await sign_in(page, live_server, "agency-v901", PASSWORD)
    await page.goto(live_server + path)
    await page.get_by_test_id("check-in").tap()
    await page.wait_for_selector("[data-testid=net-status]:has-text('定位')")
    assert "拒绝" in await page.get_by_test_id("net-status").inner_text()
    assert await waiting(page) == []
    await page.screenshot(path=str(artifacts / "caregiver-phone-no-position.png"))
    await refusing.close()
    assert agency.call("GET", f"/api/v1/visits/{visit['id']}")["status"] == "planned"

    context = await phone(
        browser,
        geolocation={"latitude": HOME[0], "longitude": HOME[1], "accuracy": 20},
        permissions=["geolocation"],
    )
    page = await context.new_page()
    # The phone's clock: the check-in now, the check-out 50 minutes later (the visit lasts 60).
    real_now = datetime.now(UTC)
    await page.clock.install(time=real_now - timedelta(minutes=50))
    await sign_in(page, live_server, "agency-v901", PASSWORD)
    await tall_enough(page.get_by_test_id("visits-link"))
    await page.get_by_test_id("visits-link").tap()
    await page.wait_for_url("**/visits")
    card = page.get_by_test_id(f"visit-{visit['id']}")
    assert "郑阿婆" in await card.inner_text() and "西岙村新屋里17号" in await card.inner_text()
    assert "李春燕" in await page.get_by_test_id(f"caregiver-{arranged['caregiver']['id']}").inner_text()
    await tall_enough(card)
    await tall_enough(page.get_by_test_id("next-day"))
    await no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / "caregiver-phone-day.png"), full_page=True)
    await check_accessibility(page)

    await card.tap()
    await page.wait_for_url(f"**{path}")
    check_in = page.get_by_test_id("check-in")
    await tall_enough(check_in)
    assert await check_in.inner_text() == "签到"
    assert not await page.get_by_test_id("check-out").is_visible()
    assert await page.get_by_test_id("planned-items").inner_text() == "头面部清洁梳理"
    await no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / "caregiver-phone-visit.png"), full_page=True)
    await check_accessibility(page)

    await check_in.tap()
    await page.wait_for_selector("[data-testid=visit-status] [data-status=in_progress]")
    assert "进行中" in await page.get_by_test_id("visit-status").inner_text()
    await page.wait_for_selector("[data-testid=unsent]", state="detached")
    item = page.locator("label.visit-item", has=page.get_by_test_id("item-B01"))
    await tall_enough(item)
    await item.tap()
    assert await page.get_by_test_id("item-B01").is_checked()
    check_out = page.get_by_test_id("check-out")
    await tall_enough(check_out)
    await no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / "caregiver-phone-in-progress.png"), full_page=True)

    # Fifty minutes later, in a cellar with no network: the check-out waits on the phone.
    await page.clock.set_system_time(datetime.now(UTC))
    await context.set_offline(True)
    await check_out.tap()
    await page.wait_for_selector("[data-testid=net-status]:has-text('离线')")
    kept = await waiting(page)
    assert [(e["kind"], e["visit_id"]) for e in kept] == [("check_out", visit["id"])] and kept[0]["body"]["items"] == [
        "B01"
    ]
    assert agency.call("GET", f"/api/v1/visits/{visit['id']}")["status"] == "in_progress"
    await context.set_offline(False)
    await page.evaluate("window.dispatchEvent(new Event('online'))")
    await page.wait_for_selector("[data-testid=unsent]", state="detached", timeout=15_000)
    await page.wait_for_selector("[data-testid=visit-status] [data-status=done]")
    assert "已完成" in await page.get_by_test_id("visit-status").inner_text()
    assert await page.get_by_test_id("visit-flags").inner_text() == "无"
    assert await page.locator("[data-testid=visit-flags] [data-flag]").count() == 0
    assert "头面部清洁梳理" in await page.get_by_test_id("done-items").inner_text()
    assert await waiting(page) == []
    await no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / "caregiver-phone-done.png"), full_page=True)
    await check_accessibility(page)

    # The same check-out sent again (as a phone that lost the answer would) is kept once.
    stored = agency.call("GET", f"/api/v1/visits/{visit['id']}")
    assert stored["status"] == "done" and stored["flags"] == [] and stored["done_items"] == ["B01"]
    for field in ("checked_in_at", "checked_out_at"):
        shown = datetime.fromisoformat(stored[field]).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")
        assert await page.get_by_test_id(field.replace("_", "-")).inner_text() == shown
    replayed = await page.evaluate(
        """async ([path, body]) => {
            const csrf = document.querySelector('.visit-page').dataset.csrf;
            const r = await fetch(path, {method: 'POST', body: JSON.stringify(body), credentials: 'same-origin',
              headers: {'Content-Type': 'application/json', Accept: 'application/json', 'x-csrftoken': csrf}});
            return [r.status, (await r.json()).status];
        }""",
        [f"{path}/check-out", kept[0]["body"]],
    )
    assert replayed == [200, "done"]
    assert agency.call("GET", f"/api/v1/visits/{visit['id']}") == stored
    await context.close()
