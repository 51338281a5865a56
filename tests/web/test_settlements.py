"""Monthly settlement over HTTP: a hand-computed month (billable minutes, the agreed price,
the fund's share, an excluded visit), the If-Match workflow with two officers approving at
once, the database refusing to change what was approved, the ledger, exports and corrections."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from ltc.db.tables import LedgerEntry, LedgerPosting, Settlement, SettlementLine
from ltc.domain.periods import Period
from ltc.services.clock import FixedClock
from tests.conftest import bearer
from tests.helpers import confirm_review_samples
from tests.web.test_providers_and_assignment import run_burst_worker
from tests.web.test_visits import PASSWORD, adhoc_visit, beneficiary, event, plan_for


async def after_the_month(
    app, monkeypatch, client, period: str, *agencies: dict, demo_users: tuple[str, ...] = ()
) -> dict[str, dict[str, str]]:
    """The app's clock moved to just after the month (a month is submitted and approved only
    once it has ended), with tokens issued now that last until then: the bureau's and each
    agency's."""
    services = app.state.services
    lasting = services.settings.model_copy(
        update={"token_ttl_minutes": 62 * 24 * 60, "token_idle_minutes": 62 * 24 * 60}
    )
    monkeypatch.setattr(app.state, "services", replace(services, settings=lasting))
    tokens = {name: await bearer(client, name) for name in ("bureau", *demo_users)}
    for b in agencies:
        tokens[b["provider"]["code"]] = await bearer(client, f"agency-{b['provider']['code'].lower()}", PASSWORD)
    end = Period.parse(period).end_utc(services.settings.zone)
    later = replace(app.state.services, clock=FixedClock(end + timedelta(minutes=5)))
    monkeypatch.setattr(app.state, "services", later)
    monkeypatch.setattr(app.state.runtime, "services", later)  # the tests' burst workers too
    return tokens


async def visited(client, b, *, start_ago: int, minutes: int) -> dict:
    """A visit checked in ``start_ago`` minutes ago and out ``minutes`` later, at home."""
    visit = await adhoc_visit(client, b, minutes_ago=start_ago, length=60)
    home = (visit["person_lat"], visit["person_lon"])
    started = datetime.now(UTC) - timedelta(minutes=start_ago)
    steps = (("check-in", started, {}), ("check-out", started + timedelta(minutes=minutes), {"items": ["B01"]}))
    for kind, at, extra in steps:
        response = await client.post(
            f"/api/v1/visits/{visit['id']}/{kind}", json=event(at, *home, **extra), headers=b["agency"]
        )
        assert response.status_code == 201, response.text
    return response.json()


async def built(app, client, headers, period: str, provider_id: int) -> dict:
    started = await client.post(
        "/api/v1/settlements/build", json={"period": period, "provider_id": provider_id}, headers=headers
    )
    assert started.status_code == 202, started.text
    await run_burst_worker(app)
    job = (await client.get(f"/api/v1/jobs/{started.json()['job_id']}", headers=headers)).json()
    assert job["status"] == "done", job
    (settlement_id,) = job["result"]["settlement_ids"]
    # the supervisor confirms the lines drawn for review, so that approval need not wait
    await confirm_review_samples(client, await bearer(client, "supervisor1"), settlement_id)
    response = await client.get(f"/api/v1/settlements/{settlement_id}", headers=headers)
    assert response.status_code == 200
    return response.json() | {"etag": response.headers["etag"]}


