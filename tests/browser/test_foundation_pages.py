"""A bureau officer signs in at a desk, starts a background job and watches it finish;
an agency signs in on a phone; the language switches to English; an administrator disables
a user and enables them again; the security administrator gives a role and the audit
administrator verifies the audit trail."""

from __future__ import annotations

import urllib.error

import pytest

from tests.browser.steps import LiveApi, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TEMP_PASSWORD = "Browser-pw-2026"  # kept by the password policy


async def test_bureau_runs_a_job_with_a_progress_bar(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    assert await page.locator("h1").inner_text() == "经办工作台"
    ungeocoded = int(await page.get_by_test_id("ungeocoded").inner_text())
    assert ungeocoded > 0
    await page.get_by_role("button", name="按地址定位").click()
    await page.wait_for_url("**/jobs/**")
    await page.wait_for_selector("[data-job-status=done]", timeout=30_000)
    assert await page.get_by_test_id("job-status").inner_text() == "已完成"
    assert await page.get_by_test_id("job-progress").evaluate("bar => bar.value") == 100
    assert await page.get_by_test_id("job-percent").inner_text() == "100%"
    assert "已定位" in await page.get_by_test_id("job-summary").inner_text()
    await page.screenshot(path=str(artifacts / "bureau-job-done.png"), full_page=True)
    await page.goto(f"{live_server}/")
    assert await page.get_by_test_id("ungeocoded").inner_text() == "0"
    await context.close()


async def test_agency_home_on_a_phone_and_english(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_server, "agency-P01")
    assert await page.get_by_test_id("caregivers").locator("li").count() >= 4
    # Nothing wider than the phone's screen.
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=str(artifacts / "agency-home-phone.png"), full_page=True)
    await page.get_by_role("banner").get_by_role("button", name="菜单").click()  # the languages are in the menu
    await page.get_by_role("link", name="English").click()
    await page.wait_for_selector("main >> text=Caregivers")  # the folded menu names the place too
    assert await page.locator("html").get_attribute("lang") == "en"
    await context.close()


async def test_admin_disables_a_user_and_enables_them_again(browser, live_server: str, artifacts) -> None:
    LiveApi(live_server, "admin").call(
        "POST", "/api/v1/users", {"username": "temp-expert", "password": TEMP_PASSWORD, "role": "expert"}
    )
    LiveApi(live_server, "temp-expert", TEMP_PASSWORD)  # can sign in
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation before disabling
    await sign_in(page, live_server, "admin")
    assert await page.locator("h1").inner_text() == "系统管理"
    await page.goto(f"{live_server}/users?role=expert")
    await page.get_by_test_id("user-temp-expert").click()
    toggle = page.get_by_test_id("toggle-active")
    assert await toggle.inner_text() == "停用"
    await toggle.click()
    await page.wait_for_selector("[data-testid=toggle-active]:text-is('启用')")  # the page again, reloaded
    await page.screenshot(path=str(artifacts / "admin-user-disabled.png"), full_page=True)
    with pytest.raises(urllib.error.HTTPError) as refused:
        LiveApi(live_server, "temp-expert", TEMP_PASSWORD)
    assert refused.value.code == 401
    await page.get_by_test_id("toggle-active").click()
    await page.wait_for_selector("[data-testid=toggle-active]:text-is('停用')")
    LiveApi(live_server, "temp-expert", TEMP_PASSWORD)  # signs in again
    await page.goto(f"{live_server}/users?role=sysadmin")
    await page.get_by_test_id("user-admin").click()
    assert await page.get_by_test_id("toggle-active").count() == 0  # no button to disable oneself
    await context.close()


async def test_the_security_administrator_gives_a_role_and_the_auditor_verifies_the_trail(
    browser, live_server: str, artifacts
) -> None:
    LiveApi(live_server, "admin").call(
        "POST", "/api/v1/users", {"username": "temp-assessor", "password": TEMP_PASSWORD, "role": "assessor"}
    )
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "secadmin")
    assert await page.locator("h1").inner_text() == "安全管理"
    await page.goto(f"{live_server}/users?role=sysadmin")
    await page.get_by_test_id("user-admin").click()
    assert await page.get_by_test_id("give-role").count() == 0  # an administrator's duty is fixed
    await page.goto(f"{live_server}/users?role=assessor")
    await page.get_by_test_id("user-temp-assessor").click()
    await page.get_by_label("角色", exact=True).select_option("expert")
    await page.get_by_test_id("give-role").click()
    await page.wait_for_selector("[data-testid=user-role]:text-is('评估专家')")
    assert LiveApi(live_server, "temp-assessor", TEMP_PASSWORD).call("GET", "/api/v1/me")["role"] == "expert"
    await page.screenshot(path=str(artifacts / "secadmin-role-given.png"), full_page=True)
    await context.close()

    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "auditor")
    assert await page.locator("h1").inner_text() == "审计"
    assert await page.get_by_test_id("users").count() == 0
    await page.get_by_test_id("verify-audit").click()
    result = page.get_by_test_id("verify-result")
    await result.wait_for()
    assert (await result.inner_text()).startswith("审计链完整")
    assignments = page.get_by_test_id("audit").locator("[data-action='user.assign_role']")
    assert await assignments.count() >= 1
    assert await assignments.first.inner_text() == "分配角色", "the action in words, its code kept aside"
    await page.screenshot(path=str(artifacts / "auditor-verified.png"), full_page=True)
    await context.close()
