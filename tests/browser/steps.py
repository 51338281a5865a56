"""Steps the browser tests share: signing in through the form, calling the live API."""

from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

from tests.helpers import DEMO_PASSWORD


async def sign_in(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form; the user lands on their home page (a caregiver's is their day,
    a fund supervisor's the supervision dashboard, a town agent's the month's checks)."""
    await page.goto(f"{base}/")
    assert "/login" in page.url  # not signed in: redirected to the sign-in page
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    homes = (f"{base}/", f"{base}/visits/day", f"{base}/supervision", f"{base}/remote-checks")
    await page.wait_for_url(lambda url: url in homes)


async def sign_in_first_time(page, base: str, username: str, first_password: str, own_password: str) -> None:
    """Sign in with a password someone else chose: the password page comes first, and once the
    user has set their own they land on their home page."""
    await page.goto(f"{base}/")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(first_password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/password?expired=1**")
    await page.get_by_label("当前密码").fill(first_password)
    await page.get_by_label("新密码", exact=True).fill(own_password)
    await page.get_by_label("再次输入新密码").fill(own_password)
    await page.get_by_role("button", name="修改密码").click()
    await page.wait_for_url(lambda url: url in (f"{base}/", f"{base}/visits/day", f"{base}/supervision"))


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


AXE_DIR = Path(__file__).resolve().parent
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
# What a page may not have: axe-core's serious and critical violations.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def install_axe() -> str:
    """axe-core from the npm registry, installed once from tests/browser/package-lock.json."""
    if not AXE_SCRIPT.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=AXE_DIR, check=True, capture_output=True)
    return AXE_SCRIPT.read_text(encoding="utf-8")


async def check_accessibility(page, *, ignore: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Runs axe-core on the page as it is now and fails on any serious or critical violation
    (evaluated through the browser's debugging protocol, which the page's CSP does not limit).
    Returns the lesser violations, for a test that wants to look at them."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(install_axe())
    result = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [v for v in result["violations"] if v["id"] not in ignore]
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes'][:3]]}"
        for v in violations
        if v.get("impact") in BLOCKING_IMPACTS
    ]
    assert not blocking, f"accessibility violations on {page.url}:\n" + "\n".join(blocking)
    return [v for v in violations if v.get("impact") not in BLOCKING_IMPACTS]


class Confirmations:
    """Answers every confirmation the page asks, accepting or cancelling as ``accept`` says
    at the time, and keeps the questions asked, so a test can tell that an irreversible step
    asked first."""

    def __init__(self, page, *, accept: bool = True) -> None:
        self.accept = accept
        self.asked: list[str] = []
        page.on("dialog", self._answer)

    async def _answer(self, dialog) -> None:
        self.asked.append(dialog.message)
        await (dialog.accept() if self.accept else dialog.dismiss())


async def wait_until(page, expression: str, arg: Any = None, *, timeout: float = 30.0) -> None:
    """Waits until a script holds on the page, asked through the debugging protocol: the
    pages' CSP forbids the eval that Playwright's own wait_for_function polls with."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await page.evaluate(expression, arg):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never held on {page.url}: {expression}")
        await asyncio.sleep(0.1)
