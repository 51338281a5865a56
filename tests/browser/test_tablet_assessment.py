"""An assessor completes an on-site assessment on a tablet held upright (768×1024): one
item per card with large options, the live score beside, a network drop in the middle
that loses nothing, and one submission."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import LiveApi, check_accessibility, sign_in

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}


def arrange_application(base: str) -> int:
    bureau, admin = LiveApi(base, "bureau"), LiveApi(base, "admin")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    person = bureau.call(
        "POST",
        "/api/v1/persons",
        {
            "id_number": make_id_number("330213", date(1938, 8, 8), 517, "F"),
            "name": "王桂英",
            "address": "溪口镇岩头村8号",
            "town": "溪口镇",
            "insured": True,
            "insured_since": "2022-01-01",
        },
    )
    dependent = dict.fromkeys(["eating", "continence", "bathing", "dressing", "toilet_use", "transfer"], "dependent")
    application = bureau.call(
        "POST",
        "/api/v1/applications",
        {
            "person_id": person["id"],
            "applied_on": today.isoformat(),
            "disabled_since": (today - timedelta(days=365)).isoformat(),
            "care_mode": "home",
            "self_eval": {"answers": dependent},
        },
    )
    users = {u["username"]: u["id"] for u in admin.call("GET", "/api/v1/users")}
    bureau.call(
        "POST",
        f"/api/v1/applications/{application['id']}/accept",
        {"assessor_ids": [users["assessor1"], users["expert1"]]},
    )
    return application["id"]


async def test_an_assessor_completes_an_assessment_on_a_tablet(browser, live_server: str, artifacts) -> None:
    application_id = arrange_application(live_server)
    context = await browser.new_context(viewport=TABLET, locale="zh-CN", has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_server, "assessor1")
    await page.get_by_test_id(f"assigned-{application_id}").click()
    await page.wait_for_url(f"**/assess/{application_id}")
    fieldsets = page.locator("fieldset.item")
    count = await fieldsets.count()
    assert count == 17, "the national standard's 17 items"

    box = await fieldsets.first.locator("label.option").first.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 48, "options are large touch targets"
    assert await page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

    # A photo of the room, taken and uploaded while online.
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
    await page.set_input_files(
        "[data-testid=add-photo] input",
        files=[
            {"name": "room.jpg", "mimeType": "image/jpeg", "buffer": photo},
        ],
    )
    await page.wait_for_selector("[data-testid=evidence-status]:has-text('已上传')")
    assert "照片" in await page.get_by_test_id("evidence-list").inner_text()

    # The first half online, the rest while the network is down.
    for index in range(count):
        if index == count // 2:
            await context.set_offline(True)
        await fieldsets.nth(index).locator("label.option").first.tap()
    assert await page.get_by_test_id("answered").inner_text() == "17"
    await page.wait_for_selector("[data-testid=net-status]:has-text('离线')")
    stored = await page.evaluate(
        f"Object.keys(JSON.parse(localStorage.getItem('ltc-assessment-{application_id}-1')).answers).length"
    )
    assert stored == 17, "every answer is kept on the tablet while offline"
    adl = await page.locator("[data-dim-score]").first.inner_text()
    assert adl == "0", "worst answers everywhere: ADL total 0"
    summary = await page.get_by_test_id("summary").bounding_box()
    assert summary["x"] > box["x"] + box["width"], "the live score sits beside the items"
    await page.screenshot(path=str(artifacts / "assessor-tablet-form.png"))
    await check_accessibility(page)

    await page.get_by_test_id("submit").tap()
    await page.wait_for_selector("[data-testid=net-status]:has-text('联网后自动提交')")
    await context.set_offline(False)
    await page.evaluate("window.dispatchEvent(new Event('online'))")
    await page.wait_for_selector("[data-testid=submitted]", timeout=15_000)
    assert "重度失能Ⅲ级" in await page.get_by_test_id("submitted").inner_text()
    await page.screenshot(path=str(artifacts / "assessor-tablet-submitted.png"), full_page=True)
    await check_accessibility(page)

    application = LiveApi(live_server, "bureau").call("GET", f"/api/v1/applications/{application_id}")
    assert application["status"] == "assessed"
    assert len(application["assessments"]) == 1 and application["assessments"][0]["level"] == 5
    evidence = LiveApi(live_server, "bureau").call("GET", f"/api/v1/applications/{application_id}/evidence")
    assert [(e["kind"], e["size_bytes"]) for e in evidence] == [("photo", len(photo))]
    await context.close()
