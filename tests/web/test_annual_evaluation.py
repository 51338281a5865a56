"""The annual evaluation over HTTP: the agency evaluates itself and sees only its own year, the
bureau scores, the supervisor reads, the old single-score route answers with a clear code for a
year evaluated by indicators, and the pages show each reader only the forms it may use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

from litestar import Litestar

from ltc.db.tables import EvaluationScore, Provider
from ltc.services.clock import FixedClock
from tests.conftest import bearer
from tests.helpers import HTML, csrf_token, signed_in_browser

YEAR = 2027
SCORED = ("staffing", "care_records", "safety", "training")


@contextmanager
def in_the_spring_after(app: Litestar) -> Iterator[None]:
    """The app's clock early in the year after ``YEAR`` (the year evaluated by indicators)."""
    services = app.state.services
    app.state.services = replace(services, clock=FixedClock(datetime(YEAR + 1, 2, 10, 2, tzinfo=UTC)))
    try:
        yield
    finally:
        app.state.services = services


async def _provider_id(code: str) -> int:
    return (await Provider.select(Provider.id).where(Provider.code == code).first())["id"]


async def test_the_agency_evaluates_itself_and_the_bureau_scores(app, client) -> None:
    p01, p02 = await _provider_id("P01"), await _provider_id("P02")
    url = f"/api/v1/providers/{p01}/evaluations/{YEAR}"
    try:
        with in_the_spring_after(app):
            agency, bureau = await bearer(client, "agency-P01"), await bearer(client, "bureau")
            supervisor = await bearer(client, "supervisor1")
            shown = await client.get(url, headers=agency)
            assert shown.status_code == 200, shown.text
            assert shown.json()["by_indicators"] is True and shown.json()["score"] is None
            own = await client.post(
                f"{url}/self", json={"indicator": "safety", "score": 90, "note": "消防演练"}, headers=agency
            )
            assert own.status_code == 200, own.text
            safety = next(i for i in own.json()["indicators"] if i["indicator"] == "safety")
            assert (safety["self_score"], safety["self_note"], safety["bureau_score"]) == (90, "消防演练", None)
            assert (
                await client.post(f"{url}/scores", json={"indicator": "safety", "score": 9}, headers=agency)
            ).status_code == 403
            other = await client.get(f"/api/v1/providers/{p02}/evaluations/{YEAR}", headers=agency)
            assert other.status_code == 404 and other.json()["code"] == "provider_not_found"
            derived = await client.post(f"{url}/scores", json={"indicator": "complaints", "score": 50}, headers=bureau)
            assert derived.status_code == 422 and derived.json()["code"] == "unknown_indicator"
            too_high = await client.post(f"{url}/scores", json={"indicator": "safety", "score": 101}, headers=bureau)
            assert too_high.status_code in (400, 422)
            for code in SCORED:
                scored = await client.post(f"{url}/scores", json={"indicator": code, "score": 80}, headers=bureau)
                assert scored.status_code == 200, scored.text
            result = (await client.get(url, headers=supervisor)).json()
            assert result["scored"] is True and result["grade"] in ("excellent", "good", "pass", "fail")
            old = await client.post(
                f"/api/v1/providers/{p01}/evaluations", json={"year": YEAR, "score": 80, "note": ""}, headers=bureau
            )
            assert old.status_code == 409 and old.json()["code"] == "evaluation_by_indicators"
            future = await client.get(f"/api/v1/providers/{p01}/evaluations/{YEAR + 2}", headers=bureau)
            assert future.status_code == 422 and future.json()["code"] == "invalid_year"
            assert (await client.get(f"/api/v1/final-accounts/{YEAR}", headers=supervisor)).status_code == 403
            account = await client.get(f"/api/v1/final-accounts/{YEAR}", headers=bureau)
            assert account.status_code == 200 and account.json()["year_ended"] is True
    finally:
        await EvaluationScore.delete().where(EvaluationScore.year == YEAR)


async def test_the_pages_show_each_reader_its_own_form(app) -> None:
    p01 = await _provider_id("P01")
    try:
        with in_the_spring_after(app):
            async with signed_in_browser(app, "agency-P01") as agency:
                start = await agency.get("/evaluations", headers=HTML)
                assert start.status_code == 302 and start.headers["location"] == f"/evaluations/{p01}/{YEAR}"
                page = await agency.get(f"/evaluations/{p01}/{YEAR}", headers=HTML)
                assert page.status_code == 200 and "年度考核" in page.text
                assert f'action="/evaluations/{p01}/{YEAR}/self"' in page.text and '/score"' not in page.text
                token = csrf_token(page.text)
                refused = await agency.post(
                    f"/evaluations/{p01}/{YEAR}/self",
                    data={"indicator": "safety", "score": "120", "note": "x", "_csrf_token": token},
                    headers=HTML,
                )
                assert refused.status_code == 422 and 'data-testid="error-score"' in refused.text
                assert 'value="120"' in refused.text, "what was typed is kept"
                saved = await agency.post(
                    f"/evaluations/{p01}/{YEAR}/self",
                    data={"indicator": "training", "score": "75", "note": "年度培训", "_csrf_token": token},
                    headers=HTML,
                )
                assert saved.status_code in (302, 303)
                again = await agency.get(f"/evaluations/{p01}/{YEAR}?saved=true", headers=HTML)
                assert "年度培训" in again.text and 'data-testid="saved"' in again.text
                assert (await agency.get("/final-accounts", headers=HTML)).status_code == 403
            async with signed_in_browser(app, "bureau") as bureau:
                page = await bureau.get(f"/evaluations/{p01}/{YEAR}", headers=HTML)
                assert f'action="/evaluations/{p01}/{YEAR}/score"' in page.text and '/self"' not in page.text
                listing = await bureau.get(f"/evaluations?year={YEAR}", headers=HTML)
                assert listing.status_code == 200 and f"/evaluations/{p01}/{YEAR}" in listing.text
                account = await bureau.get(f"/final-accounts?year={YEAR}", headers=HTML)
                assert account.status_code == 200 and "质量保证金" in account.text
            async with signed_in_browser(app, "supervisor1") as supervisor:
                page = await supervisor.get(f"/evaluations/{p01}/{YEAR}", headers=HTML)
                # the supervisor reads the evaluation; the grade, which releases money, is the bureau's
                assert page.status_code == 200 and f"/evaluations/{p01}/{YEAR}/score" not in page.text
            async with signed_in_browser(app, "bureau") as bureau:
                old_year = await bureau.get(f"/evaluations/{p01}/2025", headers=HTML)
                assert old_year.status_code == 200 and 'data-testid="single-score"' in old_year.text
                assert "score-form" not in old_year.text
    finally:
        await EvaluationScore.delete().where(EvaluationScore.year == YEAR)
