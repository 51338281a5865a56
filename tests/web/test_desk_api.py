"""The care agency's desk over HTTP: caregivers edited and deactivated, the slots no caregiver
could take (filters and keyset paging), and the lists' refusals of another agency's records."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from ltc.db.tables import CarePlan, UnscheduledSlot
from tests.web.test_assessment_workflow import today
from tests.web.test_visits import beneficiary, plan_for


async def test_a_caregiver_is_edited_deactivated_with_a_reason_and_taken_back(client, auth, services) -> None:
    b = await beneficiary(client, auth, nurse=False)
    (caregiver,) = b["caregivers"]
    path = f"/api/v1/caregivers/{caregiver['id']}"
    edited = await client.patch(path, json={"name": "王桂芳", "weekly_hours": 30}, headers=b["agency"])
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["weekly_hours"], edited.json()["active"]) == ("王桂芳", 30, True)

    for body, code in [
        ({"active": False}, "reason_required"),
        ({"qualification": "doctor"}, "unknown_qualification"),
        ({"lat": 30.1}, "incomplete_position"),
        ({}, "no_changes"),
        ({"name": None}, "no_changes"),  # null changes nothing, like a field left out
    ]:
        refused = await client.patch(path, json=body, headers=b["agency"])
        assert refused.status_code == 422 and refused.json()["code"] == code, refused.text
    over = await client.patch(path, json={"weekly_hours": 61}, headers=b["agency"])
    assert over.status_code in {400, 422}

    off = await client.patch(path, json={"active": False, "reason": "离职"}, headers=b["agency"])
    assert off.status_code == 200 and off.json()["active"] is False
    # No visit can be added for a caregiver who left.
    start = datetime.combine(today() + timedelta(days=1), time(9), services.settings.zone)
    refused_visit = await client.post(
        "/api/v1/visits",
        json={
            "person_id": b["person_id"],
            "caregiver_id": caregiver["id"],
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(hours=1)).isoformat(),
            "items": ["B01"],
        },
        headers=b["agency"],
    )
    assert refused_visit.status_code in {404, 409, 422}, refused_visit.text
    back = await client.patch(path, json={"active": True}, headers=b["agency"])
    assert back.status_code == 200 and back.json()["active"] is True
    assert (await client.get(path, headers=b["agency"])).json()["name"] == "王桂芳"


async def test_another_agencys_caregiver_is_not_found(client, auth) -> None:
    mine, theirs = await beneficiary(client, auth, nurse=False), await beneficiary(client, auth, nurse=False)
    path = f"/api/v1/caregivers/{theirs['caregivers'][0]['id']}"
    assert (await client.get(path, headers=mine["agency"])).status_code == 404
    changed = await client.patch(path, json={"active": False, "reason": "x"}, headers=mine["agency"])
    assert changed.status_code == 404
    assert (await client.get(path, headers=theirs["agency"])).json()["active"] is True
    missing = await client.get("/api/v1/caregivers/2000000000", headers=mine["agency"])
    assert missing.status_code == 404


async def test_unscheduled_slots_are_filtered_by_reason_and_day_and_paged(client, auth, services) -> None:
    b, other = await beneficiary(client, auth), await beneficiary(client, auth)
    plan = await plan_for(client, b)
    other_plan = await plan_for(client, other)
    zone = services.settings.zone
    first_day = today() + timedelta(days=2)
    reasons = ["no_caregiver_free", "weekly_hours_exceeded", "no_caregiver_free", "no_qualified_caregiver"]
    now = services.clock.now()
    for n, reason in enumerate(reasons):
        start = datetime.combine(first_day + timedelta(days=n), time(9), zone)
        await UnscheduledSlot.insert(
            UnscheduledSlot(
                care_plan=plan["id"],
                provider=b["provider"]["id"],
                slot_key=f"test:{plan['id']}:{n}",
                slot_start=start,
                slot_end=start + timedelta(hours=1),
                reason=reason,
                reported_at=now,
            )
        )
    start = datetime.combine(first_day, time(9), zone)
    await UnscheduledSlot.insert(
        UnscheduledSlot(
            care_plan=other_plan["id"],
            provider=other["provider"]["id"],
            slot_key=f"test:{other_plan['id']}:0",
            slot_start=start,
            slot_end=start + timedelta(hours=1),
            reason="no_caregiver_free",
            reported_at=now,
        )
    )
    url = "/api/v1/visits/unscheduled"
    everything = await client.get(url, headers=b["agency"])
    assert everything.status_code == 200
    assert [r["reason"] for r in everything.json()] == reasons  # only its own, in time order

    seen: list[int] = []
    page = await client.get(url, params={"limit": 3}, headers=b["agency"])
    assert page.status_code == 200 and len(page.json()) == 3
    seen += [r["id"] for r in page.json()]
    assert 'rel="next"' in page.headers["link"]
    following = page.headers["link"].split(";")[0].strip("<> ")
    rest = await client.get(following, headers=b["agency"])
    assert rest.status_code == 200 and "link" not in rest.headers
    seen += [r["id"] for r in rest.json()]
    assert seen == [r["id"] for r in everything.json()]

    free = await client.get(url, params={"reason": "no_caregiver_free"}, headers=b["agency"])
    assert [r["reason"] for r in free.json()] == ["no_caregiver_free"] * 2
    second_day = (first_day + timedelta(days=1)).isoformat()
    one_day = await client.get(url, params={"from": second_day, "to": second_day}, headers=b["agency"])
    assert [r["reason"] for r in one_day.json()] == ["weekly_hours_exceeded"]
    unknown = await client.get(url, params={"reason": "bad_luck"}, headers=b["agency"])
    assert unknown.status_code in {400, 422}
    asked_for_theirs = await client.get(url, params={"provider_id": other["provider"]["id"]}, headers=b["agency"])
    assert asked_for_theirs.status_code == 404 or all(
        r["provider"] == b["provider"]["id"] for r in asked_for_theirs.json()
    )
    assert await CarePlan.exists().where(CarePlan.id == plan["id"])
