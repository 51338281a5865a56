"""The settlement pages as an officer and an agency see them."""

from __future__ import annotations

from datetime import UTC, datetime

from ltc.domain.periods import Period
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_settlements import built, visited
from tests.web.test_visits import beneficiary, plan_for


async def test_an_officer_approves_from_the_settlement_page(app, client, auth, services) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    await visited(client, b, start_ago=120, minutes=59)
    period = str(Period.of(datetime.now(UTC).astimezone(services.settings.zone).date()))
    bureau = await auth("bureau")
    settlement = await built(app, client, bureau, period, b["provider"]["id"])
    await client.post(f"/api/v1/settlements/{settlement['id']}/submit", headers=b["agency"] | {"If-Match": '"1"'})

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

    username = f"agency-{b['provider']['code'].lower()}"
    async with signed_in_browser(app, username, password="a-long-password") as agency:
        own = await agency.get(f"/settlements?period={period}", headers=HTML)
        assert own.status_code == 200 and b["provider"]["code"] in own.text
        assert "P01" not in own.text
        refused = await agency.get("/fund", headers=HTML)
        assert refused.status_code == 403
