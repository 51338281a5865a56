"""Every role finds its places from any page: the navigation names only the places the role
acts in, with the count of work waiting; the person search sits in the top bar for those who
work with persons; every home page passes the accessibility check; the phone folds the
navigation behind a menu button; irreversible steps ask first."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import LiveApi, check_accessibility, sign_in

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}

# Role, device, places its navigation must offer, places it must not, whether it searches persons.
SELF_EVAL_ITEMS = ["eating", "continence", "bathing", "dressing", "toilet_use", "transfer"]

ROLES = [
    ("bureau", DESK, {"首页", "申请队列", "结算", "基金"}, {"待评估"}, True),
    ("assessor1", TABLET, {"首页", "待评估"}, {"结算", "基金", "申请队列"}, True),
    ("agency-P01", PHONE, {"首页", "上门服务", "结算"}, {"基金", "申请队列", "待评估"}, True),
    ("admin", DESK, {"首页"}, {"基金", "结算", "上门服务"}, False),
    ("auditor", DESK, {"首页"}, {"基金", "结算", "上门服务"}, False),
]


@pytest.mark.parametrize(("username", "viewport", "offered", "withheld", "searches"), ROLES)
async def test_each_role_sees_its_own_places(
    browser, live_server: str, artifacts, username, viewport, offered, withheld, searches
) -> None:
    context = await browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE)
    page = await context.new_page()
    await sign_in(page, live_server, username)
    nav = page.get_by_test_id("main-nav")
    if viewport is PHONE:
        toggle = nav.get_by_role("button", name="菜单")
        assert await toggle.get_attribute("aria-expanded") == "false"
        assert not await nav.locator("ul").is_visible()
        await toggle.click()
        assert await toggle.get_attribute("aria-expanded") == "true"
    labels = {text.split()[0] for text in await nav.locator("li a").all_inner_texts()}
    assert offered <= labels, labels
    assert not (withheld & labels), labels
    assert await page.locator("[aria-current=page]").inner_text() == "首页"
    assert await page.get_by_test_id("person-search").count() == (1 if searches else 0)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / f"navigation-{username}.png"), full_page=True)
    await context.close()


async def test_the_bureau_sees_waiting_work_counted_and_the_icon(browser, live_server: str) -> None:
    context = await browser.new_context(viewport=DESK, locale="en")
    page = await context.new_page()
    await sign_in(page, live_server, "bureau")
    await page.goto(f"{live_server}/lang/en?next=/settlements")
    nav = page.get_by_test_id("main-nav")
    current = nav.locator("[aria-current=page]")
    assert (await current.inner_text()).startswith("Settlements")
    applications = nav.get_by_role("link", name="Applications")
    before = await _count(applications)
    _file_an_application(live_server)
    await page.reload()
    assert await _count(applications) == before + 1
    icon = await page.request.get(f"{live_server}/favicon.ico")
    assert icon.ok and "svg" in icon.headers["content-type"]
    await check_accessibility(page)
    await context.close()


async def _count(link) -> int:
    badge = link.get_by_test_id("todo-count")
    return int(await badge.inner_text()) if await badge.count() else 0


def _file_an_application(base: str) -> None:
    bureau = LiveApi(base, "bureau")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    person = bureau.call(
        "POST",
        "/api/v1/persons",
        {
            "id_number": make_id_number("330213", date(1940, 3, 9), 731, "M"),
            "name": "陈德明",
            "address": "莼湖街道桥头村3号",
            "town": "莼湖街道",
            "insured": True,
            "insured_since": "2021-01-01",
        },
    )
    bureau.call(
        "POST",
        "/api/v1/applications",
        {
            "person_id": person["id"],
            "applied_on": today.isoformat(),
            "disabled_since": (today - timedelta(days=400)).isoformat(),
            "care_mode": "home",
            "self_eval": {"answers": dict.fromkeys(SELF_EVAL_ITEMS, "dependent")},
        },
    )
