"""A bureau officer at a desk works the fund's inputs: records a contribution (a refused amount
is kept in the field) and sees the fund move, prints an approved settlement's statement with
its approver and the amount in capital numerals, records a hospital stay and uploads a file
of them with a row-by-row report. In Chinese, and the contribution and statement in English."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ltc.domain.capital_numerals import capital_yuan
from ltc.domain.identity import make_id_number
from ltc.domain.money import format_yuan
from tests.browser.steps import LiveApi, check_accessibility, sign_in
from tests.browser.test_officer_settlement import arrange_submitted_settlement

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}


async def _accept_confirmations(page) -> None:
    async def accept(dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)


async def _record_contribution(page, base: str, source: str, amount: str) -> None:
    await page.goto(f"{base}/contributions")
    await page.get_by_test_id("contribution-form").locator("#f-source_id").fill(source)
    await page.get_by_test_id("contribution-form").locator("#f-amount").fill(amount)
    await page.get_by_test_id("record-contribution").click()


async def test_the_officer_records_a_contribution_and_sees_the_fund_move(browser, live_server: str, artifacts) -> None:
    api = LiveApi(live_server, "bureau")
    before = api.call("GET", "/api/v1/fund")
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await _accept_confirmations(page)
    await sign_in(page, live_server, "bureau")
    await page.get_by_test_id("main-nav").get_by_role("link", name="基金缴入").click()
    await page.wait_for_url("**/contributions")
    await check_accessibility(page)

    await _record_contribution(page, live_server, "BANK-20261201-01", "12.345")
    error = page.get_by_test_id("error-amount")
    assert "两位小数" in await error.inner_text()
    assert await page.locator("#f-amount").input_value() == "12.345", "what was typed is kept"
    assert await page.locator("#f-source_id").input_value() == "BANK-20261201-01"
    assert await page.locator("#f-amount").get_attribute("aria-invalid") == "true"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "fund-contribution-refused.png"), full_page=True)

    await page.locator("#f-amount").fill("250,000.50")
    await page.get_by_test_id("record-contribution").click()
    await page.wait_for_selector("[data-testid=recorded]")
    assert "BANK-20261201-01" in await page.get_by_test_id("contributions").inner_text()
    await page.get_by_role("link", name="查看基金").click()
    await page.wait_for_url("**/fund")
    balance = await page.get_by_test_id("balance").inner_text()
    assert balance == format_yuan(before["balance_fen"] + 25_000_050), "the fund moved by exactly the amount"
    assert await page.get_by_test_id("balance-chart").locator("rect").count() >= 12, "a year of the demo's fund"
    assert await page.get_by_test_id("fund-warning").count() == 0, "the demo's fund is healthy"
    assert float(await page.get_by_test_id("months-at-commitment").inner_text()) > 12, "a year of the plans' rate"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "fund-after-contribution.png"), full_page=True)
    await context.close()


async def test_the_officer_prints_a_statement_and_records_hospital_stays(browser, live_server: str, artifacts) -> None:
    settlement_id, _period, _code = arrange_submitted_settlement(live_server, code="S931", id_sequence=932, lat=30.75)
    id_number = make_id_number("330296", date(1936, 4, 2), 932, "F")
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await _accept_confirmations(page)
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/settlements/{settlement_id}")
    await page.get_by_test_id("approve").click()
    await page.wait_for_selector("[data-status=approved]")
    async with context.expect_page() as opened:
        await page.get_by_role("link", name="打印结算单").click()
    statement = await opened.value
    await statement.wait_for_load_state()
    assert await statement.get_by_test_id("approved-by").inner_text() != "尚未审批"
    assert "王敏" in await statement.get_by_test_id("approved-by").inner_text()
    assert "王敏" in await statement.get_by_test_id("reviewed-by").inner_text()
    assert await statement.get_by_test_id("capital-fund").inner_text() == f"人民币 {capital_yuan(5310)}"
    assert capital_yuan(5310) == "伍拾叁元壹角整"
    assert await statement.get_by_role("button", name="打印").is_visible()
    await check_accessibility(statement)
    await statement.screenshot(path=str(artifacts / "fund-statement-zh.png"), full_page=True)
    await statement.close()

    # The approved month is corrected from its page: a refused amount stays, then the correction.
    await page.get_by_test_id("correct").click()
    await page.wait_for_url(f"**/settlements/{settlement_id}/corrections/new")
    form = page.get_by_test_id("correction-form")
    await form.get_by_label("人员").select_option(label="周阿婆")
    await form.get_by_label("金额变动（元）").fill("-1.005")
    await form.get_by_label("原因").fill("服务时长核减")
    await page.get_by_test_id("record-correction").click()
    assert "两位小数" in await page.get_by_test_id("error-amount").inner_text()
    assert await form.get_by_label("原因").input_value() == "服务时长核减", "the reason typed is kept"
    await check_accessibility(page)
    await form.get_by_label("金额变动（元）").fill("-6.00")
    await page.get_by_test_id("record-correction").click()
    await page.wait_for_selector("[data-testid=corrected]")
    await page.screenshot(path=str(artifacts / "fund-correction-recorded.png"), full_page=True)

    await page.get_by_test_id("main-nav").get_by_role("link", name="住院与死亡").click()
    await page.wait_for_url("**/hospital-stays")
    await check_accessibility(page)
    stay = page.get_by_test_id("stay-form")
    await stay.get_by_label("身份证号码").fill(id_number)
    last_week = date.today() - timedelta(days=7)
    await stay.get_by_label("入院日期").fill(last_week.isoformat())
    await stay.get_by_label("出院日期").fill((last_week - timedelta(days=2)).isoformat())
    await page.get_by_test_id("record-stay").click()
    assert "不能早于" in await page.get_by_test_id("error-discharged_on").inner_text()
    assert await stay.get_by_label("身份证号码").input_value() == id_number, "the input is kept"
    await check_accessibility(page)
    await stay.get_by_label("出院日期").fill((last_week + timedelta(days=3)).isoformat())
    await stay.get_by_label("医院").fill("奉化区人民医院")
    await page.get_by_test_id("record-stay").click()
    await page.wait_for_selector("[data-testid=recorded]")

    unknown = make_id_number("330283", date(1931, 1, 2), 991, "M")
    csv_text = f"身份证号,入院日期,出院日期\n{id_number},{last_week.isoformat()},\n{unknown},{last_week.isoformat()},\n"
    upload = page.get_by_test_id("upload-form")
    await upload.get_by_label("住院", exact=True).check()
    await upload.get_by_label("CSV 文件").set_input_files(
        {"name": "stays.csv", "mimeType": "text/csv", "buffer": csv_text.encode("utf-8")}
    )
    await page.get_by_test_id("upload").click()
    await page.wait_for_selector("[data-testid=upload-report]")
    assert await page.get_by_test_id("recorded-count").inner_text() == "2 行中 1 行已登记"
    refused = await page.get_by_test_id("refused-rows").inner_text()
    assert "3" in refused and "没有登记此身份证号码的人员" in refused
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "fund-hospital-stays.png"), full_page=True)
    await context.close()


async def test_in_english_a_contribution_and_a_statement(browser, live_server: str, artifacts) -> None:
    settlement_id, _period, _code = arrange_submitted_settlement(live_server, code="S941", id_sequence=942, lat=30.55)
    context = await browser.new_context(viewport=DESK, locale="en")
    page = await context.new_page()
    await _accept_confirmations(page)
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/lang/en?next=/contributions")
    await page.wait_for_url("**/contributions")
    await _record_contribution(page, live_server, "BANK-EN-01", "-3")
    assert "more than 0" in await page.get_by_test_id("error-amount").inner_text()
    await page.locator("#f-amount").fill("1000")
    await page.get_by_role("button", name="Record the contribution").click()
    await page.wait_for_selector("[data-testid=recorded]")
    assert "recorded in the fund" in await page.get_by_test_id("recorded").inner_text()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "fund-contribution-en.png"), full_page=True)

    await page.goto(f"{live_server}/settlements/{settlement_id}")
    await page.get_by_test_id("approve").click()
    await page.wait_for_selector("[data-status=approved]")
    await page.goto(f"{live_server}/settlements/{settlement_id}/print")
    assert "Approved by" in await page.locator(".signatures").inner_text()
    assert await page.get_by_test_id("capital-fund").inner_text() == "RMB 伍拾叁元壹角整"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "fund-statement-en.png"), full_page=True)
    await context.close()
