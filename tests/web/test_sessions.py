"""Sessions kept on the server, over HTTP: signing out, disabling, idleness and administrators
end them at once; the last use is written at most once a minute."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ltc.db.tables import AuditEntry, UserSession
from ltc.domain.access import Role
from ltc.services import users
from ltc.services.clock import FixedClock
from ltc.services.sessions import secret_hash
from tests.helpers import DEMO_PASSWORD

HTML = {"Accept": "text/html"}
PASSWORD = "Sessi0n-test-pw"


@asynccontextmanager
async def browser(app, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def csrf(page: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "the form carries a CSRF token"
    return match.group(1)


async def page_sign_in(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    form = await client.get("/login", headers=HTML)
    return await client.post(
        "/login", data={"username": username, "password": password, "_csrf_token": csrf(form.text)}, headers=HTML
    )


async def token(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def app_clock(app, monkeypatch) -> FixedClock:
    """The app's clock, held still at the present and moved by the test."""
    clock = FixedClock(datetime.now(UTC))
    monkeypatch.setattr(app.state, "services", replace(app.state.services, clock=clock))
    return clock


async def test_the_old_cookie_is_refused_after_signing_out(app) -> None:
    async with browser(app) as client:
        signed_in = await page_sign_in(client, "bureau")
        assert signed_in.status_code in {302, 303}
        cookie = client.cookies["ltc_session"]
        # Only the opaque secret travels; the database keeps its hash, never the secret.
        assert await UserSession.exists().where(UserSession.secret_hash == secret_hash(cookie))
        assert not await UserSession.exists().where(UserSession.secret_hash == cookie)
        home = await client.get("/", headers=HTML)
        assert home.status_code == 200
        out = await client.post("/logout", data={"_csrf_token": csrf(home.text)}, headers=HTML)
        assert out.status_code in {302, 303} and out.headers["location"] == "/login"
        assert "ltc_session" not in client.cookies
    # The cookie as it was, replayed by someone who kept it: the sign-in page.
    async with browser(app) as replay:
        replay.cookies.set("ltc_session", cookie)
        again = await replay.get("/", headers=HTML)
        assert again.status_code == 302 and again.headers["location"].startswith("/login")
        assert (await replay.get("/api/v1/me")).status_code == 401
    row = await UserSession.select().where(UserSession.secret_hash == secret_hash(cookie)).first()
    assert row["ended_reason"] == "logout" and row["ended_at"] is not None and row["kind"] == "page"


async def test_a_token_is_refused_after_auth_logout(client: httpx.AsyncClient) -> None:
    headers = await token(client, "bureau")
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    ended = await client.post("/api/v1/auth/logout", headers=headers)
    assert ended.status_code == 200 and ended.json()["ended_reason"] == "logout"
    refused = await client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_token"
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 401
    # Without a token there is nothing to end.
    assert (await client.post("/api/v1/auth/logout")).json()["code"] == "unauthenticated"


async def test_a_disabled_user_s_page_session_and_token_end_at_once(app, client, services, auth) -> None:
    user_id = await users.create_user(
        services, actor=None, username="disabled-soon", password=PASSWORD, role=Role.ASSESSOR
    )
    api = await token(client, "disabled-soon", PASSWORD)
    async with browser(app) as page:
        await page_sign_in(page, "disabled-soon", PASSWORD)
        assert (await page.get("/", headers=HTML)).status_code == 200
        disabled = await client.patch(f"/api/v1/users/{user_id}", headers=await auth("admin"), json={"active": False})
        assert disabled.status_code == 200
        assert (await page.get("/", headers=HTML)).status_code == 302
    assert (await client.get("/api/v1/me", headers=api)).json()["code"] == "invalid_token"
    open_sessions = await UserSession.count().where((UserSession.app_user == user_id) & UserSession.ended_at.is_null())
    assert open_sessions == 0
    reasons = await UserSession.select(UserSession.ended_reason).where(UserSession.app_user == user_id)
    assert {r["ended_reason"] for r in reasons} == {"user_disabled"}


async def test_an_idle_session_ends_and_a_used_one_goes_on(app, app_clock: FixedClock) -> None:
    idle_minutes = app.state.services.settings.session_idle_minutes
    async with browser(app) as client:
        await page_sign_in(client, "bureau")
        # In use every 20 minutes: it stays signed in past the idle timeout.
        for _ in range(3):
            app_clock.advance(minutes=20)
            assert (await client.get("/", headers=HTML)).status_code == 200
        app_clock.advance(minutes=idle_minutes, seconds=-1)
        assert (await client.get("/", headers=HTML)).status_code == 200
        app_clock.advance(minutes=idle_minutes)
        idle = await client.get("/", headers=HTML)
        assert idle.status_code == 302 and idle.headers["location"].startswith("/login")


