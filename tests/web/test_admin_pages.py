"""The administration pages over HTTP, as a browser posts them: forms keep what was typed
beside each refusal, accounts open with a one-time password that must be changed, the
user list and the audit trail filter and page, the policy versions read in words."""

from __future__ import annotations

import html
import re
from datetime import date

from ltc.db.tables import AppUser
from tests.helpers import HTML, csrf_token, signed_in_browser


def _value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    assert match, f"no field {name}"
    return html.unescape(match.group(1))


def _one_time_password(page: str) -> str:
    match = re.search(r'data-testid="one-time-password">([^<]+)<', page)
    assert match, "no one-time password shown"
    return html.unescape(match.group(1))


async def test_an_account_opened_on_the_page_keeps_the_input_and_must_change_its_password(app) -> None:
    async with signed_in_browser(app, "admin") as browser:
        form = await browser.get("/users/new", headers=HTML)
        assert form.status_code == 200
        token = csrf_token(form.text)
        no_provider = await browser.post(
            "/users/new",
            data={
                "username": "page-agent",
                "display_name": "页面 代理",
                "role": "agency",
                "provider_id": "",
                "_csrf_token": token,
            },
            headers=HTML,
        )
        assert no_provider.status_code == 403, no_provider.text[:500]
        assert _value(no_provider.text, "username") == "page-agent"
        assert _value(no_provider.text, "display_name") == "页面 代理"
        assert 'data-testid="error-provider_id"' in no_provider.text
        assert not await AppUser.exists().where(AppUser.username == "page-agent")

        bad_name = await browser.post(
            "/users/new",
            data={"username": "has space", "role": "bureau", "_csrf_token": token},
            headers=HTML,
        )
        assert bad_name.status_code == 422 and 'data-testid="error-username"' in bad_name.text
        assert _value(bad_name.text, "username") == "has space"

        provider = (await AppUser.select(AppUser.provider).where(AppUser.username == "agency-P01").first())["provider"]
        opened = await browser.post(
            "/users/new",
            data={"username": "page-agent", "role": "agency", "provider_id": str(provider), "_csrf_token": token},
            headers=HTML,
        )
        assert opened.status_code == 201, opened.text[:500]
        password = _one_time_password(opened.text)
        again = await browser.post(
            "/users/new",
            data={"username": "page-agent", "role": "agency", "provider_id": str(provider), "_csrf_token": token},
            headers=HTML,
        )
        assert again.status_code == 409 and _value(again.text, "username") == "page-agent"
        assert 'data-testid="error-username"' in again.text

    async with signed_in_browser(app, "page-agent", password) as agent:
        landing = await agent.get("/", headers=HTML)
        assert landing.status_code == 200
    form = await _sign_in_form(app, "page-agent", password)
    assert form.startswith("/password?expired=1"), form


async def _sign_in_form(app, username: str, password: str) -> str:
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as browser:
        page = await browser.get("/login", headers=HTML)
        done = await browser.post(
            "/login",
            data={"username": username, "password": password, "_csrf_token": csrf_token(page.text)},
            headers=HTML,
        )
        return done.headers.get("location", "")


async def test_a_reset_gives_a_one_time_password_and_ends_the_old_one(app, services) -> None:
    from ltc.domain.access import Role
    from ltc.services import users

    user_id = await users.create_user(
        services, actor=None, username="reset-me", password="Reset-passw0rd-2026", role=Role.ASSESSOR
    )
    assert (await _sign_in_form(app, "reset-me", "Reset-passw0rd-2026")) == "/"
    async with signed_in_browser(app, "admin") as browser:
        detail = await browser.get(f"/users/{user_id}", headers=HTML)
        assert 'data-testid="reset-password"' in detail.text and "data-confirm=" in detail.text
        reset = await browser.post(
            f"/users/{user_id}/password-reset", data={"_csrf_token": csrf_token(detail.text)}, headers=HTML
        )
        assert reset.status_code == 200
        password = _one_time_password(reset.text)
        own = await browser.get("/users", headers=HTML)
        admin_id = re.search(r'href="/users/(\d+)" data-testid="user-admin"', own.text)
        assert admin_id
        mine = await browser.get(f"/users/{admin_id.group(1)}", headers=HTML)
        assert 'data-testid="reset-password"' not in mine.text and 'data-testid="toggle-active"' not in mine.text
    assert (await _sign_in_form(app, "reset-me", "Reset-passw0rd-2026")) == ""  # refused: the login page again
    assert (await _sign_in_form(app, "reset-me", password)).startswith("/password?expired=1")


