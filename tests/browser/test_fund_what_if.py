"""A bureau officer at a desk tests a draft policy that opens the scheme to level 2 (中度失能)
and raises the level-3 hours: the draft runs as a job, and its page shows the settled months
under the policy in force beside the draft; then she downloads the last quarter's report as a
workbook and opens the fund's budget and analysis pages. In Chinese."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.browser.steps import LiveApi, check_accessibility, sign_in
from tests.browser.test_officer_settlement import arrange_submitted_settlement

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}


async def test_the_officer_runs_a_what_if_and_downloads_the_quarterly_report(
    browser, live_server: str, artifacts
) -> None:
    settlement_id, _period, _code = arrange_submitted_settlement(live_server, code="S951", id_sequence=952, lat=30.35)
    api = LiveApi(live_server, "bureau")
    context = await browser.new_context(viewport=DESK, locale="zh-CN", accept_downloads=True)
    page = await context.new_page()

    async def accept(dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/settlements/{settlement_id}")
    await page.get_by_test_id("approve").click()
    await page.wait_for_selector("[data-status=approved]")
    assert await page.get_by_test_id("payment-deadline").count() == 1, "an approved settlement is due for payment"
    settled_months = sorted(api.call("GET", "/api/v1/fund")["spend_by_period"])
    await page.get_by_test_id("main-nav").get_by_role("link", name="政策测算").click()
    await page.wait_for_url("**/fund/what-if")
    await check_accessibility(page)
    form = page.get_by_test_id("what-if-form")
    assert await form.locator("#f-hours_3").input_value() == "20", "the policy in force filled in"
    await form.locator("#f-name").fill("纳入中度失能")
    await form.locator("#f-hours_2").fill("10")
    await form.locator("#f-hours_3").fill("22")
    await page.get_by_test_id("run-what-if").click()
    await page.wait_for_url("**/jobs/**")
    await page.get_by_test_id("job-next").wait_for(timeout=60_000)
    assert await page.get_by_test_id("job-status").inner_text() == "已完成"
    await page.get_by_test_id("job-next").get_by_role("link").click()
    await page.wait_for_url("**/fund/what-if/**")

    months = page.get_by_test_id("what-if-months")
    header = await months.locator("thead").inner_text()
    assert "现行政策" in header and "草案" in header, "both columns side by side"
    rows = await months.locator("tbody tr").count()
    assert rows == min(12, len(settled_months)) and rows > 0
    in_force = await page.get_by_test_id("in-force-total").inner_text()
    draft = await page.get_by_test_id("draft-total").inner_text()
    assert float(draft.replace(",", "")) >= float(in_force.replace(",", "")), "more hours never pay less"
    assert "2 级" in await page.get_by_test_id("draft-changes").inner_text(), "level 2 opened"
    assert await page.get_by_test_id("what-if-projection").count() == 1
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "fund-what-if.png"), full_page=True)
    assert sorted(api.call("GET", "/api/v1/fund")["spend_by_period"]) == settled_months, "nothing settled changed"

    await page.get_by_test_id("main-nav").get_by_role("link", name="基金运行分析").click()
    await page.wait_for_url("**/fund/analysis")
    await page.get_by_role("link", name="上季度").click()
    await page.wait_for_url("**/fund/analysis?span=*-Q*")
    span = page.url.rsplit("=", 1)[-1]
    assert await page.get_by_test_id("analysis-town").count() == 1
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "fund-quarterly-report.png"), full_page=True)
    async with page.expect_download() as download:
        await page.get_by_test_id("analysis-xlsx").click()
    saved = artifacts / f"fund-analysis-{span}.xlsx"
    await (await download.value).save_as(saved)
    book = load_workbook(BytesIO(saved.read_bytes()))
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 5
    assert span in book.active["A1"].value and "季度" in book.active["A1"].value

    await page.goto(f"{live_server}/fund/analysis/print?span={span}")
    assert await page.get_by_test_id("analysis-provider").count() == 1
    await check_accessibility(page)

    await page.goto(f"{live_server}/fund/budget")
    assert await page.get_by_test_id("budget-table").locator("tbody tr").count() == 24
    await check_accessibility(page)

    await page.goto(f"{live_server}/fund")
    assert await page.get_by_test_id("projection").count() == 1
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "fund-projection.png"), full_page=True)
    await context.close()
