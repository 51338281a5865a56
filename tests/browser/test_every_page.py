"""A walk through every page each role can reach by following links from its home page, at
the device the role holds and in both languages: no page fails, none shows a raw code
(snake_case) instead of words, and every page passes the accessibility check."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.steps import check_accessibility, sign_in

DESK = {"width": 1440, "height": 900}
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}

ROLES = [
    ("bureau", DESK),
    ("supervisor1", DESK),
    ("assessor1", TABLET),
    ("expert1", TABLET),
    ("agency-P01", PHONE),
    ("caregiver-P01", PHONE),
    ("admin", DESK),
    ("secadmin", DESK),
    ("auditor", DESK),
    ("supervisor1", DESK),
    ("agent1", PHONE),
]
# Pages of one kind are walked once: /visits/12 and /visits/13 draw the same template.
MAX_PAGES = 60
NOT_WALKED = ("/api/", "/lang/", "/static/", "/schema", "/logout", "/favicon")
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _kind(path: str) -> str:
    return re.sub(r"/\d+|/[0-9a-f-]{36}", "/{id}", path)


async def _walk(page, base: str) -> dict[str, list[str]]:
    """Every page reachable by links from home, one per kind; what each shows wrongly."""
    queue, seen, problems = ["/"], set(), {}
    while queue and len(seen) < MAX_PAGES:
        target = queue.pop(0)
        kind = _kind(urlsplit(target).path)
        if kind in seen:
            continue
        seen.add(kind)
        response = await page.goto(base + target)
        wrong: list[str] = []
        if response is None or response.status >= 500:
            wrong.append(f"status {response.status if response else 'none'}")
        # What a user reads: a file's column names shown as code to type are not words to translate.
        text = await page.evaluate(
            "(() => { const body = document.body.cloneNode(true);"
            " body.querySelectorAll('code, kbd, samp, script, template').forEach(e => e.remove());"
            " document.documentElement.appendChild(body); const text = body.innerText; body.remove(); return text; })()"
        )
        codes = sorted(set(RAW_CODE.findall(text)))
        if codes:
            wrong.append(f"raw codes {codes[:8]}")
        try:
            await check_accessibility(page)
        except AssertionError as exc:
            wrong.append(str(exc))
        if wrong:
            problems[target] = wrong
        for href in await page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith(NOT_WALKED):
                continue
            if _kind(parts.path) not in seen:
                queue.append(href.split("#")[0])
    assert len(seen) > 1, "the home page links nowhere"
    return problems


@pytest.mark.parametrize(("username", "viewport"), ROLES)
@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_every_page_a_role_reaches_reads_well(browser, live_server: str, username, viewport, language) -> None:
    context = await browser.new_context(viewport=viewport, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, live_server, username)
    await page.goto(f"{live_server}/lang/{language}?next=/")
    problems = await _walk(page, live_server)
    await context.close()
    assert not problems, "\n".join(f"{path}: {'; '.join(wrong)}" for path, wrong in problems.items())
