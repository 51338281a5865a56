"""The officer follows a background job on its page: the title says what runs, the bar and
its percentage move, and at the end the result is told in words with the link to go on;
in Chinese and in English, at the desk's viewport, with the accessibility check."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.browser.steps import LiveApi, check_accessibility, sign_in
from tests.web.text_of_page import codes_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}


async def test_an_officer_follows_the_settlement_build_in_words(browser, live_server: str, artifacts) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai"))
    period = today.strftime("%Y-%m")
    job_id = LiveApi(live_server, "bureau").call("POST", "/api/v1/settlements/build", {"period": period})["job_id"]
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/jobs/{job_id}")
    await page.locator('[data-job-id][data-job-status="done"]').wait_for(timeout=30_000)
    assert await page.get_by_test_id("job-title").inner_text() == "生成月度结算单"
    assert await page.get_by_test_id("job-percent").inner_text() == "100%"
    assert await page.get_by_test_id("job-progress").get_attribute("value") == "100"
    summary = await page.get_by_test_id("job-summary").inner_text()
    assert f"{today.year}年{today.month}月" in summary and "结算" in summary
    assert "{" not in summary and "build_settlements" not in summary and period not in summary
    go_on = page.get_by_test_id("job-next").get_by_role("link")
    assert await go_on.inner_text() == "查看当月结算单"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "job-page-zh.png"), full_page=True)

    await page.get_by_role("link", name="English").click()
    await page.wait_for_url(f"{live_server}/jobs/{job_id}")
    assert await page.get_by_test_id("job-title").inner_text() == "Building the month's settlements"
    summary = await page.get_by_test_id("job-summary").inner_text()
    assert f"{today:%B} {today.year}" in summary
    assert codes_in(await page.content()) == []
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "job-page-en.png"), full_page=True)
    await page.get_by_test_id("job-next").get_by_role("link").click()
    await page.wait_for_url(f"{live_server}/settlements?period={period}")
    await context.close()


async def test_the_preview_job_page_updates_itself_and_leads_back(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/assignment")
    await page.get_by_role("button", name="预览").click()
    await page.wait_for_url("**/jobs/**")
    assert await page.get_by_test_id("job-title").inner_text() == "整体优化分配预览"
    # The page polls the job and, once it is done, draws the result without a reload.
    await page.get_by_test_id("job-next").wait_for(timeout=30_000)
    assert await page.get_by_test_id("job-percent").inner_text() == "100%"
    assert await page.get_by_test_id("job-status").inner_text() == "已完成"
    summary = await page.get_by_test_id("job-summary").inner_text()
    assert ("人调整机构" in summary and "总距离变化" in summary) or "无人需要调整" in summary
    assert "sample_moves" not in summary
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "job-preview-zh.png"), full_page=True)
    await page.get_by_test_id("job-next").get_by_role("link").click()
    await page.wait_for_url("**/assignment?preview=**")
    assert await page.get_by_test_id("preview-summary").inner_text() == summary.split("\n")[1]
    await check_accessibility(page)
    await context.close()
