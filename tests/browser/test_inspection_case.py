"""A fund supervisor's inspection case at a desk: an unannounced case on a provider, a finding
with an amount wrongly paid, a recovery imposed; the provider's next settlement built carries
the recovery as a negative line and pays that much less. Screenshots in Chinese and English."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.steps import Confirmations, LiveApi, check_accessibility, sign_in
from tests.browser.test_officer_settlement import PASSWORD, Api, arrange_submitted_settlement, wait_for_job
from tests.helpers import DEMO_PASSWORD

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
ZONE = ZoneInfo("Asia/Shanghai")


LAT, LON = 30.15, 120.25  # the provider's place, far from the demo's and the other tests'


def visit_this_month(base: str, code: str, provider_id: int, last_month_settlement: int) -> None:
    """The provider's month just ended approved, and a 59-minute visit of its person this month."""
    bureau = Api(base, "bureau", DEMO_PASSWORD)
    approved = bureau.send("POST", f"/api/v1/settlements/{last_month_settlement}/approve", headers={"If-Match": '"2"'})
    person_id = approved["lines"][0]["person_id"]
    agency = Api(base, f"agency-{code.lower()}", PASSWORD)
    (caregiver,) = agency.call("GET", f"/api/v1/providers/{provider_id}/caregivers")
    now = datetime.now(ZONE)
    start = max(now.replace(day=1, hour=0, minute=10, second=0, microsecond=0), now - timedelta(hours=3))
    visit = agency.call(
        "POST",
        "/api/v1/visits",
        {
            "person_id": person_id,
            "caregiver_id": caregiver["id"],
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(minutes=60)).isoformat(),
            "items": ["B01"],
        },
    )
    for kind, at, done_items in (
        ("check-in", start, {}),
        ("check-out", start + timedelta(minutes=59), {"items": ["B01"]}),
    ):
        agency.call(
            "POST",
            f"/api/v1/visits/{visit['id']}/{kind}",
            {"event_id": str(uuid.uuid4()), "at": at.isoformat(), "lat": LAT + 0.002, "lon": LON}
            | {"accuracy_m": 10}
            | done_items,
        )


async def test_a_recovery_shows_in_the_next_settlement(browser, live_server: str, artifacts) -> None:
    settlement_id, period, code = arrange_submitted_settlement(
        live_server, code="S918", id_sequence=418, lat=LAT, lon=LON
    )
    bureau = LiveApi(live_server, "bureau")
    provider = next(p for p in bureau.call("GET", "/api/v1/providers") if p["code"] == code)
    visit_this_month(live_server, code, provider["id"], settlement_id)

    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    confirmations = Confirmations(page, accept=True)
    await sign_in(page, live_server, "supervisor1")
    await page.goto(f"{live_server}/inspections")
    await check_accessibility(page)
    await page.get_by_test_id("open-case").click()
    await page.get_by_label("类型").select_option("unannounced")
    await page.get_by_label("机构").select_option(str(provider["id"]))
    await page.get_by_label("首个检查月份").fill(period)
    await page.get_by_label("最后检查月份").fill(period)
    await page.get_by_label("原因").fill("举报：服务时长虚报")
    await check_accessibility(page)
    await page.get_by_test_id("open-case-submit").click()
    await page.wait_for_url("**/inspections/*")
    case_url = page.url

    await page.get_by_label("类别").select_option("overbilling")
    await page.get_by_label("发现的问题").fill("服务记录时长多报二十元")
    await page.get_by_label("多付金额（元）").fill("20.00")
    await page.get_by_test_id("record-finding").click()
    await page.wait_for_selector("[data-testid=findings] >> text=20.00")
    assert await page.get_by_test_id("found").inner_text() == "20.00"

    outcome = page.get_by_test_id("outcome-form")
    await outcome.get_by_label("处理措施").select_option("recover")
    await outcome.get_by_label("金额（追回或违约金，元）").fill("20.00")
    await outcome.get_by_label("备注").fill("追回多付费用")
    await page.get_by_test_id("take-outcome").click()
    await page.wait_for_selector("[data-testid=outcomes] >> text=追回")
    assert any("追回" in question or "撤回" in question for question in confirmations.asked)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "inspection-case-zh.png"), full_page=True)
    await page.goto(f"{live_server}/lang/en")
    await page.goto(case_url)
    await page.wait_for_selector("[data-testid=outcomes] >> text=Recovery")
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "inspection-case-en.png"), full_page=True)
    await context.close()

    # The provider's next settlement: this month's, built after the recovery.
    this_month = datetime.now(ZONE).strftime("%Y-%m")
    job = bureau.call("POST", "/api/v1/settlements/build", {"period": this_month, "provider_id": provider["id"]})
    done = wait_for_job(bureau, job["job_id"])
    assert done["status"] == "done", done
    (next_id,) = done["result"]["settlement_ids"]

    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/settlements/{next_id}")
    lines = page.get_by_test_id("lines")
    await lines.get_by_role("cell", name="追回/违约金", exact=True).wait_for()
    assert await page.get_by_test_id("netting-note").count() == 1
    assert "-20.00" in await lines.inner_text()
    assert await page.get_by_test_id("fund").inner_text() == "33.10"  # 53.10 of care less the 20.00 recovered
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "inspection-recovery-settlement-zh.png"), full_page=True)
    await page.goto(f"{live_server}/lang/en")
    await page.goto(f"{live_server}/settlements/{next_id}")
    await page.get_by_test_id("lines").get_by_role("cell", name="Recovery or penalty", exact=True).wait_for()
    assert await page.get_by_test_id("fund").inner_text() == "33.10"
    await page.screenshot(path=str(artifacts / "inspection-recovery-settlement-en.png"), full_page=True)
    await context.close()
