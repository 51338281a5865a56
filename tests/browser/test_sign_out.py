"""Signing out ends the session on the server: neither the back button nor the old cookie
brings the signed-in page back."""

from __future__ import annotations

import pytest

from tests.browser.steps import check_accessibility, sign_in

pytestmark = pytest.mark.browser


async def test_after_signing_out_the_back_button_and_the_old_cookie_give_the_sign_in_page(
    browser, live_server: str, artifacts
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    assert await page.locator("h1").inner_text() == "经办工作台"
    kept = [c for c in await context.cookies() if c["name"] == "ltc_session"]
    assert kept and kept[0]["httpOnly"]
    await page.get_by_role("button", name="退出").click()
    await page.wait_for_url("**/login")
    await page.go_back()
    await page.wait_for_load_state()
    assert "/login" in page.url
    assert await page.get_by_role("button", name="登录").count() == 1
    await page.screenshot(path=str(artifacts / "signed-out-back.png"), full_page=True)
    await check_accessibility(page)  # the sign-in page
    await context.close()

    # Someone who kept the cookie from before the sign-out gets the sign-in page too.
    replay = await browser.new_context(locale="zh-CN")
    await replay.add_cookies(kept)
    again = await replay.new_page()
    await again.goto(f"{live_server}/")
    assert "/login" in again.url
    await replay.close()
