"""Working through a long list: the bureau at its desk narrows the providers and the
applications with the filter forms and pages on and back; the agency on its phone narrows the
day's visits and its exceptions. Every page passes the accessibility check, in Chinese and in
English."""

from __future__ import annotations

import pytest

from tests.browser.steps import check_accessibility, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


async def _codes(page) -> list[str]:
    return [
        c.strip() for c in await page.get_by_test_id("providers").locator("tbody tr td:first-child").all_inner_texts()
    ]


async def test_the_bureau_filters_the_providers_and_pages_through_them(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/providers?limit=5")
    first = await _codes(page)
    assert len(first) == 5 and first == sorted(first)
    await check_accessibility(page)
    await page.get_by_test_id("next-page").click()
    second = await _codes(page)
    assert second and second[0] > first[-1], "the next page starts after the last code shown"
    await page.get_by_role("link", name="第一页").click()
    assert await _codes(page) == first

    filters = page.get_by_test_id("provider-filters")
    await filters.get_by_label("类型").select_option("home")
    await filters.get_by_label("状态").select_option("active")
    await filters.get_by_role("button", name="查看").click()
    assert "kind=home" in page.url and "status=active" in page.url
    kinds = await page.get_by_test_id("providers").locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert kinds and set(kinds) == {"居家护理"}, kinds
    assert await filters.get_by_label("类型").input_value() == "home", "the filter keeps what was chosen"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "lists-providers-filtered.png"), full_page=True)
    await context.close()


async def test_the_bureau_narrows_the_applications_in_english(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=DESK, locale="en")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/lang/en?next=/applications")
    filters = page.get_by_test_id("application-filters")
    towns = await filters.get_by_label("Town").locator("option").all_inner_texts()
    assert towns[0] == "All towns" and all(t.isascii() for t in towns), towns
    await filters.get_by_label("Applied from").fill("2000-01-01")
    await filters.get_by_role("button", name="Show").click()
    assert "applied_from=2000-01-01" in page.url
    await check_accessibility(page)
    await page.goto(f"{live_server}/conclusions?status=active")
    await page.get_by_test_id("conclusion-filters").get_by_label("Level").select_option("4")
    await page.get_by_test_id("conclusion-filters").get_by_role("button", name="Show").click()
    assert "level=4" in page.url
    await check_accessibility(page)
    await page.goto(f"{live_server}/settlements")
    assert await page.get_by_test_id("settlement-filters").get_by_label("Status").count() == 1
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "lists-conclusions-en.png"), full_page=True)
    await context.close()


async def test_the_agency_narrows_its_day_and_its_exceptions_on_the_phone(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = await context.new_page()
    await sign_in(page, live_server, "agency-P01")
    await page.goto(f"{live_server}/visits?limit=3")
    filters = page.get_by_test_id("visit-filters")
    await filters.get_by_label("状态").select_option("planned")
    await filters.get_by_role("button", name="查看").click()
    assert "status=planned" in page.url and "limit" not in page.url
    badges = page.locator(".visit-card [data-status]")
    statuses = {await badges.nth(i).get_attribute("data-status") for i in range(await badges.count())}
    assert statuses <= {"planned"}, statuses
    await check_accessibility(page)
    await page.goto(f"{live_server}/visit-exceptions?status=")
    flags = page.get_by_test_id("exception-filters")
    await flags.get_by_label("标记").select_option("too_short")
    await flags.get_by_role("button", name="查看").click()
    assert "code=too_short" in page.url
    await check_accessibility(page)
    await page.goto(f"{live_server}/visit-alerts")
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "lists-agency-exceptions.png"), full_page=True)
    await context.close()
