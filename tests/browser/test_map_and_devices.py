"""Each reader's device, measured in the browser: the bureau's map at a desk zooms and pans
with the wheel, a drag, the buttons and the keys, with a legend and labels that never overlap;
an agency's phone has a top bar of one row whose menu holds a full-size 'Sign out', and the
settlement lines as readable cards; an assessor's tablet keeps the network notice in sight
however far down the items they work. Over the city's own tile server (a stand-in here), the
map is drawn by the vendored Leaflet and the tiles, from another origin, load."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.browser.conftest import running_demo
from tests.browser.steps import check_accessibility, sign_in, wait_until
from tests.browser.test_officer_settlement import PASSWORD, arrange_submitted_settlement
from tests.browser.test_tablet_assessment import arrange_application

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}

VISIBLE_LABELS = """() => {
  const frame = document.querySelector('[data-map] svg').getBoundingClientRect();
  return Array.from(document.querySelectorAll('[data-label-level]'))
    .filter(g => g.getAttribute('display') !== 'none')
    .flatMap(g => Array.from(g.querySelectorAll('text')))
    .map(t => { const r = t.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height, text: t.textContent}; })
    .filter(r => r.x < frame.right && r.x + r.w > frame.left && r.y < frame.bottom && r.y + r.h > frame.top);
}"""


def overlaps(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of label boxes that overlap by more than half a pixel either way."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            across = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            down = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if across > 0.5 and down > 0.5:
                found.append((a["text"], b["text"]))
    return found


async def view_box(page) -> list[float]:
    return [float(v) for v in (await page.get_by_test_id("map").get_attribute("viewBox")).split()]


async def labels_apart(page) -> int:
    boxes = await page.evaluate(VISIBLE_LABELS)
    assert overlaps(boxes) == [], overlaps(boxes)
    return len(boxes)


async def test_the_bureau_zooms_and_pans_the_map_at_a_desk(browser, live_server: str, artifacts) -> None:
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(live_server) else None)
    await sign_in(page, live_server, "bureau")
    await page.get_by_test_id("main-nav").get_by_role("link", name="地图").click()
    await page.wait_for_url("**/map")
    legend = page.get_by_test_id("map-legend")
    assert await legend.is_visible()
    assert "图例" in await legend.inner_text() and "服务半径" in await legend.inner_text()
    full = await view_box(page)
    assert full[:2] == [0, 0]
    assert await labels_apart(page) >= 5
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "map-desk-whole.png"), full_page=True)

    # The + button doubles the zoom: half the drawing across, the next level's labels.
    await page.get_by_role("button", name="放大").click()
    zoomed = await view_box(page)
    assert zoomed[2] == pytest.approx(full[2] / 2, abs=0.1)
    assert await page.get_by_test_id("map-zoom").inner_text() == "2×"
    assert await page.locator("[data-label-level='1']").get_attribute("display") == "inline"
    await labels_apart(page)

    # The wheel zooms in further around the pointer; a drag moves the view.
    # (Under a loaded machine a wheel can land before the page settles: the pointer is put back
    # over the map's centre and the wheel turned again, a few times at most.)
    for _ in range(5):
        await page.get_by_test_id("map").scroll_into_view_if_needed()
        svg = await page.get_by_test_id("map").bounding_box()
        centre = (svg["x"] + svg["width"] / 2, svg["y"] + svg["height"] / 2)
        await page.mouse.move(*centre)
        await page.mouse.wheel(0, -600)
        try:
            await wait_until(page, "() => Number(document.querySelector('[data-map]').dataset.zoom) > 2.5", timeout=3)
            break
        except AssertionError:
            continue
    await wait_until(page, "() => Number(document.querySelector('[data-map]').dataset.zoom) > 2.5")
    wheeled = await view_box(page)
    assert wheeled[2] < zoomed[2]
    await page.mouse.down()
    await page.mouse.move(centre[0] - 150, centre[1] - 100, steps=6)
    await page.mouse.up()
    dragged = await view_box(page)
    assert dragged[0] > wheeled[0] and dragged[1] > wheeled[1], "dragging left and up shows what lies right and below"
    assert dragged[2] == pytest.approx(wheeled[2])
    await labels_apart(page)
    await page.screenshot(path=str(artifacts / "map-desk-zoomed.png"))

    # The keyboard: arrows move, − zooms out, 0 shows the whole map again.
    await page.locator("[data-map]").focus()
    before = await view_box(page)
    await page.keyboard.press("ArrowLeft")
    assert (await view_box(page))[0] < before[0]
    await page.keyboard.press("-")
    assert (await view_box(page))[2] > before[2]
    await page.keyboard.press("0")
    assert await view_box(page) == full
    await labels_apart(page)
    await check_accessibility(page)

    # The whole page in English.
    await page.goto(f"{live_server}/lang/en?next=/map")
    assert "Legend" in await page.get_by_test_id("map-legend").inner_text()
    await page.get_by_role("button", name="Zoom in").click()
    await page.get_by_role("button", name="Zoom in").click()
    assert await page.get_by_test_id("map-zoom").inner_text() == "4×"
    await labels_apart(page)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "map-desk-english.png"), full_page=True)
    assert outside == [], "the map asks no other host for anything"
    await context.close()


async def sign_in_with(page, base: str, username: str, password: str) -> None:
    await page.goto(f"{base}/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{base}/")


async def test_an_agency_phone_has_a_one_row_top_bar_and_readable_settlement_lines(
    browser, live_server: str, artifacts
) -> None:
    settlement_id, _, code = arrange_submitted_settlement(
        live_server, code="S902", id_sequence=404, lat=31.05, lon=120.55
    )
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = await context.new_page()
    await sign_in_with(page, live_server, f"agency-{code.lower()}", PASSWORD)

    bar = await page.get_by_role("banner").bounding_box()
    assert bar["height"] <= 64, bar
    toggle = page.get_by_role("banner").get_by_role("button", name="菜单")
    assert await toggle.get_attribute("aria-expanded") == "false"
    sign_out = page.get_by_role("button", name="退出")
    assert not await sign_out.is_visible() and not await page.get_by_test_id("main-nav").is_visible()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "phone-top-bar-closed.png"))

    # The menu opens from the keyboard too, and Escape closes it.
    await toggle.focus()
    await page.keyboard.press("Enter")
    assert await toggle.get_attribute("aria-expanded") == "true"
    box = await sign_out.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    assert await page.get_by_test_id("main-nav").get_by_role("link", name="结算").is_visible()
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "phone-top-bar-menu.png"), full_page=True)
    await page.keyboard.press("Escape")
    assert await toggle.get_attribute("aria-expanded") == "false"
    assert not await sign_out.is_visible()

    # The settlement's lines: a card per line, no cell squeezed, nothing scrolls sideways.
    await page.goto(f"{live_server}/settlements/{settlement_id}")
    await page.get_by_text("计入的服务").click()
    await assert_cells_readable(page)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "phone-settlement-lines.png"), full_page=True)

    await page.goto(f"{live_server}/lang/en?next=/settlements/{settlement_id}")
    assert await page.get_by_role("banner").get_by_role("button", name="Menu").is_visible()
    assert (await page.get_by_role("banner").bounding_box())["height"] <= 64
    await assert_cells_readable(page)
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "phone-settlement-lines-english.png"), full_page=True)
    await context.close()


async def assert_cells_readable(page) -> None:
    """No cell is narrower than four characters, unless its whole text fits on one line there
    (a short value such as '#12' needs no more); nothing scrolls sideways."""
    cells = await page.evaluate(
        """() => Array.from(document.querySelectorAll('table.data td'))
          .filter(td => td.offsetParent !== null && td.textContent.trim())
          .map(td => {
            const range = document.createRange();
            range.selectNodeContents(td);
            const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
            return {text: td.textContent.trim(), width: td.getBoundingClientRect().width,
                    em: parseFloat(getComputedStyle(td).fontSize), lines: lines.size};
          })"""
    )
    assert len(cells) >= 7, cells
    squeezed = [cell for cell in cells if cell["width"] < 4 * cell["em"] and cell["lines"] > 1]
    assert squeezed == [], squeezed
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


async def test_the_offline_notice_stays_in_sight_on_a_tablet(browser, live_server: str, artifacts) -> None:
    application_id = arrange_application(live_server, serial=519, name="赵秀英")
    context = await browser.new_context(viewport=TABLET, locale="zh-CN", has_touch=True)
    page = await context.new_page()
    await sign_in(page, live_server, "assessor1")
    await page.goto(f"{live_server}/assess/{application_id}")
    await check_accessibility(page)
    await context.set_offline(True)
    items = page.locator("fieldset.item")
    await items.first.locator("label.option").first.tap()
    notice = page.get_by_test_id("net-status")
    await page.wait_for_selector("[data-testid=net-status]:has-text('离线')")
    for index in (await items.count() // 2, await items.count() - 1):
        await items.nth(index).scroll_into_view_if_needed()
        await items.nth(index).locator("label.option").first.tap()
        box = await notice.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= TABLET["height"], box
        on_top = await page.evaluate(
            """([x, y]) => document.elementFromPoint(x, y).closest('[data-testid=net-status]') !== null""",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert on_top, "nothing covers the notice"
        assert await page.evaluate("window.scrollY") > 800
    summary = await page.get_by_test_id("summary").bounding_box()
    box = await notice.bounding_box()
    assert summary["y"] >= box["y"] + box["height"], "the live score sits below the notice, not under it"
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "tablet-offline-notice.png"))
    await context.set_offline(False)
    await context.close()


# A 1×1 grey PNG: what the stand-in tile server answers for every tile.
TILE_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
    "0000000a49444154789c636800000082008177cd72b60000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def tile_server() -> Iterator[tuple[str, list[str]]]:
    """A stand-in for the city's tile server on another port (so another origin): every path
    answers the same PNG, and the paths asked for are kept."""
    requested: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(TILE_PNG)))
            self.end_headers()
            self.wfile.write(TILE_PNG)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", requested
    server.shutdown()


@pytest.fixture(scope="module")
def tiled_server(tmp_path_factory, tile_server, live_server) -> Iterator[str]:
    tiles, _ = tile_server
    with running_demo(
        tmp_path_factory, LTC_MAP_TILE_URL=f"{tiles}/{{z}}/{{x}}/{{y}}.png", LTC_MAP_TILE_ATTRIBUTION="© 测试图源"
    ) as base:
        yield base


async def test_over_the_citys_own_tiles_the_map_is_drawn_by_leaflet(
    browser, tiled_server: str, tile_server, artifacts
) -> None:
    tiles, requested = tile_server
    context = await browser.new_context(viewport=DESK, locale="zh-CN")
    page = await context.new_page()
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    await sign_in(page, tiled_server, "bureau")
    response = await page.goto(f"{tiled_server}/map")
    assert tiles in response.headers["content-security-policy"]
    await page.wait_for_selector("[data-tile-map][data-ready=true]")
    await wait_until(page, "() => document.querySelectorAll('img.leaflet-tile-loaded').length > 0")
    assert requested and all(re.fullmatch(r"/\d+/\d+/\d+\.png", path) for path in requested), requested
    assert await page.locator(".leaflet-overlay-pane path").count() > 20  # radii, providers, people, lines
    assert "© 测试图源" in await page.locator(".leaflet-control-attribution").inner_text()
    assert await page.get_by_test_id("map-legend").is_visible()
    deepest = max(int(path.split("/")[1]) for path in requested)
    await page.get_by_role("button", name="放大").click()
    # A tile of the next zoom level has arrived from the tile server and is shown.
    await wait_until(
        page,
        """zoom => Array.from(document.querySelectorAll('img.leaflet-tile-loaded'))
             .some(img => new URL(img.src).pathname.split('/')[1] === String(zoom))""",
        deepest + 1,
    )
    assert max(int(path.split("/")[1]) for path in requested) == deepest + 1
    await check_accessibility(page)
    await page.screenshot(path=str(artifacts / "map-desk-tiles.png"))
    assert refused == [], refused
    await context.close()