async def test_a_token_idle_too_long_has_expired(app, client, app_clock: FixedClock) -> None:
    headers = await token(client, "bureau")
    app_clock.advance(minutes=app.state.services.settings.token_idle_minutes)
    refused = await client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "token_expired"


async def test_a_page_session_ends_at_its_absolute_lifetime_however_busy(app, app_clock: FixedClock) -> None:
    settings = app.state.services.settings
    async with browser(app) as client:
        await page_sign_in(client, "bureau")
        for _ in range(settings.session_ttl_minutes // 20 - 1):
            app_clock.advance(minutes=20)
            assert (await client.get("/api/v1/me")).status_code == 200
        app_clock.advance(minutes=settings.session_ttl_minutes % 20 + 20)
        assert (await client.get("/api/v1/me")).status_code == 401


async def test_the_last_use_is_written_at_most_once_a_minute(app, client, app_clock: FixedClock) -> None:
    headers = await token(client, "bureau")
    secret = headers["Authorization"].split()[1]
    started = app_clock.now()

    async def last_seen() -> datetime:
        row = await UserSession.select(UserSession.last_seen_at).where(UserSession.secret_hash == secret_hash(secret))
        return row[0]["last_seen_at"]

    app_clock.advance(seconds=59)
    for _ in range(5):
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    assert await last_seen() == started
    app_clock.advance(seconds=1)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    assert await last_seen() == started + timedelta(seconds=60)


async def test_the_security_administrator_lists_and_ends_a_user_s_sessions(app, client, services, auth) -> None:
    user_id = await users.create_user(
        services, actor=None, username="watched-user", password=PASSWORD, role=Role.EXPERT
    )
    theirs = await token(client, "watched-user", PASSWORD)
    admin = await auth("secadmin")
    listed = await client.get(f"/api/v1/users/{user_id}/sessions", headers=admin)
    assert listed.status_code == 200, listed.text
    [session] = listed.json()
    assert session["kind"] == "api" and session["user_id"] == user_id and session["address"] == "127.0.0.1"
    for other in ("bureau", "admin", "auditor"):  # sessions are the security administrator's duty
        assert (await client.get(f"/api/v1/users/{user_id}/sessions", headers=await auth(other))).status_code == 403
    missing = await client.get("/api/v1/users/999999/sessions", headers=admin)
    assert missing.status_code == 404 and missing.json()["code"] == "user_not_found"

    ended = await client.delete(f"/api/v1/sessions/{session['id']}", headers=admin)
    assert ended.status_code == 200 and ended.json()["ended_reason"] == "ended_by_admin"
    assert (await client.get("/api/v1/me", headers=theirs)).json()["code"] == "invalid_token"
    assert (await client.get(f"/api/v1/users/{user_id}/sessions", headers=admin)).json() == []
    again = await client.delete(f"/api/v1/sessions/{session['id']}", headers=admin)
    assert again.status_code == 404 and again.json()["code"] == "session_not_found"
    entry = await AuditEntry.select().where(
        (AuditEntry.action == "session.end") & (AuditEntry.entity_id == str(session["id"]))
    )
    assert entry and entry[0]["actor_name"] == "secadmin"


async def test_the_security_administrator_s_page_ends_a_session_with_its_button(app, client, services) -> None:
    await users.create_user(services, actor=None, username="page-watched", password=PASSWORD, role=Role.EXPERT)
    theirs = await token(client, "page-watched", PASSWORD)
    async with browser(app) as admin:
        await page_sign_in(admin, "secadmin")
        experts = await admin.get("/users?role=expert&limit=200", headers=HTML)
        user_id = re.search(r'href="/users/(\d+)" data-testid="user-page-watched"', experts.text)
        assert user_id, "the user is listed"
        detail = await admin.get(f"/users/{user_id.group(1)}", headers=HTML)
        link = re.search(r'href="(/\?sessions_of=\d+)#sessions" data-testid="sessions-link"', detail.text)
        assert link, "each user's page links to their sessions"
        listed = await admin.get(link.group(1), headers=HTML)
        assert listed.status_code == 200 and 'data-testid="sessions"' in listed.text
        button = re.search(r'action="(/sessions/\d+/end)"', listed.text)
        assert button
        done = await admin.post(
            button.group(1),
            data={"user_id": link.group(1).split("=")[1], "_csrf_token": csrf(listed.text)},
            headers=HTML,
        )
        assert done.status_code in {302, 303} and done.headers["location"].startswith("/?sessions_of=")
        after = await admin.get(done.headers["location"], headers=HTML)
        assert 'data-testid="no-sessions"' in after.text
    assert (await client.get("/api/v1/me", headers=theirs)).status_code == 401
