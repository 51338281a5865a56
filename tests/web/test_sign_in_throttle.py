"""Sign-in throttling over HTTP: per account and per client address, 429 with Retry-After and
a friendly page, allowed again after the window; every sign-in, failure and lock-out audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from ltc.db.tables import AuditEntry
from ltc.domain.access import Role
from ltc.services import users
from ltc.services.clock import FixedClock
from tests.helpers import DEMO_PASSWORD
from tests.web.test_sessions import HTML, browser, csrf

PASSWORD = "Thr0ttle-test-pw"
PER_ACCOUNT = 3
PER_ADDRESS = 4
WINDOW_MINUTES = 10


@pytest.fixture
def throttled(app, monkeypatch) -> FixedClock:
    """The app with a small throttle policy and its clock held still."""
    clock = FixedClock(datetime.now(UTC))
    services = app.state.services
    settings = services.settings.model_copy(
        update={
            "sign_in_max_failures_per_account": PER_ACCOUNT,
            "sign_in_max_failures_per_address": PER_ADDRESS,
            "sign_in_window_minutes": WINDOW_MINUTES,
        }
    )
    monkeypatch.setattr(app.state, "services", replace(services, clock=clock, settings=settings))
    return clock


async def attempt(app, address: str, username: str, password: str) -> httpx.Response:
    async with browser(app, address) as client:
        return await client.post("/api/v1/auth/token", json={"username": username, "password": password})


async def test_an_account_is_locked_after_n_failures_from_any_address(app, services, throttled: FixedClock) -> None:
    await users.create_user(services, actor=None, username="guessed-acct", password=PASSWORD, role=Role.EXPERT)
    for n in range(PER_ACCOUNT):
        failed = await attempt(app, f"10.1.0.{n + 1}", "guessed-acct", "wrong-Passw0rd")
        assert failed.status_code == 401 and failed.json()["code"] == "invalid_credentials"
    locked = await attempt(app, "10.1.0.99", "guessed-acct", PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert locked.json()["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) == WINDOW_MINUTES * 60
    throttled.advance(minutes=WINDOW_MINUTES, seconds=-1)
    still = await attempt(app, "10.1.0.99", "guessed-acct", PASSWORD)
    assert still.status_code == 429 and still.headers["Retry-After"] == "1"
    throttled.advance(seconds=1)
    assert (await attempt(app, "10.1.0.99", "guessed-acct", PASSWORD)).status_code == 200


async def test_n_minus_one_failures_then_the_right_password_signs_in(app, services, throttled) -> None:
    await users.create_user(services, actor=None, username="almost-acct", password=PASSWORD, role=Role.EXPERT)
    for _ in range(PER_ACCOUNT - 1):
        assert (await attempt(app, "10.2.0.1", "almost-acct", "wrong-Passw0rd")).status_code == 401
    assert (await attempt(app, "10.2.0.1", "almost-acct", PASSWORD)).status_code == 200
    # The success cleared the account's count: N-1 more failures still leave it free.
    for _ in range(PER_ACCOUNT - 1):
        assert (await attempt(app, "10.2.0.2", "almost-acct", "wrong-Passw0rd")).status_code == 401
    assert (await attempt(app, "10.2.0.2", "almost-acct", PASSWORD)).status_code == 200


async def test_an_address_is_locked_after_n_failures_on_any_accounts(app, throttled: FixedClock) -> None:
    for n in range(PER_ADDRESS):
        assert (await attempt(app, "10.3.0.1", f"nobody-{n}", "wrong-Passw0rd")).status_code == 401
    locked = await attempt(app, "10.3.0.1", "bureau", DEMO_PASSWORD)
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    assert "Retry-After" in locked.headers
    # Another address signs in to the same account as usual.
    assert (await attempt(app, "10.3.0.2", "bureau", DEMO_PASSWORD)).status_code == 200
    throttled.advance(minutes=WINDOW_MINUTES)
    assert (await attempt(app, "10.3.0.1", "bureau", DEMO_PASSWORD)).status_code == 200


async def test_the_sign_in_page_explains_the_lock_and_keeps_the_username(app, services, throttled) -> None:
    await users.create_user(services, actor=None, username="page-locked", password=PASSWORD, role=Role.EXPERT)
    for language, text in (("zh_CN", "登录失败次数过多"), ("en", "Too many failed sign-in attempts")):
        async with browser(app, "10.4.0.1") as client:
            client.cookies.set("ltc_lang", language)
            form = await client.get("/login", headers=HTML)
            for _ in range(PER_ACCOUNT + 1):
                answer = await client.post(
                    "/login",
                    data={"username": "page-locked", "password": "wrong-Passw0rd", "_csrf_token": csrf(form.text)},
                    headers=HTML,
                )
            assert answer.status_code == 429 and "Retry-After" in answer.headers
            assert text in answer.text and 'data-testid="too-many-attempts"' in answer.text
            assert 'value="page-locked"' in answer.text
        throttled.advance(minutes=WINDOW_MINUTES)


async def test_sign_ins_failures_and_lock_outs_are_audited_with_the_address(app, services, throttled) -> None:
    await users.create_user(services, actor=None, username="audited-acct", password=PASSWORD, role=Role.EXPERT)
    assert (await attempt(app, "10.5.0.1", "audited-acct", PASSWORD)).status_code == 200
    for _ in range(PER_ACCOUNT):
        await attempt(app, "10.5.0.2", "audited-acct", "wrong-Passw0rd")
    entries = await AuditEntry.select().where(AuditEntry.action.like("sign_in.%")).output(load_json=True)
    success = [e for e in entries if e["action"] == "sign_in.success" and e["actor_name"] == "audited-acct"]
    assert success and success[0]["after"]["address"] == "10.5.0.1" and success[0]["after"]["kind"] == "api"
    failures = [e for e in entries if e["action"] == "sign_in.failure" and e["entity_id"] == "audited-acct"]
    assert len(failures) == PER_ACCOUNT and all(e["after"]["address"] == "10.5.0.2" for e in failures)
    locks = [e for e in entries if e["action"] == "sign_in.lock" and e["entity_id"] == "account:audited-acct"]
    assert len(locks) == 1 and locks[0]["after"]["address"] == "10.5.0.2"


async def test_wrong_current_passwords_count_as_failed_sign_ins(app, services, throttled: FixedClock) -> None:
    await users.create_user(services, actor=None, username="borrowed-acct", password=PASSWORD, role=Role.EXPERT)
    async with browser(app, "10.6.0.1") as client:
        response = await client.post("/api/v1/auth/token", json={"username": "borrowed-acct", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        body = {"current_password": "Guess-passw0rd", "new_password": "Another-passw0rd"}
        for _ in range(PER_ACCOUNT):
            wrong = await client.post("/api/v1/me/password", json=body, headers=headers)
            assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_current_password"
        locked = await client.post("/api/v1/me/password", json={**body, "current_password": PASSWORD}, headers=headers)
        assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
        assert "Retry-After" in locked.headers
    assert (await attempt(app, "10.6.0.2", "borrowed-acct", PASSWORD)).status_code == 429
    failures = await AuditEntry.count().where(
        (AuditEntry.action == "password_change.failure") & (AuditEntry.entity_id == "borrowed-acct")
    )
    assert failures == PER_ACCOUNT
