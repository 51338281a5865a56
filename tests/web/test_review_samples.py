"""The review sample over HTTP: drawn after the build, decided by a supervisor, approval
waiting for it; risk scores; tip-offs from the public and the hotline, triaged and rewarded."""

from __future__ import annotations

from datetime import datetime

import pytest

from ltc.db.tables import Inspection, ReviewSample, TipOff
from ltc.domain.periods import Period
from ltc.domain.review_sampling import LineRisk, draw
from ltc.services.supervision.review_draw import draw_samples, sampled_lines
from ltc.services.supervision.risk import month_facts
from tests.conftest import bearer
from tests.web.test_providers_and_assignment import run_burst_worker
from tests.web.test_settlements import after_the_month, visited
from tests.web.test_visits import beneficiary, plan_for


async def _build(app, client, bureau: dict, period: str, provider_id: int) -> int:
    """The month built for the provider, its sample drawn and left undecided."""
    started = await client.post(
        "/api/v1/settlements/build", json={"period": period, "provider_id": provider_id}, headers=bureau
    )
    assert started.status_code == 202, started.text
    await run_burst_worker(app)
    job = (await client.get(f"/api/v1/jobs/{started.json()['job_id']}", headers=bureau)).json()
    assert job["status"] == "done", job
    (settlement_id,) = job["result"]["settlement_ids"]
    return settlement_id


async def _a_settled_month(app, client, auth, monkeypatch):
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    first = await visited(client, b, start_ago=230, minutes=58)
    await visited(client, b, start_ago=160, minutes=58)
    zone = app.state.services.settings.zone
    period = str(Period.of(datetime.fromisoformat(first["planned_start"]).astimezone(zone).date()))
    tokens = await after_the_month(app, monkeypatch, client, period, b)
    settlement_id = await _build(app, client, tokens["bureau"], period, b["provider"]["id"])
    return b, tokens, period, settlement_id


async def test_a_sampled_line_is_decided_and_approval_waits_for_it(app, client, auth, monkeypatch) -> None:
    b, tokens, period, settlement_id = await _a_settled_month(app, client, auth, monkeypatch)
    bureau, agency = tokens["bureau"], tokens[b["provider"]["code"]]
    supervisor = await bearer(client, "supervisor1")
    provider_id = b["provider"]["id"]

    listed = await client.get(
        "/api/v1/review-samples", params={"period": period, "provider_id": provider_id}, headers=supervisor
    )
    assert listed.status_code == 200, listed.text
    (sample,) = listed.json()  # one line: at least one drawn
    assert sample["settlement_id"] == settlement_id and sample["person_id"] == b["person_id"]
    assert sample["status"] == "pending" and sample["drawn_for"] in ("risk", "random") and sample["reasons"]
    assert (await client.get("/api/v1/review-samples", headers=bureau)).status_code == 200, "the bureau reads it"
    assert (await client.get("/api/v1/review-samples", headers=agency)).status_code == 403
    assert (await client.get("/api/v1/review-samples")).status_code == 401
    assert (await client.get("/api/v1/review-samples/999999999", headers=supervisor)).status_code == 404

    url = f"/api/v1/settlements/{settlement_id}"
    assert (await client.post(f"{url}/submit", headers=agency | {"If-Match": '"1"'})).status_code == 200
    waiting = await client.post(f"{url}/approve", headers=bureau | {"If-Match": '"2"'})
    assert waiting.status_code == 409 and waiting.json()["code"] == "review_pending"

    decide = f"/api/v1/review-samples/{sample['id']}/decision"
    assert (await client.post(decide, json={"outcome": "refused", "note": "x"}, headers=bureau)).status_code == 403
    refusals = [
        ({"outcome": "adjusted", "note": "只核实一次"}, "amount_required"),
        ({"outcome": "adjusted", "amount_fen": sample["fund_fen_drawn"] + 1, "note": "x"}, "amount_above_line"),
        ({"outcome": "adjusted", "amount_fen": 100}, "note_required"),
        ({"outcome": "refused"}, "note_required"),
    ]
    for body, code in refusals:
        refused = await client.post(decide, json=body, headers=supervisor)
        assert refused.status_code == 422 and refused.json()["code"] == code, refused.text
    adjusted = await client.post(
        decide, json={"outcome": "adjusted", "amount_fen": 5000, "note": "只核实一次"}, headers=supervisor
    )
    assert adjusted.status_code == 200 and adjusted.json()["status"] == "adjusted", adjusted.text
    settlement = (await client.get(url, headers=bureau)).json()
    assert settlement["fund_fen"] == 5000 and settlement["lines"][0]["fund_fen"] == 5000, (
        "the draft pays the amount decided"
    )
    assert settlement["version"] == 3, "a decision that moves money moves the version on"

    approved = await client.post(f"{url}/approve", headers=bureau | {"If-Match": '"3"'})
    assert approved.status_code == 200 and approved.json()["fund_fen"] == 5000, approved.text
    closed = await client.post(decide, json={"outcome": "confirmed"}, headers=supervisor)
    assert closed.status_code == 409 and closed.json()["code"] == "review_closed"


