"""An agency marks a caregiver absent: the absence is recorded, a job re-plans their visits
onto qualified, free colleagues (the person's usual caregiver first) or lists them unscheduled,
every move is audited, the agency is told in its inbox; a deactivation re-plans the same way."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from ltc.db.tables import AuditEntry, CaregiverAbsence, UnscheduledSlot, Visit
from tests.web.test_visits import beneficiary
from tests.worker.test_worker import run_burst_worker

ZONE = ZoneInfo("Asia/Shanghai")


def next_weekday(days_ahead: int = 2) -> datetime:
    day = datetime.now(ZONE).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), ZONE)


async def add_caregiver(client: httpx.AsyncClient, b: dict[str, Any], name: str, qualification: str, km: float) -> int:
    added = await client.post(
        f"/api/v1/providers/{b['provider']['id']}/caregivers",
        json={
            "name": name,
            "qualification": qualification,
            "lat": b["lat"] + km / 111.0,
            "lon": b["lon"],
            "weekly_hours": 40,
        },
        headers=b["agency"],
    )
    assert added.status_code == 201, added.text
    return added.json()["id"]


async def add_visit(
    client: httpx.AsyncClient, b: dict[str, Any], caregiver_id: int, start: datetime, items: list[str]
) -> int:
    added = await client.post(
        "/api/v1/visits",
        json={
            "person_id": b["person_id"],
            "caregiver_id": caregiver_id,
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(hours=1)).isoformat(),
            "items": items,
        },
        headers=b["agency"],
    )
    assert added.status_code == 201, added.text
    return added.json()["id"]


async def caregiver_of(client: httpx.AsyncClient, b: dict[str, Any], visit_id: int) -> tuple[int | None, str]:
    visit = (await client.get(f"/api/v1/visits/{visit_id}", headers=b["agency"])).json()
    return visit["caregiver_id"], visit["status"]


async def test_an_absence_re_plans_the_caregivers_visits_onto_colleagues(app, client, auth) -> None:
    b = await beneficiary(client, auth, nurse=True)
    absent, nurse = b["caregivers"][0]["id"], b["caregivers"][1]["id"]
    usual = await add_caregiver(client, b, "常护理员", "elderly_carer", km=8.0)  # far, but the person knows them
    day = next_weekday()
    yesterday = datetime.now(ZONE).replace(microsecond=0) - timedelta(days=1)
    await add_visit(client, b, usual, yesterday, ["B01"])
    morning = await add_visit(client, b, absent, day + timedelta(hours=9), ["B01"])
    late_morning = await add_visit(client, b, absent, day + timedelta(hours=11), ["B01"])
    clinical = await add_visit(client, b, absent, day + timedelta(hours=14), ["C05"])

    recorded = await client.post(
        f"/api/v1/caregivers/{absent}/absences",
        json={"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat(), "reason": "sick"},
        headers=b["agency"],
    )
    assert recorded.status_code == 201, recorded.text
    absence = recorded.json()
    assert set(absence) == {"id", "job_id"}
    await run_burst_worker(app)
    job = (await client.get(f"/api/v1/jobs/{absence['job_id']}", headers=b["agency"])).json()
    assert job["status"] == "done", job
    result = job["result"]
    assert (result["moved"], result["unscheduled"], result["cause"]) == (3, 0, "absence")
    assert await caregiver_of(client, b, morning) == (usual, "planned")
    assert await caregiver_of(client, b, late_morning) == (usual, "planned")
    assert await caregiver_of(client, b, clinical) == (nurse, "planned")  # a clinical item needs a nurse
    moves = await AuditEntry.count().where(
        (AuditEntry.action == "visit.reassign")
        & AuditEntry.entity_id.is_in([str(morning), str(late_morning), str(clinical)])
    )
    assert moves == 3

    inbox = (await client.get("/api/v1/notices?unread=true", headers=b["agency"])).json()
    told = [n for n in inbox if n["kind"] == "absence_replanned"]
    assert told and told[0]["params"]["moved"] == 3 and told[0]["link"] == f"/jobs/{absence['job_id']}"
    read = await client.post(f"/api/v1/notices/{told[0]['id']}/read", headers=b["agency"])
    assert read.status_code == 200 and read.json()["read_at"] is not None
    stranger = await client.post(f"/api/v1/notices/{told[0]['id']}/read", headers=await auth("bureau"))
    assert stranger.status_code == 404

    listed = (await client.get(f"/api/v1/caregivers/{absent}/absences", headers=b["agency"])).json()
    assert [(a["id"], a["reason"], a["job_id"]) for a in listed] == [(absence["id"], "sick", absence["job_id"])]
    overlapping = await client.post(
        f"/api/v1/caregivers/{absent}/absences",
        json={
            "from": (day + timedelta(hours=12)).isoformat(),
            "to": (day + timedelta(days=2)).isoformat(),
            "reason": "leave",
        },
        headers=b["agency"],
    )
    assert overlapping.status_code == 409 and overlapping.json()["code"] == "absence_overlaps"
    cancelled = await client.post(f"/api/v1/caregivers/{absent}/absences/{absence['id']}/cancel", headers=b["agency"])
    assert cancelled.status_code == 200 and cancelled.json()["cancelled_at"] is not None
    again = await client.post(f"/api/v1/caregivers/{absent}/absences/{absence['id']}/cancel", headers=b["agency"])
    assert again.json()["cancelled_at"] == cancelled.json()["cancelled_at"]
    assert (
        await CaregiverAbsence.count().where(
            CaregiverAbsence.cancelled_at.is_null() & (CaregiverAbsence.caregiver == absent)
        )
        == 0
    )
    # Cancelled, the absence no longer blocks that time.
    again_recorded = await client.post(
        f"/api/v1/caregivers/{absent}/absences",
        json={"from": day.isoformat(), "to": (day + timedelta(hours=12)).isoformat(), "reason": "training"},
        headers=b["agency"],
    )
    assert again_recorded.status_code == 201


async def test_a_deactivation_re_plans_the_visits_ahead_and_lists_what_no_one_can_take(app, client, auth) -> None:
    b = await beneficiary(client, auth, nurse=True)
    leaving, nurse = b["caregivers"][0]["id"], b["caregivers"][1]["id"]
    day = next_weekday(3)
    taken = await add_visit(client, b, leaving, day + timedelta(hours=9), ["B01"])
    clash = await add_visit(client, b, leaving, day + timedelta(hours=14), ["B01"])
    await add_visit(client, b, nurse, day + timedelta(hours=14), ["B01"])  # the nurse is busy then
    deactivated = await client.patch(
        f"/api/v1/caregivers/{leaving}", json={"active": False, "reason": "离职"}, headers=b["agency"]
    )
    assert deactivated.status_code == 200, deactivated.text
    await run_burst_worker(app)
    assert await caregiver_of(client, b, taken) == (nurse, "planned")
    assert (await caregiver_of(client, b, clash))[1] == "cancelled"
    slot = (
        await UnscheduledSlot.select(UnscheduledSlot.reason)
        .where(UnscheduledSlot.provider == b["provider"]["id"])
        .first()
    )
    assert await Visit.count().where((Visit.caregiver == leaving) & (Visit.status == "planned")) == 0
    unassigned = await AuditEntry.count().where(
        (AuditEntry.action == "visit.unschedule") & (AuditEntry.entity_id == str(clash))
    )
    assert unassigned == 1
    assert slot is None or slot["reason"] == "no_caregiver_free"  # a visit with no care plan is only cancelled


async def test_an_absence_is_refused_when_it_makes_no_sense(client, auth) -> None:
    b = await beneficiary(client, auth, nurse=False)
    caregiver = b["caregivers"][0]["id"]
    day = next_weekday()
    url = f"/api/v1/caregivers/{caregiver}/absences"
    backwards = await client.post(
        url,
        json={"from": day.isoformat(), "to": (day - timedelta(hours=1)).isoformat(), "reason": "sick"},
        headers=b["agency"],
    )
    assert backwards.status_code == 422 and backwards.json()["code"] == "absence_backwards"
    unknown = await client.post(
        url,
        json={"from": day.isoformat(), "to": (day + timedelta(hours=1)).isoformat(), "reason": "holiday"},
        headers=b["agency"],
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_absence_reason"
    naive = await client.post(
        url, json={"from": "2026-12-09T08:00:00", "to": "2026-12-09T12:00:00", "reason": "sick"}, headers=b["agency"]
    )
    assert naive.status_code == 422 and naive.json()["code"] == "absence_without_zone"
    other_agency = await client.post(
        url,
        json={"from": day.isoformat(), "to": (day + timedelta(hours=1)).isoformat(), "reason": "sick"},
        headers=await auth("agency-P01"),
    )
    assert other_agency.status_code == 404
    assert (await client.get(url, headers=await auth("agency-P01"))).status_code == 404
    assert (await client.get(url, headers=await auth("assessor1"))).status_code == 403
