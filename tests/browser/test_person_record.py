"""The person's record and the bureau's review in the browser: the bureau finds a person from
the top bar and reads the record at its desk (in Chinese and in English); an assessor opens a
person on the tablet; an agency reads its own person's visits on the phone; the bureau reviews
an assessment with its answers and labels and publishes it after confirming. Every page passes
the accessibility check."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import Confirmations, LiveApi, check_accessibility, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = count(601, 2)


def assessed_person(base: str, name: str, phone: str, *, publish: bool) -> dict:
    """A person with an application assessed by assessor1 and expert1 (and published)."""
    bureau, admin, assessor = LiveApi(base, "bureau"), LiveApi(base, "admin"), LiveApi(base, "assessor1")
    today = datetime.now(SHANGHAI).date()
    person = bureau.call(
        "POST",
        "/api/v1/persons",
        {
            "id_number": make_id_number("330213", date(1936, 4, 9), next(_numbers), "M"),
            "name": name,
            "phone": phone,
            "address": "溪口镇岩头村3号",
            "town": "溪口镇",
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
            "applied_on": today.isoformat(),
            "disabled_since": (today - timedelta(days=400)).isoformat(),
            "care_mode": "home",
            "self_eval": {"answers": dependent},
        },
    )
    users = {u["username"]: u["id"] for u in admin.call("GET", "/api/v1/users")}
    team = [users["assessor1"], users["expert1"]]
    bureau.call("POST", f"/api/v1/applications/{application['id']}/accept", {"assessor_ids": team})
    instrument = assessor.call("GET", "/api/v1/instruments/nhsa-2021")
    now = datetime.now(SHANGHAI)
    assessment = assessor.call(
        "POST",
        "/api/v1/assessments",
        {
            "event_id": str(uuid.uuid4()),
            "application_id": application["id"],
            "instrument": instrument["code"],
            "instrument_version": instrument["version"],
            "answers": {item["key"]: item["options"][0]["value"] for item in instrument["items"]},
            "assessor_ids": team,
            "started_at": (now - timedelta(minutes=50)).isoformat(),
            "finished_at": (now - timedelta(minutes=5)).isoformat(),
            "lat": person["lat"] + 0.0005,
            "lon": person["lon"],
        },
    )
    if publish:
        bureau.call("POST", f"/api/v1/assessments/{assessment['id']}/publish", {})
    return {"person": person, "application": application, "assessment": assessment}


async def no_sideways_scroll(page, viewport: dict) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


async def test_the_bureau_finds_a_person_from_the_top_bar_and_reads_the_record(
    browser, live_server: str, artifacts
) -> None:
    arranged = assessed_person(live_server, "欧阳明德", "13705550101", publish=True)
    person, assessment = arranged["person"], arranged["assessment"]
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")

    # By the start of the name: the list, then the record.
    search = page.get_by_role("search").get_by_label("查找人员")
    await search.fill("欧阳")
    await search.press("Enter")
    await page.wait_for_url("**/persons?q=*")
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "persons-search-bureau.png"), full_page=True)
    await page.get_by_test_id(f"person-{person['id']}").get_by_role("link").click()
    await page.wait_for_url(f"**/persons/{person['id']}")

    # By the complete phone number: straight to the record.
    await page.goto(f"{live_server}/")
    await page.get_by_role("search").get_by_label("查找人员").fill("137 0555 0101")
    await page.get_by_role("search").get_by_label("查找人员").press("Enter")
    await page.wait_for_url(f"**/persons/{person['id']}")
    assert await page.get_by_test_id("person-name").inner_text() == "欧阳明德"
    assert "*" not in await page.get_by_test_id("id-number").inner_text(), "the bureau reads full numbers"
    level = await page.get_by_test_id(f"level-{assessment['id']}").inner_text()
    assert level.startswith(f"等级 {assessment['level']} · {assessment['level_label']}")
    assert "米" in await page.get_by_test_id(f"assessment-position-{assessment['id']}").inner_text()
    for part in ("identity", "insurance", "applications", "conclusions", "placement", "visit-calendar", "person-audit"):
        assert await page.get_by_test_id(part).is_visible(), part
    await page.get_by_text("各项回答").click()
    assert await page.get_by_test_id(f"answers-{assessment['id']}").locator("tbody tr").count() == 17
    await no_sideways_scroll(page, DESK)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "person-record-bureau-zh.png"), full_page=True)

    await page.goto(f"{live_server}/lang/en?next=/persons/{person['id']}")
    await page.wait_for_url(f"**/persons/{person['id']}")
    assert await page.get_by_role("heading", name="Identity").is_visible()
    level_en = await page.get_by_test_id(f"level-{assessment['id']}").inner_text()
    assert level_en.startswith(f"Level {assessment['level']} · ")
    assert "m from the home" in await page.get_by_test_id(f"assessment-position-{assessment['id']}").inner_text()
    assert await page.get_by_test_id("main-nav").get_by_role("link", name="Persons", exact=True).is_visible()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "person-record-bureau-en.png"), full_page=True)
    await context.close()


async def test_an_assessor_opens_a_person_on_the_tablet(browser, live_server: str, artifacts) -> None:
    arranged = assessed_person(live_server, "司马秋兰", "13705550202", publish=False)
    person, assessment = arranged["person"], arranged["assessment"]
    context = await browser.new_context(viewport=TABLET, locale="zh-CN", has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_server, "assessor1")
    await page.get_by_test_id("main-nav").get_by_role("link", name="人员", exact=True).click()
    await page.wait_for_url("**/persons")
    await check_accessibility(page)
    await page.get_by_test_id(f"person-{person['id']}").get_by_role("link").click()
    await page.wait_for_url(f"**/persons/{person['id']}")
    assert "*" in await page.get_by_test_id("id-number").inner_text(), "masked for an assessor"
    assert await page.get_by_test_id(f"assessment-words-{assessment['id']}").is_visible()
    for hidden in ("person-audit", "settlement-lines", "visit-calendar", "conclusions"):
        assert await page.get_by_test_id(hidden).count() == 0, hidden
    await no_sideways_scroll(page, TABLET)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "person-record-assessor-tablet.png"), full_page=True)
    await context.close()


async def test_an_agency_reads_its_persons_visits_on_the_phone(browser, live_server: str, artifacts) -> None:
    bureau = LiveApi(live_server, "bureau")
    placed = bureau.call("GET", "/api/v1/persons?care_status=beneficiary&limit=1")
    assert placed, "the demo's activity places beneficiaries"
    person_id = placed[0]["id"]
    provider_id = bureau.call("GET", f"/api/v1/persons/{person_id}/assignment")["provider_id"]
    username = f"agency-{bureau.call('GET', f'/api/v1/providers/{provider_id}')['code']}"
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_server, username)
    await page.get_by_role("banner").get_by_role("button", name="菜单").click()
    await page.get_by_test_id("main-nav").get_by_role("link", name="人员", exact=True).click()
    await page.wait_for_url("**/persons")
    await check_accessibility(page)
    await page.goto(f"{live_server}/persons/{person_id}")
    assert "*" in await page.get_by_test_id("id-number").inner_text()
    assert await page.get_by_test_id("visit-calendar").is_visible()
    assert await page.get_by_test_id("visit-day-list").is_visible(), "a phone reads the month as a list"
    assert await page.get_by_test_id("person-audit").count() == 0
    await no_sideways_scroll(page, PHONE)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "person-record-agency-phone.png"), full_page=True)
    await context.close()


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_the_bureau_reviews_an_assessment_and_publishes_it_after_confirming(
    browser, live_server: str, artifacts, language: str
) -> None:
    arranged = assessed_person(live_server, f"复核老人{language}", f"1370555{next(_numbers):04d}", publish=False)
    application, assessment = arranged["application"], arranged["assessment"]
    context = await browser.new_context(viewport=DESK, locale=language)
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    if language == "en":
        await page.goto(f"{live_server}/lang/en?next=/applications/{application['id']}")
    else:
        await page.goto(f"{live_server}/applications/{application['id']}")
    await page.wait_for_url(f"**/applications/{application['id']}")
    level = await page.get_by_test_id(f"level-{assessment['id']}").inner_text()
    expected = "Level" if language == "en" else "等级"
    assert level.startswith(f"{expected} {assessment['level']} · ") and level != f"{expected} {assessment['level']} · "
    dimensions = page.get_by_test_id(f"dimensions-{assessment['id']}")
    assert await dimensions.locator("tbody tr").count() == 3
    decisions = page.get_by_test_id(f"decisions-{assessment['id']}")
    assert await decisions.get_by_role("button").count() == 1, "only publishing is open before the notice"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / f"assessment-review-{language}.png"), full_page=True)

    confirmations = Confirmations(page, accept=False)
    await decisions.get_by_role("button").click()
    assert (
        len(confirmations.asked) == 1 and await page.get_by_test_id(f"objection-form-{assessment['id']}").count() == 0
    )
    confirmations.accept = True
    await decisions.get_by_role("button").click()
    await page.wait_for_selector(f"[data-testid=objection-form-{assessment['id']}]")
    # While the notice runs: an objection may be recorded, the conclusion not yet confirmed.
    buttons = await page.get_by_test_id(f"decisions-{assessment['id']}").get_by_role("button").all_inner_texts()
    assert buttons == (["Record objection"] if language == "en" else ["登记异议"])
    await check_accessibility(page)
    await context.close()
