"""Care plans, visit generation through the job, check-in and check-out with their flags,
offline batches, alerts, exceptions, hospital stays and the census, over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from ltc.db.queries import visits as visit_queries
from ltc.db.tables import UnscheduledSlot, Visit, VisitAlert, VisitEventRecord
from ltc.domain.coordinates import haversine_km
from ltc.domain.periods import service_month
from ltc.services.clock import FixedClock
from ltc.services.jobs import NoParams
from ltc.services.visits import alerts, generation, storage
from ltc.services.visits.values import GenerateVisitsParams
from tests.conftest import bearer
from tests.web.test_assessment_workflow import (
    answers_at,
    apply,
    ensure_user,
    instrument,
    register,
    submission,
    today,
    user_ids,
)
from tests.web.test_providers_and_assignment import new_active_provider

_places = itertools.count(0)
PASSWORD = "A-long-passw0rd"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def no_progress(_: float) -> None:
    return None


async def beneficiary(
    client: httpx.AsyncClient, auth, *, nurse: bool = True, care_mode: str = "home"
) -> dict[str, Any]:
    """A severely disabled person assigned to a provider of their own, far from everyone else,
    with the provider's agency user and caregivers."""
    n = next(_places)
    lat, lon = 30.20 + 0.2 * n, 120.40  # west of the district: no other provider reaches here
    bureau = await auth("bureau")
    kind = "home" if care_mode == "home" else "institutional"
    provider = await new_active_provider(
        client, bureau, lat=lat, lon=lon, capacity=10, service_radius_km=5.0, kind=kind
    )
    username = f"agency-{provider['code'].lower()}"
    await ensure_user(client, auth, username, "agency", provider_id=provider["id"])
    agency = await bearer(client, username, PASSWORD)
    caregivers = []
    for i, qualification in enumerate(["elderly_carer", "nurse"] if nurse else ["elderly_carer"]):
        added = await client.post(
            f"/api/v1/providers/{provider['id']}/caregivers",
            json={
                "name": f"护理员{n}-{i}",
                "qualification": qualification,
                "lat": lat,
                "lon": lon + 0.01,
                "weekly_hours": 40,
            },
            headers=agency,
        )
        assert added.status_code == 201, added.text
        caregivers.append(added.json())
    ids = await user_ids(client, auth)
    person = await register(client, bureau, lat=lat + 0.002, lon=lon)
    application = (await apply(client, bureau, person["id"], care_mode=care_mode)).json()
    accepted = await client.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={"assessor_ids": [ids["assessor1"], ids["expert1"]]},
        headers=bureau,
    )
    assert accepted.status_code == 200, accepted.text
    person_id = person["id"]
    assessor = await auth("assessor1")
    description = await instrument(client, assessor)
    body = submission(
        description, application["id"], [ids["assessor1"], ids["expert1"]], answers=answers_at(description, "first")
    )
    first = (await client.post("/api/v1/assessments", json=body, headers=assessor)).json()
    await client.post(
        f"/api/v1/assessments/{first['id']}/publish",
        json={"published_on": (today() - timedelta(days=9)).isoformat()},
        headers=bureau,
    )
    final = await client.post(f"/api/v1/assessments/{first['id']}/finalize", headers=bureau)
    assert final.status_code == 200, final.text
    where = (await client.get(f"/api/v1/persons/{person_id}/assignment", headers=bureau)).json()
    assert where["provider_id"] == provider["id"], where
    return {
        "provider": provider,
        "agency": agency,
        "caregivers": caregivers,
        "person_id": person_id,
        "assessment_id": first["id"],
        "lat": lat,
        "lon": lon,
    }


