"""Bad input gets a clear 4xx problem body with a stable code; never a 500."""

from __future__ import annotations

import httpx
import pytest


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/token", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "malformed_body"


@pytest.mark.parametrize(
    "body",
    [
        {"username": 5, "password": ["x"]},
        {"username": "bureau"},
        {"username": "bureau", "password": "x", "extra": 1},
        [],
        "text",
    ],
)
async def test_wrong_types_or_fields_are_422_with_the_fields(client: httpx.AsyncClient, body: object) -> None:
    response = await client.post("/api/v1/auth/token", json=body)
    assert response.status_code in {400, 422}, response.text
    problem = response.json()
    assert set(problem) >= {"status", "code", "title", "detail", "errors"}
    assert problem["code"] in {"validation_failed", "malformed_body"}


async def test_unknown_ids_and_paths_are_404(client: httpx.AsyncClient, auth) -> None:
    headers = await auth("bureau")
    job = await client.get("/api/v1/jobs/00000000-0000-4000-8000-000000000000", headers=headers)
    assert job.status_code == 404 and job.json()["code"] == "job_not_found"
    not_uuid = await client.get("/api/v1/jobs/not-a-uuid", headers=headers)
    assert not_uuid.status_code in {400, 404}
    nowhere = await client.get("/api/v1/nowhere", headers=headers)
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "not_found"


async def test_a_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/auth/token")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}, "it names what the path allows"


async def test_a_browser_gets_a_chinese_error_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "未找到" in response.text and "not_found" in response.text


async def test_english_is_switchable(app) -> None:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    switched = await client.get("/lang/en?next=/login")
    assert switched.status_code in {301, 302, 303} and switched.headers["location"] == "/login"
    assert "ltc_lang=en" in switched.headers["set-cookie"]
    page = await client.get("/no-such-page", headers={"Accept": "text/html", "Cookie": "ltc_lang=en"})
    assert "Not found" in page.text and "未找到" not in page.text
    english = await client.get("/login", headers={"Accept": "text/html"})
    assert 'lang="en"' in english.text and "Sign in" in english.text, "the cookie keeps the choice"
    client.cookies.clear()
    default = await client.get("/login", headers={"Accept": "text/html"})
    assert 'lang="zh-CN"' in default.text and "登录" in default.text
    await client.aclose()
