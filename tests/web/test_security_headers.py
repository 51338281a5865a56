"""Security headers on every response: a page, an API call, an error, a static file, an
unrouted path; the Swagger UI runs from /static alone; the map may show the configured tile
server's images; HSTS only behind HTTPS."""

from __future__ import annotations

import re

import httpx
import pytest

from ltc.settings import PROJECT_ROOT
from ltc.web.headers import CSP, SCHEMA_CSP, security_headers

HTML = {"Accept": "text/html"}


def assert_secure(response: httpx.Response, csp: str = CSP) -> None:
    assert response.headers["Content-Security-Policy"] == csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # secure cookies are off in tests


async def test_a_page_an_api_call_and_errors_carry_the_headers(client: httpx.AsyncClient, auth) -> None:
    page = await client.get("/login", headers=HTML)
    assert page.status_code == 200
    assert_secure(page)
    assert page.headers["Cache-Control"] == "no-store"
    api = await client.get("/api/v1/me", headers=await auth("bureau"))
    assert api.status_code == 200, api.text
    assert_secure(api)
    for response in (
        await client.get("/api/v1/me"),  # 401 problem
        await client.get("/api/v1/no-such-thing"),  # unrouted
        await client.get("/no-such-page", headers=HTML),  # an error page
        await client.post("/api/v1/auth/token", content=b"{", headers={"Content-Type": "application/json"}),
    ):
        assert response.status_code >= 400
        assert_secure(response)
    static = await client.get("/static/app.css")
    assert static.status_code == 200
    assert_secure(static)


async def test_the_swagger_ui_loads_nothing_from_another_host(client: httpx.AsyncClient) -> None:
    docs = await client.get("/schema/swagger")
    assert docs.status_code == 200
    addresses = re.findall(r"""(?:src|href)=["']([^"']+)["']""", docs.text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in addresses
    assert "/static/vendor/swagger-ui/swagger-ui-standalone-preset.js" in addresses
    assert "/static/vendor/swagger-ui/swagger-ui.css" in addresses
    assert all(address.startswith("/") and not address.startswith("//") for address in addresses), addresses
    assert "http://" not in docs.text.split("<body")[0] and "https://" not in docs.text.split("<body")[0]
    for address in addresses:
        if address.startswith("/static/"):
            assert (await client.get(address)).status_code == 200, address
    assert_secure(docs, SCHEMA_CSP)
    assert "http" not in SCHEMA_CSP and "*" not in SCHEMA_CSP  # no other host, not even the CDN
    assert_secure(await client.get("/schema/openapi.json"))


async def test_hsts_only_when_secure_cookies_are_on(settings) -> None:
    for secure, expected in ((True, True), (False, False)):
        hook = security_headers(settings.model_copy(update={"secure_cookies": secure}))
        message = {"type": "http.response.start", "status": 200, "headers": []}
        await hook(message, {"path": "/"})  # type: ignore[arg-type]
        names = {name.decode().lower() for name, _ in message["headers"]}
        assert ("strict-transport-security" in names) is expected


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "templates").rglob("*.html")), ids=lambda p: p.name)
def test_no_template_runs_inline_code(path) -> None:
    text = path.read_text("utf-8")
    # A JSON data block is never run (the CSP would refuse it anyway); any other inline script is.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text), "inline script"
    assert "<style" not in text, "inline style block"
    assert not re.search(r"\sstyle=", text), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", text), "inline event handler"
