"""Administration at the desk (1440×900): the system administrator opens an agency user's
account and that user signs in with the one-time password and chooses their own; the bureau
registers a provider, designates it (only the steps its state allows are offered) and records
an evaluation; the audit administrator searches the audit trail and reads it in words, in
Chinese and in English. Every page visited passes the accessibility check."""

from __future__ import annotations

import pytest

from tests.browser.steps import check_accessibility, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
STEPS = ("designate", "activate", "suspend", "reinstate", "terminate")


async def _nav_labels(page) -> set[str]:
    texts = await page.get_by_test_id("main-nav").locator("li a").all_inner_texts()
    return {text.split(" ")[0].strip() for text in texts}


async def _offered_steps(page) -> set[str]:
    return {step for step in STEPS if await page.get_by_test_id(f"agreement-{step}").count()}


async def test_admin_opens_an_agency_account_and_its_holder_signs_in(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "admin")
    assert {"用户", "政策"} <= await _nav_labels(page)
    await check_accessibility(page)
    await page.get_by_test_id("main-nav").get_by_role("link", name="用户").click()
    await page.wait_for_url("**/users")
    await check_accessibility(page)
    await page.get_by_test_id("new-user").click()
    await page.get_by_label("用户名").fill("agency-new")
    await page.get_by_label("姓名").fill("新机构 联络员")
    await page.get_by_label("角色").select_option("agency")
    await page.get_by_test_id("open-account").click()  # no provider yet: refused beside the form
    await page.wait_for_selector("[data-testid=error-provider_id]")
    assert await page.get_by_label("用户名").input_value() == "agency-new"
    await check_accessibility(page)
    provider = page.get_by_label("护理机构", exact=True)
    await provider.select_option(index=1)
    await page.screenshot(path=str(artifacts / "admin-open-account.png"), full_page=True)
    await page.get_by_test_id("open-account").click()
    password = await page.get_by_test_id("one-time-password").inner_text()
    assert len(password) >= 10
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "admin-one-time-password.png"), full_page=True)
    await page.get_by_role("link", name="返回该账号").click()
    assert await page.get_by_test_id("user-role").inner_text() == "护理机构"
    await check_accessibility(page)
    await context.close()

    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = await context.new_page()
    await page.goto(f"{live_server}/")
    await page.get_by_label("用户名").fill("agency-new")
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/password?expired=1**")
    await check_accessibility(page)
    await page.get_by_label("当前密码").fill(password)
    await page.get_by_label("新密码", exact=True).fill("Agency-own-2026")
    await page.get_by_label("再次输入新密码").fill("Agency-own-2026")
    await page.get_by_role("button", name="修改密码").click()
    await page.wait_for_url(f"{live_server}/")
    assert "新机构 联络员" in await page.get_by_test_id("who").inner_text()
    await check_accessibility(page)
    await context.close()


async def test_bureau_registers_designates_and_evaluates_a_provider(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # each agreement step asks first
    await sign_in(page, live_server, "bureau")
    assert {"护理机构", "地图", "机构分配", "政策"} <= await _nav_labels(page)
    await page.get_by_test_id("main-nav").get_by_role("link", name="护理机构").click()
    await check_accessibility(page)
    await page.get_by_test_id("new-provider").click()
    await page.get_by_label("编码").fill("P90")
    await page.get_by_label("机构名称").fill("浏览器护理站")
    await page.get_by_label("类型").select_option("home")
    await page.get_by_label("纬度").fill("29.66")
    await page.get_by_label("经度").fill("121.41")
    await page.get_by_label("服务半径（公里）").fill("8")
    await page.get_by_label("容量（人）").fill("abc")
    await page.get_by_label("居家护理每小时价格（元）").fill("62.5")
    await page.get_by_test_id("register-provider").click()  # refused: the capacity is no number
    await page.wait_for_selector("[data-testid=error-capacity]")
    assert await page.get_by_label("机构名称").input_value() == "浏览器护理站"
    await check_accessibility(page)
    await page.get_by_label("容量（人）").fill("20")
    await page.get_by_test_id("register-provider").click()
    await page.wait_for_selector("[data-testid=provider-status]:text-is('申请中')")
    assert await _offered_steps(page) == {"designate", "terminate"}
    await check_accessibility(page)
    designate = page.get_by_test_id("agreement-designate")
    await designate.get_by_label("定点批次").fill("2026-09")
    await designate.get_by_label("原因").fill("第三批定点")
    await page.get_by_test_id("do-designate").click()
    await page.wait_for_selector("[data-testid=provider-status]:text-is('已定点')")
    assert await _offered_steps(page) == {"activate", "terminate"}
    evaluation = page.get_by_test_id("evaluation-form")
    await evaluation.get_by_label("年度").fill("2025")
    await evaluation.get_by_label("分数（0–100）").fill("86")
    await evaluation.get_by_label("备注").fill("服务规范，记录完整")
    await page.get_by_test_id("record-evaluation").click()
    await page.wait_for_selector("[data-testid=evaluations] td:text-is('86')")
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "bureau-provider-designated.png"), full_page=True)
    await page.get_by_test_id("main-nav").get_by_role("link", name="政策", exact=True).click()
    await page.wait_for_selector("[data-testid=policy-versions]")
    await check_accessibility(page)
    await page.get_by_test_id("main-nav").get_by_role("link", name="机构分配").click()
    assert await page.get_by_test_id("place-waiting").count() == 1
    await check_accessibility(page)
    await context.close()


async def test_auditor_searches_the_audit_trail_in_words(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "auditor")
    assert "审计日志" in await _nav_labels(page)
    await page.get_by_test_id("main-nav").get_by_role("link", name="审计日志").click()
    await page.get_by_label("操作人（用户名）").fill("auditor")
    await page.get_by_label("操作", exact=True).select_option("sign_in.success")
    await page.get_by_test_id("audit-search").click()
    await page.wait_for_url("**/audit?**")
    actions = await page.get_by_test_id("audit-action").all_inner_texts()
    assert actions and set(actions) == {"登录成功"}
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "auditor-audit-search.png"), full_page=True)

    await page.get_by_role("link", name="English").click()
    await page.wait_for_selector("html[lang=en]")
    actions = await page.get_by_test_id("audit-action").all_inner_texts()
    assert actions and set(actions) == {"Signed in"}
    await page.get_by_label("Who (username)").fill("")
    await page.get_by_label("What", exact=True).select_option("")
    await page.get_by_label("From", exact=True).fill("2020-01-01")
    await page.get_by_test_id("audit-search").click()
    await page.wait_for_selector("[data-testid=audit-action]")
    shown = set(await page.get_by_test_id("audit-action").all_inner_texts())
    assert not any("." in words for words in shown), shown  # words, never codes
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "auditor-audit-search-en.png"), full_page=True)
    await context.close()
