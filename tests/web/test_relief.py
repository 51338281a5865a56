"""Relief of the personal share over HTTP: the bureau uploads the civil-affairs list, the
month's line of a person on 低保 carries their personal share as relief, the approval owes
the provider both shares, the relief fund's statement lists the line (the id number masked
for the supervisor), its reimbursement is recorded once, and the pages speak both languages."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ltc.db.tables import LedgerPosting, ReliefEnrolment
from ltc.domain import ledger
from ltc.domain.money import format_yuan
from ltc.domain.periods import Period
from ltc.services.clock import FixedClock
from ltc.services.relief.statement import months_to_reimburse
from tests.conftest import bearer
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_providers_and_assignment import run_burst_worker
from tests.web.test_settlements import after_the_month, built, visited
from tests.web.test_visits import PASSWORD, beneficiary, plan_for
from tests.web.text_of_page import codes_in


def relief_file(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["身份证号码", "姓名", "救助类别", "起始日期", "终止日期"])
    writer.writerows(rows)
    return text.getvalue().encode()


@pytest.fixture(autouse=True)
async def forget_enrolments():
    yield
    await ReliefEnrolment.delete(force=True)


async def test_a_relieved_persons_month_is_owed_stated_and_reimbursed_once(app, client, auth, monkeypatch) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await visited(client, b, start_ago=200, minutes=58)
    period = str(Period.of(datetime.fromisoformat(visit["planned_start"]).astimezone(UTC).date()))
    if str(Period.of(datetime.now(UTC).date())) != period:
        pytest.skip("the visit falls in another month than today's")
    bureau = await auth("bureau")
    person = (await client.get(f"/api/v1/persons/{b['person_id']}", headers=bureau)).json()
    content = relief_file([[person["id_number"], person["name"], "低保", "2020-01-01", ""]])
    refused = await client.post(
        "/api/v1/relief/enrolments/import", files={"file": ("l.csv", content)}, headers=b["agency"]
    )
    assert refused.status_code == 403
    started = await client.post("/api/v1/relief/enrolments/import", files={"file": ("l.csv", content)}, headers=bureau)
    assert started.status_code == 202, started.text
    await run_burst_worker(app)
    job = (await client.get(f"/api/v1/jobs/{started.json()['job_id']}", headers=bureau)).json()
    assert job["status"] == "done" and job["result"]["created"] == 1 and job["result"]["refused"] == [], job

    tokens = await after_the_month(app, monkeypatch, client, period, b)
    bureau, agency = tokens["bureau"], tokens[b["provider"]["code"]]
    settlement = await built(app, client, bureau, period, b["provider"]["id"])
    (line,) = [x for x in settlement["lines"] if x["kind"] == "home"]
    assert line["personal_fen"] > 0 and line["relief_fen"] == line["personal_fen"]
    assert settlement["relief_fen"] == line["relief_fen"]
    url = f"/api/v1/settlements/{settlement['id']}"
    assert (await client.post(f"{url}/submit", headers=agency | {"If-Match": '"1"'})).status_code == 200
    approved = await client.post(f"{url}/approve", headers=bureau | {"If-Match": '"2"'})
    assert approved.status_code == 200, approved.text
    owed = await LedgerPosting.select(LedgerPosting.account, LedgerPosting.debit_fen, LedgerPosting.credit_fen).where(
        LedgerPosting.entry.source_id == f"settlement:{settlement['id']}:approve"
    )
    by_account = {p["account"]: p["credit_fen"] - p["debit_fen"] for p in owed}
    assert by_account[ledger.payable(b["provider"]["id"])] == settlement["fund_fen"] + settlement["relief_fen"]
    assert by_account[ledger.RELIEF_DUE] == -settlement["relief_fen"]

    statement = (await client.get(f"/api/v1/relief/statements/{period}", headers=bureau)).json()
    mine = [x for x in statement["lines"] if x["person_id"] == b["person_id"]]
    assert [(x["group"], x["relief_fen"], x["id_number"]) for x in mine] == [
        ("dibao", line["relief_fen"], person["id_number"])
    ]
    supervisor = await bearer(client, "supervisor1")
    seen = (await client.get(f"/api/v1/relief/statements/{period}", headers=supervisor)).json()
    (masked,) = [x for x in seen["lines"] if x["person_id"] == b["person_id"]]
    assert masked["id_number"] != person["id_number"] and "*" in masked["id_number"]
    assert (await client.get(f"/api/v1/relief/statements/{period}", headers=agency)).status_code == 403
    assert (
        await client.post(f"/api/v1/relief/statements/{period}/reimbursement", headers=supervisor)
    ).status_code == 403

    months = (await client.get("/api/v1/relief/statements", headers=bureau)).json()
    assert any(m["period"] == period and not m["reimbursed"] for m in months)
    waiting = await months_to_reimburse()
    assert waiting >= 1, "the bureau's to-do count names the month"
    due = statement["to_reimburse_fen"]
    assert due >= line["relief_fen"]
    async with signed_in_browser(app, "bureau") as browser:
        shown = await browser.get(f"/relief/{period}", headers=HTML)
        assert 'data-testid="record-reimbursement"' in shown.text and f'value="{due}"' in shown.text
        assert format_yuan(due) in shown.text, "the confirmation names the amount it will post"
        stale = await browser.post(
            f"/relief/{period}/reimbursement",
            data={"amount_fen": str(due + 1), "_csrf_token": csrf_token(shown.text)},
            headers=HTML,
        )
        assert stale.status_code == 409 and "核对后再次确认" in stale.text
        services = app.state.services
        running = Period.parse(period).start_utc(services.settings.zone) + timedelta(days=3)
        monkeypatch.setattr(app.state, "services", replace(services, clock=FixedClock(running)))
        early = await browser.get(f"/relief/{period}", headers=HTML)
        assert early.status_code == 200 and 'data-testid="record-reimbursement"' not in early.text
        monkeypatch.setattr(app.state, "services", services)
    done = await client.post(f"/api/v1/relief/statements/{period}/reimbursement", headers=bureau)
    assert done.status_code == 201 and done.json()["amount_fen"] == due, done.text
    again = await client.post(f"/api/v1/relief/statements/{period}/reimbursement", headers=bureau)
    assert again.status_code == 409 and again.json()["code"] == "relief_nothing_due"
    assert await months_to_reimburse() == waiting - 1

    exported = await client.get(f"/api/v1/relief/statements/{period}/export.csv", headers=bureau)
    assert exported.status_code == 200 and person["name"] in exported.content.decode("utf-8-sig")
    workbook = await client.get(f"/api/v1/relief/statements/{period}/export.xlsx", headers=bureau)
    assert workbook.status_code == 200 and workbook.content.startswith(b"PK")


async def test_bad_months_and_months_without_relief_get_their_refusals(client, auth) -> None:
    bureau = await auth("bureau")
    bad = await client.get("/api/v1/relief/statements/2026-13", headers=bureau)
    assert bad.status_code in (400, 422)
    nothing = await client.post("/api/v1/relief/statements/2021-02/reimbursement", headers=bureau)
    assert nothing.status_code == 409 and nothing.json()["code"] == "relief_nothing_due"
    running = await client.post("/api/v1/relief/statements/2099-01/reimbursement", headers=bureau)
    assert running.status_code == 409 and running.json()["code"] == "period_not_ended"


async def test_the_pages_speak_chinese_and_english_and_show_no_code(app) -> None:
    pages = (
        ("/relief", "救助资金", "Relief fund statements"),
        ("/relief/2021-02", "救助资金", "Relief fund statement"),
        ("/relief/import", "民政", "civil-affairs"),
    )
    async with signed_in_browser(app, "bureau") as browser:
        for path, chinese, english in pages:
            page = await browser.get(path, headers=HTML)
            assert page.status_code == 200 and chinese in page.text, path
            browser.cookies.set("ltc_lang", "en")
            page = await browser.get(path, headers=HTML)
            assert page.status_code == 200 and english in page.text and not codes_in(page.text), path
            browser.cookies.set("ltc_lang", "zh")
    async with signed_in_browser(app, "agency-P01") as browser:
        assert (await browser.get("/relief", headers=HTML)).status_code in (403, 404)


async def test_a_persons_hardship_group_is_shown_to_the_relief_funds_readers_only(app, client, auth) -> None:
    b = await beneficiary(client, auth)
    await ReliefEnrolment(
        enrolment_key=f"{b['person_id']}:dibao:2020-01-01",
        person=b["person_id"],
        group="dibao",
        from_day=datetime(2020, 1, 1).date(),
    ).save()
    path = f"/persons/{b['person_id']}"
    async with signed_in_browser(app, "bureau") as browser:
        seen = await browser.get(path, headers=HTML)
        assert seen.status_code == 200 and 'data-testid="relief-enrolment"' in seen.text and "低保" in seen.text
    agency = f"agency-{b['provider']['code'].lower()}"
    async with signed_in_browser(app, agency, PASSWORD) as browser:
        record = await browser.get(path, headers=HTML)
        assert record.status_code == 200, record.text
        assert 'data-testid="relief-enrolment"' not in record.text and "低保" not in record.text
