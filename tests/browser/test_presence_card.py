"""The printable presence card in the browser: the bureau prints it at its desk (in Chinese and
in English), an agency opens it on the phone from the person's record and replaces it after
confirming; the new card's household code is the one printed. Every page passes the
accessibility check."""

from __future__ import annotations

import pytest

from tests.browser.steps import Confirmations, LiveApi, check_accessibility, sign_in
from tests.browser.test_person_record import DESK, PHONE, no_sideways_scroll

pytestmark = pytest.mark.browser


def placed_person(base: str) -> tuple[int, str]:
    """A demo beneficiary and the sign-in of the agency caring for them."""
    bureau = LiveApi(base, "bureau")
    placed = bureau.call("GET", "/api/v1/persons?care_status=beneficiary&limit=1")
    assert placed, "the demo's activity places beneficiaries"
    person_id = placed[0]["id"]
    provider_id = bureau.call("GET", f"/api/v1/persons/{person_id}/assignment")["provider_id"]
    return person_id, f"agency-{bureau.call('GET', f'/api/v1/providers/{provider_id}')['code']}"


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_the_bureau_prints_a_presence_card_at_its_desk(
    browser, live_server: str, artifacts, language: str
) -> None:
    person_id, _ = placed_person(live_server)
    context = await browser.new_context(viewport=DESK, locale=language)
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    card = f"/persons/{person_id}/presence-card"
    await page.goto(f"{live_server}/lang/en?next={card}" if language == "en" else f"{live_server}{card}")
    heading = "Home care presence card" if language == "en" else "居家上门服务在场卡"
    assert await page.get_by_role("heading", name=heading).is_visible()
    qr = page.get_by_test_id("card-qr").locator("svg")
    assert await qr.is_visible()
    box = await qr.bounding_box()
    assert box is not None and box["width"] >= 150, "a QR code a phone camera reads at arm's length"
    code = (await page.get_by_test_id("household-code").inner_text()).replace(" ", "")
    assert code.isdigit() and len(code) == 6
    await page.emulate_media(media="print")
    assert not await page.get_by_test_id("rotate-card").is_visible(), "the buttons are not printed"
    await page.emulate_media(media="screen")
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / f"presence-card-desk-{language}.png"), full_page=True)
    await context.close()


async def test_an_agency_replaces_a_card_on_the_phone_after_confirming(browser, live_server: str, artifacts) -> None:
    person_id, username = placed_person(live_server)
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_server, username)
    await page.goto(f"{live_server}/persons/{person_id}")
    await page.get_by_test_id("presence-card-link").click()
    await page.wait_for_url(f"**/persons/{person_id}/presence-card")
    before = await page.get_by_test_id("household-code").inner_text()
    generation = int(await page.get_by_test_id("card-generation").inner_text())
    await no_sideways_scroll(page, PHONE)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "presence-card-agency-phone.png"), full_page=True)

    confirmations = Confirmations(page, accept=False)
    await page.get_by_test_id("rotate-card").click()
    assert confirmations.asked and "在场卡" in confirmations.asked[0]
    assert int(await page.get_by_test_id("card-generation").inner_text()) == generation, "cancelled: no new card"
    confirmations.accept = True
    async with page.expect_navigation():
        await page.get_by_test_id("rotate-card").click()
    assert int(await page.get_by_test_id("card-generation").inner_text()) == generation + 1
    assert await page.get_by_test_id("household-code").inner_text() != before
    await check_accessibility(page)
    await context.close()
