"""The settlement pages as an officer and an agency see them."""

from __future__ import annotations

from datetime import UTC, datetime

from ltc.domain.periods import Period
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_settlements import after_the_month, built, visited
from tests.web.test_visits import PASSWORD, beneficiary, plan_for


async def test_a_running_month_is_a_preview_without_submit_or_approve(app, client, auth, services) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    await visited(client, b, start_ago=120, minutes=59)
    period = Period.of(datetime.now(UTC).astimezone(services.settings.zone).date())
    settlement = await built(app, client, await auth("bureau"), str(period), b["provider"]["id"])
    username = f"agency-{b['provider']['code'].lower()}"
    async with signed_in_browser(app, username, password=PASSWORD) as agency:
        detail = await agency.get(f"/settlements/{settlement['id']}", headers=HTML)
        assert detail.status_code == 200 and 'data-testid="preview"' in detail.text and "预览" in detail.text
        assert 'data-testid="submit"' not in detail.text
        assert 'data-testid="build"' not in (await agency.get(f"/settlements?period={period}", headers=HTML)).text
    async with signed_in_browser(app, "bureau") as browser:
        detail = await browser.get(f"/settlements/{settlement['id']}", headers=HTML)
        assert 'data-testid="submit"' not in detail.text and 'data-testid="approve"' not in detail.text
        month = await browser.get(f"/settlements?period={period}", headers=HTML)
        assert 'data-testid="build"' in month.text and "生成本月结算预览" in month.text
        future = await browser.get(f"/settlements?period={period.next()}", headers=HTML)
        assert future.status_code == 200 and 'data-testid="build"' not in future.text
        refused = await browser.post(
            "/settlements/build",
            data={"period": str(period.next()), "_csrf_token": csrf_token(month.text)},
            headers=HTML,
        )
        assert refused.status_code == 422 and "period_in_future" in refused.text


async def test_an_officer_approves_from_the_settlement_page(app, client, auth, services, monkeypatch) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    await visited(client, b, start_ago=120, minutes=59)
    period = str(Period.of(datetime.now(UTC).astimezone(services.settings.zone).date()))
    tokens = await after_the_month(app, monkeypatch, client, period, b)
    bureau = tokens["bureau"]
    settlement = await built(app, client, bureau, period, b["provider"]["id"])
    submitted = await client.post(
        f"/api/v1/settlements/{settlement['id']}/submit", headers=tokens[b["provider"]["code"]] | {"If-Match": '"1"'}
    )
    assert submitted.status_code == 200, submitted.text

    async with signed_in_browser(app, "bureau") as browser:
        month = await browser.get(f"/settlements?period={period}", headers=HTML)
        assert month.status_code == 200 and "月度结算" in month.text and b["provider"]["code"] in month.text
        detail = await browser.get(f"/settlements/{settlement['id']}", headers=HTML)
        assert "审核通过" in detail.text and "计入的服务" in detail.text
        token = csrf_token(detail.text)
        stale = await browser.post(
            f"/settlements/{settlement['id']}/approve", data={"version": "1", "_csrf_token": token}, headers=HTML
        )
        assert stale.status_code == 409
        assert (
            "此记录已被他人修改" in stale.text and 'data-testid="approve"' in stale.text
        )  # the page, not an error card
        stale_rejection = await browser.post(
            f"/settlements/{settlement['id']}/reject",
            data={"version": "1", "reason": "缺少家属签字", "_csrf_token": token},
            headers=HTML,
        )
        assert stale_rejection.status_code == 409
        assert 'value="缺少家属签字"' in stale_rejection.text  # what the officer typed is kept
        approved = await browser.post(
            f"/settlements/{settlement['id']}/approve", data={"version": "2", "_csrf_token": token}, headers=HTML
        )
        assert approved.status_code in (302, 303), approved.text
        after = await browser.get(f"/settlements/{settlement['id']}", headers=HTML)
        assert "已审核" in after.text and "登记支付" in after.text
        statement = await browser.get(f"/settlements/{settlement['id']}/print", headers=HTML)
        assert "长期护理保险结算单" in statement.text and settlement["content_hash"] in statement.text
        fund = await browser.get("/fund", headers=HTML)
        assert fund.status_code == 200 and "可支付月数" in fund.text and "<svg" in fund.text
        corrected = await client.post(
            "/api/v1/settlement-corrections",
            json={
                "provider_id": b["provider"]["id"],
                "corrects_period": period,
                "person_id": b["person_id"],
                "amount_fen": -100,
                "reason": "时长核减",
            },
            headers=bureau,
        )
        assert corrected.status_code == 201, corrected.text
        following = await built(app, client, bureau, str(Period.parse(period).next()), b["provider"]["id"])
        preview = await browser.get(f"/settlements/{following['id']}", headers=HTML)
        assert f"更正单 #{corrected.json()['id']}" in preview.text and "时长核减" in preview.text
        assert 'data-testid="preview"' in preview.text and 'data-testid="submit"' not in preview.text

    username = f"agency-{b['provider']['code'].lower()}"
    async with signed_in_browser(app, username, password="A-long-passw0rd") as agency:
        own = await agency.get(f"/settlements?period={period}", headers=HTML)
        assert own.status_code == 200 and b["provider"]["code"] in own.text
        assert "P01" not in own.text
        refused = await agency.get("/fund", headers=HTML)
        assert refused.status_code == 403