async def test_the_sample_is_drawn_again_from_its_seed(app, client, auth, monkeypatch) -> None:
    _, _, period, settlement_id = await _a_settled_month(app, client, auth, monkeypatch)
    stored = await ReviewSample.select().where(ReviewSample.settlement == settlement_id)
    (seed,) = {row["seed"] for row in stored}
    facts = await month_facts(app.state.services, Period.parse(period))
    lines = await sampled_lines([settlement_id], Period.parse(period))
    risks = [LineRisk(line.id, facts.person_score(line.provider, line.person).score) for line in lines]
    again = draw(risks, facts.policy.review_share, facts.policy.review_risk_share, seed)
    assert sorted(d.line_id for d in again) == sorted(row["line_id"] for row in stored)


async def test_a_provider_s_and_a_caregiver_s_risk_indicator_by_indicator(app, client, auth, monkeypatch) -> None:
    b, tokens, period, _ = await _a_settled_month(app, client, auth, monkeypatch)
    supervisor = await bearer(client, "supervisor1")
    url = f"/api/v1/providers/{b['provider']['id']}/risk"
    scored = await client.get(url, params={"period": period}, headers=supervisor)
    assert scored.status_code == 200, scored.text
    body = scored.json()
    codes = [i["code"] for i in body["indicators"]]
    assert codes == ["rules_hit", "hours_at_cap", "short_visits", "exception_rate", "new_provider", "peer_outlier"]
    assert body["score"] == pytest.approx(sum(i["contribution"] for i in body["indicators"]))
    assert (await client.get(url, headers=tokens[b["provider"]["code"]])).status_code == 403
    assert (await client.get(url)).status_code == 401
    assert (await client.get("/api/v1/providers/999999999/risk", headers=supervisor)).status_code == 404
    caregiver = b["caregivers"][0]["id"]
    assert (await client.get(f"/api/v1/caregivers/{caregiver}/risk", headers=supervisor)).status_code == 200
    assert (await client.get("/api/v1/caregivers/999999999/risk", headers=supervisor)).status_code == 404


