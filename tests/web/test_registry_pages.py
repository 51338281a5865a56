"""The provider registry's pages over HTTP: registering and editing keep what was typed
beside each refusal, the agreement offers only the steps its state allows, each refused
step and evaluation keeps its input, and the assignment page places the waiting."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from ltc.db.tables import AgreementEvent, Job, Provider, ProviderEvaluation
from tests.helpers import HTML, csrf_token, signed_in_browser

STEPS = ("designate", "activate", "suspend", "reinstate", "terminate")
# Far from the demo district, so activating the provider places none of the demo's people there.
FAR_AWAY = ("40.50", "100.50")
MADE: list[int] = []


@pytest.fixture(autouse=True)
async def remove_what_the_test_made():
    """The session's database is shared: the provider registered here goes after the test."""
    yield
    if MADE:
        await ProviderEvaluation.delete().where(ProviderEvaluation.provider.is_in(MADE))
        await AgreementEvent.delete().where(AgreementEvent.provider.is_in(MADE))
        await Provider.delete().where(Provider.id.is_in(MADE))
        MADE.clear()


def _value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    assert match, f"no field {name}"
    return html.unescape(match.group(1))


def _offered(page: str) -> set[str]:
    return {step for step in STEPS if f'data-testid="agreement-{step}"' in page}


def _registration(code: str, **changes: str) -> dict[str, str]:
    return {
        "code": code,
        "name": "页面护理站",
        "name_en": "Page care station",
        "kind": "home",
        "address": "溪口镇 1 号",
        "lat": FAR_AWAY[0],
        "lon": FAR_AWAY[1],
        "service_radius_km": "8",
        "capacity": "12",
        "hourly_price": "62.50",
        "daily_price": "",
        "credit_code": "",
    } | changes


