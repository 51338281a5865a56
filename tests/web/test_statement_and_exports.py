"""The printed statement names who submitted, reviewed and approved a settlement and gives its
totals in capital numerals; the exports count each line's services and speak the reader's
language (the language cookie, else Accept-Language)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from ltc.domain.capital_numerals import capital_yuan
from ltc.domain.periods import Period
from ltc.web.language import language_of_accept_header
from tests.helpers import HTML, signed_in_browser
from tests.web.test_settlements import after_the_month, built, visited
from tests.web.test_visits import beneficiary, plan_for


def test_accept_language_picks_the_first_language_the_pages_speak() -> None:
    assert language_of_accept_header("en-GB,en;q=0.9") == "en"
    assert language_of_accept_header("fr-FR, zh-CN;q=0.8, en;q=0.5") == "zh_CN"
    assert language_of_accept_header("zh;q=0.2, en;q=0.7") == "en"
    assert language_of_accept_header("fr, de") is None
    assert language_of_accept_header("en;q=abc, zh") == "zh_CN"


async def test_statement_names_its_signatories_and_exports_count_services(
    app, client, auth, services, monkeypatch
) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    await visited(client, b, start_ago=200, minutes=58)
    await visited(client, b, start_ago=120, minutes=58)
    period = str(Period.of(datetime.now(UTC).astimezone(services.settings.zone).date()))
    tokens = await after_the_month(app, monkeypatch, client, period, b)
    bureau, agency = tokens["bureau"], tokens[b["provider"]["code"]]
    settlement = await built(app, client, bureau, period, b["provider"]["id"])
    url = f"/api/v1/settlements/{settlement['id']}"
    (line,) = settlement["lines"]
    assert len(line["visit_ids"]) == 2

    async with signed_in_browser(app, "bureau") as browser:
        draft = await browser.get(f"/settlements/{settlement['id']}/print", headers=HTML)
        assert draft.status_code == 200 and "尚未审批" in draft.text and "尚未提交" in draft.text

        assert (await client.post(f"{url}/submit", headers=agency | {"If-Match": '"1"'})).status_code == 200
        rejected = await client.post(f"{url}/reject", headers=bureau | {"If-Match": '"2"'}, json={"reason": "核对"})
        assert rejected.status_code == 200, rejected.text
        rebuilt = await built(app, client, bureau, period, b["provider"]["id"])
        version = rebuilt["version"]
        assert (await client.post(f"{url}/submit", headers=agency | {"If-Match": f'"{version}"'})).status_code == 200
        approved = await client.post(f"{url}/approve", headers=bureau | {"If-Match": f'"{version + 1}"'})
        assert approved.status_code == 200, approved.text

        statement = await browser.get(f"/settlements/{settlement['id']}/print", headers=HTML)
        text = statement.text
        assert statement.status_code == 200
        assert 'data-testid="approved-by">医保局经办 王敏' in text, "the officer whose approval stands"
        assert 'data-testid="reviewed-by">医保局经办 王敏' in text
        assert f"agency-{b['provider']['code'].lower()}" in text, "the agency user who submitted"
        assert "审核通过" in text and "已提交" in text  # the workflow's steps, in words
        fund_fen = approved.json()["fund_fen"]
        assert f"人民币 {capital_yuan(fund_fen)}" in text and capital_yuan(fund_fen).endswith(("整", "分"))
        assert "javascript:" not in text, "the print button is no inline script (the CSP forbids it)"

        # Exports: Chinese by default (and by the cookie), the count of services counted.
        chinese_csv = await browser.get(f"{url}/export.csv")
        rows = list(csv.reader(io.StringIO(chinese_csv.content.decode("utf-8-sig"))))
        assert rows[0][9] == "计入服务" and rows[0][10] == "备注"
        assert rows[1][9] == "2", "two visits counted, not a visit's id"
        assert rows[1][3].startswith("重度失能"), "the level in words, not its number"
        assert "核验" in rows[1][10] and "分钟" in rows[1][10]
        assert rows[2][0] == "合计" and rows[2][9] == "2"
        assert rows[-1][0] == "导出人"

        browser.cookies.set("ltc_lang", "en")
        english = await browser.get(f"/settlements/{settlement['id']}/print", headers=HTML)
        assert "Approved by" in english.text and "Total amount in capital numerals" in english.text
        assert capital_yuan(fund_fen) in english.text, "capital numerals are the legal form in any language"

        english_csv = await browser.get(f"{url}/export.csv")  # the cookie says English
        rows = list(csv.reader(io.StringIO(english_csv.content.decode("utf-8-sig"))))
        assert rows[0][9] == "Services counted" and rows[1][9] == "2"
        assert rows[1][3].startswith("Severe disability")
        assert "verified minutes billed" in rows[1][10] and rows[2][0] == "Total"

    by_header = await client.get(f"{url}/export.xlsx", headers=bureau | {"Accept-Language": "en-US,en;q=0.9"})
    sheet = list(load_workbook(io.BytesIO(by_header.content)).active.values)
    assert "settlement statement" in sheet[0][0] and sheet[1][9] == "Services counted" and sheet[2][9] == 2
    default = await client.get(f"{url}/export.xlsx", headers=bureau)
    sheet = list(load_workbook(io.BytesIO(default.content)).active.values)
    assert "结算单" in sheet[0][0] and sheet[1][9] == "计入服务" and sheet[2][9] == 2
