"""The supervision pages in Chinese: the supervisor lands on the dashboard, decides a sampled
line (what was typed kept on a refusal), the settlement page says why approval waits; a
citizen files a tip-off without signing in and the supervisor triages it."""

from __future__ import annotations

import httpx

from ltc.db.tables import ReviewSample, TipOff
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_review_samples import _a_settled_month
from tests.web.test_visits import PASSWORD


async def test_the_supervisor_decides_a_sample_on_its_page(app, client, auth, monkeypatch) -> None:
    b, _, period, settlement_id = await _a_settled_month(app, client, auth, monkeypatch)
    sample = await ReviewSample.select().where(ReviewSample.settlement == settlement_id).first()
    async with signed_in_browser(app, "bureau") as bureau:
        waiting = await bureau.get(f"/settlements/{settlement_id}", headers=HTML)
        assert (
            'data-testid="review-status"' in waiting.text
            and "须待每条抽中复审的明细都有结论后方可审核通过" in waiting.text
        )
    async with signed_in_browser(app, "supervisor1") as browser:
        home = await browser.get("/", headers=HTML, follow_redirects=False)
        assert home.status_code in (301, 302, 303) and home.headers["location"] == "/supervision"
        dashboard = await browser.get(f"/supervision?period={period}", headers=HTML)
        assert dashboard.status_code == 200 and "基金监管" in dashboard.text
        assert 'data-testid="rate-chart"' in dashboard.text and 'data-testid="top-risks"' in dashboard.text
        assert b["provider"]["name"] in dashboard.text
        risk = await browser.get(f"/supervision/providers/{b['provider']['id']}?period={period}", headers=HTML)
        assert risk.status_code == 200 and "逐项指标" in risk.text and "与同类相比异常" in risk.text
        queue = await browser.get(f"/review-samples?period={period}&provider_id={b['provider']['id']}", headers=HTML)
        assert queue.status_code == 200 and f"/review-samples/{sample['id']}" in queue.text and "待复审" in queue.text
        page = await browser.get(f"/review-samples/{sample['id']}", headers=HTML)
        assert page.status_code == 200 and 'data-testid="decision-form"' in page.text and "抽取原因" in page.text
        token = csrf_token(page.text)
        url = f"/review-samples/{sample['id']}/decision"
        too_much = await browser.post(
            url, data={"outcome": "adjusted", "amount": "99999", "note": "只见一次", "_csrf_token": token}, headers=HTML
        )
        assert too_much.status_code == 422 and 'data-testid="error-amount"' in too_much.text
        assert "只见一次" in too_much.text and 'value="99999"' in too_much.text, "what was typed is kept"
        done = await browser.post(
            url, data={"outcome": "adjusted", "amount": "50.00", "note": "只见一次", "_csrf_token": token}, headers=HTML
        )
        assert done.status_code in (301, 302, 303), done.text
        decided = await browser.get(f"/review-samples/{sample['id']}", headers=HTML)
        assert "已调整" in decided.text and "50.00" in decided.text
    async with signed_in_browser(app, "bureau") as bureau:
        ready = await bureau.get(f"/settlements/{settlement_id}", headers=HTML)
        assert "已复审 1/1 条" in ready.text and "须待每条抽中复审" not in ready.text
        assert (await bureau.get("/review-samples", headers=HTML)).status_code == 200, "the bureau reads the queue"
        page = await bureau.get(f"/review-samples/{sample['id']}", headers=HTML)
        assert 'data-testid="decision-form"' not in page.text, "the bureau does not decide"
    agency_code = b["provider"]["code"].lower()
    async with signed_in_browser(app, f"agency-{agency_code}", PASSWORD) as agency:
        assert (await agency.get("/review-samples", headers=HTML)).status_code == 403


async def test_a_citizen_files_a_tip_off_without_signing_in(app) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as citizen:
        form = await citizen.get("/tip-off", headers=HTML)
        assert form.status_code == 200 and "举报违法违规使用长护险基金" in form.text
        empty = await citizen.post(
            "/tip-off", data={"about": "某站", "description": "", "_csrf_token": csrf_token(form.text)}, headers=HTML
        )
        assert empty.status_code == 422 and 'value="某站"' in empty.text
        filed = await citizen.post(
            "/tip-off",
            data={
                "about": "某站",
                "description": "护理员未上门",
                "contact": "13900002222",
                "_csrf_token": csrf_token(form.text),
            },
            headers=HTML,
        )
        assert filed.status_code == 200 and 'data-testid="tip-off-reference"' in filed.text, filed.text
        citizen.cookies.set("ltc_lang", "en")
        english = await citizen.get("/tip-off", headers=HTML)
        assert "Report a suspected abuse of the care fund" in english.text
    row = await TipOff.select().order_by(TipOff.id, ascending=False).first()
    assert row["reference"] in filed.text
    async with signed_in_browser(app, "supervisor1") as browser:
        listed = await browser.get("/tip-offs", headers=HTML)
        assert row["reference"] in listed.text
        page = await browser.get(f"/tip-offs/{row['id']}", headers=HTML)
        assert "13900002222" in page.text and 'data-testid="triage-form"' in page.text
        refused = await browser.post(
            f"/tip-offs/{row['id']}/triage",
            data={"action": "close", "reason": "", "_csrf_token": csrf_token(page.text)},
            headers=HTML,
        )
        assert refused.status_code == 422 and 'data-testid="form-errors"' in refused.text
        closed = await browser.post(
            f"/tip-offs/{row['id']}/triage",
            data={"action": "close", "reason": "查无此事", "_csrf_token": csrf_token(page.text)},
            headers=HTML,
        )
        assert closed.status_code in (301, 302, 303)
        assert "已办结" in (await browser.get(f"/tip-offs/{row['id']}", headers=HTML)).text