async def test_a_provider_is_registered_stepped_through_its_agreement_and_evaluated(app) -> None:
    code = f"W{uuid.uuid4().hex[:6]}"
    async with signed_in_browser(app, "bureau") as browser:
        form = await browser.get("/providers/new", headers=HTML)
        assert form.status_code == 200
        token = csrf_token(form.text)
        bad = await browser.post(
            "/providers/new",
            data=_registration(code, lat="north", hourly_price="6x") | {"_csrf_token": token},
            headers=HTML,
        )
        assert bad.status_code == 422
        assert 'data-testid="error-lat"' in bad.text and 'data-testid="error-hourly_price"' in bad.text
        assert _value(bad.text, "lat") == "north" and _value(bad.text, "name") == "页面护理站"
        assert not await Provider.exists().where(Provider.code == code)

        created = await browser.post("/providers/new", data=_registration(code) | {"_csrf_token": token}, headers=HTML)
        assert created.status_code in {301, 302, 303}, created.text[:400]
        provider_id = int(created.headers["location"].rsplit("/", 1)[1])
        MADE.append(provider_id)
        row = (
            await Provider.select(Provider.status, Provider.hourly_price_fen).where(Provider.id == provider_id).first()
        )
        assert row == {"status": "applied", "hourly_price_fen": 6250}
        twice = await browser.post("/providers/new", data=_registration(code) | {"_csrf_token": token}, headers=HTML)
        assert twice.status_code == 409 and _value(twice.text, "code") == code
        assert 'data-testid="error-code"' in twice.text

        page = await browser.get(f"/providers/{provider_id}", headers=HTML)
        assert _offered(page.text) == {"designate", "terminate"}
        assert re.search(r'data-testid="agreement-terminate"[^>]*data-confirm="[^"]+"', page.text, re.S)
        refused = await browser.post(
            f"/providers/{provider_id}/agreement/suspend", data={"reason": "查", "_csrf_token": token}, headers=HTML
        )
        assert refused.status_code == 409  # not offered, and refused if posted anyway
        no_batch = await browser.post(
            f"/providers/{provider_id}/agreement/designate",
            data={"batch": "", "reason": "第三批定点", "_csrf_token": token},
            headers=HTML,
        )
        assert no_batch.status_code == 422 and 'data-testid="error-batch"' in no_batch.text
        assert "第三批定点</textarea>" in no_batch.text
        designated = await browser.post(
            f"/providers/{provider_id}/agreement/designate",
            data={"batch": "2026-09", "reason": "", "_csrf_token": token},
            headers=HTML,
        )
        assert designated.status_code in {301, 302, 303}
        page = await browser.get(f"/providers/{provider_id}", headers=HTML)
        assert _offered(page.text) == {"activate", "terminate"}
        activated = await browser.post(
            f"/providers/{provider_id}/agreement/activate", data={"reason": "", "_csrf_token": token}, headers=HTML
        )
        job_id = re.match(r"/jobs/([0-9a-f-]+)\?then=", activated.headers["location"])
        assert job_id, activated.headers["location"]
        assert (await Job.select(Job.kind).where(Job.id == job_id.group(1)).first())["kind"] == "assign_beneficiaries"
        page = await browser.get(f"/providers/{provider_id}", headers=HTML)
        assert _offered(page.text) == {"suspend", "terminate"}
        no_reason = await browser.post(
            f"/providers/{provider_id}/agreement/suspend", data={"reason": " ", "_csrf_token": token}, headers=HTML
        )
        assert no_reason.status_code == 422 and 'data-testid="error-reason"' in no_reason.text

        too_high = await browser.post(
            f"/providers/{provider_id}/evaluations",
            data={"year": "2025", "score": "150", "note": "服务规范", "_csrf_token": token},
            headers=HTML,
        )
        assert too_high.status_code == 422 and 'data-testid="error-score"' in too_high.text
        assert _value(too_high.text, "score") == "150" and "服务规范</textarea>" in too_high.text
        evaluated = await browser.post(
            f"/providers/{provider_id}/evaluations",
            data={"year": "2025", "score": "88", "note": "服务规范", "_csrf_token": token},
            headers=HTML,
        )
        assert evaluated.status_code in {301, 302, 303}
        again = await browser.post(
            f"/providers/{provider_id}/evaluations",
            data={"year": "2025", "score": "90", "note": "", "_csrf_token": token},
            headers=HTML,
        )
        assert again.status_code == 409 and _value(again.text, "score") == "90"
        assert 'data-testid="error-year"' in again.text
        assert await ProviderEvaluation.count().where(ProviderEvaluation.provider == provider_id) == 1

        edit = await browser.get(f"/providers/{provider_id}/edit", headers=HTML)
        assert _value(edit.text, "hourly_price") == "62.50"
        zero = await browser.post(
            f"/providers/{provider_id}/edit",
            data={
                "name": "页面护理站",
                "address": "溪口镇 2 号",
                "lat": FAR_AWAY[0],
                "lon": FAR_AWAY[1],
                "service_radius_km": "0",
                "capacity": "12",
                "hourly_price": "65",
                "daily_price": "0",
                "_csrf_token": token,
            },
            headers=HTML,
        )
        assert zero.status_code == 422 and _value(zero.text, "address") == "溪口镇 2 号"
        saved = await browser.post(
            f"/providers/{provider_id}/edit",
            data={
                "name": "页面护理站",
                "address": "溪口镇 2 号",
                "lat": FAR_AWAY[0],
                "lon": FAR_AWAY[1],
                "service_radius_km": "9.5",
                "capacity": "12",
                "hourly_price": "65",
                "daily_price": "0",
                "_csrf_token": token,
            },
            headers=HTML,
        )
        assert saved.status_code in {301, 302, 303}
        row = (
            await Provider.select(Provider.service_radius_km, Provider.hourly_price_fen, Provider.address)
            .where(Provider.id == provider_id)
            .first()
        )
        assert row == {"service_radius_km": 9.5, "hourly_price_fen": 6500, "address": "溪口镇 2 号"}

        placing = await browser.post("/assignment/place-waiting", data={"_csrf_token": token}, headers=HTML)
        assert placing.status_code in {301, 302, 303} and placing.headers["location"].endswith("?then=/assignment")

    async with signed_in_browser(app, "agency-P01") as agency:
        page = await agency.get("/providers", headers=HTML)
        refused = await agency.post(
            "/providers/new", data=_registration(f"X{code}") | {"_csrf_token": csrf_token(page.text)}, headers=HTML
        )
        assert refused.status_code == 403