async def plan_for(client, b: dict[str, Any], items: list[str] | None = None, confirm: bool = True) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/care-plans", json={"person_id": b["person_id"], "items": items or ["B01", "B07"]}, headers=b["agency"]
    )
    assert created.status_code == 201, created.text
    plan = created.json()
    if confirm:
        confirmed = await client.post(
            f"/api/v1/care-plans/{plan['id']}/confirm", json={"confirmed_by": "女儿 张丽"}, headers=b["agency"]
        )
        assert confirmed.status_code == 200, confirmed.text
        plan = confirmed.json()
    return plan


# ------------------------------------------------------------------ care plans


async def test_a_care_plan_is_derived_adjusted_and_confirmed_keeping_every_version(client, auth) -> None:
    b = await beneficiary(client, auth)
    plan = await plan_for(client, b, confirm=False)
    assert (plan["level"], plan["monthly_hours"], plan["visit_minutes"], plan["status"]) == (5, 30, 60, "draft")
    assert plan["visits_per_month"] == 30 and len(plan["slots"]) >= 1 and plan["needs_nurse"] is False

    too_much = await client.patch(
        f"/api/v1/care-plans/{plan['id']}", json={"monthly_hours": 40, "reason": "家属要求"}, headers=b["agency"]
    )
    assert too_much.status_code == 422, too_much.text
    unknown = await client.patch(
        f"/api/v1/care-plans/{plan['id']}", json={"items": ["X99"], "reason": "调整"}, headers=b["agency"]
    )
    assert unknown.status_code == 422
    adjusted = await client.patch(
        f"/api/v1/care-plans/{plan['id']}",
        json={"items": ["B01", "B07", "C05"], "reason": "需要生命体征监测"},
        headers=b["agency"],
    )
    assert adjusted.status_code == 200, adjusted.text
    v2 = adjusted.json()
    assert (v2["version"], v2["needs_nurse"], v2["current"], v2["status"]) == (2, True, True, "draft")
    stale = await client.patch(
        f"/api/v1/care-plans/{plan['id']}", json={"items": ["B01"], "reason": "旧版本"}, headers=b["agency"]
    )
    assert stale.status_code == 409 and stale.json()["code"] == "not_the_current_version"

    no_one = await client.post(
        f"/api/v1/care-plans/{v2['id']}/confirm", json={"confirmed_by": " "}, headers=b["agency"]
    )
    assert no_one.status_code in (400, 422)
    confirmed = await client.post(
        f"/api/v1/care-plans/{v2['id']}/confirm", json={"confirmed_by": "本人"}, headers=b["agency"]
    )
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["confirmed_by"] == "本人"
    again = await client.post(
        f"/api/v1/care-plans/{v2['id']}/confirm", json={"confirmed_by": "本人"}, headers=b["agency"]
    )
    assert again.status_code == 409

    versions = (await client.get(f"/api/v1/persons/{b['person_id']}/care-plans", headers=await auth("bureau"))).json()
    assert [(v["version"], v["items"]) for v in versions] == [(1, ["B01", "B07"]), (2, ["B01", "B07", "C05"])]
    other = await client.get(f"/api/v1/care-plans/{plan['id']}", headers=await auth("agency-P01"))
    assert other.status_code == 404


# ------------------------------------------------------------------ generation


