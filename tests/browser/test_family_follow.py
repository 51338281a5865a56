"""A family member files an application on a phone without an account, keeps the reference,
and follows it once the bureau has decided: the steps, the conclusion, then a satisfaction
answer for the provider now caring for the person; in Chinese and in English."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import LiveApi, check_accessibility

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ITEMS = ["eating", "continence", "bathing", "dressing", "toilet_use", "transfer"]


def arrange_provider_and_person(base: str, id_number: str, lat: float, lon: float) -> None:
    """A designated provider of its own near a person the bureau has registered already."""
    bureau = LiveApi(base, "bureau")
    provider = bureau.call(
        "POST",
        "/api/v1/providers",
        {
            "code": "F971",
            "name": "班溪居家护理站",
            "kind": "home",
            "lat": lat,
            "lon": lon,
            "service_radius_km": 5.0,
            "capacity": 10,
            "hourly_price_fen": 6000,
            "daily_price_fen": 0,
        },
    )
    bureau.call("POST", f"/api/v1/providers/{provider['id']}/designate", {"batch": "2026-09"})
    bureau.call("POST", f"/api/v1/providers/{provider['id']}/activate", {})
    bureau.call(
        "POST",
        "/api/v1/persons",
        {
            "id_number": id_number,
            "name": "吴阿公",
            "town": "溪口镇",
            "lat": lat + 0.002,
            "lon": lon,
            "insured": True,
            "insured_since": "2021-01-01",
        },
    )


def decide(base: str, reference: str) -> None:
    """The bureau accepts the application, the team assesses, the notice passes, it is final."""
    bureau, admin, assessor = LiveApi(base, "bureau"), LiveApi(base, "admin"), LiveApi(base, "assessor1")
    users = {u["username"]: u["id"] for u in admin.call("GET", "/api/v1/users")}
    rows = bureau.call("GET", "/api/v1/applications?status=submitted")
    found = [bureau.call("GET", f"/api/v1/applications/{row['id']}") for row in rows]
    chosen = next(a for a in found if a["reference"] == reference)
    team = [users["assessor1"], users["expert1"]]
    bureau.call("POST", f"/api/v1/applications/{chosen['id']}/accept", {"assessor_ids": team})
    description = assessor.call("GET", "/api/v1/instruments/nhsa-2021")
    now = datetime.now(UTC)
    assessment = assessor.call(
        "POST",
        "/api/v1/assessments",
        {
            "event_id": str(uuid.uuid4()),
            "application_id": chosen["id"],
            "instrument": "nhsa-2021",
            "answers": {i["key"]: i["options"][0]["value"] for i in description["items"]},
            "assessor_ids": team,
            "started_at": (now - timedelta(hours=1)).isoformat(),
            "finished_at": (now - timedelta(minutes=5)).isoformat(),
        },
    )
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    bureau.call(
        "POST",
        f"/api/v1/assessments/{assessment['id']}/publish",
        {"published_on": (today - timedelta(days=9)).isoformat()},
    )
    bureau.call("POST", f"/api/v1/assessments/{assessment['id']}/finalize")


async def test_a_family_member_files_follows_and_answers_on_a_phone(browser, live_server: str, artifacts) -> None:
    id_number = make_id_number("330297", date(1938, 6, 1), 972, "M")
    arrange_provider_and_person(live_server, id_number, 29.95, 121.05)
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{live_server}/apply")
    assert "/login" not in page.url, "no sign-in"
    await check_accessibility(page)
    await page.locator("[name=filed_by]").select_option("family")
    await page.locator("[name=filer_name]").fill("吴小明")
    await page.locator("[name=filer_phone]").fill("13600000004")
    await page.locator("[name=id_number]").fill(id_number)
    await page.locator("[name=name]").fill("吴阿公")
    await page.locator("[name=town]").select_option("330213007")
    await page.locator("[name=disabled_since]").fill((date.today() - timedelta(days=400)).isoformat())
    for item in ITEMS:
        await page.get_by_test_id(f"opt-{item}-dependent").check()
    await page.screenshot(path=str(artifacts / "family-apply-phone.png"), full_page=True)
    await page.get_by_test_id("file-application").click()
    await page.wait_for_selector("[data-testid=reference]")
    reference = (await page.get_by_test_id("reference").inner_text()).strip()
    assert reference.startswith("SQ")
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "family-apply-filed-phone.png"), full_page=True)

    decide(live_server, reference)

    await page.get_by_test_id("to-follow").click()
    await page.wait_for_url("**/follow")
    await page.locator("[name=reference]").fill(reference.lower())
    await page.locator("[name=id_number]").fill(id_number)
    await page.get_by_test_id("open-follow").click()
    await page.wait_for_selector("[data-testid=follow-status]")
    assert id_number not in page.url and id_number not in await page.content()
    assert await page.locator("[data-step=final].done").count() == 1
    assert await page.get_by_test_id("follow-conclusion").count() == 1
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "family-follow-phone.png"), full_page=True)
    await page.get_by_test_id("answer-satisfied").check()
    await page.get_by_test_id("send-satisfaction").click()
    await page.wait_for_selector("[data-testid=sent]")
    assert await page.get_by_test_id("answered").count() == 1, "one answer a month"
    assert "token=" not in page.url and id_number not in page.url  # the token travels in the form only

    await page.goto(f"{live_server}/lang/en?next={quote('/follow', safe='')}")
    await page.wait_for_selector("html[lang=en]")
    await page.locator("[name=reference]").fill(reference)
    await page.locator("[name=id_number]").fill(id_number)
    await page.get_by_test_id("open-follow").click()
    await page.wait_for_selector("[data-testid=follow-status]")
    text = await page.locator("main").inner_text()
    assert "Where the application stands" in text and "You have answered this month" in text
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "family-follow-phone-en.png"), full_page=True)
    await context.close()
