"""The fund supervisor at a desk reads the assessment quality page (flags, the assessors'
tests with their p-values), draws conclusions for spot re-assessment and records what the
second team found; in Chinese and in English, each view accessible."""

from __future__ import annotations

import pytest

from tests.browser.steps import Confirmations, check_accessibility, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}


async def test_the_supervisor_draws_and_follows_spot_re_assessments(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    confirmations = Confirmations(page)
    await sign_in(page, live_server, "supervisor1")
    await page.get_by_test_id("main-nav").get_by_role("link", name="评估质量").click()
    await page.wait_for_url("**/assessment-quality")
    assert "p 值" in await page.get_by_test_id("assessor-tests").inner_text()
    await check_accessibility(page)

    await page.get_by_test_id("draw").click()
    await page.wait_for_selector("[data-testid=drawn]")
    assert confirmations.asked, "drawing asks first"
    rows = page.get_by_test_id("spot-checks").locator("tbody tr")
    assert "待复评" in await rows.first.inner_text()
    concluded = (await rows.first.locator("td").nth(1).inner_text()).strip()
    await page.locator("#f-level").fill(concluded)
    await page.get_by_test_id("record-spot").click()
    await page.wait_for_url("**/assessment-quality#spot-checks")
    assert "与结论一致" in await page.get_by_test_id("spot-checks").inner_text()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "assessment-quality.png"), full_page=True)

    await page.goto(f"{live_server}/lang/en")
    await page.goto(f"{live_server}/assessment-quality")
    assert "Agrees with the conclusion" in await page.get_by_test_id("spot-checks").inner_text()
    await check_accessibility(page)
    await context.close()
