"""The three separated administrator duties (三员分立) over HTTP: each administrator does
their own duty and is refused the others' and the business records."""

from __future__ import annotations

import re

import httpx

from tests.helpers import HTML, csrf_token, signed_in_browser

PASSWORD = "Duty-passw0rd-2026"  # kept by the password policy


def sees_nothing(response: httpx.Response) -> bool:
    """Refused, or answered with nothing in it (lists filtered to what the caller may see)."""
    return response.status_code in (403, 404) or (response.status_code == 200 and response.json() == [])


async def _user_id(client: httpx.AsyncClient, headers: dict[str, str], username: str) -> int:
    users = (await client.get("/api/v1/users", headers=headers)).json()
    return next(u["id"] for u in users if u["username"] == username)


async def test_the_system_administrator_opens_accounts_and_nothing_else(client: httpx.AsyncClient, auth) -> None:
    admin = await auth("admin")
    assert (await client.get("/api/v1/me", headers=admin)).json()["role"] == "sysadmin"
    created = await client.post(
        "/api/v1/users", headers=admin, json={"username": "duty-clerk", "password": PASSWORD, "role": "bureau"}
    )
    assert created.status_code == 201, created.text
    for role in ("sysadmin", "secadmin", "auditor"):
        refused = await client.post(
            "/api/v1/users", headers=admin, json={"username": f"second-{role}", "password": PASSWORD, "role": role}
        )
        assert refused.status_code == 403 and refused.json()["code"] == "administrator_created_by_operator", role
    role = await client.patch(f"/api/v1/users/{created.json()['id']}/role", headers=admin, json={"role": "expert"})
    assert role.status_code == 403 and role.json()["code"] == "role_not_allowed"
    for path in ["/api/v1/audit", "/api/v1/persons/", "/api/v1/applications/", "/api/v1/fund"]:
        assert sees_nothing(await client.get(path, headers=admin)), path
    assert (await client.post("/api/v1/audit/verify", headers=admin)).status_code == 403


