"""A caregiver in their own name, on phones (390×844): the agency registers a caregiver with
their id number (a wrong one is told beside the field, the typed values kept), certificate and
working days, and opens the caregiver's own sign-in; the caregiver signs in on their own phone
and lands on their own day. In Chinese, then in English; every page passes the accessibility
check."""

from __future__ import annotations

from datetime import date

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import check_accessibility, sign_in, sign_in_first_time

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
OWN_PASSWORD = "Zhou-own-passw0rd"


async def phone(browser):
    return await browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)


async def test_an_agency_opens_a_caregivers_own_sign_in(browser, live_server: str, artifacts) -> None:
    id_number = make_id_number("330283", date(1985, 7, 9), 233, "F")
    wrong = id_number[:14] + str((int(id_number[14]) + 1) % 10) + id_number[15:]
    agency = await phone(browser)
    page = await agency.new_page()
    await sign_in(page, live_server, "agency-P02")
    await page.goto(f"{live_server}/caregivers/new")
    await page.get_by_label("姓名").fill("周敏")
    await page.get_by_label("身份证号").fill(wrong)
    await page.get_by_label("电话").fill("13900002222")
    await page.get_by_label("资质").select_option("elderly_carer")
    await page.get_by_label("资格证书编号").fill("YL-2023-0088")
    await page.get_by_label("证书有效期至").fill("2029-12-31")
    await page.get_by_label("每周工时").fill("36")
    await page.get_by_label("星期六").check()
    await page.get_by_test_id("save-caregiver").tap()
    # Refused beside the field; what was typed is still there.
    await page.wait_for_selector("[data-testid=error-id_number]")
    assert await page.get_by_label("电话").input_value() == "13900002222"
    assert await page.get_by_label("星期六").is_checked()
    await check_accessibility(page)
    await page.get_by_label("身份证号").fill(id_number)
    await page.get_by_test_id("save-caregiver").tap()
    await page.wait_for_selector("[data-testid=saved]")
    hint = await page.get_by_test_id("sign-in").inner_text()
    assert "开通账号" in hint
    assert id_number not in await page.content(), "the agency sees the id number masked"
    await page.get_by_label("用户名").fill("carer-zhou")
    await page.get_by_label("密码").fill(OWN_PASSWORD)
    await page.get_by_test_id("open-account-submit").tap()
    await page.wait_for_selector("[data-testid=saved]")
    assert "carer-zhou" in await page.get_by_test_id("sign-in").inner_text()
    assert await page.get_by_test_id("open-account").count() == 0, "one sign-in per caregiver"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "agency-caregiver-sign-in.png"), full_page=True)
    await agency.close()

    carer = await phone(browser)
    page = await carer.new_page()
    # the agency chose the first password: the caregiver sets their own first
    await sign_in_first_time(page, live_server, "carer-zhou", OWN_PASSWORD, OWN_PASSWORD + "-mine")
    assert page.url.endswith("/visits/day")
    await page.get_by_role("banner").get_by_role("button", name="菜单").tap()  # the phone folds the navigation
    nav = page.get_by_test_id("main-nav")
    assert await nav.get_by_role("link", name="我的服务").count() == 1
    assert await nav.get_by_role("link", name="护理人员").count() == 0
    await check_accessibility(page)
    await page.goto(f"{live_server}/lang/en?next=/visits/day")
    await page.wait_for_url("**/visits/day")
    await page.get_by_role("banner").get_by_role("button", name="Menu").tap()
    assert await page.get_by_test_id("main-nav").get_by_role("link", name="My visits").count() == 1
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "caregiver-own-day-en.png"), full_page=True)
    await carer.close()