async def test_visits_are_generated_once_from_confirmed_plans(client, auth, services) -> None:
    b = await beneficiary(client, auth)
    plan = await plan_for(client, b)
    ctx = replace(services, clock=FixedClock(datetime.now(UTC)))
    for caregiver in b["caregivers"]:  # the agency's caregivers work Monday to Friday
        weekdays = {"working_days": [0, 1, 2, 3, 4]}
        changed = await client.patch(f"/api/v1/caregivers/{caregiver['id']}", json=weekdays, headers=b["agency"])
        assert changed.status_code == 200, changed.text
    params = GenerateVisitsParams(provider_id=b["provider"]["id"], days=14)
    first = await generation.generate_visits(ctx, params, no_progress)
    assert first.visits >= 6, first
    rows = await Visit.select().where(Visit.care_plan == plan["id"])
    assert len(rows) == first.visits
    # a weekend slot stays unscheduled: no caregiver works then
    zone = services.settings.zone
    assert {r["planned_start"].astimezone(zone).weekday() for r in rows} <= {0, 1, 2, 3, 4}
    weekend = await UnscheduledSlot.select().where(UnscheduledSlot.care_plan == plan["id"])
    assert len(weekend) == first.unscheduled and first.by_reason.keys() <= {"no_caregiver_free"}
    assert all(u["slot_start"].astimezone(zone).weekday() >= 5 for u in weekend)
    assert {r["caregiver"] for r in rows} <= {c["id"] for c in b["caregivers"]}
    assert len({r["caregiver"] for r in rows}) == 1, "continuity: one caregiver for the person"
    second = await generation.generate_visits(ctx, params, no_progress)
    assert second.visits == 0 and second.skipped_existing == first.visits
    assert await Visit.count().where(Visit.care_plan == plan["id"]) == first.visits
    next_window = ctx.clock.now().astimezone(services.settings.zone).date() + timedelta(days=14)
    following = await generation.generate_visits(ctx, params.model_copy(update={"from_day": next_window}), no_progress)
    assert following.visits >= 6 and following.continuity == following.visits, following
    caregivers = {r["caregiver"] for r in await Visit.select(Visit.caregiver).where(Visit.care_plan == plan["id"])}
    assert caregivers == {rows[0]["caregiver"]}, "continuity: the next window keeps the caregiver"

    listed = await client.get(
        "/api/v1/visits",
        params={"date": rows[0]["planned_start"].astimezone(services.settings.zone).date().isoformat()},
        headers=b["agency"],
    )
    assert any(v["care_plan_id"] == plan["id"] for v in listed.json())


async def test_a_plan_no_caregiver_can_serve_is_reported_not_dropped(client, auth, services) -> None:
    b = await beneficiary(client, auth, nurse=False)
    await plan_for(client, b, items=["B01", "C05"])  # a clinical item needs a nurse
    ctx = replace(services, clock=FixedClock(datetime.now(UTC)))
    params = GenerateVisitsParams(provider_id=b["provider"]["id"], days=7)
    result = await generation.generate_visits(ctx, params, no_progress)
    assert result.visits == 0 and result.by_reason == {"no_qualified_caregiver": result.unscheduled}
    reported = (await client.get("/api/v1/visits/unscheduled", headers=b["agency"])).json()
    assert len(reported) == result.unscheduled and {r["reason"] for r in reported} == {"no_qualified_caregiver"}


async def test_a_generation_killed_half_way_is_completed_by_the_rerun(client, auth, services, monkeypatch) -> None:
    b = await beneficiary(client, auth)
    plan = await plan_for(client, b)
    ctx = replace(services, clock=FixedClock(datetime.now(UTC)))
    params = GenerateVisitsParams(provider_id=b["provider"]["id"], days=28)
    monkeypatch.setattr(generation, "INSERT_CHUNK", 5)
    real_insert = storage.insert_new
    calls = itertools.count()

    async def dies_on_the_second_chunk(rows):
        if next(calls) == 1:
            raise RuntimeError("worker killed")
        return await real_insert(rows)

    monkeypatch.setattr(storage, "insert_new", dies_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        await generation.generate_visits(ctx, params, no_progress)
    assert await Visit.count().where(Visit.care_plan == plan["id"]) == 5, "the first chunk was committed"
    monkeypatch.setattr(storage, "insert_new", real_insert)
    rerun = await generation.generate_visits(ctx, params, no_progress)
    total = await Visit.count().where(Visit.care_plan == plan["id"])
    assert rerun.skipped_existing == 5 and total == 5 + rerun.visits
    keys = await Visit.select(Visit.slot_key).where(Visit.care_plan == plan["id"])
    assert len({k["slot_key"] for k in keys}) == total
    clean = await generation.generate_visits(ctx, params, no_progress)
    assert clean.visits == 0


# ------------------------------------------------------------------ check-in and check-out


async def adhoc_visit(client, b, *, minutes_ago: int = 10, length: int = 60, items=("B01",)) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    added = await client.post(
        "/api/v1/visits",
        json={
            "person_id": b["person_id"],
            "caregiver_id": b["caregivers"][0]["id"],
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(minutes=length)).isoformat(),
            "items": list(items),
        },
        headers=b["agency"],
    )
    assert added.status_code == 201, added.text
    return added.json()