async def test_a_month_is_settled_approved_once_and_paid(app, client, auth, services, monkeypatch) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    first = await visited(client, b, start_ago=230, minutes=58)
    second = await visited(client, b, start_ago=160, minutes=58)
    short = await visited(client, b, start_ago=90, minutes=10)
    assert short["flags"] == ["too_short"] and first["flags"] == [] and second["flags"] == []
    days = {
        datetime.fromisoformat(v["planned_start"]).astimezone(services.settings.zone).date()
        for v in (first, second, short)
    }
    periods = {str(Period.of(d)) for d in days}
    if len(periods) > 1:
        pytest.skip("the visits straddle a month boundary")
    (period,) = periods
    provider_id = b["provider"]["id"]

    bureau = await auth("bureau")
    refused = await client.post(
        "/api/v1/settlements/build", json={"period": period, "provider_id": provider_id}, headers=b["agency"]
    )
    assert refused.status_code == 403, "only the bureau builds"
    preview = await built(app, client, bureau, period, provider_id)
    url = f"/api/v1/settlements/{preview['id']}"
    running = await client.post(f"{url}/submit", headers=b["agency"] | {"If-Match": '"1"'})
    assert running.status_code == 409 and running.json()["code"] == "period_not_ended", "a running month is a preview"
    tokens = await after_the_month(app, monkeypatch, client, period, b, demo_users=("agency-P01",))
    bureau, agency = tokens["bureau"], tokens[b["provider"]["code"]]
    settlement = await built(app, client, bureau, period, provider_id)
    (line,) = settlement["lines"]
    # 58 + 58 verified minutes at the agreed 60.00 yuan an hour; the short visit waits for its exception.
    assert (line["kind"], line["quantity"], line["unit_price_fen"]) == ("home", 116, 6000)
    assert (line["gross_fen"], line["fund_fen"], line["personal_fen"]) == (11600, 10440, 1160)
    assert sorted(line["visit_ids"]) == sorted([first["id"], second["id"]])
    assert line["excluded_visit_ids"] == [short["id"]]
    assert (settlement["status"], settlement["version"], settlement["etag"]) == ("draft", 1, '"1"')
    again = await built(app, client, bureau, period, provider_id)
    assert (again["version"], again["content_hash"]) == (1, settlement["content_hash"]), "same facts, same draft"

    missing = await client.post(f"{url}/submit", headers=agency)
    assert missing.status_code == 422 and missing.json()["code"] == "if_match_required"
    submitted = await client.post(f"{url}/submit", headers=agency | {"If-Match": '"1"'})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted", submitted.text
    stale = await client.post(f"{url}/submit", headers=agency | {"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    by_agency = await client.post(f"{url}/approve", headers=agency | {"If-Match": '"2"'})
    assert by_agency.status_code == 403

    entries_before = await LedgerEntry.count()
    officers = await asyncio.gather(
        *(client.post(f"{url}/approve", headers=bureau | {"If-Match": '"2"'}) for _ in range(2))
    )
    assert sorted(r.status_code for r in officers) == [200, 409], [r.text for r in officers]
    assert await LedgerEntry.count() == entries_before + 1, "one approval, one entry"

    with pytest.raises(Exception, match="settlement_locked"):
        await Settlement.update({Settlement.fund_fen: 1}).where(Settlement.id == settlement["id"])
    with pytest.raises(Exception, match="settlement_locked"):
        await SettlementLine.delete().where(SettlementLine.settlement == settlement["id"])
    with pytest.raises(Exception, match="settlement_locked"):
        await SettlementLine.insert(
            SettlementLine(settlement=settlement["id"], line_no=2, kind="adjustment", service_month=date(2000, 1, 1))
        )
    with pytest.raises(Exception, match="ledger_immutable"):
        await LedgerPosting.update({LedgerPosting.debit_fen: 0}).where(LedgerPosting.id > 0)
    rebuilt = await built(app, client, bureau, period, provider_id)
    assert rebuilt["status"] == "approved" and rebuilt["version"] == 3, "an approved month is never rebuilt"

    fund = (await client.get("/api/v1/fund", headers=bureau)).json()
    assert fund["ledger_imbalance_fen"] == 0 and fund["payables_fen"] >= 10440
    paid = await client.post(f"{url}/pay", headers=bureau | {"If-Match": '"3"'})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    after = (await client.get("/api/v1/fund", headers=bureau)).json()
    assert after["cash_fen"] == fund["cash_fen"] - 10440 and after["payables_fen"] == fund["payables_fen"] - 10440
    source = f"transfer-{settlement['id']}"
    assert (
        await client.post(
            "/api/v1/fund/contributions", json={"source_id": source, "amount_fen": 5_000_000}, headers=bureau
        )
    ).json()["posted"] is True
    assert (
        await client.post(
            "/api/v1/fund/contributions", json={"source_id": source, "amount_fen": 5_000_000}, headers=bureau
        )
    ).json()["posted"] is False
    final = (await client.get("/api/v1/fund", headers=bureau)).json()
    assert final["cash_fen"] == after["cash_fen"] + 5_000_000 and final["ledger_imbalance_fen"] == 0

    csv_export = await client.get(f"{url}/export.csv", headers=bureau)
    assert csv_export.status_code == 200 and "合计,,,,,,116.00,104.40,11.60" in csv_export.text
    workbook = load_workbook(io.BytesIO((await client.get(f"{url}/export.xlsx", headers=bureau)).content))
    rows = list(workbook.active.values)
    assert rows[1][0] == "行" and rows[2][7] == pytest.approx(104.40)
    other = await client.get(url, headers=tokens["agency-P01"])
    assert other.status_code == 404

    # A correction to the approved month is carried into the next month's draft.
    corrected = await client.post(
        "/api/v1/settlement-corrections",
        json={
            "provider_id": provider_id,
            "corrects_period": period,
            "person_id": b["person_id"],
            "amount_fen": -600,
            "reason": "第二次服务实际时长应为 52 分钟",
        },
        headers=bureau,
    )
    assert corrected.status_code == 201, corrected.text
    following = await built(app, client, bureau, str(Period.parse(period).next()), provider_id)
    adjustment = [x for x in following["lines"] if x["kind"] == "adjustment"]
    assert [(x["adjusts_period"], x["gross_fen"], x["fund_fen"]) for x in adjustment] == [(period, -600, -600)]
    assert [x["correction_id"] for x in adjustment] == [corrected.json()["id"]]
    too_much = await client.post(
        "/api/v1/settlement-corrections",
        json={
            "provider_id": provider_id,
            "corrects_period": period,
            "person_id": b["person_id"],
            "amount_fen": -1_000_000_000_000,
            "reason": "退回",
        },
        headers=bureau,
    )
    assert too_much.status_code == 422 and too_much.json()["code"] == "correction_exceeds_paid"
    future = await client.post(
        "/api/v1/settlements/build",
        json={"period": str(Period.parse(period).next().next()), "provider_id": provider_id},
        headers=bureau,
    )
    assert future.status_code == 422 and future.json()["code"] == "period_in_future"
    nobody = await client.post(
        "/api/v1/settlements/build", json={"period": period, "provider_id": 2_000_000_000}, headers=bureau
    )
    assert nobody.status_code == 404 and nobody.json()["code"] == "provider_not_found"


async def test_a_draft_cannot_be_corrected_and_rejections_need_a_reason(app, client, auth, monkeypatch) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    await visited(client, b, start_ago=120, minutes=59)
    period = str(Period.of(datetime.now(UTC).astimezone(app.state.services.settings.zone).date()))
    bureau = await auth("bureau")
    correction = {
        "provider_id": b["provider"]["id"],
        "person_id": b["person_id"],
        "corrects_period": period,
        "amount_fen": 100,
        "reason": "x",
    }
    running = await client.post(
        "/api/v1/settlement-corrections",
        json=correction,
        headers=bureau,
    )
    assert running.status_code == 409 and running.json()["code"] == "period_not_ended"
    tokens = await after_the_month(app, monkeypatch, client, period, b)
    bureau, agency = tokens["bureau"], tokens[b["provider"]["code"]]
    refused = await client.post("/api/v1/settlement-corrections", json=correction, headers=bureau)
    assert refused.status_code == 409 and refused.json()["code"] == "period_not_approved"
    settlement = await built(app, client, bureau, period, b["provider"]["id"])
    url = f"/api/v1/settlements/{settlement['id']}"
    await client.post(f"{url}/submit", headers=agency | {"If-Match": '"1"'})
    no_reason = await client.post(f"{url}/reject", json={"reason": " "}, headers=bureau | {"If-Match": '"2"'})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    rejected = await client.post(f"{url}/reject", json={"reason": "缺少签名"}, headers=bureau | {"If-Match": '"2"'})
    assert rejected.json()["status"] == "rejected" and rejected.json()["rejection_reason"] == "缺少签名"
    pay_unapproved = await client.post(f"{url}/pay", headers=bureau | {"If-Match": '"3"'})
    assert pay_unapproved.status_code == 409 and pay_unapproved.json()["code"] == "invalid_transition"


async def test_a_payment_run_killed_half_way_posts_nothing_twice(app, client, auth, services, monkeypatch) -> None:
    from ltc.services.settlements import workflow as settlement_service

    approved = []
    persons = []
    for _ in range(2):
        b = await beneficiary(client, auth)
        await plan_for(client, b)
        await visited(client, b, start_ago=120, minutes=59)
        persons.append(b)
    period = str(Period.of(datetime.now(UTC).astimezone(services.settings.zone).date()))
    tokens = await after_the_month(app, monkeypatch, client, period, *persons)
    bureau = tokens["bureau"]
    for b in persons:
        settlement = await built(app, client, bureau, period, b["provider"]["id"])
        url = f"/api/v1/settlements/{settlement['id']}"
        await client.post(f"{url}/submit", headers=tokens[b["provider"]["code"]] | {"If-Match": '"1"'})
        assert (await client.post(f"{url}/approve", headers=bureau | {"If-Match": '"2"'})).status_code == 200
        approved.append(settlement["id"])

    real_act = settlement_service.act
    calls = []

    async def killed_after_the_first(*args, **kwargs):
        if calls:
            raise RuntimeError("worker killed")
        calls.append(args)
        return await real_act(*args, **kwargs)

    monkeypatch.setattr(settlement_service, "act", killed_after_the_first)
    first = await client.post("/api/v1/settlements/pay", json={"period": period}, headers=bureau)
    await run_burst_worker(app)
    assert (await client.get(f"/api/v1/jobs/{first.json()['job_id']}", headers=bureau)).json()["status"] == "failed"
    monkeypatch.setattr(settlement_service, "act", real_act)
    rerun = await client.post("/api/v1/settlements/pay", json={"period": period}, headers=bureau)
    await run_burst_worker(app)
    assert (await client.get(f"/api/v1/jobs/{rerun.json()['job_id']}", headers=bureau)).json()["status"] == "done"
    for settlement_id in approved:
        assert (await client.get(f"/api/v1/settlements/{settlement_id}", headers=bureau)).json()["status"] == "paid"
        payments = await LedgerEntry.count().where(
            (LedgerEntry.settlement == settlement_id) & (LedgerEntry.kind == "payment")
        )
        assert payments == 1
    fund = (await client.get("/api/v1/fund", headers=bureau)).json()
    assert fund["ledger_imbalance_fen"] == 0


async def test_bed_days_come_from_the_census_at_the_lesser_of_price_and_cap(app, client, auth, services) -> None:
    b = await beneficiary(client, auth, care_mode="institutional")
    bureau = await auth("bureau")
    await client.patch(f"/api/v1/providers/{b['provider']['id']}", json={"daily_price_fen": 9000}, headers=bureau)
    plan = await client.post(
        "/api/v1/care-plans", json={"person_id": b["person_id"], "items": ["B01"]}, headers=b["agency"]
    )
    assert plan.status_code == 201, plan.text
    assert plan.json()["bed_day_cap_fen"] == 8000  # level Ⅲ
    await client.post(
        f"/api/v1/care-plans/{plan.json()['id']}/confirm", json={"confirmed_by": "本人"}, headers=b["agency"]
    )
    today = datetime.now(UTC).astimezone(services.settings.zone).date()
    period = Period.of(today)
    days = [d for d in period.dates() if d <= today][-4:]
    # A day in hospital is neither a bed-day nor a leave day: the hospital's stay is paid elsewhere.
    statuses = ["present", "hospital", "leave", "present"][-len(days) :]
    for day, status in zip(days, statuses, strict=True):
        recorded = await client.post(
            "/api/v1/census",
            json={"day": day.isoformat(), "entries": [{"person_id": b["person_id"], "status": status}]},
            headers=b["agency"],
        )
        assert recorded.status_code == 200, recorded.text
    bed_days = statuses.count("present")
    settlement = await built(app, client, bureau, str(period), b["provider"]["id"])
    (line,) = settlement["lines"]
    assert (line["kind"], line["quantity"], line["unit_price_fen"]) == ("institutional", bed_days, 8000)
    gross = 8000 * bed_days
    assert (line["gross_fen"], line["fund_fen"], line["personal_fen"]) == (gross, gross * 3 // 4, gross // 4)
    assert len(line["days"]) == bed_days and len(line["leave_days"]) == statuses.count("leave")
    hospital_days = {d.isoformat() for d, s in zip(days, statuses, strict=True) if s == "hospital"}
    assert not hospital_days & (set(line["days"]) | set(line["leave_days"]))


@pytest.mark.parametrize(("header", "version"), [('"3"', 3), ("3", 3), (' "12" ', 12)])
def test_the_if_match_header_names_the_version_seen(header: str, version: int) -> None:
    from ltc.web.api.settlements import seen_version

    assert seen_version(header) == version


@pytest.mark.parametrize("header", [None, "", '"x"', 'W/"3"', "-1"])
def test_an_if_match_header_without_a_version_is_refused(header: str | None) -> None:
    from ltc.domain.errors import InvalidInput
    from ltc.web.api.settlements import seen_version

    with pytest.raises(InvalidInput) as caught:
        seen_version(header)
    assert caught.value.code == "if_match_required"


async def test_every_settlement_operation_documents_a_typed_success(client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        if path.startswith(("/api/v1/settlements", "/api/v1/fund", "/api/v1/settlement-corrections"))
        for method, op in item.items()
    ]
    assert len(operations) == 21  # with the budget, advances, payments due, analysis and what-if
    for path, method, op in operations:
        (success,) = [code for code in op["responses"] if code.startswith("2")]
        (media_type, content), *_ = op["responses"][success]["content"].items()
        if path.endswith((".csv", ".xlsx")):
            assert media_type.startswith(("text/csv", "application/vnd.openxmlformats")), (path, media_type)
        else:
            assert media_type == "application/json" and "additionalProperties" not in content["schema"], (path, method)
