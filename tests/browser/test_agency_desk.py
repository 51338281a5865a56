"""The care agency coordinator's day on a phone (390×844): the care plan of a new beneficiary
created from the level, adjusted beyond the policy (told beside the field, the typed value
kept) then within it, and the family's confirmation recorded; a caregiver added and
deactivated after a confirmation; the institution's census recorded; the settlement read as
cards. In Chinese, then once in English; every page passes the accessibility check."""

from __future__ import annotations

import re
import time
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
PLAN_PAGE = re.compile(r"/care-plans/\d+$")
BASE = (30.45, 120.30)  # the agency's own corner of the district: no other provider near
USERNAME = "agency-a901"


class Api(LiveApi):
    """LiveApi for a user with a password of its own."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.headers = {}
        token = self.call("POST", "/api/v1/auth/token", {"username": username, "password": password}, auth=False)
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}


def beneficiary(base: str, name: str, care_mode: str, serial: int) -> dict[str, Any]:
    """A person assessed severely disabled (level Ⅲ) and assigned to the agency's provider."""
    bureau, admin, assessor = LiveApi(base, "bureau"), LiveApi(base, "admin"), LiveApi(base, "assessor1")
    local_today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    person = bureau.call(
        "POST",
        "/api/v1/persons",
        {
            "id_number": make_id_number("330297", date(1938, 3, 2), serial, "F"),
            "name": name,
            "address": f"西岙村{serial}号",
            "town": "溪口镇",
            "lat": BASE[0] + 0.002,
            "lon": BASE[1],
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
            "care_mode": care_mode,
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
    return person


def arrange(base: str) -> dict[str, Any]:
    bureau, admin = LiveApi(base, "bureau"), LiveApi(base, "admin")
    provider = bureau.call(
        "POST",
        "/api/v1/providers",
        {
            "code": "A901",
            "name": "溪口颐养护理院",
            "kind": "both",
            "lat": BASE[0],
            "lon": BASE[1],
            "service_radius_km": 5.0,
            "capacity": 10,
            "hourly_price_fen": 6000,
            "daily_price_fen": 9000,
        },
    )
    bureau.call("POST", f"/api/v1/providers/{provider['id']}/designate", {"batch": "2026-10"})
    bureau.call("POST", f"/api/v1/providers/{provider['id']}/activate", {})
    admin.call(
        "POST",
        "/api/v1/users",
        {
            "username": USERNAME,
            "password": PASSWORD,
            "role": "agency",
            "provider_id": provider["id"],
            "display_name": "溪口颐养",
        },
    )
    agency = Api(base, USERNAME, PASSWORD)
    agency.call(
        "POST",
        f"/api/v1/providers/{provider['id']}/caregivers",
        {"name": "李春燕", "qualification": "elderly_carer", "lat": BASE[0], "lon": BASE[1], "weekly_hours": 40},
    )
    home = beneficiary(base, "郑阿婆", "home", 721)
    resident = beneficiary(base, "王阿公", "institutional", 733)
    for person in (home, resident):
        where = bureau.call("GET", f"/api/v1/persons/{person['id']}/assignment")
        assert where["provider_id"] == provider["id"], where
    # The resident's plan is confirmed already: the census counts their bed-days.
    plan = agency.call("POST", "/api/v1/care-plans", {"person_id": resident["id"], "items": ["B01", "B13"]})
    agency.call("POST", f"/api/v1/care-plans/{plan['id']}/confirm", {"confirmed_by": "本人"})
    return {"provider": provider, "home": home, "resident": resident, "agency": agency, "bureau": bureau}


async def sign_in(page, base: str) -> None:
    await page.goto(f"{base}/")
    await page.get_by_label("用户名").fill(USERNAME)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").tap()
    await page.wait_for_url(f"{base}/")


async def no_sideways_scroll(page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


MENU = re.compile("^(菜单|Menu)$")


async def go_by_menu(page, label: str) -> None:
    """The phone's navigation folds behind the menu button."""
    await page.get_by_role("banner").get_by_role("button", name=MENU).tap()
    await page.get_by_test_id("main-nav").get_by_role("link", name=label).tap()


async def accept_dialogs(dialog) -> None:
    await dialog.accept()


def built_settlement(arranged: dict[str, Any]) -> dict[str, Any]:
    bureau, provider = arranged["bureau"], arranged["provider"]
    period = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    job = bureau.call("POST", "/api/v1/settlements/build", {"period": period, "provider_id": provider["id"]})
    deadline = time.monotonic() + 60
    while bureau.call("GET", f"/api/v1/jobs/{job['job_id']}")["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the settlement job did not finish"
        time.sleep(0.3)
    (settlement,) = [
        s for s in bureau.call("GET", f"/api/v1/settlements?period={period}") if s["provider_id"] == provider["id"]
    ]
    return settlement


async def test_the_coordinator_runs_the_agency_desk_on_a_phone(browser, live_server: str, artifacts) -> None:
    arranged = arrange(live_server)
    home, resident = arranged["home"], arranged["resident"]
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    page = await context.new_page()
    page.on("dialog", accept_dialogs)
    await sign_in(page, live_server)

    # The care plan: the person waits for one; the coordinator creates it from the level.
    await go_by_menu(page, "护理计划")
    await page.wait_for_url("**/care-plans")
    await check_accessibility(page)
    await page.get_by_test_id(f"create-plan-{home['id']}").tap()
    await page.wait_for_url("**/care-plans/new?person_id=*")
    assert (await page.get_by_test_id("entitled-hours").inner_text()).startswith("30")
    await page.get_by_label("头面部清洁梳理").check()
    await page.get_by_label("协助进食/水").check()
    await check_accessibility(page)
    await page.get_by_test_id("create").tap()
    await page.wait_for_url(PLAN_PAGE)
    assert await page.get_by_test_id("confirmation").is_visible()

    # Beyond the policy: the message beside the hours, what was typed still there.
    await page.get_by_label("每月小时数").fill("99")
    await page.get_by_test_id("reason").fill("家属希望多来几次")
    await page.get_by_test_id("save-adjustment").tap()
    await page.wait_for_selector("[data-testid=error-monthly_hours]")
    error = page.get_by_test_id("error-monthly_hours")
    assert "30" in await error.inner_text()
    hours = page.get_by_label("每月小时数")
    assert await hours.input_value() == "99"
    assert await hours.get_attribute("aria-invalid") == "true"
    assert await page.get_by_test_id("reason").input_value() == "家属希望多来几次"
    field_box, error_box = await hours.bounding_box(), await error.bounding_box()
    assert field_box and error_box and 0 <= error_box["y"] - field_box["y"] < 150  # beside the field
    await no_sideways_scroll(page)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "agency-plan-out-of-bounds.png"), full_page=True)

    await hours.fill("20")
    await page.get_by_test_id("reason").fill("家属希望每周少来几次")
    await page.get_by_test_id("save-adjustment").tap()
    await page.wait_for_selector("[data-testid=changed-2-monthly_hours]")
    versions = await page.get_by_test_id("versions").inner_text()
    assert "家属希望每周少来几次" in versions and "30" in versions and "20" in versions

    # The family's confirmation, recorded after the page asks.
    await page.get_by_label("确认人（本人或家属）").fill("女儿 郑红")
    await page.get_by_test_id("confirm").tap()
    await page.wait_for_selector("[data-testid=confirmed]")
    assert "女儿 郑红" in await page.get_by_test_id("confirmed").inner_text()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "agency-plan-confirmed.png"), full_page=True)
    plans = arranged["agency"].call("GET", f"/api/v1/persons/{home['id']}/care-plans")
    assert [(p["version"], p["status"], p["monthly_hours"]) for p in plans] == [
        (1, "draft", 30),
        (2, "confirmed", 20),
    ]

    # A caregiver added, then deactivated after the page asks.
    await go_by_menu(page, "护理人员")
    await page.wait_for_url("**/caregivers")
    await check_accessibility(page)
    await page.get_by_test_id("add-caregiver").tap()
    await page.get_by_label("姓名").fill("周敏")
    await page.get_by_label("资质").select_option("nurse")
    await page.get_by_label("每周工时").fill("30")
    await check_accessibility(page)
    await page.get_by_test_id("save-caregiver").tap()
    await page.wait_for_selector("[data-testid=saved]")
    await page.get_by_label("原因").fill("调往其他机构")
    await page.get_by_test_id("deactivate").tap()
    await page.wait_for_selector("[data-testid=deactivated]")
    assert await page.get_by_test_id("reactivate").is_visible()
    await check_accessibility(page)
    await no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / "agency-caregiver-deactivated.png"), full_page=True)

    # The institution's census of today.
    await go_by_menu(page, "在院登记")
    await page.wait_for_url("**/census")
    await page.get_by_test_id(f"census-{resident['id']}-present").check()
    await check_accessibility(page)
    await page.get_by_test_id("save-census").tap()
    await page.wait_for_selector("[data-testid=saved]")
    assert "在院" in await page.get_by_test_id(f"recorded-{resident['id']}").inner_text()
    await no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / "agency-census.png"), full_page=True)

    await go_by_menu(page, "未排上的上门")
    await page.wait_for_url("**/unscheduled")
    await check_accessibility(page)

    # The month's settlement reads as cards on the phone: no column squeezed to a character a line.
    settlement = built_settlement(arranged)
    await page.goto(f"{live_server}/settlements/{settlement['id']}")
    cells = page.get_by_test_id("lines").locator("tbody tr:not(.drill) td.num")
    assert await cells.count() >= 4
    for n in range(await cells.count()):
        box = await cells.nth(n).bounding_box()
        assert box and box["width"] > PHONE["width"] * 0.6 and box["height"] < 48, box
    await no_sideways_scroll(page)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "agency-settlement-phone.png"), full_page=True)

    # Once in English: words for every status, reason and qualification, never a code.
    await page.goto(f"{live_server}/lang/en?next=/care-plans")
    await page.wait_for_url("**/care-plans")
    assert "Care plans" in await page.locator("main h1").inner_text()
    await no_codes(page)
    await check_accessibility(page)
    await page.get_by_test_id(f"open-plan-{home['id']}").tap()
    await page.wait_for_url(PLAN_PAGE)
    main = await page.locator("main").inner_text()
    assert "Versions side by side" in main and "Hours a month" in main and "女儿 郑红" in main
    await no_codes(page)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "agency-plan-en.png"), full_page=True)
    for path, words in (
        ("/caregivers", "Add a caregiver"),
        ("/census", "Recorded: Present"),
        ("/unscheduled", "Unscheduled visits"),
        (f"/settlements/{settlement['id']}", "Lines"),
    ):
        await page.goto(live_server + path)
        main = await page.locator("main").inner_text()
        assert words in main, path
        for raw in ("elderly_carer", "nurse\n", "institutional\n", "weekly_hours_exceeded", "no_caregiver_free"):
            assert raw not in main, (path, raw)
        await no_codes(page)
        await no_sideways_scroll(page)
        await check_accessibility(page)
    await context.close()


async def no_codes(page) -> None:
    """A status badge shows words, never its code."""
    badges = page.locator("main [data-status]")
    for n in range(await badges.count()):
        badge = badges.nth(n)
        assert (await badge.inner_text()).strip() != await badge.get_attribute("data-status")
