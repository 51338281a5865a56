"""Constants and helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

DEMO_PASSWORD = "test-demo-pass"
HTML = {"Accept": "text/html"}


def csrf_token(page: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


@asynccontextmanager
async def signed_in_browser(app, username: str, password: str = DEMO_PASSWORD) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client signed in through the login form, as a browser would."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as browser:
        form = await browser.get("/login", headers=HTML)
        response = await browser.post(
            "/login",
            data={"username": username, "password": password, "_csrf_token": csrf_token(form.text)},
            headers=HTML,
        )
        assert response.status_code in {301, 302, 303}
        yield browser
