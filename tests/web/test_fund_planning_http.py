"""The fund's planning over HTTP: a what-if draft stored and run by the worker re-prices the
settled months without touching one (settled rows and the ledger unchanged); who may draw,
run, set the budget and pay advances; the pages show each reader only what she may do."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ltc.db.tables import LedgerEntry, LedgerPosting, Provider, Settlement, SettlementLine
from ltc.domain.periods import Period
from ltc.services.reference import policy_book
from tests.helpers import HTML
from tests.worker.test_worker import run_burst_worker

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PERIOD = "2035-03"  # a month of its own: the last of the settled ones


async def _settled_month(services, period: str = PERIOD) -> int:
    code = f"W{uuid.uuid4().hex[:12]}"
    provider = Provider(code=code, name=code, kind="home", lat=29.6, lon=121.4, created_at=NOW)
    await provider.save()
    settlement = Settlement(
        provider=provider.id,
        period=period,
        settlement_key=f"{provider.id}:{period}",
        status="draft",
        version=1,
        gross_fen=120_000,
        fund_fen=108_000,
        personal_fen=12_000,
        built_at=NOW,
        decided_at=NOW,
    )
    await settlement.save()
    version = policy_book(services.settings).in_force(datetime.now(UTC).date()).version
    # 25 hours seen, 20 billed at level 3 (the cap in force)
    await SettlementLine(
        settlement=settlement.id,
        service_month=Period.parse(period).first_day,
        line_no=1,
        kind="home",
        level=3,
        quantity=1200,
        unit="minute",
        unit_price_fen=6000,
        gross_fen=120_000,
        fund_fen=108_000,
        personal_fen=12_000,
        verified_minutes=1500,
        policy_version=version,
    ).save()
    # approved once its lines are in (an approved settlement's lines are locked)
    await Settlement.update({Settlement.status: "approved", Settlement.version: 2}).where(
        Settlement.id == settlement.id
    )
    return settlement.id


async def _snapshot() -> tuple[list, list, int, int]:
    return (
        await Settlement.select().order_by(Settlement.id),
        await SettlementLine.select().order_by(SettlementLine.id),
        await LedgerEntry.count(),
        await LedgerPosting.count(),
    )


async def test_a_what_if_reprices_the_settled_months_without_touching_one(app, client, auth, services) -> None:
    await _settled_month(services)
    bureau = await auth("bureau")
    draft = {"name": "中度失能纳入", "home_hours_by_level": {"2": 10, "3": 22, "4": 25, "5": 30}}
    for refused_role in ("agency-P01", "assessor1"):
        refused = await client.post("/api/v1/fund/what-if", json=draft, headers=await auth(refused_role))
        assert refused.status_code == 403
    bad = await client.post("/api/v1/fund/what-if", json={"name": "x", "fund_share_home": "1.5"}, headers=bureau)
    assert bad.status_code in (400, 422)
    nothing = await client.post("/api/v1/fund/what-if", json={"name": "x"}, headers=bureau)
    assert nothing.status_code == 422 and nothing.json()["code"] == "draft_changes_nothing"

    created = await client.post("/api/v1/fund/what-if", json=draft, headers=bureau)
    assert created.status_code == 201, created.text
    draft_id = created.json()["id"]
    assert created.json()["changes"] == {"home_hours_by_level": {"2": 10, "3": 22, "4": 25, "5": 30}}
    before = await _snapshot()
    run = await client.post(f"/api/v1/fund/what-if/{draft_id}/run", headers=await auth("supervisor1"))
    assert run.status_code == 202
    await run_burst_worker(app)
    job = (await client.get(f"/api/v1/jobs/{run.json()['job_id']}", headers=await auth("supervisor1"))).json()
    assert job["status"] == "done", job
    assert await _snapshot() == before, "a what-if changes no settled row and posts nothing"

    view = (await client.get(f"/api/v1/fund/what-if/{draft_id}", headers=bureau)).json()
    result = view["result"]
    month = next(m for m in result["months"] if m["period"] == PERIOD)
    assert month["in_force_fen"] == 108_000
    # 22 hours at 60.00 and 90 %, and the estimate for level 2 in every month
    assert month["draft_fen"] == 118_800 + result["new_level_month_fen"]
    assert result["new_levels"] == [2] and result["changed"] == ["home_hours_by_level"]
    assert len(result["months"]) <= 12

    page = await client.get(f"/fund/what-if/{draft_id}", headers=bureau | HTML)
    assert page.status_code == 200 and 'data-testid="what-if-months"' in page.text
    assert (await client.get("/fund/what-if", headers=await auth("agency-P01") | HTML)).status_code == 403


async def test_the_budget_and_advances_answer_only_the_bureau(client, auth) -> None:
    supervisor, bureau = await auth("supervisor1"), await auth("bureau")
    body = {"period": "2035-03", "care_mode": "home", "amount_fen": 100_000}
    assert (await client.post("/api/v1/fund/budget", json=body, headers=supervisor)).status_code == 403
    set_ = await client.post("/api/v1/fund/budget", json=body, headers=bureau)
    assert set_.status_code == 200 and set_.json()["budget_fen"] == 100_000
    year = (await client.get("/api/v1/fund/budget?year=2035", headers=supervisor)).json()
    assert year["budget_fen"] >= 100_000 and len(year["rows"]) == 24
    bad = await client.post("/api/v1/fund/budget", json=body | {"care_mode": "x"}, headers=bureau)
    assert bad.status_code in (400, 422)
    assert (await client.get("/api/v1/fund/advances", headers=supervisor)).status_code == 200
    assert (await client.get("/api/v1/fund/payments-due", headers=bureau)).status_code == 200
    page = await client.get("/fund/budget", headers=supervisor | HTML)
    assert page.status_code == 200 and 'data-testid="budget-form"' not in page.text
    page = await client.get("/fund/budget", headers=bureau | HTML)
    assert 'data-testid="budget-form"' in page.text and 'data-testid="advance-form"' in page.text
    fund = (await client.get("/api/v1/fund", headers=bureau)).json()
    assert "projection" in fund and fund["warning"] in (None, "yellow", "red")


async def test_the_quarterly_report_as_a_page_printable_and_a_workbook(client, auth, services) -> None:
    await _settled_month(services, "2034-11")
    supervisor = await auth("supervisor1")
    report = (await client.get("/api/v1/fund/analysis?span=2034-Q4", headers=supervisor)).json()
    assert report["periods"] == ["2034-10", "2034-11", "2034-12"]
    assert report["total"]["fund_fen"] >= 108_000 and report["total"]["persons"] == 0  # the line names no person
    assert set(report["groups"]) == {"town", "level", "care_mode", "provider"}
    assert any(r["key"] == "home" for r in report["groups"]["care_mode"])
    bad = await client.get("/api/v1/fund/analysis?span=2035-Q5", headers=supervisor)
    assert bad.status_code in (400, 422)
    workbook = await client.get("/api/v1/fund/analysis.xlsx?span=2034-Q4", headers=supervisor)
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(workbook.content))
    assert len(book.sheetnames) == 5 and "2034-Q4" in book.active["A1"].value
    page = await client.get("/fund/analysis?span=2034-Q4", headers=supervisor | HTML)
    assert page.status_code == 200 and 'data-testid="analysis-provider"' in page.text
    printable = await client.get("/fund/analysis/print?span=2034-Q4", headers=supervisor | HTML)
    assert printable.status_code == 200 and "/static/print.css" in printable.text
    assert (await client.get("/api/v1/fund/analysis?span=2034-Q4", headers=await auth("agency-P01"))).status_code == 403