async def test_disabling_on_the_user_page_is_confirmed_and_reversible(app, services) -> None:
    from ltc.domain.access import Role
    from ltc.services import users

    user_id = await users.create_user(
        services, actor=None, username="page-toggle", password="Toggle-passw0rd-2026", role=Role.BUREAU
    )
    async with signed_in_browser(app, "admin") as browser:
        detail = await browser.get(f"/users/{user_id}", headers=HTML)
        assert re.search(r'action="/users/\d+/active"[^>]*data-confirm="[^"]+"', detail.text)
        done = await browser.post(
            f"/users/{user_id}/active", data={"active": "false", "_csrf_token": csrf_token(detail.text)}, headers=HTML
        )
        assert done.status_code in {301, 302, 303} and done.headers["location"] == f"/users/{user_id}"
        assert not (await AppUser.select(AppUser.active).where(AppUser.id == user_id).first())["active"]
        shown = await browser.get(f"/users/{user_id}", headers=HTML)
        assert 'data-testid="toggle-active">启用' in shown.text
        bad = await browser.post(
            f"/users/{user_id}/active", data={"active": "maybe", "_csrf_token": csrf_token(detail.text)}, headers=HTML
        )
        assert bad.status_code == 422


async def test_the_user_list_filters_and_pages(app) -> None:
    async with signed_in_browser(app, "secadmin") as browser:
        agencies = await browser.get("/users?role=agency&active=yes", headers=HTML)
        assert agencies.status_code == 200
        names = re.findall(r'href="/users/\d+" data-testid="user-([^"]+)"', agencies.text)
        assert names and all(name.startswith("agency-") or name.startswith("page-agent") for name in names), names
        first = await browser.get("/users?limit=2", headers=HTML)
        shown = re.findall(r'href="/users/\d+" data-testid="user-([^"]+)"', first.text)
        assert len(shown) == 2
        onward = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert onward
        second = await browser.get(html.unescape(onward.group(1)), headers=HTML)
        assert not set(re.findall(r'href="/users/\d+" data-testid="user-([^"]+)"', second.text)) & set(shown)
        assert (await browser.get("/users?after=garbage", headers=HTML)).status_code == 422
        assert (await browser.get("/users?role=nobody", headers=HTML)).status_code == 422


async def test_the_audit_trail_is_searched_and_read_in_words(app) -> None:
    async with signed_in_browser(app, "auditor") as browser:
        found = await browser.get("/audit?action=sign_in.success&actor=auditor", headers=HTML)
        assert found.status_code == 200
        actions = re.findall(r'data-testid="audit-action">([^<]+)<', found.text)
        assert actions and set(actions) == {"登录成功"}, actions
        assert "sign_in.success</td>" not in found.text
        bad = await browser.get("/audit?date_from=2026-13-40&actor=auditor", headers=HTML)
        assert bad.status_code == 422 and _value(bad.text, "actor") == "auditor"
        assert 'data-testid="error-date_from"' in bad.text
        english = await browser.get("/lang/en?next=/audit", headers=HTML, follow_redirects=True)
        assert english.status_code == 200
        words = await browser.get("/audit?action=sign_in.success", headers=HTML)
        assert re.findall(r'data-testid="audit-action">([^<]+)<', words.text)[0] == "Signed in"
        await browser.get("/lang/zh_CN?next=/", headers=HTML)
    async with signed_in_browser(app, "admin") as browser:
        assert (await browser.get("/audit", headers=HTML)).status_code == 403


