"""The caregiver's phone app with no signal (390×844): opened once online, the app keeps its shell
and today's and tomorrow's visits; the phone is restarted with no network (every page closed,
opened again offline), the caregiver checks in by typing the card's code, checks out with an item
and the family's signature, the records wait on the phone with their marks and count, and once
the network is back they are sent and the visit is verified with the marks cleared. Also: the
card's time code as the phone computes it, and a record the server refuses shown on its visit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ltc.domain.identity import make_id_number
from tests.browser.steps import check_accessibility
from tests.browser.test_phone_visit import HOME, PASSWORD, arrange_visit, no_sideways_scroll, phone, sign_in, waiting
from tests.helpers import DEMO_PASSWORD

THIS_HOME = (HOME[0] - 0.05, HOME[1])  # 5.5 km south of the other phone test's home


def totp(secret: str, at: datetime) -> str:
    """RFC 6238 as the server checks it: HMAC-SHA1 of the 30-second step, 6 digits."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at.timestamp()) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


async def sign_the_pad(page) -> None:
    pad = page.get_by_test_id("signature-pad")
    await pad.scroll_into_view_if_needed()
    box = await pad.bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + 30, box["y"] + 100)
    await page.mouse.down()
    for step in range(1, 12):
        await page.mouse.move(box["x"] + 30 + step * 22, box["y"] + 100 - (step % 3) * 25)
    await page.mouse.up()


