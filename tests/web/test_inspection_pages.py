"""The inspection pages: a supervisor opens a case, records a finding and takes outcomes through
the forms (a refused one keeps what was typed, with the reason beside the field); the agency
reads its own case and answers its rectification; the provider's page shows its credit."""

from __future__ import annotations

import re
from datetime import timedelta

from ltc.services.clock import local_today
from tests.conftest import bearer
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_visits import PASSWORD, beneficiary


async def test_a_case_through_the_pages(client, auth, app) -> None:
    b = await beneficiary(client, auth)
    provider_id = b["provider"]["id"]
    today = local_today(app.state.services.clock, app.state.services.settings.zone)
    async with signed_in_browser(app, "supervisor1") as desk:
        listed = await desk.get("/inspections", headers=HTML)
        assert listed.status_code == 200 and "稽核案件" in listed.text
        form = await desk.get(f"/inspections/new?provider_id={provider_id}", headers=HTML)
        token = csrf_token(form.text)
        reversed_span = await desk.post(
            "/inspections/new",
            data={
                "kind": "special",
                "provider_id": str(provider_id),
                "period_from": "2026-10",
                "period_to": "2026-09",
                "reason": "专项",
                "_csrf_token": token,
            },
            headers=HTML,
        )
        assert reversed_span.status_code == 422 and "专项" in reversed_span.text  # kept as typed
        opened = await desk.post(
            "/inspections/new",
            data={
                "kind": "special",
                "provider_id": str(provider_id),
                "period_from": "2026-09",
                "period_to": "2026-10",
                "reason": "专项检查",
                "_csrf_token": token,
            },
            headers=HTML,
        )
        assert opened.status_code in (302, 303), opened.text
        case_url = opened.headers["location"]
        case_id = int(re.search(r"/inspections/(\d+)", case_url).group(1))
        page = await desk.get(case_url, headers=HTML)
        assert 'data-testid="finding-form"' in page.text and 'data-testid="close-form"' in page.text
        found = await desk.post(
            f"/inspections/{case_id}/findings",
            data={"category": "overbilling", "description": "多报", "amount": "12.50", "_csrf_token": token},
            files={"file": ("proof.pdf", b"%PDF-1.4 proof", "application/pdf")},
            headers=HTML,
        )
        assert found.status_code in (302, 303), found.text
        page = await desk.get(case_url, headers=HTML)
        assert "12.50" in page.text and "proof.pdf" in page.text
        too_much = await desk.post(
            f"/inspections/{case_id}/outcomes",
            data={"action": "recover", "outcome_amount": "12.51", "note": "追回", "_csrf_token": token},
            headers=HTML,
        )
        assert too_much.status_code == 422
        assert 'data-testid="error-outcome_amount"' in too_much.text and "12.51" in too_much.text
        deadline = (today + timedelta(days=10)).isoformat()
        rectify = await desk.post(
            f"/inspections/{case_id}/outcomes",
            data={"action": "rectify", "deadline": deadline, "note": "限期整改", "_csrf_token": token},
            headers=HTML,
        )
        assert rectify.status_code in (302, 303), rectify.text
        page = await desk.get(case_url, headers=HTML)
        assert 'data-testid="follow-up-form"' in page.text and 'data-testid="response-form"' not in page.text
        provider_page = await desk.get(f"/providers/{provider_id}", headers=HTML)
        assert 'data-testid="credit-points">90<' in provider_page.text  # 100 less the overbilling's 10

    agency_user = f"agency-{b['provider']['code'].lower()}"
    await bearer(client, agency_user, PASSWORD)
    async with signed_in_browser(app, agency_user, PASSWORD) as phone:
        page = await phone.get(case_url, headers=HTML)
        assert 'data-testid="response-form"' in page.text
        assert 'data-testid="outcome-form"' not in page.text and 'data-testid="finding-form"' not in page.text
        outcome_id = re.search(r"/outcomes/(\d+)/response", page.text).group(1)
        answered = await phone.post(
            f"/inspections/{case_id}/outcomes/{outcome_id}/response",
            data={"response_note": "已整改", "_csrf_token": csrf_token(page.text)},
            headers=HTML,
        )
        assert answered.status_code in (302, 303), answered.text
        assert "已整改" in (await phone.get(case_url, headers=HTML)).text
    async with signed_in_browser(app, "agency-P01") as other:
        assert (await other.get(case_url, headers=HTML)).status_code == 404