def event(at: datetime, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "at": at.isoformat(), "lat": lat, "lon": lon, "accuracy_m": 15} | extra


async def test_check_in_and_out_flag_but_never_refuse_and_replays_are_kept_once(client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await adhoc_visit(client, b)
    home = (visit["person_lat"], visit["person_lon"])
    now = datetime.now(UTC)
    check_in = event(now - timedelta(minutes=5), *home)
    first = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=check_in, headers=b["agency"])
    assert first.status_code == 201 and first.json()["status"] == "in_progress" and first.json()["flags"] == []
    replay = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=check_in, headers=b["agency"])
    assert replay.status_code == 200 and replay.json() == first.json()
    changed = await client.post(
        f"/api/v1/visits/{visit['id']}/check-in", json=check_in | {"lat": home[0] + 0.01}, headers=b["agency"]
    )
    assert changed.status_code == 409 and changed.json()["code"] == "duplicate_event"
    early = await client.post(
        f"/api/v1/visits/{visit['id']}/check-out", json=event(now - timedelta(minutes=30), *home), headers=b["agency"]
    )
    assert early.status_code == 422 and early.json()["code"] == "checkout_before_checkin"

    far = (home[0] + 0.01, home[1])  # about 1.1 km away
    assert haversine_km(*home, *far) > 1.0
    out = await client.post(
        f"/api/v1/visits/{visit['id']}/check-out", json=event(now, *far, items=["B01", "C05"]), headers=b["agency"]
    )
    assert out.status_code == 201, out.text
    done = out.json()
    assert done["status"] == "done"
    assert set(done["flags"]) == {"too_short", "outside_geofence", "item_not_in_plan", "clinical_item_without_nurse"}
    assert await VisitEventRecord.count().where(VisitEventRecord.visit == visit["id"]) == 2

    exceptions = (await client.get("/api/v1/visit-exceptions", headers=b["agency"])).json()
    mine = {e["code"]: e for e in exceptions if e["visit_id"] == visit["id"]}
    assert set(mine) == set(done["flags"]) and {e["status"] for e in mine.values()} == {"open"}
    short = mine["too_short"]["id"]
    bad_code = await client.post(
        f"/api/v1/visit-exceptions/{short}/explain", json={"reason_code": "because"}, headers=b["agency"]
    )
    assert bad_code.status_code == 422 and bad_code.json()["code"] == "unknown_reason_code"
    early_resolve = await client.post(
        f"/api/v1/visit-exceptions/{short}/resolve", json={"resolution_code": "accepted"}, headers=await auth("bureau")
    )
    assert early_resolve.status_code == 409 and early_resolve.json()["code"] == "not_explained"
    explained = await client.post(
        f"/api/v1/visit-exceptions/{short}/explain",
        json={"reason_code": "person_asked_to_shorten", "explanation": "老人要休息"},
        headers=b["agency"],
    )
    assert explained.status_code == 200 and explained.json()["status"] == "explained"
    by_agency = await client.post(
        f"/api/v1/visit-exceptions/{short}/resolve", json={"resolution_code": "accepted"}, headers=b["agency"]
    )
    assert by_agency.status_code == 403
    resolved = await client.post(
        f"/api/v1/visit-exceptions/{short}/resolve",
        json={"resolution_code": "rejected", "note": "时长不足不予结算"},
        headers=await auth("bureau"),
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"


async def test_a_replay_to_a_visit_cancelled_since_counts_as_sent(client, auth) -> None:
    """A phone that lost the answer resends after the visit was cancelled (re-planned): the
    server has the event, so it answers as for any replay; a new event is refused."""
    b = await beneficiary(client, auth)
    visit = await adhoc_visit(client, b)
    home = (visit["person_lat"], visit["person_lon"])
    check_in = event(datetime.now(UTC) - timedelta(minutes=2), *home)
    first = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=check_in, headers=b["agency"])
    assert first.status_code == 201
    await Visit.update({Visit.status: "cancelled"}).where(Visit.id == visit["id"])
    replay = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=check_in, headers=b["agency"])
    assert replay.status_code == 200, replay.text
    fresh = event(datetime.now(UTC), *home, items=["B01"])
    late = await client.post(f"/api/v1/visits/{visit['id']}/check-out", json=fresh, headers=b["agency"])
    assert late.status_code == 409 and late.json()["code"] == "visit_cancelled"
    assert await VisitEventRecord.count().where(VisitEventRecord.visit == visit["id"]) == 1