async def test_a_caregiver_works_a_visit_with_no_signal(browser, live_server: str, artifacts) -> None:
    # A short visit: its card is issued now, so the phone's check-in is now and its check-out a
    # visit's length later (a card proves nothing of a time before it was issued).
    arranged = arrange_visit(live_server, "V902", 612, THIS_HOME, minutes=4)
    visit, agency = arranged["visit"], arranged["agency"]
    context = await phone(
        browser,
        geolocation={"latitude": THIS_HOME[0], "longitude": THIS_HOME[1], "accuracy": 20},
        permissions=["geolocation"],
    )
    # The caregiver signs in in their own name: the app's today and tomorrow is their home.
    carer_id = arranged["caregiver"]["id"]
    agency.call(
        "PATCH", f"/api/v1/caregivers/{carer_id}", {"id_number": make_id_number("330283", date(1986, 5, 6), 72, "F")}
    )
    agency.call(
        "POST",
        f"/api/v1/caregivers/{carer_id}/account",
        {"username": "carer-v902", "password": PASSWORD},
    )
    page = await context.new_page()
    await page.clock.install(time=datetime.now(UTC))
    await page.goto(f"{live_server}/login")
    await page.get_by_label("用户名").fill("carer-v902")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").tap()
    # The agency chose the first password: the caregiver sets their own before anything else.
    await page.wait_for_url("**/password?expired=1**")
    await page.get_by_label("当前密码").fill(PASSWORD)
    await page.get_by_label("新密码", exact=True).fill(PASSWORD + "-own")
    await page.get_by_label("再次输入新密码").fill(PASSWORD + "-own")
    await page.get_by_role("button", name="修改密码").tap()
    await page.wait_for_url("**/visits/day")

    # Once online: the day list is opened and the phone keeps it and each visit's page.
    await page.wait_for_selector("[data-testid=offline-state][data-kept]", timeout=30_000)
    card = page.get_by_test_id(f"visit-{visit['id']}")
    assert "郑阿婆" in await card.inner_text() and "西岙村新屋里17号" in await card.inner_text()
    assert not await page.get_by_test_id("outbox-count").is_visible()
    await no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / "phone-app-day-online.png"), full_page=True)
    await check_accessibility(page)

    # The phone restarts in a cellar: every page closed, the app opened again with no network.
    await page.close()
    await context.set_offline(True)
    page = await context.new_page()
    await page.goto(f"{live_server}/visits/day")
    card = page.get_by_test_id(f"visit-{visit['id']}")
    await card.tap()
    await page.wait_for_url(f"**/visits/{visit['id']}")
    assert await page.get_by_test_id("check-in").inner_text() == "签到"
    takes = await page.evaluate("JSON.parse(document.querySelector('.visit-page').dataset.evidence).takes")

    # Check-in with the card's code typed: kept on the phone, marked unsent.
    code = page.get_by_test_id("presence-code-check_in")
    await code.fill("12a")
    await page.get_by_test_id("check-in").tap()
    assert "6位数字" in await page.get_by_test_id("presence-state-check_in").inner_text()
    assert await waiting(page) == []
    if "presence_code" in takes["check_in"]:  # the server checks the card: its printed household code
        presence_card = agency.call("POST", f"/api/v1/persons/{visit['person_id']}/presence-card/rotate", {})
        typed = presence_card["household_code"]
    else:
        typed = "480213"
    # The phone's time from now on, after the card's rotation: however long the steps above took
    # on a busy machine, the check-in is not older than the card that proves it.
    await page.clock.set_system_time(datetime.now(UTC))
    await code.fill(typed)
    await page.get_by_test_id("check-in").tap()
    await page.wait_for_selector("[data-testid=visit-status] [data-status=in_progress]")
    await page.wait_for_selector("[data-testid=unsent]")
    await page.wait_for_selector("[data-testid=net-status]:has-text('离线')")
    (check_in,) = await waiting(page)
    assert await page.get_by_test_id("checked-in-at").inner_text() != "–"  # the phone's time, until sent
    assert check_in["kind"] == "check_in" and check_in["visit_id"] == visit["id"]
    assert check_in["body"].get("presence_code") == (typed if "presence_code" in takes["check_in"] else None)

    # Check-out with an item and the family's signature: a second record waiting.
    await page.locator("label.visit-item", has=page.get_by_test_id("item-B01")).tap()
    await sign_the_pad(page)
    assert await page.get_by_test_id("signature-state").inner_text() == "已签名"
    await no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / "phone-app-check-out-offline.png"), full_page=True)
    await check_accessibility(page)
    await page.clock.set_system_time(datetime.now(UTC) + timedelta(minutes=4))
    await page.get_by_test_id("check-out").tap()
    await page.wait_for_selector("[data-testid=visit-status] [data-status=done]")
    events = await waiting(page)
    assert [e["kind"] for e in events] == ["check_in", "check_out"]
    assert events[1]["body"]["items"] == ["B01"]
    if "signature" in takes["check_out"]:
        assert events[1]["body"]["signature"].startswith("data:image/png;base64,")
    assert await page.get_by_test_id("unsent").is_visible()

    # The day list (from the phone) counts what waits and marks the visit.
    await page.get_by_test_id("back").tap()
    await page.wait_for_url("**/visits/day")
    count = page.get_by_test_id("outbox-count")
    await count.wait_for(state="visible")
    assert await count.inner_text() == "2条记录等待上传"
    card = page.get_by_test_id(f"visit-{visit['id']}")
    assert "2条待上传" in await card.get_by_test_id("unsent").inner_text()
    assert await card.locator("[data-status]").get_attribute("data-status") == "done"
    await no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts / "phone-app-day-offline.png"), full_page=True)
    await check_accessibility(page)
    assert agency.call("GET", f"/api/v1/visits/{visit['id']}")["status"] == "planned"

    # The network is back: both records are sent in order and the marks cleared.
    await context.set_offline(False)
    await page.evaluate("window.dispatchEvent(new Event('online'))")
    await count.wait_for(state="hidden", timeout=20_000)
    await page.wait_for_selector("[data-testid=unsent]", state="detached")
    stored = agency.call("GET", f"/api/v1/visits/{visit['id']}")
    assert stored["status"] == "done" and stored["done_items"] == ["B01"], stored
    assert stored["flags"] == [], stored["flags"]
    assert await waiting(page) == []
    await page.goto(f"{live_server}/visits/{visit['id']}")
    await page.wait_for_selector("[data-testid=visit-status] [data-status=done]")
    assert await page.locator("[data-testid=unsent]").count() == 0
    assert "头面部清洁梳理" in await page.get_by_test_id("done-items").inner_text()
    await page.screenshot(path=str(artifacts / "phone-app-verified.png"), full_page=True)

    # With no signal again, the day list kept from the morning shows the visit as the server last answered.
    await context.set_offline(True)
    await page.goto(f"{live_server}/visits/day")
    card = page.get_by_test_id(f"visit-{visit['id']}")
    await page.wait_for_selector(f"[data-testid=visit-{visit['id']}][data-status=done]")
    assert await card.locator(".badge[data-status]").get_attribute("data-status") == "done"
    assert await card.get_by_test_id("unsent").count() == 0
    await context.set_offline(False)

    # In English, the same day list.
    await page.goto(f"{live_server}/lang/en?next=/visits/day")
    await page.wait_for_url("**/visits/day")
    assert "My visits" in await page.locator("h1").inner_text()
    assert "Today" in await page.get_by_test_id("day-today").inner_text()
    await check_accessibility(page)
    await context.close()