async def test_a_citizen_files_a_tip_off_and_the_supervisor_triages_it(client, auth) -> None:
    filed = await client.post(
        "/api/v1/tip-offs", json={"about": "某护理站", "description": "护理员没来却打了卡", "contact": "13900001111"}
    )
    assert filed.status_code == 201, filed.text
    reference = filed.json()["reference"]
    assert reference.startswith("JB") and not reference.isdigit()
    row = await TipOff.select().where(TipOff.reference == reference).first()
    assert "13900001111" not in row["contact_enc"] and row["contact_enc"], "the contact is sealed at rest"

    supervisor, bureau = await bearer(client, "supervisor1"), await auth("bureau")
    agency = await auth("agency-P01")
    mine = next(
        t for t in (await client.get("/api/v1/tip-offs", headers=supervisor)).json() if t["reference"] == reference
    )
    assert mine["contact"] == "13900001111" and mine["status"] == "new" and mine["channel"] == "public"
    assert (await client.get("/api/v1/tip-offs", headers=agency)).status_code == 403
    assert (await client.get("/api/v1/tip-offs")).status_code == 401
    assert (await client.get(f"/api/v1/tip-offs/{mine['id']}", headers=agency)).status_code == 403
    assert (await client.get("/api/v1/tip-offs/999999999", headers=supervisor)).status_code == 404

    triage = f"/api/v1/tip-offs/{mine['id']}/triage"
    no_reward = await client.post(
        f"/api/v1/tip-offs/{mine['id']}/reward", json={"amount_fen": 500, "note": "x"}, headers=bureau
    )
    assert no_reward.status_code == 409 and no_reward.json()["code"] == "tip_off_without_case"
    scope = await client.post(triage, json={"action": "open_case"}, headers=supervisor)
    assert scope.status_code == 422 and scope.json()["code"] == "case_scope_required"
    assert (await client.post(triage, json={"action": "close", "reason": "x"}, headers=bureau)).status_code == 403
    provider_id = (await client.get("/api/v1/providers", headers=bureau)).json()[0]["id"]
    opened = await client.post(
        triage,
        json={"action": "open_case", "provider_id": provider_id, "period_from": "2026-01", "period_to": "2026-03"},
        headers=supervisor,
    )
    assert opened.status_code == 200 and opened.json()["status"] == "case_opened", opened.text
    case = await Inspection.select().where(Inspection.id == opened.json()["inspection_id"]).first()
    # the provider reads its cases: the reason quotes nothing of the tip-off
    assert case["kind"] == "special" and reference not in case["reason"] and case["reason"] == "依举报立案"
    again = await client.post(triage, json={"action": "close", "reason": "重复"}, headers=supervisor)
    assert again.status_code == 409 and again.json()["code"] == "tip_off_triaged"
    rewarded = await client.post(
        f"/api/v1/tip-offs/{mine['id']}/reward", json={"amount_fen": 50000, "note": "查实虚假服务"}, headers=bureau
    )
    assert rewarded.status_code == 200 and rewarded.json()["reward_fen"] == 50000

    hotline = await client.post(
        "/api/v1/tip-offs/hotline",
        json={"about": "某机构", "description": "电话举报", "channel": "hotline"},
        headers=bureau,
    )
    assert hotline.status_code == 201, hotline.text
    assert (
        await client.post("/api/v1/tip-offs/hotline", json={"about": "a", "description": "b"}, headers=agency)
    ).status_code == 403
    second = next(
        t
        for t in (await client.get("/api/v1/tip-offs", headers=supervisor)).json()
        if t["reference"] == hotline.json()["reference"]
    )
    joined = await client.post(
        f"/api/v1/tip-offs/{second['id']}/triage",
        json={"action": "join", "inspection_id": case["id"]},
        headers=supervisor,
    )
    assert joined.status_code == 200 and joined.json()["inspection_id"] == case["id"]


async def test_the_public_form_is_limited_per_client(client) -> None:
    answers = []
    for n in range(7):
        answer = await client.post("/api/v1/tip-offs", json={"about": f"机构{n}", "description": "反复举报"})
        answers.append(answer)
        if answer.status_code == 429:
            break
    assert answers[-1].status_code == 429, [a.status_code for a in answers]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert answers[-1].json()["code"] == "too_many_tip_offs"
    assert all(a.status_code == 201 for a in answers[:-1])
    # the client's tip-offs withdrawn, so that later tests of the public form are not limited
    key = (await TipOff.select(TipOff.client_key).where(TipOff.about == "机构0").first())["client_key"]
    assert key, "the limit counts a keyed hash of the address, not the address"
    await TipOff.delete().where(TipOff.client_key == key)


async def test_a_draw_again_keeps_the_decisions_on_unchanged_lines(app, client, auth, monkeypatch) -> None:
    _, tokens, period, settlement_id = await _a_settled_month(app, client, auth, monkeypatch)
    supervisor = await bearer(client, "supervisor1")
    (sample,) = (
        await client.get("/api/v1/review-samples", params={"settlement_id": settlement_id}, headers=supervisor)
    ).json()
    refused = await client.post(
        f"/api/v1/review-samples/{sample['id']}/decision",
        json={"outcome": "refused", "note": "未见服务"},
        headers=supervisor,
    )
    assert refused.status_code == 200, refused.text
    await draw_samples(app.state.services, Period.parse(period), [settlement_id])  # as a rebuild does
    (again,) = await ReviewSample.select().where(ReviewSample.settlement == settlement_id)
    assert (again["line_id"], again["status"], again["note"]) == (sample["line_id"], "refused", "未见服务")
    settlement = (await client.get(f"/api/v1/settlements/{settlement_id}", headers=tokens["bureau"])).json()
    assert settlement["fund_fen"] == 0 and settlement["lines"][0]["fund_fen"] == 0, "a refused line pays nothing"
