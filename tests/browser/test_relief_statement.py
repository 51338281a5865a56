"""The bureau at a desk, one stop: it uploads the civil-affairs list naming a person on 低保,
the month is built and approved, and the relief fund's statement shows the person's personal
share paid by the relief fund; the officer records the fund's reimbursement, in Chinese and
then in English."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tests.browser.steps import Confirmations, LiveApi, check_accessibility, sign_in
from tests.browser.test_officer_settlement import DESK, arrange_submitted_settlement

pytestmark = pytest.mark.browser


async def test_the_bureau_uploads_the_list_and_reads_the_relief_statement(browser, live_server: str, artifacts) -> None:
    loop = asyncio.get_running_loop()
    registered: asyncio.Future[dict[str, Any]] = loop.create_future()
    uploaded = threading.Event()

    def before_build(person: dict[str, Any]) -> None:
        """The month waits to be built until the officer has uploaded the list in the browser."""
        loop.call_soon_threadsafe(registered.set_result, person)
        assert uploaded.wait(60), "the list was not uploaded"

    arranging = asyncio.create_task(
        asyncio.to_thread(
            arrange_submitted_settlement,
            live_server,
            code="S971",
            id_sequence=972,
            lat=31.25,
            before_build=before_build,
        )
    )
    person = await asyncio.wait_for(registered, 120)
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    try:
        await page.goto(f"{live_server}/relief/import")
        await check_accessibility(page)
        listing = "身份证号码,姓名,救助类别,起始日期,终止日期\n"
        listing += f"{person['id_number']},{person['name']},低保,2021-01-01,\n"
        listing += "110105194912310021,无此人,低保,2021-01-01,\n"
        await page.set_input_files(
            "#f-file", files=[{"name": "民政救助名单.csv", "mimeType": "text/csv", "buffer": listing.encode()}]
        )
        await page.get_by_test_id("start-relief-import").click()
        await page.wait_for_selector("[data-testid=relief-import-summary]", timeout=30_000)
        assert await page.get_by_test_id("created").inner_text() == "1"
        assert await page.locator("[data-testid=refusals] tr[data-row='3']").count() == 1
        assert "校验" in await page.locator("[data-testid=refusals] tr[data-row='3']").inner_text()
        await page.screenshot(path=str(artifacts / "relief-import.png"), full_page=True)
        await check_accessibility(page)
    finally:
        uploaded.set()
    settlement_id, period, _code = await arranging
    api = LiveApi(live_server, "bureau")
    settlement = api.call("GET", f"/api/v1/settlements/{settlement_id}")
    assert settlement["relief_fen"] == settlement["personal_fen"] == 590  # 59 min at 60.00/h, 10 % of it
    await page.goto(f"{live_server}/settlements/{settlement_id}")
    assert await page.get_by_test_id("relief").inner_text() == "5.90"
    confirmations = Confirmations(page)
    await page.get_by_test_id("approve").click()
    await page.wait_for_selector("[data-status=approved]")

    await page.goto(f"{live_server}/relief")
    await check_accessibility(page)
    await page.locator(f"[data-period='{period}'] a").click()
    await page.wait_for_url(f"**/relief/{period}")
    row = page.locator("[data-testid=statement-lines] tr", has_text=person["name"])
    assert "低保" in await row.inner_text() and person["id_number"] in await row.inner_text()
    assert "5.90" in await row.inner_text()
    await check_accessibility(page)
    await page.get_by_test_id("record-reimbursement").click()
    await page.wait_for_selector("[data-testid=reimbursed]")
    assert len(confirmations.asked) == 2  # the approval and the reimbursement were each confirmed
    await page.screenshot(path=str(artifacts / "relief-statement-zh.png"), full_page=True)

    await page.goto(f"{live_server}/lang/en")
    await page.goto(f"{live_server}/relief/{period}")
    assert "Relief fund statement" in await page.locator("h1").inner_text()
    assert "Reimbursed by the relief fund" in await page.get_by_test_id("reimbursed").inner_text()
    assert "Minimum living allowance" in await row.inner_text()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "relief-statement-en.png"), full_page=True)
    await page.goto(f"{live_server}/lang/zh")
    await context.close()
