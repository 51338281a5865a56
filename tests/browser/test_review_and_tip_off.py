"""A fund supervisor decides the line drawn for review at a desk and the bureau then approves
the settlement it changed; a citizen files a tip-off on a phone without signing in."""

from __future__ import annotations

import pytest

from tests.browser.steps import Confirmations, LiveApi, check_accessibility, sign_in
from tests.browser.test_officer_settlement import arrange_submitted_settlement

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


async def test_a_supervisor_adjusts_a_sampled_line_and_the_bureau_approves(
    browser, live_server: str, artifacts
) -> None:
    settlement_id, period, _ = arrange_submitted_settlement(
        live_server, code="S961", id_sequence=962, lat=30.25, reviewed=False
    )
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/settlements/{settlement_id}")
    assert "须待每条抽中复审的明细都有结论后方可审核通过" in await page.get_by_test_id("review-status").inner_text()
    assert await page.get_by_test_id("approve").count() == 0, "approval waits for the review"
    await context.close()

    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "supervisor1")
    assert page.url == f"{live_server}/supervision", "the supervisor lands on the dashboard"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "supervision-dashboard.png"), full_page=True)
    await page.goto(f"{live_server}/review-samples?period={period}&status=pending")
    await check_accessibility(page)
    sample = next(
        s
        for s in LiveApi(live_server, "supervisor1").call("GET", f"/api/v1/review-samples?period={period}")
        if s["settlement_id"] == settlement_id
    )
    await page.locator(f"a[href='/review-samples/{sample['id']}']").click()
    await page.wait_for_url(f"**/review-samples/{sample['id']}")
    await check_accessibility(page)
    await page.get_by_label("复审结论").select_option("adjusted")
    await page.get_by_label("调整后基金支付（元）").fill("999")
    await page.get_by_label("备注").fill("签退时间与实际不符")
    await page.get_by_test_id("decide").click()
    await page.wait_for_selector("[data-testid=error-amount]")
    assert await page.get_by_label("备注").input_value() == "签退时间与实际不符", "what was typed is kept"
    await page.get_by_label("调整后基金支付（元）").fill("40.00")
    await page.get_by_test_id("decide").click()
    await page.wait_for_selector("text=已调整")
    assert await page.get_by_test_id("line-fund").inner_text() == "40.00"
    await page.screenshot(path=str(artifacts / "review-sample-adjusted.png"), full_page=True)
    await context.close()

    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/settlements/{settlement_id}")
    assert await page.get_by_test_id("fund").inner_text() == "40.00", "the decision changed the draft's total"
    Confirmations(page)
    await page.get_by_test_id("approve").click()
    await page.wait_for_selector("[data-status=approved]")
    await check_accessibility(page)
    settlement = LiveApi(live_server, "bureau").call("GET", f"/api/v1/settlements/{settlement_id}")
    assert (settlement["status"], settlement["fund_fen"]) == ("approved", 4000)
    await context.close()


async def test_a_citizen_files_a_tip_off_on_a_phone(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{live_server}/tip-off")
    assert "/login" not in page.url, "no sign-in"
    await check_accessibility(page)
    await page.get_by_label("举报谁或什么事？").fill("桥头居家护理站")
    await page.get_by_label("发生了什么？").fill("护理员没有上门却显示已服务")
    await page.get_by_label("您的联系方式（选填）").fill("13900003333")
    await page.get_by_test_id("file-tip-off").click()
    reference = await page.get_by_test_id("tip-off-reference").inner_text()
    assert reference.startswith("JB")
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "tip-off-filed-phone.png"), full_page=True)
    await page.goto(f"{live_server}/lang/en?next=/tip-off")
    assert await page.get_by_role("heading", name="Report a suspected abuse of the care fund").is_visible()
    await check_accessibility(page)
    await context.close()
    listed = LiveApi(live_server, "supervisor1").call("GET", "/api/v1/tip-offs")
    assert any(t["reference"] == reference and t["contact"] == "13900003333" for t in listed)
