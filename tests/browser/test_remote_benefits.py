"""Remote villages in the browser: the bureau grants a family-care allowance to a beneficiary of
松岙镇 no designated provider reaches (desk), agent1 records the month's check on a phone, and
the bureau reads the allowance as a line of the supervising provider's settlement; in Chinese and
in English."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.steps import LiveApi, check_accessibility, sign_in
from tests.web.test_assessment_workflow import answers_at, new_id_number, self_eval, submission

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _today() -> date:
    return datetime.now(SHANGHAI).date()


def uncovered_beneficiary(base: str, name: str, n: int) -> int:
    """A severely disabled person of 松岙镇 living where no designated provider reaches."""
    bureau = LiveApi(base, "bureau")
    person = bureau.call(
        "POST",
        "/api/v1/persons",
        {
            "id_number": new_id_number(),
            "name": name,
            "phone": "13800000000",
            "address": f"松岙镇海边村{n}号",
            "town": "松岙镇",
            "lat": 29.02 + 0.01 * n,
            "lon": 122.05,
            "insured": True,
            "insured_since": "2022-01-01",
        },
    )
    application = bureau.call(
        "POST",
        "/api/v1/applications",
        {
            "person_id": person["id"],
            "applied_on": _today().isoformat(),
            "disabled_since": (_today() - timedelta(days=400)).isoformat(),
            "care_mode": "home",
            "self_eval": self_eval("dependent"),
        },
    )
    users = {u["username"]: u["id"] for u in LiveApi(base, "admin").call("GET", "/api/v1/users")}
    team = [users["assessor1"], users["expert1"]]
    bureau.call("POST", f"/api/v1/applications/{application['id']}/accept", {"assessor_ids": team})
    assessor = LiveApi(base, "assessor1")
    description = assessor.call("GET", "/api/v1/instruments/nhsa-2021")
    body = submission(description, application["id"], team, answers=answers_at(description, "first"))
    assessment = assessor.call("POST", "/api/v1/assessments", body)
    published = (_today() - timedelta(days=9)).isoformat()
    bureau.call("POST", f"/api/v1/assessments/{assessment['id']}/publish", {"published_on": published})
    bureau.call("POST", f"/api/v1/assessments/{assessment['id']}/finalize")
    where = bureau.call("GET", f"/api/v1/persons/{person['id']}/assignment")
    assert where["provider_id"] is None and where["reason"] == "no_provider_in_range", where
    return int(person["id"])


def built_settlement(base: str, period: str, provider_id: int) -> dict[str, Any]:
    bureau = LiveApi(base, "bureau")
    job = bureau.call("POST", "/api/v1/settlements/build", {"period": period, "provider_id": provider_id})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = bureau.call("GET", f"/api/v1/jobs/{job['job_id']}")
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert state["status"] == "done", state
    (settlement_id,) = state["result"]["settlement_ids"]
    return bureau.call("GET", f"/api/v1/settlements/{settlement_id}")


@pytest.mark.parametrize(("language", "n"), [("zh_CN", 1), ("en", 2)])
async def test_a_family_care_allowance_granted_checked_and_settled(browser, live_server: str, language, n) -> None:
    base = live_server
    name = f"远郊老人{n}"
    person_id = uncovered_beneficiary(base, name, n)
    providers = LiveApi(base, "bureau").call("GET", "/api/v1/providers")
    provider = next(p for p in providers if p["code"] == "P01")
    english = language == "en"

    # the bureau, at a desk, grants the allowance from the first of the month
    desk = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await desk.new_page()
    await sign_in(page, base, "bureau")
    if english:
        await page.goto(f"{base}/lang/en?next=/remote-benefits")
    else:
        await page.goto(f"{base}/remote-benefits")
    await page.get_by_test_id(f"uncovered-{person_id}").wait_for()
    await check_accessibility(page)
    form = page.get_by_test_id("grant-form")
    await form.get_by_label("Person" if english else "人员").select_option(str(person_id))
    await form.get_by_label("Benefit" if english else "待遇").select_option("family_care_allowance")
    await form.get_by_label("Provider" if english else "护理机构").select_option(str(provider["id"]))
    await form.get_by_label("First day" if english else "开始日期").fill(_today().replace(day=1).isoformat())
    await page.get_by_test_id("grant").click()
    await page.get_by_test_id("done").wait_for()
    assert name in await page.get_by_test_id("benefits").inner_text()
    await page.screenshot(path=f"test-artifacts/remote-benefits-{language}.png", full_page=True)

    # agent1, on a phone, records the month's check of the household
    phone = await browser.new_context(viewport=PHONE, locale="zh-CN")
    mobile = await phone.new_page()
    await sign_in(mobile, base, "agent1")
    if english:
        await mobile.goto(f"{base}/lang/en?next=/")
    await mobile.wait_for_url("**/remote-checks")
    households = mobile.get_by_test_id("households")
    assert name in await households.inner_text()
    await check_accessibility(mobile)
    check = mobile.get_by_test_id("check-form")
    await check.get_by_label("Household" if english else "家庭").select_option(label=name)
    await check.get_by_label("Visit or call" if english else "上门或电话").select_option("call")
    await check.get_by_label("Finding" if english else "核查结果").select_option("ok")
    await mobile.get_by_test_id("record-check").click()
    await mobile.get_by_test_id("done").wait_for()
    assert ("Cared for" if english else "护理正常") in await households.inner_text()
    await check_accessibility(mobile)
    await mobile.screenshot(path=f"test-artifacts/remote-checks-{language}.png", full_page=True)
    await phone.close()

    # the bureau reads the allowance in the provider's settlement of the month
    settlement = built_settlement(base, _today().strftime("%Y-%m"), provider["id"])
    (line,) = [x for x in settlement["lines"] if x["kind"] == "family_care" and x["person_id"] == person_id]
    assert line["fund_fen"] == line["gross_fen"] > 0 and line["personal_fen"] == 0
    await page.goto(f"{base}/settlements/{settlement['id']}")
    lines = await page.get_by_test_id("lines").inner_text()
    assert ("Family-care allowance" if english else "家庭护理补贴") in lines and name in lines
    await check_accessibility(page)
    await page.screenshot(path=f"test-artifacts/remote-settlement-{language}.png", full_page=True)
    await desk.close()
