"""The password policy over HTTP: a new user's password and the signed-in user's own change
(each refusal with its code, the input kept), history, expiry with a prompt on sign-in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ltc.db.tables import AppUser
from ltc.domain.access import Role
from ltc.services import users
from ltc.services.clock import FixedClock
from tests.web.test_sessions import HTML, browser, csrf, page_sign_in, token

PASSWORD = "Pass-w0rd-first"


@pytest.mark.parametrize(
    "password, code",
    [
        ("Sh0rt-pw!", "password_too_short"),
        ("only-lower-case-and-dashes", "password_too_simple"),
        ("X1-new-comer-x", "password_contains_username"),
    ],
)
async def test_a_new_user_s_password_keeps_the_policy(client: httpx.AsyncClient, auth, password, code) -> None:
    response = await client.post(
        "/api/v1/users",
        headers=await auth("admin"),
        json={"username": "new-comer", "password": password, "role": "assessor"},
    )
    assert response.status_code == 422 and response.json()["code"] == code


async def test_the_demo_users_sign_in_and_are_not_asked_to_change(client: httpx.AsyncClient) -> None:
    from tests.helpers import DEMO_PASSWORD

    response = await client.post("/api/v1/auth/token", json={"username": "assessor1", "password": DEMO_PASSWORD})
    assert response.status_code == 200 and response.json()["password_expired"] is False


async def change(client: httpx.AsyncClient, current: str, new: str, confirm: str | None = None) -> httpx.Response:
    form = await client.get("/password", headers=HTML)
    assert form.status_code == 200
    return await client.post(
        "/password",
        data={
            "current": current,
            "new": new,
            "confirm": new if confirm is None else confirm,
            "_csrf_token": csrf(form.text),
        },
        headers=HTML,
    )


async def test_changing_one_s_own_password_on_the_page(app, client, services) -> None:
    await users.create_user(services, actor=None, username="changer", password=PASSWORD, role=Role.EXPERT)
    elsewhere = await token(client, "changer", PASSWORD)
    async with browser(app) as page:
        await page_sign_in(page, "changer", PASSWORD)
        for language, current, new, confirm, code, text in [
            ("zh_CN", "Wrong-passw0rd", "Brand-new-pw1", None, "wrong_current_password", "当前密码不正确"),
            ("en", PASSWORD, "Brand-new-pw1", "Brand-new-pw2", "password_mismatch", "differ"),
            ("en", PASSWORD, "Sh0rt-pw!", None, "password_too_short", "too short"),
            ("zh_CN", PASSWORD, "brand-new-password", None, "password_too_simple", "更多种类"),
            ("en", PASSWORD, "My-Changer-pw1", None, "password_contains_username", "username"),
            ("zh_CN", PASSWORD, PASSWORD, None, "password_reused", "最近使用过"),
        ]:
            page.cookies.set("ltc_lang", language)
            refused = await change(page, current, new, confirm)
            assert refused.status_code == 422, code
            assert f'data-code="{code}"' in refused.text and text in refused.text, code
            assert f'value="{new}"' in refused.text and f'value="{current}"' in refused.text  # input kept
        done = await change(page, PASSWORD, "Brand-new-pw1")
        assert done.status_code in {302, 303}
        # This session goes on; the user's other sessions ended with the old password.
        assert (await page.get("/", headers=HTML)).status_code == 200
        assert (await client.get("/api/v1/me", headers=elsewhere)).status_code == 401
        await token(client, "changer", "Brand-new-pw1")
        # The last passwords cannot come back, the first one included.
        for earlier in ("Brand-new-pw1", PASSWORD):
            again = await change(page, "Brand-new-pw1", earlier)
            assert 'data-code="password_reused"' in again.text
        assert (await change(page, "Brand-new-pw1", "Third-passw0rd")).status_code in {302, 303}


async def test_an_expired_password_prompts_a_change_on_sign_in(app, client, services, monkeypatch) -> None:
    await users.create_user(services, actor=None, username="old-timer", password=PASSWORD, role=Role.EXPERT)
    max_age = services.settings.password_max_age_days
    set_at = (await AppUser.select(AppUser.password_changed_at).where(AppUser.username == "old-timer").first())[
        "password_changed_at"
    ]
    for days, expired in ((max_age - 1, False), (max_age, True), (max_age + 1, True)):
        later = FixedClock(set_at + timedelta(days=days))
        monkeypatch.setattr(app.state, "services", replace(services, clock=later))
        response = await client.post("/api/v1/auth/token", json={"username": "old-timer", "password": PASSWORD})
        assert response.status_code == 200 and response.json()["password_expired"] is expired, days
    async with browser(app) as page:
        signed_in = await page_sign_in(page, "old-timer", PASSWORD)
        assert signed_in.headers["location"].startswith("/password?expired=1")
        prompt = await page.get(signed_in.headers["location"], headers=HTML)
        assert 'data-testid="password-expired"' in prompt.text and "密码已过期" in prompt.text
        assert (await change(page, PASSWORD, "Renewed-passw0rd")).status_code in {302, 303}
    monkeypatch.setattr(app.state, "services", replace(services, clock=FixedClock(datetime.now(UTC))))
    renewed = await client.post("/api/v1/auth/token", json={"username": "old-timer", "password": "Renewed-passw0rd"})
    assert renewed.json()["password_expired"] is False


async def test_an_api_client_changes_its_password(client: httpx.AsyncClient, services) -> None:
    await users.create_user(services, actor=None, username="api-changer", password=PASSWORD, role=Role.EXPERT)
    own = await token(client, "api-changer", PASSWORD)
    other = await token(client, "api-changer", PASSWORD)
    for current, new, code in [
        ("Wrong-passw0rd", "Api-new-passw0rd", "wrong_current_password"),
        (PASSWORD, "Sh0rt-pw!", "password_too_short"),
        (PASSWORD, PASSWORD, "password_reused"),
    ]:
        refused = await client.post(
            "/api/v1/me/password", json={"current_password": current, "new_password": new}, headers=own
        )
        assert refused.status_code == 422 and refused.json()["code"] == code
    changed = await client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "Api-new-passw0rd"}, headers=own
    )
    assert changed.status_code == 200 and changed.json()["other_sessions_ended"] == 1
    assert (await client.get("/api/v1/me", headers=own)).status_code == 200
    assert (await client.get("/api/v1/me", headers=other)).json()["code"] == "invalid_token"
    await token(client, "api-changer", "Api-new-passw0rd")
