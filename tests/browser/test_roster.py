"""An agency marks a caregiver sick and the day is re-planned: on the coordinator's phone
(390×844), the absence form on the caregiver's absences page asks first, the re-planning
job's page tells in words what moved to whom, the roster shows the caregiver away, and the
agency's inbox has the notice; in Chinese and in English, with the accessibility check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.steps import Confirmations, LiveApi, check_accessibility, sign_in
from tests.web.text_of_page import codes_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ZONE = ZoneInfo("Asia/Shanghai")


def _next_weekday(after: date) -> date:
    day = after + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _demo_agencies(base: str) -> Iterator[tuple[str, LiveApi]]:
    for number in range(1, 21):
        agency = f"agency-P{number:02d}"
        yield agency, LiveApi(base, agency)


async def test_an_agency_marks_a_caregiver_sick_and_the_day_is_re_planned(browser, live_server: str, artifacts) -> None:
    day = _next_weekday(datetime.now(ZONE).date() + timedelta(days=1))
    today = datetime.now(ZONE).date()
    # A demo agency with visits scheduled: a person it serves and one of its caregivers. Only the
    # demo's agencies are asked: other tests register providers that have no agency account.
    agency, api, known = next(
        (agency, api, v)
        for agency, api in _demo_agencies(live_server)
        for n in range(15)
        for v in api.call("GET", f"/api/v1/visits?date={today + timedelta(days=n)}&limit=50")
        if v["caregiver_id"]
    )
    person_id, caregiver_id = known["person_id"], known["caregiver_id"]
    start = datetime.combine(day, datetime.min.time(), ZONE) + timedelta(hours=10, minutes=5)
    visit = api.call(
        "POST",
        "/api/v1/visits",
        {
            "person_id": person_id,
            "caregiver_id": caregiver_id,
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(minutes=45)).isoformat(),
            "items": ["B01"],
        },
    )

    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    page = await context.new_page()
    confirmations = Confirmations(page)
    await sign_in(page, live_server, agency)
    await page.goto(f"{live_server}/caregivers/{caregiver_id}/absences")
    await check_accessibility(page)
    await page.locator("#f-from").fill(f"{day.isoformat()}T00:00")
    await page.locator("#f-to").fill(f"{(day + timedelta(days=1)).isoformat()}T00:00")
    await page.locator("#f-reason").select_option("sick")
    await page.screenshot(path=str(artifacts / "absence-form-zh.png"), full_page=True)
    await page.get_by_test_id("mark-absent-button").click()
    await page.wait_for_url("**/jobs/**")
    assert confirmations.asked and "缺勤" in confirmations.asked[0]
    job_url = page.url
    await page.locator('[data-job-id][data-job-status="done"]').wait_for(timeout=60_000)
    assert await page.get_by_test_id("job-title").inner_text() == "重新安排缺勤护理人员的上门服务"
    summary = await page.get_by_test_id("job-summary").inner_text()
    assert "缺勤期间的上门服务已重新安排" in summary and "replan" not in summary, summary
    assert ("已改派" in summary) or ("未排班" in summary), summary
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "absence-job-zh.png"), full_page=True)

    after = api.call("GET", f"/api/v1/visits/{visit['id']}")
    assert after["caregiver_id"] != caregiver_id or after["status"] == "cancelled", after

    await page.goto(f"{live_server}/roster?date={day.isoformat()}")
    cell = page.get_by_test_id(f"cell-{caregiver_id}-{day.isoformat()}")
    assert await cell.get_attribute("data-state") == "absent"
    assert "病假" in await cell.inner_text()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "roster-zh.png"), full_page=True)

    await page.goto(f"{live_server}/inbox")
    assert "缺勤期间的上门服务已重新安排" in await page.get_by_test_id("notices").inner_text()
    await check_accessibility(page)

    await page.goto(f"{live_server}/lang/en?next=/inbox")
    await page.wait_for_url(f"{live_server}/inbox")
    assert "were re-planned" in await page.get_by_test_id("notices").inner_text()
    await check_accessibility(page)
    await page.goto(job_url)
    await page.locator('[data-job-id][data-job-status="done"]').wait_for()
    assert await page.get_by_test_id("job-title").inner_text() == "Re-planning an absent caregiver's visits"
    assert "during the absence were re-planned" in await page.get_by_test_id("job-summary").inner_text()
    assert codes_in(await page.content()) == []
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "absence-job-en.png"), full_page=True)
    await page.goto(f"{live_server}/roster?date={day.isoformat()}")
    assert "Sick" in await page.get_by_test_id(f"cell-{caregiver_id}-{day.isoformat()}").inner_text()
    assert codes_in(await page.content()) == []
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "roster-en.png"), full_page=True)
    await page.goto(f"{live_server}/caregivers/{caregiver_id}/absences")
    assert await page.get_by_test_id("absences").get_by_text("Sick").count() >= 1
    await check_accessibility(page)
    await context.close()
