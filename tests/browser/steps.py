"""Steps the browser tests share: signing in through the form, calling the live API."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.helpers import DEMO_PASSWORD


async def sign_in(page, base: str, username: str) -> None:
    await page.goto(f"{base}/")
    assert "/login" in page.url  # not signed in: redirected to the sign-in page
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{base}/")


class LiveApi:
    """A tiny synchronous client of the live server's JSON API, for arranging data."""

    def __init__(self, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
        self.base = base
        token = self.call("POST", "/api/v1/auth/token", {"username": username, "password": password}, auth=False)
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}

    def call(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", **(self.headers if auth else {})}
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