async def test_bad_events_are_refused_and_nothing_is_recorded(client, auth) -> None:
    b = await beneficiary(client, auth)
    visit = await adhoc_visit(client, b)
    home = (visit["person_lat"], visit["person_lon"])
    now = datetime.now(UTC)
    before = await VisitEventRecord.count()
    cases = [
        (999_999, event(now, *home), b["agency"], 404, "visit_not_found"),
        (visit["id"], event(now, *home), await auth("agency-P01"), 404, "visit_not_found"),
        (visit["id"], event(now + timedelta(hours=3), *home), b["agency"], 422, "time_in_future"),
        (visit["id"], event(now, 95.0, home[1]), b["agency"], 422, "validation_failed"),
        (visit["id"], event(now, *home), await auth("bureau"), 403, "role_not_allowed"),
        (visit["id"], event(now, *home) | {"event_id": "not-a-uuid"}, b["agency"], 422, "validation_failed"),
    ]
    for visit_id, body, headers, status, code in cases:
        response = await client.post(f"/api/v1/visits/{visit_id}/check-in", json=body, headers=headers)
        assert response.status_code == status, (code, response.text)
        assert response.json()["code"] == code
    assert await VisitEventRecord.count() == before


async def test_a_late_batch_from_an_offline_phone_gives_the_same_visit_in_any_order(client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    visit = await adhoc_visit(client, b, minutes_ago=70)
    home = (visit["person_lat"], visit["person_lon"])
    now = datetime.now(UTC)
    check_in = event(now - timedelta(minutes=68), *home) | {"visit_id": visit["id"], "kind": "check_in"}
    check_out = event(now - timedelta(minutes=6), *home, items=["B01"]) | {
        "visit_id": visit["id"],
        "kind": "check_out",
        "person_confirmation": "家属签字",
    }
    stranger = event(now, *home) | {"visit_id": 999_999, "kind": "check_in"}
    response = await client.post(
        "/api/v1/visits/events", json={"events": [check_out, stranger, check_in, check_out]}, headers=b["agency"]
    )
    assert response.status_code == 200, response.text
    results = response.json()
    assert [r["status"] for r in results] == [201, 404, 201, 200]
    assert results[0]["outcome"] == "pending_check_in" and results[1]["code"] == "visit_not_found"
    final = results[-1]["visit"]
    assert final["status"] == "done" and final["flags"] == [] and final["done_items"] == ["B01"]
    assert final["person_confirmation"] == "家属签字"


async def test_flags_follow_the_events_opening_and_withdrawing_exceptions(client, auth) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    earlier = await adhoc_visit(client, b, minutes_ago=120)
    later = await adhoc_visit(client, b, minutes_ago=62)
    home = (later["person_lat"], later["person_lon"])
    far = (home[0] + 0.01, home[1])
    now = datetime.now(UTC)
    for kind, minutes in (("check-in", 120), ("check-out", 50)):
        done = await client.post(
            f"/api/v1/visits/{earlier['id']}/{kind}",
            json=event(now - timedelta(minutes=minutes), *home),
            headers=b["agency"],
        )
        assert done.status_code == 201, done.text

    def exceptions_of(rows: list[dict[str, Any]]) -> dict[str, str]:
        return {e["code"]: e["status"] for e in rows if e["visit_id"] == later["id"]}

    # Checked in from 1 km away while the same caregiver was still at the earlier visit.
    first = await client.post(
        f"/api/v1/visits/{later['id']}/check-in", json=event(now - timedelta(minutes=61), *far), headers=b["agency"]
    )
    assert first.status_code == 201 and first.json()["flags"] == ["caregiver_overlap", "outside_geofence"]
    listed = (await client.get("/api/v1/visit-exceptions", headers=b["agency"])).json()
    assert exceptions_of(listed) == {"caregiver_overlap": "open", "outside_geofence": "open"}

    # The phone's earlier check-in at the door arrives late: it wins, the geofence flag goes.
    second = await client.post(
        f"/api/v1/visits/{later['id']}/check-in", json=event(now - timedelta(minutes=62), *home), headers=b["agency"]
    )
    assert second.status_code == 201 and second.json()["flags"] == ["caregiver_overlap"]
    listed = (await client.get("/api/v1/visit-exceptions", headers=b["agency"])).json()
    assert exceptions_of(listed) == {"caregiver_overlap": "open", "outside_geofence": "withdrawn"}
    stored = (
        await Visit.select(Visit.flags, Visit.checked_in_at)
        .where(Visit.id == later["id"])
        .output(load_json=True)
        .first()
    )
    assert stored == {"flags": ["caregiver_overlap"], "checked_in_at": now - timedelta(minutes=62)}


async def test_the_sweep_raises_alerts_that_clear_when_the_event_arrives(client, auth, services) -> None:
    b = await beneficiary(client, auth)
    visit = await adhoc_visit(client, b, minutes_ago=45)
    now = datetime.now(UTC)
    swept = await alerts.sweep_visit_alerts(replace(services, clock=FixedClock(now)), NoParams(), no_progress)
    assert swept.raised >= 1
    listed = (await client.get("/api/v1/visit-alerts", headers=b["agency"])).json()
    assert [a["kind"] for a in listed if a["visit_id"] == visit["id"]] == ["late"]
    home = (visit["person_lat"], visit["person_lon"])
    checked = await client.post(f"/api/v1/visits/{visit['id']}/check-in", json=event(now, *home), headers=b["agency"])
    assert checked.json()["alerts"] == []
    assert await VisitAlert.count().where((VisitAlert.visit == visit["id"]) & VisitAlert.cleared_at.is_null()) == 0
    again = await alerts.sweep_visit_alerts(replace(services, clock=FixedClock(now)), NoParams(), no_progress)
    assert await VisitAlert.count().where((VisitAlert.visit == visit["id"]) & VisitAlert.cleared_at.is_null()) == 0
    assert again.visits >= 1


async def test_a_hospital_stay_imported_later_flags_the_visits_of_those_days(client, auth) -> None:
    b = await beneficiary(client, auth)
    visit = await adhoc_visit(client, b, minutes_ago=70)
    home = (visit["person_lat"], visit["person_lon"])
    now = datetime.now(UTC)
    await client.post(
        f"/api/v1/visits/{visit['id']}/check-in", json=event(now - timedelta(minutes=65), *home), headers=b["agency"]
    )
    bureau = await auth("bureau")
    person = (await client.get(f"/api/v1/persons/{b['person_id']}", headers=bureau)).json()
    local_day = today()
    stays = {
        "stays": [
            {
                "id_number": person["id_number"],
                "admitted_on": (local_day - timedelta(days=2)).isoformat(),
                "discharged_on": (local_day + timedelta(days=2)).isoformat(),
                "hospital": "奉化区人民医院",
            }
        ]
    }
    imported = await client.post("/api/v1/hospital-stays", json=stays, headers=bureau)
    assert imported.status_code == 200 and imported.json()["visits_verified_again"] >= 1, imported.text
    flagged = (await client.get(f"/api/v1/visits/{visit['id']}", headers=b["agency"])).json()
    assert "person_inpatient" in flagged["flags"]
    unknown = await client.post(
        "/api/v1/hospital-stays",
        json={"stays": [{"id_number": "110101190001011239", "admitted_on": "2026-01-01"}]},
        headers=bureau,
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_person"


async def test_a_check_in_during_a_stay_not_yet_ended_is_flagged_at_once(client, auth) -> None:
    # The stays are read with the visit itself: an open one (no discharge day) counts too.
    b = await beneficiary(client, auth)
    visit = await adhoc_visit(client, b, minutes_ago=10)
    bureau = await auth("bureau")
    person = (await client.get(f"/api/v1/persons/{b['person_id']}", headers=bureau)).json()
    admitted = {"id_number": person["id_number"], "admitted_on": (today() - timedelta(days=1)).isoformat()}
    imported = await client.post("/api/v1/hospital-stays", json={"stays": [admitted]}, headers=bureau)
    assert imported.status_code == 200, imported.text
    home = (visit["person_lat"], visit["person_lon"])
    checked_in = await client.post(
        f"/api/v1/visits/{visit['id']}/check-in",
        json=event(datetime.now(UTC) - timedelta(minutes=5), *home),
        headers=b["agency"],
    )
    assert checked_in.status_code == 201 and "person_inpatient" in checked_in.json()["flags"], checked_in.text


async def test_the_census_takes_only_the_institutions_own_residents(client, auth) -> None:
    b = await beneficiary(client, auth, care_mode="institutional")
    day = today().isoformat()
    recorded = await client.post(
        "/api/v1/census",
        json={"day": day, "entries": [{"person_id": b["person_id"], "status": "present"}]},
        headers=b["agency"],
    )
    assert recorded.status_code == 200, recorded.text
    stranger = await client.post(
        "/api/v1/census", json={"day": day, "entries": [{"person_id": 1, "status": "present"}]}, headers=b["agency"]
    )
    assert stranger.status_code == 422 and stranger.json()["code"] == "not_a_resident"
    future = await client.post(
        "/api/v1/census",
        json={
            "day": (today() + timedelta(days=1)).isoformat(),
            "entries": [{"person_id": b["person_id"], "status": "present"}],
        },
        headers=b["agency"],
    )
    assert future.status_code == 422 and future.json()["code"] == "day_in_future"
    listed = (await client.get("/api/v1/census", params={"day": day}, headers=b["agency"])).json()
    assert [(r["person_id"], r["status"]) for r in listed] == [(b["person_id"], "present")]


async def test_an_event_more_than_a_month_from_its_visits_month_is_refused(client, auth) -> None:
    """A month's settlement reads the check-ins among the visits of that month and its
    neighbours: an event further from its visit's month would never be paid, so it is refused
    (a wrong visit or a wrong clock) and nothing is recorded; one at the visit's time is kept."""
    b = await beneficiary(client, auth)
    visit = await adhoc_visit(client, b)
    home = (visit["person_lat"], visit["person_lon"])
    planned = datetime.now(UTC).replace(microsecond=0) - timedelta(days=95)
    await Visit.update(
        {
            Visit.planned_start: planned,
            Visit.planned_end: planned + timedelta(hours=1),
            Visit.service_month: service_month(planned, SHANGHAI),
        }
    ).where(Visit.id == visit["id"])
    far = await client.post(
        f"/api/v1/visits/{visit['id']}/check-in", json=event(datetime.now(UTC), *home), headers=b["agency"]
    )
    assert far.status_code == 409 and far.json()["code"] == "event_out_of_reach", far.text
    assert await VisitEventRecord.count().where(VisitEventRecord.visit == visit["id"]) == 0
    on_time = await client.post(
        f"/api/v1/visits/{visit['id']}/check-in", json=event(planned + timedelta(minutes=3), *home), headers=b["agency"]
    )
    assert on_time.status_code == 201, on_time.text


async def test_one_event_id_sent_at_once_to_visits_of_two_months_is_kept_once(client, auth, monkeypatch) -> None:
    """Partitions keep an event id unique within a month only: the check-in locks the id with
    the visit, so the second of two simultaneous sends sees the first and is refused."""
    both_reading = asyncio.Barrier(2)
    read_events = visit_queries.events_and_nearby

    async def read_together(*args: Any) -> Any:
        # Unlocked, both sends would read here at once, neither seeing the other's event; locked,
        # the second waits for the first to commit, and the first waits here only a moment.
        with contextlib.suppress(TimeoutError, asyncio.BrokenBarrierError):
            await asyncio.wait_for(both_reading.wait(), 1.0)
        return await read_events(*args)

    monkeypatch.setattr(visit_queries, "events_and_nearby", read_together)
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    this_month = await adhoc_visit(client, b)
    days_into_month = datetime.now(SHANGHAI).day
    last_month = await adhoc_visit(client, b, minutes_ago=(days_into_month + 1) * 24 * 60)
    assert service_month(datetime.fromisoformat(last_month["planned_start"]), SHANGHAI) < service_month(
        datetime.fromisoformat(this_month["planned_start"]), SHANGHAI
    )
    home = (this_month["person_lat"], this_month["person_lon"])
    shared = event(datetime.now(UTC) - timedelta(minutes=1), *home)

    answers = await asyncio.gather(
        *(
            client.post(f"/api/v1/visits/{visit['id']}/check-in", json=shared, headers=b["agency"])
            for visit in (this_month, last_month)
        )
    )

    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert [a.json()["code"] for a in answers if a.status_code == 409] == ["duplicate_event"]
    assert await VisitEventRecord.count().where(VisitEventRecord.event_id == uuid.UUID(shared["event_id"])) == 1


async def an_event_id_sent_again_months_later(
    client, auth, **extra: Any
) -> tuple[dict[str, Any], httpx.Response, dict[str, Any]]:
    """A check-in kept on a visit 95 days ago, then its event id (``extra`` too) sent with
    today's time to a visit of today: the first event, the second answer and today's visit."""
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    long_ago = await adhoc_visit(client, b, minutes_ago=95 * 24 * 60)
    today = await adhoc_visit(client, b)
    home = (today["person_lat"], today["person_lon"])
    first = event(datetime.fromisoformat(long_ago["planned_start"]) + timedelta(minutes=2), *home, **extra)
    kept = await client.post(f"/api/v1/visits/{long_ago['id']}/check-in", json=first, headers=b["agency"])
    assert kept.status_code == 201, kept.text
    again = first | {"at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat()}
    sent = await client.post(f"/api/v1/visits/{today['id']}/check-in", json=again, headers=b["agency"])
    return first, sent, today


async def test_an_event_id_sent_again_months_later_to_another_visit(client, auth, settings) -> None:
    """The check-in looks for an event id in the months an event of its time may be kept under
    (a resend carries its first time). The id sent again months later with another time is not
    looked for where it is kept: SQLite's unique event id refuses it as it is stored; PostgreSQL
    keeps an id unique within a month only, and the second visit keeps it too."""
    first, sent, _ = await an_event_id_sent_again_months_later(client, auth)
    stored = await VisitEventRecord.count().where(VisitEventRecord.event_id == uuid.UUID(first["event_id"]))
    if settings.uses_sqlite:
        assert sent.status_code == 409 and sent.json()["code"] == "duplicate_event", sent.text
        assert stored == 1
    else:
        assert sent.status_code == 201 and stored == 2, sent.text
