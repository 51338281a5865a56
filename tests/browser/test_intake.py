"""A bureau officer at a desk registers a person (a mistyped id number is refused beside the
field, with what was typed kept), applies for them with the self-assessment whose grade shows
as the items are answered, and reads where the application stands; then imports an
enrolment registry with a few bad rows and reads which rows were refused and why. In Chinese,
and once in English; every page checked with axe-core."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import check_accessibility, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
ITEMS = ("eating", "continence", "bathing", "dressing", "toilet_use", "transfer")


def mistyped(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


async def desk(browser, live_server: str, language: str):
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    if language == "en":
        await page.goto(f"{live_server}/lang/en?next=/")
    return context, page


WORDS = {
    "zh": {
        "register": "登记人员",
        "check_digit": "身份证号码的校验码不符（可能输错了一位）",
        "registered": "已登记",
        "grade_g": "G级",
        "grade_c": "C级",
        "eligible": "该等级可以申请正式评估。",
        "ineligible": "该等级不能申请：只有 E、F和G 级可申请评估。",
        "submitted": "申请已提交",
        "under_way": "进行中",
        "import": "导入参保名册",
        "unknown_town": "辖区内没有这个乡镇（街道）",
        "duplicate": "本文件前面的行已有相同的身份证号码",
    },
    "en": {
        "register": "Register a person",
        "check_digit": "The id number's check character does not match (a digit mistyped?)",
        "registered": "Registered.",
        "grade_g": "Grade G",
        "grade_c": "Grade C",
        "eligible": "This grade may apply for a formal assessment.",
        "ineligible": "This grade may not apply: only grades E, F, and G are assessed.",
        "submitted": "Application submitted",
        "under_way": "under way",
        "import": "Import the registry",
        "unknown_town": "No such town in the district",
        "duplicate": "The same id number is on an earlier row of this file",
    },
}


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_register_apply_with_the_live_grade_and_see_the_status(
    browser, live_server: str, artifacts: Path, language: str
) -> None:
    words = WORDS[language]
    number = make_id_number("330296", date(1939, 5, 6 if language == "zh" else 7), 404, "F")
    context, page = await desk(browser, live_server, language)
    await page.get_by_test_id("main-nav").get_by_role("link", name=words["register"]).click()
    await page.wait_for_url("**/intake/register")
    await check_accessibility(page)

    # A mistyped check digit: refused beside the field, everything typed still there.
    await page.fill("#f-id_number", mistyped(number))
    await page.fill("#f-name", "浏览器登记")
    await page.fill("#f-phone", "13855556666")
    await page.fill("#f-address", "锦屏街道中山路18号")
    await page.select_option("#f-town", "330213001")
    await page.fill("#f-insured_since", "2019-03-01")
    await page.get_by_test_id("register").click()
    await page.get_by_test_id("error-id_number").wait_for()
    assert await page.get_by_test_id("error-id_number").inner_text() == words["check_digit"]
    assert await page.input_value("#f-name") == "浏览器登记"
    assert await page.input_value("#f-phone") == "13855556666"
    assert await page.input_value("#f-town") == "330213001"
    assert await page.get_attribute("#f-id_number", "aria-invalid") == "true"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / f"intake-register-refused-{language}.png"), full_page=True)

    await page.fill("#f-id_number", number)
    await page.get_by_test_id("register").click()
    await page.wait_for_url("**/intake/apply/*")
    assert words["registered"] in await page.get_by_test_id("registered").inner_text()
    assert await page.get_by_test_id("person-id-number").inner_text() == number

    # The grade shows as the items are answered.
    grade = page.get_by_test_id("self-eval-grade")
    verdict = page.get_by_test_id("self-eval-verdict")
    for item in ITEMS[:5]:
        await page.get_by_test_id(f"opt-{item}-dependent").check()
    assert await grade.inner_text() == "–"
    assert await page.get_by_test_id("self-eval-answered").inner_text() == "5"
    await page.get_by_test_id("opt-transfer-partly").check()
    # 3 of class a and 2 of class b dependent: grade F.
    assert await grade.get_attribute("data-grade") == "F"
    for item in ("eating", "continence", "bathing"):
        await page.get_by_test_id(f"opt-{item}-partly").check()
    await page.get_by_test_id("opt-transfer-dependent").check()
    assert await grade.inner_text() == words["grade_c"]
    assert await verdict.inner_text() == words["ineligible"]
    for item in ("eating", "continence", "bathing"):
        await page.get_by_test_id(f"opt-{item}-dependent").check()
    assert await grade.inner_text() == words["grade_g"]
    assert await verdict.inner_text() == words["eligible"]
    await page.fill("#f-disabled_since", "2025-01-01")
    await page.select_option("#f-care_mode", "home")
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / f"intake-apply-graded-{language}.png"), full_page=True)

    await page.get_by_test_id("apply").click()
    await page.wait_for_url("**/intake/applications/*")
    steps = page.get_by_test_id("steps")
    assert words["submitted"] in await steps.locator("[data-step=submitted]").inner_text()
    assert words["under_way"] in await steps.locator("[data-step=accepted]").inner_text()
    assert await steps.locator("[aria-current=step]").get_attribute("data-step") == "accepted"
    assert await page.get_by_test_id("grade").inner_text() == "G"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / f"intake-application-status-{language}.png"), full_page=True)
    await context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_import_a_registry_with_a_few_bad_rows(
    browser, live_server: str, artifacts: Path, tmp_path: Path, language: str
) -> None:
    words = WORDS[language]
    base = date(1944, 1, 1) if language == "zh" else date(1944, 2, 1)
    good = [make_id_number("330295", base.replace(day=day), 405, "M") for day in range(1, 6)]
    registry = tmp_path / f"registry-{language}.csv"
    with registry.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["身份证号码", "姓名", "性别", "联系电话", "乡镇（街道）", "参保状态"])
        writer.writerows([number, f"名册{i}", "男", "13800000000", "锦屏街道", "参保"] for i, number in enumerate(good))
        writer.writerow([mistyped(good[0]), "错号", "男", "", "锦屏街道", "参保"])  # row 7
        writer.writerow([make_id_number("330295", base, 407, "M"), "无镇", "男", "", "火星镇", "参保"])  # row 8
        writer.writerow([good[1], "重复", "男", "", "锦屏街道", "参保"])  # row 9
    context, page = await desk(browser, live_server, language)
    await page.get_by_test_id("main-nav").get_by_role("link", name=words["import"]).click()
    await page.wait_for_url("**/intake/import")
    await check_accessibility(page)
    await page.set_input_files("#f-file", str(registry))
    await page.get_by_test_id("start-import").click()
    await page.wait_for_url("**/intake/import/*")
    await page.get_by_test_id("import-summary").wait_for(timeout=30_000)
    assert await page.get_by_test_id("created").inner_text() == "5"
    assert await page.get_by_test_id("refused").inner_text() == "3"
    rows = page.get_by_test_id("refusals").locator("tbody tr")
    assert [await row.get_attribute("data-row") for row in await rows.all()] == ["7", "8", "9"]
    assert words["check_digit"] in await rows.nth(0).inner_text()
    assert words["unknown_town"] in await rows.nth(1).inner_text()
    assert words["duplicate"] in await rows.nth(2).inner_text()
    assert await page.get_by_test_id("import-progress").evaluate("bar => bar.value") == 1
    async with page.expect_download() as download:
        await page.get_by_test_id("refusals-csv").click()
    saved = tmp_path / "refusals.csv"
    await (await download.value).save_as(saved)
    assert len(saved.read_text(encoding="utf-8-sig").splitlines()) == 4
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / f"intake-import-report-{language}.png"), full_page=True)
    await context.close()