async def test_the_card_and_a_refused_record(browser, live_server: str) -> None:
    arranged = arrange_visit(live_server, "V903", 613, (HOME[0] - 0.1, HOME[1]))
    visit = arranged["visit"]
    context = await phone(browser)
    page = await context.new_page()
    await sign_in(page, live_server, "agency-v903", PASSWORD)
    await page.goto(f"{live_server}/visits/{visit['id']}")

    # The card's QR text, read as the card's parser reads it, and its time code as the server checks it.
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    read = await page.evaluate(
        "(texts) => texts.map(LtcPresence.readCard)",
        [f"ltc-presence:1:{visit['person_id']}:{secret}", " 123456 ", "https://example.com", "ltc-presence:2:1:AAAA"],
    )
    assert read == [{"personId": visit["person_id"], "secret": secret}, {"code": "123456"}, None, None]
    moments = [datetime(2026, 12, 7, 9, 30, 5, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)]
    codes = await page.evaluate(
        "async ([s, times]) => Promise.all(times.map((t) => LtcPresence.timeCode(s, t)))",
        [secret, [m.timestamp() * 1000 for m in moments]],
    )
    assert codes == [totp(secret, m) for m in moments]

    # A photo at the door, from a noisy 4000×3000 picture (large once compressed): at most 100 KB of JPEG.
    photo = await page.evaluate(
        """async () => {
            const canvas = document.createElement('canvas');
            canvas.width = 4000; canvas.height = 3000;
            const ink = canvas.getContext('2d');
            const noise = ink.createImageData(4000, 3000);
            for (let i = 0; i < noise.data.length; i++) noise.data[i] = (i * 2654435761) >>> 24;
            ink.putImageData(noise, 0, 0);
            const blob = await new Promise((r) => canvas.toBlob(r, 'image/png'));
            const url = await LtcPresence.downscalePhoto(new File([blob], 'door.png', {type: 'image/png'}));
            const image = new Image();
            image.src = url;
            await image.decode();
            return {head: url.slice(0, 23), bytes: atob(url.split(',')[1]).length, side: Math.max(image.width, image.height)};
        }"""
    )
    assert photo["head"] == "data:image/jpeg;base64," and photo["bytes"] <= 100 * 1024 and photo["side"] <= 1024

    # A check-out the server will never take (checked out before any check-in is fine; an
    # unknown item is not): it leaves the outbox and is shown on the visit with the server's words.
    event: dict[str, Any] = {
        "event_id": "0b5c8d9e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
        "at": datetime.now(UTC).isoformat(),
        "lat": HOME[0],
        "lon": HOME[1],
        "items": ["Z99"],
    }
    await page.evaluate(
        """async ([visitId, body]) => {
            const user = document.querySelector('.visit-page').dataset.user;
            await LtcOutbox.put(user, visitId, 'check_out', body);
            window.dispatchEvent(new Event('online'));
        }""",
        [visit["id"], event],
    )
    refusal = page.get_by_test_id("refusal")
    await refusal.wait_for(timeout=15_000)
    assert "Z99" in await refusal.inner_text()
    assert await waiting(page) == []
    await check_accessibility(page)
    await refusal.get_by_role("button").tap()
    await refusal.wait_for(state="detached")
    await context.close()


