"""The bureau's pages of the fund's inputs: contributions typed in yuan (exact fen, the input
kept when refused), hospital stays and deaths one at a time or from a CSV file with a
row-by-row report, corrections to an approved month, and the fund's warning."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ltc.db.tables import HospitalStay, LedgerEntry, LedgerPosting, SettlementCorrection
from ltc.domain.access import Actor, Role
from ltc.domain.identity import make_id_number
from ltc.domain.periods import Period
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_settlements import after_the_month, built, visited
from tests.web.test_visits import beneficiary, plan_for


def _field_value(page: str, name: str) -> str | None:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


async def test_a_contribution_in_yuan_is_posted_exactly_and_bad_input_is_kept(app, client, auth) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        form = await browser.get("/contributions", headers=HTML)
        assert form.status_code == 200 and "转账编号" in form.text and 'data-confirm="' in form.text
        token = csrf_token(form.text)
        before = (await client.get("/api/v1/fund", headers=await auth("bureau"))).json()

        too_precise = await browser.post(
            "/contributions", data={"source_id": "BK-2026-001", "amount": "12.345", "_csrf_token": token}, headers=HTML
        )
        assert too_precise.status_code == 422
        assert 'data-testid="error-amount"' in too_precise.text and "两位小数" in too_precise.text
        assert _field_value(too_precise.text, "amount") == "12.345", "what was typed is kept"
        assert _field_value(too_precise.text, "source_id") == "BK-2026-001"
        for bad in ("0", "-5", "12,34.5", "1e3", "abc"):
            refused = await browser.post(
                "/contributions", data={"source_id": "BK-2026-001", "amount": bad, "_csrf_token": token}, headers=HTML
            )
            assert refused.status_code == 422 and _field_value(refused.text, "amount") == bad, bad
        empty = await browser.post(
            "/contributions", data={"source_id": "", "amount": "", "_csrf_token": token}, headers=HTML
        )
        assert empty.status_code == 422 and 'data-testid="error-source_id"' in empty.text
        assert not await LedgerEntry.exists().where(LedgerEntry.source_id == "contribution:BK-2026-001")

        posted = await browser.post(
            "/contributions",
            data={"source_id": "BK-2026-001", "amount": "1,234,567.89", "_csrf_token": token},
            headers=HTML,
            follow_redirects=True,
        )
        assert posted.status_code == 200 and 'data-testid="recorded"' in posted.text and "1,234,567.89" in posted.text
        entry = (
            await LedgerEntry.select(LedgerEntry.id).where(LedgerEntry.source_id == "contribution:BK-2026-001").first()
        )
        amounts = await LedgerPosting.select(LedgerPosting.debit_fen).where(
            (LedgerPosting.entry == entry["id"]) & (LedgerPosting.account == "fund_bank")
        )
        assert [a["debit_fen"] for a in amounts] == [123_456_789], "exact fen, no float in between"
        after = (await client.get("/api/v1/fund", headers=await auth("bureau"))).json()
        assert after["cash_fen"] == before["cash_fen"] + 123_456_789

        again = await browser.post(
            "/contributions", data={"source_id": "BK-2026-001", "amount": "5", "_csrf_token": token}, headers=HTML
        )
        assert again.status_code == 409 and "已登记过" in again.text and _field_value(again.text, "amount") == "5"

        this_month = str(Period.of(datetime.now(UTC).date()))
        listed = await browser.get(f"/contributions?period={this_month}&limit=1", headers=HTML)
        assert listed.status_code == 200 and 'data-testid="contributions"' in listed.text
        assert (await browser.get("/contributions?after=garbage", headers=HTML)).status_code == 422

    async with signed_in_browser(app, "agency-P01") as agency:
        assert (await agency.get("/contributions", headers=HTML)).status_code == 403
        assert (await agency.get("/hospital-stays", headers=HTML)).status_code == 403
        home = await agency.get("/", headers=HTML)
        assert 'href="/contributions"' not in home.text and 'href="/hospital-stays"' not in home.text


async def test_stays_and_deaths_one_at_a_time_and_from_a_file(app, client, auth, services) -> None:
    b = await beneficiary(client, auth)
    person = (await client.get(f"/api/v1/persons/{b['person_id']}", headers=await auth("bureau"))).json()
    id_number = person["id_number"]
    unknown = make_id_number("330283", date(1931, 1, 2), 991, "M")
    async with signed_in_browser(app, "bureau") as browser:
        page = await browser.get("/hospital-stays", headers=HTML)
        assert page.status_code == 200 and "住院" in page.text
        token = csrf_token(page.text)

        nobody = await browser.post(
            "/hospital-stays",
            data={"id_number": unknown, "admitted_on": "2026-03-01", "discharged_on": "", "_csrf_token": token},
            headers=HTML,
        )
        assert nobody.status_code == 422 and 'data-testid="error-id_number"' in nobody.text
        assert "没有登记" in nobody.text and _field_value(nobody.text, "id_number") == unknown
        backwards = await browser.post(
            "/hospital-stays",
            data={
                "id_number": id_number,
                "admitted_on": "2026-03-05",
                "discharged_on": "2026-03-01",
                "_csrf_token": token,
            },
            headers=HTML,
        )
        assert backwards.status_code == 422 and 'data-testid="error-discharged_on"' in backwards.text
        assert _field_value(backwards.text, "admitted_on") == "2026-03-05"
        stayed = await browser.post(
            "/hospital-stays",
            data={
                "id_number": id_number,
                "admitted_on": "2026-03-01",
                "discharged_on": "2026-03-04",
                "hospital": "奉化区人民医院",
                "_csrf_token": token,
            },
            headers=HTML,
            follow_redirects=True,
        )
        assert stayed.status_code == 200 and 'data-testid="recorded"' in stayed.text
        assert await HospitalStay.exists().where(
            (HospitalStay.person == b["person_id"]) & (HospitalStay.admitted_on == date(2026, 3, 1))
        )

        bad_check = id_number[:17] + ("0" if id_number[17] != "0" else "1")
        content = (
            "身份证号,入院日期,出院日期,医院\n"
            f"{id_number},2026-02-10,2026-02-12,奉化区中医院\n"
            f"{bad_check},2026-02-10,,\n"
            f"{unknown},2026-02-11,,\n"
            f"{id_number},2026-02-20,2026-02-19,\n"
        ).encode()
        report = await browser.post(
            "/hospital-stays/upload",
            data={"kind": "stays", "_csrf_token": token},
            files={"file": ("stays.csv", content, "text/csv")},
            headers=HTML,
        )
        assert report.status_code == 200, report.text
        assert "1 / 4" in report.text or "4 行中 1 行" in report.text
        rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", report.text)
        assert [(r, reason) for r, _, reason in rows] == [
            ("3", "身份证号码无效（校验码不符）。"),
            ("4", "没有登记此身份证号码的人员。"),
            ("5", "出院日期早于入院日期。"),
        ], rows
        assert await HospitalStay.exists().where(
            (HospitalStay.person == b["person_id"]) & (HospitalStay.admitted_on == date(2026, 2, 10))
        )
        no_file = await browser.post(
            "/hospital-stays/upload", data={"kind": "stays", "_csrf_token": token}, headers=HTML
        )
        assert no_file.status_code == 422 and 'data-testid="upload-errors"' in no_file.text
        no_column = await browser.post(
            "/hospital-stays/upload",
            data={"kind": "deaths", "_csrf_token": token},
            files={"file": ("d.csv", b"name,day\nx,2026-01-01\n", "text/csv")},
            headers=HTML,
        )
        assert no_column.status_code == 422 and "缺少" in no_column.text

        future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
        too_soon = await browser.post(
            "/hospital-stays/death",
            data={"death_id_number": id_number, "died_on": future, "_csrf_token": token},
            headers=HTML,
        )
        assert too_soon.status_code == 422 and 'data-testid="error-died_on"' in too_soon.text
        assert _field_value(too_soon.text, "death_id_number") == id_number

        browser.cookies.set("ltc_lang", "en")
        english = await browser.post(
            "/hospital-stays/upload",
            data={"kind": "stays", "_csrf_token": token},
            files={"file": ("stays.csv", content, "text/csv")},
            headers=HTML,
        )
        assert "No registered person has this id number." in english.text and "Rows refused" in english.text


async def test_an_approved_month_is_corrected_from_its_page(app, client, auth, services, monkeypatch) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    await visited(client, b, start_ago=120, minutes=59)
    period = str(Period.of(datetime.now(UTC).astimezone(services.settings.zone).date()))
    tokens = await after_the_month(app, monkeypatch, client, period, b)
    bureau = tokens["bureau"]
    settlement = await built(app, client, bureau, period, b["provider"]["id"])
    url = f"/api/v1/settlements/{settlement['id']}"
    assert (
        await client.post(f"{url}/submit", headers=tokens[b["provider"]["code"]] | {"If-Match": '"1"'})
    ).status_code == 200
    async with signed_in_browser(app, "bureau") as browser:
        draft_form = await browser.get(f"/settlements/{settlement['id']}/corrections/new", headers=HTML)
        assert draft_form.status_code == 409, "only an approved month is corrected"
        assert (await client.post(f"{url}/approve", headers=bureau | {"If-Match": '"2"'})).status_code == 200
        detail = await browser.get(f"/settlements/{settlement['id']}", headers=HTML)
        assert 'data-testid="correct"' in detail.text
        form = await browser.get(f"/settlements/{settlement['id']}/corrections/new", headers=HTML)
        assert form.status_code == 200 and "data-confirm" in form.text
        token = csrf_token(form.text)
        target = f"/settlements/{settlement['id']}/corrections/new"
        base = {"person_id": str(b["person_id"]), "reason": "时长核减", "fund_amount": "", "_csrf_token": token}

        too_precise = await browser.post(target, data=base | {"amount": "-1.005"}, headers=HTML)
        assert too_precise.status_code == 422 and 'data-testid="error-amount"' in too_precise.text
        assert _field_value(too_precise.text, "amount") == "-1.005" and "时长核减" in too_precise.text
        too_much = await browser.post(target, data=base | {"amount": "-100000"}, headers=HTML)
        assert too_much.status_code == 422 and 'data-testid="error-amount"' in too_much.text
        assert "超过" in too_much.text or "多于" in too_much.text
        no_reason = await browser.post(target, data=base | {"amount": "-1.00", "reason": ""}, headers=HTML)
        assert no_reason.status_code == 422 and 'data-testid="error-reason"' in no_reason.text
        done = await browser.post(target, data=base | {"amount": "-6.00"}, headers=HTML, follow_redirects=True)
        assert done.status_code == 200 and 'data-testid="corrected"' in done.text
        row = await SettlementCorrection.select().where(SettlementCorrection.provider == b["provider"]["id"]).first()
        assert (row["amount_fen"], row["fund_fen"], row["reason"]) == (-600, None, "时长核减")

    async with signed_in_browser(app, f"agency-{b['provider']['code'].lower()}", password="A-long-passw0rd") as agency:
        refused = await agency.get(f"/settlements/{settlement['id']}/corrections/new", headers=HTML)
        assert refused.status_code == 403
        assert 'data-testid="correct"' not in (await agency.get(f"/settlements/{settlement['id']}", headers=HTML)).text


async def test_the_fund_page_and_navigation_speak_of_the_warning(app, client, auth, monkeypatch) -> None:
    from ltc.services import ledger

    real = ledger.fund_health

    async def four_months(ctx, actor):
        health = await real(ctx, actor)
        return health.model_copy(update={"balance_fen": 400, "months_payable": Decimal("4.0"), "warning": "yellow"})

    async with signed_in_browser(app, "bureau") as browser:
        calm = await browser.get("/fund", headers=HTML)
        assert calm.status_code == 200 and 'href="/contributions"' in calm.text
        if (await real(app.state.services, Actor(user_id=0, username="bureau", role=Role.BUREAU))).warning is None:
            assert 'data-testid="fund-warning"' not in calm.text
        nav = calm.text[calm.text.index('data-testid="main-nav"') :]
        assert "基金缴入" in nav and 'href="/hospital-stays"' in nav and "住院与死亡" in nav

        monkeypatch.setattr(ledger, "fund_health", four_months)
        warned = await browser.get("/fund", headers=HTML)
        assert 'data-testid="fund-warning"' in warned.text and 'role="alert"' in warned.text
        assert "黄色预警" in warned.text and "可支付 4.0 个月" in warned.text and "低于 6 个月预警" in warned.text
        nav = warned.text[warned.text.index('data-testid="main-nav"') :]
        fund_link = re.search(r'<a href="/fund"[^>]*>(.*?)</a>', nav, re.S)
        assert fund_link and 'data-testid="todo-count">1<' in fund_link.group(1), "the Fund entry counts the warning"
        elsewhere = await browser.get("/contributions", headers=HTML)
        assert 'data-testid="fund-warning"' in elsewhere.text