async def test_an_administrator_sees_no_button_the_access_table_refuses_and_cannot_approve(
    app, client, auth, services, monkeypatch
) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    await visited(client, b, start_ago=120, minutes=59)
    period = str(Period.of(datetime.now(UTC).astimezone(services.settings.zone).date()))
    tokens = await after_the_month(app, monkeypatch, client, period, b, demo_users=("admin",))
    settlement = await built(app, client, tokens["bureau"], period, b["provider"]["id"])
    submitted = await client.post(
        f"/api/v1/settlements/{settlement['id']}/submit", headers=tokens[b["provider"]["code"]] | {"If-Match": '"1"'}
    )
    assert submitted.status_code == 200, submitted.text

    # The system administrator keeps users, not the fund's books: no page of them, no button.
    async with signed_in_browser(app, "admin") as browser:
        month = await browser.get(f"/settlements?period={period}", headers=HTML)
        assert month.status_code == 403 and 'action="/settlements/pay"' not in month.text
        detail = await browser.get(f"/settlements/{settlement['id']}", headers=HTML)
        assert detail.status_code == 403 and 'data-testid="approve"' not in detail.text
        assert (await browser.get("/fund", headers=HTML)).status_code == 403
        home = await browser.get("/", headers=HTML)
        token = csrf_token(home.text)
        refused = await browser.post(
            f"/settlements/{settlement['id']}/approve", data={"version": "2", "_csrf_token": token}, headers=HTML
        )
        assert refused.status_code == 403
        paying = await browser.post("/settlements/pay", data={"period": period, "_csrf_token": token}, headers=HTML)
        assert paying.status_code == 403

    admin = tokens["admin"]
    by_api = await client.post(f"/api/v1/settlements/{settlement['id']}/approve", headers=admin | {"If-Match": '"2"'})
    assert by_api.status_code == 404 and by_api.json()["code"] == "settlement_not_found"  # not even revealed
    run = await client.post("/api/v1/settlements/pay", json={"period": period}, headers=admin)
    assert run.status_code == 403 and run.json()["code"] == "role_not_allowed"

    async with signed_in_browser(app, "bureau") as browser:
        detail = await browser.get(f"/settlements/{settlement['id']}", headers=HTML)
        assert 'data-testid="approve"' in detail.text and 'data-testid="reject"' in detail.text
        assert 'data-testid="submit"' not in detail.text and 'data-testid="pay"' not in detail.text
