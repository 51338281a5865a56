"""Pages, health and the OpenAPI schema."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import csrf_token, signed_in_browser


@pytest.mark.parametrize(
    "username, expected",
    [
        ("bureau", ["经办工作台", "辖区概况", "溪口镇", "最近变更"]),
        ("admin", ["系统管理", "开设账号", "政策版本", "系统管理员", 'href="/users"']),
        ("secadmin", ["安全管理", "授予角色", 'href="/users"']),
        ("auditor", ["校验审计日志", "立即校验", "检索审计日志", "登录成功", 'data-action="']),
        ("assessor1", ["我的评估任务", "上门完成分配给您的失能等级评估"]),
        ("expert1", ["我的评估任务"]),
        ("agency-P01", ["护理人员", "小时/周"]),
    ],
)
async def test_each_role_has_its_home_page(app, username: str, expected: list[str]) -> None:
    async with signed_in_browser(app, username) as browser:
        page = await browser.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 200
        for text in expected:
            assert text in page.text, text


async def test_the_supervisors_home_is_the_supervision_dashboard(app) -> None:
    async with signed_in_browser(app, "supervisor1") as browser:
        home = await browser.get("/", headers={"Accept": "text/html"})
        assert home.status_code == 302 and home.headers["location"] == "/supervision"
        page = await browser.get("/supervision", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "基金监管员" in page.text


def test_every_role_has_a_home_page_or_a_place_it_starts_from() -> None:
    from ltc.domain.access import Role
    from ltc.web.pages import HOME_PAGES

    # a caregiver starts from their day, a supervisor from the supervision dashboard, a town
    # agent from the month's checks
    assert set(HOME_PAGES) == set(Role) - {Role.CAREGIVER, Role.SUPERVISOR, Role.TOWN_AGENT}


async def test_the_town_agents_home_is_the_months_checks(app) -> None:
    async with signed_in_browser(app, "agent1") as browser:
        home = await browser.get("/", headers={"Accept": "text/html"})
        assert home.status_code == 302 and home.headers["location"] == "/remote-checks"
        page = await browser.get("/remote-checks", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "每月核查" in page.text
        # a check refused by the rules is answered beside the form, the input kept
        form = {"benefit_id": "999999", "period": "2026-01", "kind": "call", "finding": "ok", "note": "留言"}
        refused = await browser.post(
            "/remote-checks",
            data=form | {"_csrf_token": csrf_token(page.text)},
            headers={"Accept": "text/html"},
        )
        assert refused.status_code == 404, "another town's or a missing benefit is not found"
        granted = await browser.get("/remote-benefits", headers={"Accept": "text/html"})
        assert granted.status_code == 200 and 'data-testid="grant-form"' not in granted.text


async def test_healthz_reports_database_and_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200, response.text
    assert response.json()["database"] == "ok" and response.json()["redis"] == "ok"


async def test_the_openapi_schema_documents_the_api(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for path in ["/api/v1/auth/token", "/api/v1/jobs/{job_id}", "/api/v1/providers/{provider_id}", "/healthz"]:
        assert path in schema["paths"], path
    assert "/login" not in schema["paths"]
    docs = await client.get("/schema")
    assert docs.status_code == 200


def _untyped(schema: dict | None) -> bool:
    """An object with no properties (a bare dict), or a list of them, or nothing at all."""
    if not schema:
        return True
    if "$ref" in schema:
        return False
    if schema.get("type") == "array":
        return _untyped(schema.get("items"))
    if "oneOf" in schema or "anyOf" in schema:
        return any(_untyped(s) for s in schema.get("oneOf", schema.get("anyOf")) if s.get("type") != "null")
    return schema.get("type") in (None, "object") and not schema.get("properties")


TYPED_TAGS = {"providers", "assignment", "administration", "auth", "jobs", "operations"}


async def test_every_operation_of_the_registry_and_administration_has_a_typed_response(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    untyped = [
        f"{method.upper()} {path} {status}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if TYPED_TAGS & set(operation.get("tags", []))
        for status, response in operation["responses"].items()
        if status.startswith("2")
        for media in (response.get("content") or {None: {}}).values()
        if _untyped(media.get("schema"))
    ]
    assert untyped == []
