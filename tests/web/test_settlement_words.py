"""A settlement's quantities with their unit in the plural each language asks for. (Kept
apart from the English pages test, whose district of its own holds the tables while it runs.)"""

from __future__ import annotations

from datetime import UTC, datetime

from ltc.domain.periods import Period
from tests.helpers import HTML, signed_in_browser
from tests.web.test_settlements import built, visited
from tests.web.test_visits import beneficiary, plan_for
from tests.web.text_of_page import codes_in, visible_text


async def test_a_settlement_counts_minutes_in_each_language(app, client, auth, services) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    await visited(client, b, start_ago=120, minutes=59)
    period = Period.of(datetime.now(UTC).astimezone(services.settings.zone).date())
    settlement = await built(app, client, await auth("bureau"), str(period), b["provider"]["id"])
    async with signed_in_browser(app, "bureau") as browser:
        chinese = await browser.get(f"/settlements/{settlement['id']}", headers=HTML)
        assert "59 分钟" in visible_text(chinese.text)
        browser.cookies.set("ltc_lang", "en")
        english = await browser.get(f"/settlements/{settlement['id']}", headers=HTML)
        text = visible_text(english.text)
        assert "59 minutes" in text and "59 minute " not in text and "分钟" not in text
        assert codes_in(english.text) == []
