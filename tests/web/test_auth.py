"""Sign-in, tokens, role guards and tenancy over HTTP, in the test's own event loop."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import httpx
import jwt

from ltc.db.tables import AppUser
from ltc.domain.access import Role
from ltc.domain.sessions import SessionKind
from ltc.services import sign_in, users
from ltc.services.clock import FixedClock
from ltc.services.sessions import Client
from tests.helpers import DEMO_PASSWORD


async def test_a_demo_user_gets_a_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", json={"username": "bureau", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["role"] == "bureau" and body["provider_id"] is None
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "bureau"


async def test_an_agency_token_names_its_provider(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", json={"username": "agency-P01", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert response.json()["role"] == "agency" and isinstance(response.json()["provider_id"], int)


async def test_wrong_credentials_answer_401_with_a_code(client: httpx.AsyncClient) -> None:
    for username, password in [("bureau", "wrong-password"), ("nobody", DEMO_PASSWORD)]:
        response = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid_credentials"


async def test_calls_without_or_with_a_bad_token_answer_401(client: httpx.AsyncClient, services) -> None:
    assert (await client.get("/api/v1/me")).json()["code"] == "unauthenticated"
    bad = await client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.token"})
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_token"
    forged = jwt.encode(
        {"sub": "1", "aud": "ltc-api", "exp": 4102444800},
        "another-key-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


async def test_an_expired_token_is_refused(client: httpx.AsyncClient, services) -> None:
    past = replace(services, clock=FixedClock(services.clock.now() - timedelta(days=2)))
    done = await sign_in.sign_in(past, "bureau", DEMO_PASSWORD, SessionKind.API, Client("10.20.0.1"))
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {done.session.secret}"})
    assert response.status_code == 401 and response.json()["code"] == "token_expired"


async def test_role_guards_answer_403(client: httpx.AsyncClient, auth) -> None:
    for username in ["assessor1", "expert1", "agency-P01", "bureau", "auditor"]:
        response = await client.get("/api/v1/users", headers=await auth(username))
        assert response.status_code == 403, username
        assert response.json()["code"] == "role_not_allowed"
    assert (await client.get("/api/v1/users", headers=await auth("admin"))).status_code == 200
    assert (await client.get("/api/v1/users", headers=await auth("secadmin"))).status_code == 200
    started = await client.post("/api/v1/geocoding/persons", headers=await auth("agency-P01"))
    assert started.status_code == 403


async def test_an_agency_sees_only_its_own_provider(client: httpx.AsyncClient, auth) -> None:
    headers = await auth("agency-P01")
    own = (await client.get("/api/v1/providers/", headers=headers)).json()
    assert [p["code"] for p in own] == ["P01"]
    every = (await client.get("/api/v1/providers/", headers=await auth("bureau"))).json()
    assert {f"P{n:02d}" for n in range(1, 21)} <= {p["code"] for p in every}  # the bureau sees the demo's twenty
    other = next(p for p in every if p["code"] == "P02")
    for path in [f"/api/v1/providers/{other['id']}", f"/api/v1/providers/{other['id']}/caregivers"]:
        response = await client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.json()["code"] == "provider_not_found"
    # The same answer as for a provider that does not exist: nothing is revealed.
    missing = await client.get("/api/v1/providers/999999", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "provider_not_found"
    mine = await client.get(f"/api/v1/providers/{own[0]['id']}/caregivers", headers=headers)
    assert mine.status_code == 200 and len(mine.json()) >= 4


async def test_admin_creates_a_user_who_can_sign_in_and_it_is_audited(client: httpx.AsyncClient, auth) -> None:
    admin = await auth("admin")
    created = await client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "assessor9", "password": "Long-enough-pw1", "role": "assessor", "display_name": "评估员 九"},
    )
    assert created.status_code == 201, created.text
    again = await client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "assessor9", "password": "Long-enough-pw1", "role": "assessor"},
    )
    assert again.status_code == 409 and again.json()["code"] == "username_taken"
    token = await client.post("/api/v1/auth/token", json={"username": "assessor9", "password": "Long-enough-pw1"})
    assert token.status_code == 200 and token.json()["role"] == "assessor"
    # The system administrator does not read the trail of their own acts: the audit administrator does.
    assert (await client.get("/api/v1/audit?entity=user", headers=admin)).status_code == 403
    trail = (await client.get("/api/v1/audit?entity=user", headers=await auth("auditor"))).json()
    entry = next(e for e in trail if e["entity_id"] == str(created.json()["id"]))
    assert entry["action"] == "user.create" and entry["actor_name"] == "admin"
    assert entry["before"] is None and entry["after"]["role"] == "assessor"


async def test_an_agency_user_needs_a_provider(client: httpx.AsyncClient, auth) -> None:
    response = await client.post(
        "/api/v1/users",
        headers=await auth("admin"),
        json={"username": "agency-x", "password": "Long-enough-pw1", "role": "agency"},
    )
    assert response.status_code == 403 and response.json()["code"] == "agency_needs_provider"


def _csrf(page: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "the form carries a CSRF token"
    return match.group(1)


async def test_page_sign_in_with_csrf_then_sign_out(app) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        html = {"Accept": "text/html"}
        home = await browser.get("/", headers=html)
        assert home.status_code == 302 and home.headers["location"].startswith("/login?next=")
        form = await browser.get("/login", headers=html)
        assert form.status_code == 200 and "登录" in form.text
        token = _csrf(form.text)
        no_csrf = await browser.post("/login", data={"username": "bureau", "password": DEMO_PASSWORD}, headers=html)
        assert no_csrf.status_code == 403
        wrong = await browser.post(
            "/login", data={"username": "bureau", "password": "nope", "_csrf_token": token}, headers=html
        )
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
        signed_in = await browser.post(
            "/login",
            data={
                "username": "bureau",
                "password": DEMO_PASSWORD,
                "_csrf_token": token,
                "next": "https://evil.example/",
            },
            headers=html,
        )
        assert signed_in.status_code in {301, 302, 303} and signed_in.headers["location"] == "/"
        home = await browser.get("/", headers=html)
        assert home.status_code == 200 and "经办工作台" in home.text
        # A session cookie does not authorise state-changing API calls (bearer tokens only).
        assert (await browser.post("/api/v1/geocoding/persons")).status_code == 401
        # ... but does let the page read a job's progress.
        assert (await browser.get("/api/v1/me")).status_code == 200
        out = await browser.post("/logout", data={"_csrf_token": _csrf(home.text)}, headers=html)
        assert out.status_code in {301, 302, 303}
        assert (await browser.get("/", headers=html)).status_code == 302


async def test_a_disabled_user_s_token_stops_working_at_once(client: httpx.AsyncClient, services) -> None:
    user_id = await users.create_user(
        services, actor=None, username="leaves-soon", password="A-long-passw0rd", role=Role.AGENCY, provider_id=1
    )
    token = (
        await client.post("/api/v1/auth/token", json={"username": "leaves-soon", "password": "A-long-passw0rd"})
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    await AppUser.update({AppUser.active: False}).where(AppUser.id == user_id)
    refused = await client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_token"


async def test_admin_disables_and_enables_a_user_over_the_api(client: httpx.AsyncClient, services, auth) -> None:
    user_id = await users.create_user(
        services, actor=None, username="on-leave", password="A-long-passw0rd", role=Role.ASSESSOR
    )
    token = (
        await client.post("/api/v1/auth/token", json={"username": "on-leave", "password": "A-long-passw0rd"})
    ).json()["access_token"]
    own = {"Authorization": f"Bearer {token}"}
    admin = await auth("admin")

    disabled = await client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"active": False})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False and disabled.json()["username"] == "on-leave"
    assert (await client.get("/api/v1/me", headers=own)).json()["code"] == "invalid_token"
    signin = await client.post("/api/v1/auth/token", json={"username": "on-leave", "password": "A-long-passw0rd"})
    assert signin.status_code == 401 and signin.json()["code"] == "invalid_credentials"
    # Disabling twice changes nothing and writes no second entry.
    assert (await client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"active": False})).status_code == 200

    enabled = await client.patch(f"/api/v1/users/{user_id}", headers=admin, json={"active": True})
    assert enabled.status_code == 200 and enabled.json()["active"] is True
    # Disabling ended the token for good; enabling again asks for a new sign-in.
    assert (await client.get("/api/v1/me", headers=own)).json()["code"] == "invalid_token"
    again = await client.post("/api/v1/auth/token", json={"username": "on-leave", "password": "A-long-passw0rd"})
    fresh = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert (await client.get("/api/v1/me", headers=fresh)).status_code == 200

    trail = (await client.get("/api/v1/audit?entity=user", headers=await auth("auditor"))).json()
    actions = [(e["action"], e["before"], e["after"]) for e in trail if e["entity_id"] == str(user_id)]
    assert actions[:2] == [
        ("user.enable", {"active": False}, {"active": True, "sessions_ended": 0}),
        ("user.disable", {"active": True}, {"active": False, "sessions_ended": 1}),
    ]
    assert [a for a, _, _ in actions].count("user.disable") == 1


async def test_disabling_a_user_is_refused_when_it_must_be(client: httpx.AsyncClient, auth) -> None:
    admin = await auth("admin")
    me = (await client.get("/api/v1/me", headers=admin)).json()
    own = await client.patch(f"/api/v1/users/{me['id']}", headers=admin, json={"active": False})
    assert own.status_code == 409 and own.json()["code"] == "cannot_disable_self"
    missing = await client.patch("/api/v1/users/999999", headers=admin, json={"active": False})
    assert missing.status_code == 404 and missing.json()["code"] == "user_not_found"
    vague = await client.patch(f"/api/v1/users/{me['id']}", headers=admin, json={"active": "no"})
    assert vague.status_code == 422 and vague.json()["code"] == "validation_failed"
    bureau = await client.patch(f"/api/v1/users/{me['id']}", headers=await auth("bureau"), json={"active": False})
    assert bureau.status_code == 403
    assert (await client.get("/api/v1/me", headers=admin)).status_code == 200


async def test_the_admin_page_disables_a_user_with_its_form(app, services) -> None:
    user_id = await users.create_user(
        services, actor=None, username="temp-staff", password="A-long-passw0rd", role=Role.EXPERT
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        html = {"Accept": "text/html"}
        form = await browser.get("/login", headers=html)
        await browser.post(
            "/login", data={"username": "admin", "password": DEMO_PASSWORD, "_csrf_token": _csrf(form.text)}
        )
        listed = await browser.get("/users?role=expert", headers=html)
        assert f'href="/users/{user_id}" data-testid="user-temp-staff"' in listed.text
        detail = await browser.get(f"/users/{user_id}", headers=html)
        assert detail.status_code == 200 and 'data-testid="toggle-active">停用' in detail.text
        row = re.search(
            r'action="/users/(\d+)/active" class="inline" data-confirm="[^"]+">[^<]*<input[^>]*>\s*'
            r'<input[^>]*value="false"[^>]*>\s*<button type="submit" data-testid="toggle-active"',
            detail.text,
        )
        assert row and int(row.group(1)) == user_id, "the user's page has a confirmed form that disables them"
        done = await browser.post(
            f"/users/{user_id}/active", data={"active": "false", "_csrf_token": _csrf(detail.text)}, headers=html
        )
        assert done.status_code in {301, 302, 303} and done.headers["location"] == f"/users/{user_id}"
        assert not (await AppUser.select(AppUser.active).where(AppUser.username == "temp-staff").first())["active"]
        detail = await browser.get(f"/users/{user_id}", headers=html)
        assert 'data-testid="toggle-active">启用' in detail.text
        admin_id = (await AppUser.select(AppUser.id).where(AppUser.username == "admin").first())["id"]
        own = await browser.get(f"/users/{admin_id}", headers=html)
        assert 'data-testid="toggle-active"' not in own.text  # no button to disable oneself
