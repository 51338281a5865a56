"""The bureau at its desk reads the towns and the rollout (each town's day, phase and figures,
the phases summed), then files an application for a person of 大堰镇, where the scheme is not
open yet: the form says beside the application date when it opens, with everything typed kept.
In Chinese and in English; every page checked with axe-core."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import check_accessibility, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
DAYAN = "330213012"
ITEMS = ("eating", "continence", "bathing", "dressing", "toilet_use", "transfer")
WORDS = {
    "zh": {
        "towns": "乡镇（街道）",
        "heading": "乡镇（街道）与分批开办",
        "not_open": "尚未开办",
        "pilot": "第1批（试点）",
        "register": "登记人员",
        "opens": "大堰镇将于2027年4月1日开办长期护理保险",
    },
    "en": {
        "towns": "Towns",
        "heading": "Towns and the rollout",
        "not_open": "not open yet",
        "pilot": "Phase 1 (pilot)",
        "register": "Register a person",
        "opens": "The scheme opens in Dayan on Apr 1, 2027",
    },
}


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_the_bureau_reads_the_rollout_and_an_application_from_dayan_waits_for_its_day(
    browser, live_server: str, artifacts: Path, language: str
) -> None:
    words = WORDS[language]
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    if language == "en":
        await page.goto(f"{live_server}/lang/en?next=/")
    assert await page.get_by_test_id("rollout-panel").is_visible()

    await page.get_by_test_id("main-nav").get_by_role("link", name=words["towns"], exact=True).click()
    await page.wait_for_url("**/towns")
    assert await page.get_by_role("heading", level=1).inner_text() == words["heading"]
    dayan = page.get_by_test_id(f"town-{DAYAN}")
    assert words["not_open"] in await dayan.inner_text()
    assert await page.get_by_test_id("town-330213007").locator("td").nth(1).inner_text() == "1"
    assert words["pilot"] in await page.get_by_test_id("phase-1").inner_text()
    assert words["not_open"] in await page.get_by_test_id("phase-4").inner_text()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / f"rollout-towns-{language}.png"), full_page=True)

    number = make_id_number("330294", date(1941, 7, 8 if language == "zh" else 9), 406, "M")
    await page.get_by_test_id("main-nav").get_by_role("link", name=words["register"]).click()
    await page.wait_for_url("**/intake/register")
    await page.fill("#f-id_number", number)
    await page.fill("#f-name", "大堰申请")
    await page.fill("#f-phone", "13855557777")
    await page.fill("#f-address", "大堰镇大堰村8号")
    await page.select_option("#f-town", DAYAN)
    await page.fill("#f-insured_since", "2020-01-01")
    await page.get_by_test_id("register").click()
    await page.wait_for_url("**/intake/apply/*")
    for item in ITEMS:
        await page.get_by_test_id(f"opt-{item}-dependent").check()
    await page.fill("#f-disabled_since", "2025-01-01")
    await page.select_option("#f-care_mode", "institutional")
    await page.get_by_test_id("apply").click()
    await page.get_by_test_id("error-applied_on").wait_for()
    assert (await page.get_by_test_id("error-applied_on").inner_text()).startswith(words["opens"])
    assert await page.input_value("#f-disabled_since") == "2025-01-01"
    assert await page.input_value("#f-care_mode") == "institutional"
    assert await page.get_by_test_id("opt-bathing-dependent").is_checked()
    assert "scheme_not_open_in_town" not in await page.content()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / f"rollout-apply-refused-{language}.png"), full_page=True)
    await context.close()
