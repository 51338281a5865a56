"""Inspection cases over HTTP: who may (401/403/404), a finding that costs credit, the ladder
(rectify → the agency's answer → a failed follow-up → suspension), a recovery posted once,
the closing, a bar that blocks the caregiver, and the credit answers."""

from __future__ import annotations

from datetime import timedelta

from ltc.db.tables import AuditEntry, LedgerEntry, Notice, Provider
from ltc.services.clock import local_today
from ltc.services.supervision.outcomes import notice_overdue_rectifications
from tests.web.test_visits import beneficiary


async def _case(client, auth, provider_id: int) -> dict:
    opened = await client.post(
        "/api/v1/inspections",
        json={
            "kind": "unannounced",
            "provider_id": provider_id,
            "period_from": "2026-09",
            "period_to": "2026-11",
            "reason": "hours at the cap month after month",
        },
        headers=await auth("supervisor1"),
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["status"] == "open"
    return opened.json()


async def test_who_may_open_and_read_cases(client, auth) -> None:
    b = await beneficiary(client, auth)
    assert (await client.get("/api/v1/inspections")).status_code == 401
    body = {"kind": "routine", "provider_id": b["provider"]["id"], "period_from": "2026-01", "period_to": "2026-02"}
    for username in ("bureau", "agency-P01"):
        refused = await client.post("/api/v1/inspections", json=body | {"reason": "x"}, headers=await auth(username))
        assert refused.status_code == 403, refused.text
    case = await _case(client, auth, b["provider"]["id"])
    mine = await client.get(f"/api/v1/inspections/{case['id']}", headers=b["agency"])
    assert mine.status_code == 200 and mine.json()["available_actions"] == []  # the agency takes no outcome
    other = await client.get(f"/api/v1/inspections/{case['id']}", headers=await auth("agency-P01"))
    assert (other.status_code, other.json()["code"]) == (404, "inspection_not_found")
    listed = await client.get("/api/v1/inspections", params={"status": "open"}, headers=await auth("agency-P01"))
    assert case["id"] not in [c["id"] for c in listed.json()]
    everyone = await client.get("/api/v1/inspections", params={"limit": 1}, headers=await auth("supervisor1"))
    assert everyone.status_code == 200 and len(everyone.json()) == 1
    bureau_reads = await client.get(f"/api/v1/inspections/{case['id']}", headers=await auth("bureau"))
    assert bureau_reads.status_code == 200


async def test_a_case_from_finding_to_sanctions(client, auth, app) -> None:
    b = await beneficiary(client, auth)
    supervisor = await auth("supervisor1")
    provider_id = b["provider"]["id"]
    caregiver_id = b["caregivers"][0]["id"]
    case = await _case(client, auth, provider_id)
    url = f"/api/v1/inspections/{case['id']}"

    refused = await client.post(
        f"{url}/findings", json={"category": "jaywalking", "description": "x"}, headers=supervisor
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_category")
    finding = await client.post(
        f"{url}/findings",
        json={
            "category": "false_claim",
            "description": "visits logged while the person was in hospital",
            "amount_fen": 90_000,
            "person_ids": [b["person_id"]],
            "caregiver_ids": [caregiver_id],
            "hold_payment": True,
        },
        headers=supervisor,
    )
    assert finding.status_code == 201, finding.text
    (hold,) = (await client.get(url, headers=supervisor)).json()["holds"]
    assert (hold["person_id"], hold["lifted_at"]) == (b["person_id"], None)
    assert finding.json()["points"] == 20
    upload = await client.post(
        f"{url}/files",
        data={"finding_id": str(finding.json()["id"])},
        files={"file": ("photo.png", b"\x89PNG\r\n\x1a\nrest", "image/png")},
        headers=supervisor,
    )
    assert upload.status_code == 201, upload.text
    content = await client.get(f"{url}/files/{upload.json()['id']}/content", headers=b["agency"])
    assert content.content.startswith(b"\x89PNG")

    credit = await client.get(f"/api/v1/providers/{provider_id}/credit", headers=b["agency"])
    assert (credit.json()["points"], credit.json()["level"], credit.json()["barred_until"]) == (80, "B", None)
    carer = await client.get(f"/api/v1/caregivers/{caregiver_id}/credit", headers=supervisor)
    assert carer.json()["points"] == 80 and len(carer.json()["history"]) == 1
    foreign = await client.get(f"/api/v1/providers/{provider_id}/credit", headers=await auth("agency-P01"))
    assert foreign.status_code == 404

    today = local_today(app.state.services.clock, app.state.services.settings.zone)
    no_deadline = await client.post(f"{url}/outcomes", json={"action": "rectify", "note": "x"}, headers=supervisor)
    assert (no_deadline.status_code, no_deadline.json()["code"]) == (422, "deadline_required")
    deadline = (today + timedelta(days=14)).isoformat()
    rectify = await client.post(
        f"{url}/outcomes", json={"action": "rectify", "deadline": deadline, "note": "fix the logs"}, headers=supervisor
    )
    assert rectify.status_code == 201 and rectify.json()["status"] == "awaiting"
    rid = rectify.json()["id"]
    assert await Notice.exists().where(Notice.kind == "rectification_ordered")
    closing = await client.post(f"{url}/close", json={"summary": "early"}, headers=supervisor)
    assert (closing.status_code, closing.json()["code"]) == (409, "rectification_pending")
    answer = await client.post(f"{url}/outcomes/{rid}/response", json={"note": "logs fixed"}, headers=b["agency"])
    assert answer.status_code == 200 and answer.json()["response_note"] == "logs fixed"
    failed = await client.post(
        f"{url}/outcomes/{rid}/follow-up", json={"passed": False, "note": "not"}, headers=supervisor
    )
    assert failed.json()["status"] == "failed"
    detail = (await client.get(url, headers=supervisor)).json()
    assert detail["next_rung"] == "suspend" and "interview" not in detail["available_actions"]

    suspend = await client.post(f"{url}/outcomes", json={"action": "suspend", "note": "failed"}, headers=supervisor)
    assert suspend.status_code == 201, suspend.text
    assert (await Provider.select(Provider.status).where(Provider.id == provider_id).first())["status"] == "suspended"
    too_much = await client.post(
        f"{url}/outcomes", json={"action": "recover", "amount_fen": 90_001}, headers=supervisor
    )
    assert (too_much.status_code, too_much.json()["code"]) == (422, "recovery_exceeds_findings")
    recover = await client.post(f"{url}/outcomes", json={"action": "recover", "amount_fen": 90_000}, headers=supervisor)
    assert recover.status_code == 201
    source = f"inspection:{case['id']}:outcome:{recover.json()['id']}"
    assert await LedgerEntry.count().where(LedgerEntry.source_id == source) == 1
    bar = await client.post(
        f"{url}/outcomes",
        json={"action": "bar", "bar_years": 3, "caregiver_ids": [caregiver_id], "note": "fraud"},
        headers=supervisor,
    )
    assert bar.status_code == 201, bar.text
    barred = (await client.get(f"/api/v1/caregivers/{caregiver_id}/credit", headers=supervisor)).json()
    assert barred["barred_until"] == today.replace(year=today.year + 3).isoformat()
    back = await client.patch(f"/api/v1/caregivers/{caregiver_id}", json={"active": True}, headers=b["agency"])
    assert (back.status_code, back.json()["code"]) == (409, "caregiver_barred")

    lifted = await client.post(f"{url}/holds/{hold['id']}/lift", headers=supervisor)
    assert lifted.status_code == 200 and lifted.json()["lifted_at"] is not None
    again = await client.post(f"{url}/holds/{hold['id']}/lift", headers=supervisor)
    assert (again.status_code, again.json()["code"]) == (409, "hold_already_lifted")
    closed = await client.post(f"{url}/close", json={"summary": "recovered and barred"}, headers=supervisor)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = await client.post(f"{url}/findings", json={"category": "other", "description": "x"}, headers=supervisor)
    assert (late.status_code, late.json()["code"]) == (409, "inspection_closed")
    steps = {
        r["action"] for r in await AuditEntry.select(AuditEntry.action).where(AuditEntry.entity_id == str(case["id"]))
    }
    assert {"inspection.open", "inspection.finding", "inspection.rectify", "inspection.respond"} <= steps
    assert {
        "inspection.follow_up",
        "inspection.suspend",
        "inspection.recover",
        "inspection.bar",
        "inspection.close",
    } <= steps


async def test_an_overdue_rectification_tells_the_supervisors_once(client, auth, app) -> None:
    b = await beneficiary(client, auth)
    supervisor = await auth("supervisor1")
    case = await _case(client, auth, b["provider"]["id"])
    services = app.state.services
    today = local_today(services.clock, services.settings.zone)
    rectify = await client.post(
        f"/api/v1/inspections/{case['id']}/outcomes",
        json={"action": "rectify", "deadline": (today + timedelta(days=1)).isoformat()},
        headers=supervisor,
    )
    assert rectify.status_code == 201
    from dataclasses import replace

    from ltc.services.clock import FixedClock

    later = replace(services, clock=FixedClock(services.clock.now() + timedelta(days=3)))
    assert await notice_overdue_rectifications(later) >= 1
    assert await notice_overdue_rectifications(later) == 0
    assert await Notice.exists().where(
        (Notice.kind == "rectification_overdue") & (Notice.link == f"/inspections/{case['id']}")
    )


async def test_a_barred_provider_is_not_designated_again_under_its_credit_code(client, auth) -> None:
    from uuid import uuid4

    from tests.web.test_providers_and_assignment import new_active_provider, provider_body

    bureau, supervisor = await auth("bureau"), await auth("supervisor1")
    credit_code = f"9133{uuid4().hex[:14].upper()}"
    provider = await new_active_provider(client, bureau, code=f"IB{uuid4().hex[:6]}", credit_code=credit_code)
    case = await _case(client, auth, provider["id"])
    barred = await client.post(
        f"/api/v1/inspections/{case['id']}/outcomes", json={"action": "bar", "bar_years": 1}, headers=supervisor
    )
    assert barred.status_code == 201, barred.text
    credit = (await client.get(f"/api/v1/providers/{provider['id']}/credit", headers=bureau)).json()
    assert credit["barred_until"] is not None and credit["points"] == 100  # a bar is no deduction of points
    again = await client.post(
        "/api/v1/providers",
        json=provider_body(code=f"IB{uuid4().hex[:6]}", credit_code=credit_code),
        headers=bureau,
    )
    assert (again.status_code, again.json()["code"]) == (409, "provider_barred")
    other = await client.post("/api/v1/providers", json=provider_body(code=f"IB{uuid4().hex[:6]}"), headers=bureau)
    assert other.status_code == 201
    designate = await client.post(
        f"/api/v1/providers/{other.json()['id']}/designate", json={"batch": "2026-12"}, headers=bureau
    )
    assert designate.status_code == 200  # a provider without a bar is designated as before