async def test_a_phone_never_shows_another_users_kept_pages(browser, live_server: str) -> None:
    context = await phone(browser)
    page = await context.new_page()
    await sign_in(page, live_server, "agency-P01", DEMO_PASSWORD)
    await page.goto(f"{live_server}/visits/day")
    await page.wait_for_selector("[data-testid=offline-state][data-kept]", timeout=30_000)
    first_user = await page.get_attribute(".app-day", "data-user")

    # Signed out: with no signal the app's pages are gone, not shown to whoever holds the phone.
    await page.evaluate("document.querySelector('form[action=\"/logout\"]').submit()")
    await page.wait_for_url("**/login")
    await context.set_offline(True)
    await page.goto(f"{live_server}/visits/day")
    assert "没有网络" in await page.locator("h1").inner_text()
    assert await page.locator(".app-day").count() == 0

    # Another user signs in on the same phone: with no signal, only their own pages are shown.
    await context.set_offline(False)
    await sign_in(page, live_server, "agency-P02", DEMO_PASSWORD)
    await page.goto(f"{live_server}/visits/day")
    await page.wait_for_selector("[data-testid=offline-state][data-kept]", timeout=30_000)
    await context.set_offline(True)
    await page.reload()
    second_user = await page.get_attribute(".app-day", "data-user")
    assert second_user and second_user != first_user
    await context.close()


# The phone's camera, pointed at a card: a canvas showing the card's QR code, as a video stream.
FAKE_CAMERA = """
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 480; canvas.height = 480;
  const ink = canvas.getContext('2d');
  const card = new Image();
  card.src = window.cardShown;
  await card.decode();
  const draw = () => { ink.fillStyle = '#fff'; ink.fillRect(0, 0, 480, 480); ink.drawImage(card, 40, 40, 400, 400); };
  draw();
  setInterval(draw, 100);
  return canvas.captureStream(10);
};
"""


async def test_the_card_is_scanned_with_the_camera(browser, live_server: str) -> None:
    segno = pytest.importorskip("segno")  # the card's QR code, drawn as the presence card draws it
    arranged = arrange_visit(live_server, "V904", 614, (HOME[0] - 0.15, HOME[1]))
    visit = arranged["visit"]
    home = (HOME[0] - 0.15, HOME[1])
    context = await phone(
        browser, geolocation={"latitude": home[0], "longitude": home[1], "accuracy": 20}, permissions=["geolocation"]
    )
    await context.add_init_script(FAKE_CAMERA)
    page = await context.new_page()
    await sign_in(page, live_server, "agency-v904", PASSWORD)
    await page.goto(f"{live_server}/visits/{visit['id']}")
    takes = await page.evaluate("JSON.parse(document.querySelector('.visit-page').dataset.evidence).takes")

    def show_card(content: str) -> str:
        return segno.make(content, error="m").svg_data_uri(scale=8, border=4)

    # Another home's card: told so, nothing kept.
    await page.evaluate("(uri) => { window.cardShown = uri; }", show_card("ltc-presence:1:999999:JBSWY3DPEHPK3PXP"))
    await page.get_by_test_id("scan-check_in").tap()
    state = page.get_by_test_id("presence-state-check_in")
    await page.wait_for_selector("[data-testid=presence-state-check_in]:has-text('另一位')", timeout=20_000)
    assert await page.get_by_test_id("scanner").is_hidden()

    # This home's card: read, and the check-in carries the card's time code for its own time.
    if "presence_code" in takes["check_in"]:
        card = arranged["agency"].call("POST", f"/api/v1/persons/{visit['person_id']}/presence-card/rotate", {})
        content = card["qr_content"]
    else:
        content = f"ltc-presence:1:{visit['person_id']}:JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    await page.evaluate("(uri) => { window.cardShown = uri; }", show_card(content))
    await page.get_by_test_id("scan-check_in").tap()
    await page.wait_for_selector("[data-testid=presence-state-check_in]:has-text('已扫描本户')", timeout=20_000)
    assert "本户" in await state.inner_text()
    await context.set_offline(True)  # kept on the phone, to be read before it is sent
    await page.get_by_test_id("check-in").tap()
    await page.wait_for_selector("[data-testid=unsent]")
    (event,) = await waiting(page)
    if "presence_code" in takes["check_in"]:
        secret = content.rsplit(":", 1)[1]
        assert event["body"]["presence_code"] == totp(secret, datetime.fromisoformat(event["body"]["at"]))
    else:
        assert "presence_code" not in event["body"]
    await context.set_offline(False)
    await page.evaluate("window.dispatchEvent(new Event('online'))")
    await page.wait_for_selector("[data-testid=unsent]", state="detached", timeout=15_000)
    stored = arranged["agency"].call("GET", f"/api/v1/visits/{visit['id']}")
    assert stored["status"] == "in_progress" and "presence_code_invalid" not in stored["flags"], stored
    await context.close()
