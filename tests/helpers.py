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


async def decide_review_samples(ctx, supervisor, settlement_id: int, outcome: str = "confirmed") -> int:
    """Decide every pending sampled line of a settlement as a supervisor would, so that its
    approval need not wait (policy ``approval_waits_for_review``); how many were decided."""
    from ltc.services.supervision import review

    page = await review.sample_page(ctx, supervisor, settlement_id=settlement_id, status="pending", limit=500)
    for sample in page.items:
        decision = review.DecisionIn(outcome=outcome, note="" if outcome == "confirmed" else "复审不符")
        await review.decide(ctx, supervisor, sample.id, decision)
    return len(page.items)


async def confirm_review_samples(client: httpx.AsyncClient, supervisor: dict[str, str], settlement_id: int) -> int:
    """Through the API, a supervisor confirms every line of the settlement drawn for review
    (confirming changes no amount, so the settlement keeps its version); how many."""
    response = await client.get(
        "/api/v1/review-samples", params={"settlement_id": settlement_id, "status": "pending"}, headers=supervisor
    )
    assert response.status_code == 200, response.text
    for sample in response.json():
        decided = await client.post(
            f"/api/v1/review-samples/{sample['id']}/decision", json={"outcome": "confirmed"}, headers=supervisor
        )
        assert decided.status_code == 200, decided.text
    return len(response.json())