async def test_the_policy_page_tells_the_versions_and_their_rules_in_words(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        policy = await browser.get("/policy", headers=HTML)
        assert policy.status_code == 200
        assert "2021.1" in policy.text and "2021-01-01" in policy.text
        assert "最低年龄" in policy.text and "60 岁" in policy.text
        assert "minimum_age" not in policy.text and "home_hourly_price_fen" not in policy.text
    async with signed_in_browser(app, "auditor") as browser:
        assert (await browser.get("/policy", headers=HTML)).status_code == 403


async def test_the_list_apis_filter_and_link_to_the_next_page(client, auth) -> None:
    admin, auditor = await auth("admin"), await auth("auditor")
    first = await client.get("/api/v1/users?role=agency&active=true&limit=3", headers=admin)
    assert first.status_code == 200 and [u["role"] for u in first.json()] == ["agency"] * 3
    onward = re.match(r'<([^>]+)>; rel="next"', first.headers["link"])
    assert onward
    second = (await client.get(onward.group(1), headers=admin)).json()
    assert second and {u["id"] for u in second}.isdisjoint({u["id"] for u in first.json()})
    assert min(u["id"] for u in second) > max(u["id"] for u in first.json())

    trail = await client.get("/api/v1/audit?action=sign_in.success&actor_name=auditor&limit=2", headers=auditor)
    entries = trail.json()
    assert trail.status_code == 200 and entries and {e["action"] for e in entries} == {"sign_in.success"}
    assert {e["actor_name"] for e in entries} == {"auditor"}
    assert entries == sorted(entries, key=lambda e: -e["id"])
    none_yet = await client.get("/api/v1/audit?date_to=2000-01-01", headers=auditor)
    assert none_yet.status_code == 200 and none_yet.json() == []
    assert (await client.get("/api/v1/audit?after=%%%", headers=auditor)).status_code in {400, 422}

    versions = await client.get("/api/v1/policy/versions", headers=admin)
    assert versions.status_code == 200 and versions.json()[0]["changes"] is None
    # one version is in force: the latest that has begun (a version announced for a later day waits)
    in_force = [v for v in versions.json() if v["in_force"]]
    assert len(in_force) == 1 and in_force[0]["effective_from"] <= date.today().isoformat()
    assert all(
        v["effective_from"] > in_force[0]["effective_from"]
        for v in versions.json()[versions.json().index(in_force[0]) + 1 :]
    )
    assert (await client.get("/api/v1/policy/versions", headers=auditor)).status_code == 403


async def test_the_reset_api_answers_the_one_time_password_once(client, auth, services) -> None:
    from ltc.domain.access import Role
    from ltc.services import users

    user_id = await users.create_user(
        services, actor=None, username="api-reset", password="Zeta-passw0rd-2026", role=Role.BUREAU
    )
    admin = await auth("admin")
    reset = await client.post(f"/api/v1/users/{user_id}/password-reset", headers=admin)
    assert reset.status_code == 200 and reset.json()["username"] == "api-reset"
    token = await client.post(
        "/api/v1/auth/token", json={"username": "api-reset", "password": reset.json()["one_time_password"]}
    )
    assert token.status_code == 200 and token.json()["password_expired"] is True
    secadmin = await client.post(f"/api/v1/users/{user_id}/password-reset", headers=await auth("secadmin"))
    assert secadmin.status_code == 403
    own = (await client.get("/api/v1/me", headers=admin)).json()["id"]
    assert (await client.post(f"/api/v1/users/{own}/password-reset", headers=admin)).json()["code"] == (
        "cannot_reset_own_password"
    )
    admin_row = (await client.get("/api/v1/users?role=secadmin", headers=admin)).json()[0]
    refused = await client.post(f"/api/v1/users/{admin_row['id']}/password-reset", headers=admin)
    assert refused.status_code == 403 and refused.json()["code"] == "administrator_created_by_operator"