async def test_the_security_administrator_gives_roles_and_nothing_else(client: httpx.AsyncClient, auth) -> None:
    secadmin, admin = await auth("secadmin"), await auth("admin")
    created = await client.post(
        "/api/v1/users", headers=admin, json={"username": "to-promote", "password": PASSWORD, "role": "assessor"}
    )
    user_id = created.json()["id"]
    promoted = await client.patch(f"/api/v1/users/{user_id}/role", headers=secadmin, json={"role": "expert"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "expert"
    token = await client.post("/api/v1/auth/token", json={"username": "to-promote", "password": PASSWORD})
    assert token.json()["role"] == "expert"
    # No account ever moves into, out of or between the administrator duties.
    into = await client.patch(f"/api/v1/users/{user_id}/role", headers=secadmin, json={"role": "auditor"})
    assert into.status_code == 403 and into.json()["code"] == "administrator_duty_fixed"
    admin_id = await _user_id(client, secadmin, "admin")
    between = await client.patch(f"/api/v1/users/{admin_id}/role", headers=secadmin, json={"role": "auditor"})
    assert between.status_code == 403 and between.json()["code"] == "administrator_duty_fixed"
    out = await client.patch(f"/api/v1/users/{admin_id}/role", headers=secadmin, json={"role": "bureau"})
    assert out.status_code == 403 and out.json()["code"] == "administrator_duty_fixed"
    agency = await client.patch(f"/api/v1/users/{user_id}/role", headers=secadmin, json={"role": "agency"})
    assert agency.status_code == 403 and agency.json()["code"] == "agency_needs_provider"
    missing = await client.patch("/api/v1/users/999999/role", headers=secadmin, json={"role": "expert"})
    assert missing.status_code == 404 and missing.json()["code"] == "user_not_found"
    # Not the system administrator's duty, nor the auditor's, nor the business.
    create = await client.post(
        "/api/v1/users", headers=secadmin, json={"username": "x-sec", "password": PASSWORD, "role": "bureau"}
    )
    assert create.status_code == 403
    assert (await client.patch(f"/api/v1/users/{user_id}", headers=secadmin, json={"active": False})).status_code == 403
    for path in ["/api/v1/audit", "/api/v1/persons/", "/api/v1/settlements/"]:
        assert sees_nothing(await client.get(path, headers=secadmin)), path
    # The change is in the trail, for the audit administrator.
    trail = (await client.get("/api/v1/audit?entity=user", headers=await auth("auditor"))).json()
    entry = next(e for e in trail if e["action"] == "user.assign_role" and e["entity_id"] == str(user_id))
    assert entry["before"]["role"] == "assessor" and entry["after"]["role"] == "expert"
    assert entry["actor_name"] == "secadmin"


async def test_the_audit_administrator_reads_and_verifies_the_trail_and_nothing_else(
    client: httpx.AsyncClient, auth
) -> None:
    auditor = await auth("auditor")
    assert (await client.get("/api/v1/audit?limit=5", headers=auditor)).status_code == 200
    verified = await client.post("/api/v1/audit/verify", headers=auditor)
    assert verified.status_code == 200, verified.text
    report = verified.json()
    assert report["ok"] is True and report["broken"] is None and report["checked"] > 0
    everything = await client.post("/api/v1/audit/verify?include_archive=true", headers=auditor)
    assert everything.json()["ok"] is True
    newest = (await client.get("/api/v1/audit?limit=1", headers=auditor)).json()[0]
    assert newest["action"] == "audit.verify" and newest["actor_name"] == "auditor"
    for path in ["/api/v1/users", "/api/v1/persons/", "/api/v1/settlements/", "/api/v1/fund", "/api/v1/providers/"]:
        assert sees_nothing(await client.get(path, headers=auditor)), path
    create = await client.post(
        "/api/v1/users", headers=auditor, json={"username": "x-aud", "password": PASSWORD, "role": "bureau"}
    )
    assert create.status_code == 403
    for username in ["bureau", "admin", "secadmin", "agency-P01"]:
        assert (await client.post("/api/v1/audit/verify", headers=await auth(username))).status_code == 403


async def test_the_audit_page_verifies_with_its_button(app) -> None:
    async with signed_in_browser(app, "auditor") as browser:
        home = await browser.get("/", headers=HTML)
        assert 'data-testid="verify-audit"' in home.text and 'data-testid="users"' not in home.text
        result = await browser.post("/audit/verify", data={"_csrf_token": csrf_token(home.text)}, headers=HTML)
        assert result.status_code == 200
        assert re.search(r'data-testid="verify-result">审计链完整：已校验 \d+ 条', result.text), result.text


async def test_the_security_page_gives_a_role_with_its_form(app, services) -> None:
    from ltc.domain.access import Role
    from ltc.services import users

    user_id = await users.create_user(
        services, actor=None, username="page-promote", password=PASSWORD, role=Role.ASSESSOR
    )
    async with signed_in_browser(app, "secadmin") as browser:
        page = await browser.get(f"/users/{user_id}", headers=HTML)
        assert 'data-testid="give-role"' in page.text and 'data-testid="toggle-active"' not in page.text
        assert 'data-testid="reset-password"' not in page.text
        admin_id = await _user_id_of("admin")
        assert 'data-testid="give-role"' not in (await browser.get(f"/users/{admin_id}", headers=HTML)).text
        needs_provider = await browser.post(
            f"/users/{user_id}/role",
            data={"role": "agency", "provider_id": "", "_csrf_token": csrf_token(page.text)},
            headers=HTML,
        )
        assert needs_provider.status_code == 403 and 'data-testid="form-errors"' in needs_provider.text
        assert '<option value="agency" selected>' in needs_provider.text, "the choice is kept"
        done = await browser.post(
            f"/users/{user_id}/role",
            data={"role": "expert", "provider_id": "", "_csrf_token": csrf_token(page.text)},
            headers=HTML,
            follow_redirects=True,
        )
        assert done.status_code == 200 and 'data-testid="user-role">评估专家' in done.text
    row = await users.list_users(users.Actor(user_id=1, username="x", role=Role.SECADMIN))
    assert next(u for u in row if u.username == "page-promote").role == Role.EXPERT


async def _user_id_of(username: str) -> int:
    from ltc.db.tables import AppUser

    return (await AppUser.select(AppUser.id).where(AppUser.username == username).first())["id"]


async def test_the_system_administrators_page_shows_neither_audit_nor_district(app) -> None:
    async with signed_in_browser(app, "admin") as browser:
        home = await browser.get("/", headers=HTML)
        assert 'href="/users"' in home.text and 'href="/users/new"' in home.text
        assert "最近变更" not in home.text and "辖区概况" not in home.text and "授予角色" not in home.text
