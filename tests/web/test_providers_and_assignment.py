"""The provider registry and assignment over HTTP: the agreement lifecycle with its
history, refusals that change nothing, placing a beneficiary without moving others,
reassignment when a provider is suspended, and the re-optimisation preview."""

from __future__ import annotations

import itertools
from datetime import UTC
from typing import Any

import httpx
import pytest

from ltc.db.tables import AgreementEvent, Assignment, Provider
from ltc.domain.coordinates import wgs84_to_gcj02
from tests.worker.test_worker import run_burst_worker

_codes = itertools.count(1)


def provider_body(**overrides: Any) -> dict[str, Any]:
    return {
        "code": f"T{next(_codes):03d}",
        "name": "测试护理站",
        "kind": "home",
        "lat": 29.66,
        "lon": 121.41,
        "service_radius_km": 6.0,
        "capacity": 10,
        "hourly_price_fen": 6000,
        "daily_price_fen": 0,
    } | overrides


async def new_active_provider(client: httpx.AsyncClient, bureau: dict[str, str], **overrides: Any) -> dict[str, Any]:
    created = await client.post("/api/v1/providers", json=provider_body(**overrides), headers=bureau)
    assert created.status_code == 201, created.text
    provider = created.json()
    assert provider["status"] == "applied"
    designated = await client.post(
        f"/api/v1/providers/{provider['id']}/designate", json={"batch": "2026-03"}, headers=bureau
    )
    assert designated.json()["status"] == "designated" and designated.json()["designation_batch"] == "2026-03"
    active = await client.post(f"/api/v1/providers/{provider['id']}/activate", json={}, headers=bureau)
    assert active.json()["status"] == "active"
    return active.json()


async def test_the_agreement_lifecycle_is_recorded_with_reasons(client, auth) -> None:
    bureau = await auth("bureau")
    provider = await new_active_provider(client, bureau)
    no_reason = await client.post(f"/api/v1/providers/{provider['id']}/suspend", json={}, headers=bureau)
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    suspended = await client.post(
        f"/api/v1/providers/{provider['id']}/suspend", json={"reason": "基金监管检查发现问题"}, headers=bureau
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert suspended.json()["reassignment_job_id"], "its people are reassigned by a job"
    terminated = await client.post(
        f"/api/v1/providers/{provider['id']}/terminate", json={"reason": "解除协议"}, headers=bureau
    )
    assert terminated.json()["status"] == "terminated"
    again = await client.post(f"/api/v1/providers/{provider['id']}/suspend", json={"reason": "x"}, headers=bureau)
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    history = (await client.get(f"/api/v1/providers/{provider['id']}/agreement", headers=bureau)).json()
    assert [h["to_status"] for h in history] == ["applied", "designated", "active", "suspended", "terminated"]
    assert history[3]["reason"] == "基金监管检查发现问题"


async def test_a_terminated_organisation_waits_three_years(client, auth) -> None:
    bureau = await auth("bureau")
    provider = await new_active_provider(client, bureau, credit_code="91330283MA2XXXXX1Y")
    await client.post(f"/api/v1/providers/{provider['id']}/terminate", json={"reason": "违规"}, headers=bureau)
    again = await client.post("/api/v1/providers", json=provider_body(credit_code="91330283MA2XXXXX1Y"), headers=bureau)
    assert again.status_code == 409 and again.json()["code"] == "redesignation_blocked"


async def test_bad_provider_input_is_refused_and_nothing_changes(client, auth) -> None:
    bureau = await auth("bureau")
    before = (await Provider.count(), await AgreementEvent.count())
    for overrides, status, code in [
        ({"lat": 123.0}, 422, "coordinates_out_of_range"),
        ({"service_radius_km": 0}, 422, "invalid_radius"),
        ({"service_radius_km": -3}, 422, "invalid_radius"),
        ({"kind": "spa"}, 400, None),
    ]:
        response = await client.post("/api/v1/providers", json=provider_body(**overrides), headers=bureau)
        assert response.status_code in {status, 400, 422}, response.text
        if code:
            assert response.json()["code"] == code
    assert (await Provider.count(), await AgreementEvent.count()) == before
    agency = await client.post("/api/v1/providers", json=provider_body(), headers=await auth("agency-P01"))
    assert agency.status_code == 403


async def test_capacity_below_the_current_load_is_refused(client, auth) -> None:
    bureau = await auth("bureau")
    provider = await new_active_provider(client, bureau, capacity=3)
    from datetime import datetime

    from ltc.db.tables import Person

    person = await Person.select(Person.id).first()
    await Assignment.insert(
        Assignment(
            person=person["id"],
            provider=provider["id"],
            care_mode="home",
            status="active",
            reason="nearest_with_room",
            distance_km=1.0,
            rank=1,
            current_key=f"test:{provider['id']}",
            started_at=datetime.now(UTC),
        )
    )
    refused = await client.patch(f"/api/v1/providers/{provider['id']}", json={"capacity": 0}, headers=bureau)
    assert refused.status_code == 422 and refused.json()["code"] == "capacity_below_load"
    ok = await client.patch(f"/api/v1/providers/{provider['id']}", json={"capacity": 1}, headers=bureau)
    assert ok.status_code == 200 and ok.json()["capacity"] == 1
    await Assignment.delete().where(Assignment.current_key == f"test:{provider['id']}")


async def test_agencies_add_caregivers_only_to_their_own_provider(client, auth) -> None:
    providers = {
        p["code"]: p["id"] for p in (await client.get("/api/v1/providers", headers=await auth("bureau"))).json()
    }
    body = {
        "name": "张护理",
        "qualification": "nurse",
        "lat": 29.65,
        "lon": 121.40,
        "weekly_hours": 40,
        "skills": ["C05"],
    }
    own = await client.post(
        f"/api/v1/providers/{providers['P01']}/caregivers", json=body, headers=await auth("agency-P01")
    )
    assert own.status_code == 201 and own.json()["skills"] == ["C05"]
    other = await client.post(
        f"/api/v1/providers/{providers['P02']}/caregivers", json=body, headers=await auth("agency-P01")
    )
    assert other.status_code == 404
    bad = await client.post(
        f"/api/v1/providers/{providers['P01']}/caregivers",
        json=body | {"qualification": "wizard"},
        headers=await auth("agency-P01"),
    )
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_qualification"


async def test_a_suspended_provider_takes_no_one_new(client, auth) -> None:
    bureau = await auth("bureau")
    provider = await new_active_provider(client, bureau)
    await client.post(f"/api/v1/providers/{provider['id']}/suspend", json={"reason": "检查"}, headers=bureau)
    person = (await client.get("/api/v1/persons?limit=1", headers=bureau)).json()[0]
    chosen = await client.put(
        f"/api/v1/persons/{person['id']}/preferred-provider", json={"provider_id": provider["id"]}, headers=bureau
    )
    assert chosen.status_code == 409 and chosen.json()["code"] == "provider_suspended"


async def test_suspension_moves_people_and_reoptimisation_is_previewed_before_applied(
    app, client, auth, services
) -> None:
    """Place two beneficiaries at a provider, suspend it, and see the job move them."""
    from tests.web.test_assessment_workflow import (
        accepted_application,
        answers_at,
        instrument,
        submission,
        user_ids,
    )

    bureau = await auth("bureau")
    ids = await user_ids(client, auth)
    # A provider right at Xikou, where the test persons live, so it is their nearest.
    provider = await new_active_provider(client, bureau, lat=29.6772, lon=121.2472, capacity=5, service_radius_km=8.0)
    placed = []
    for _ in range(2):
        application = await accepted_application(client, auth)
        assessor = await auth("assessor1")
        description = await instrument(client, assessor)
        body = submission(
            description, application["id"], [ids["assessor1"], ids["expert1"]], answers=answers_at(description, "first")
        )
        first = (await client.post("/api/v1/assessments", json=body, headers=assessor)).json()
        from datetime import timedelta

        from tests.web.test_assessment_workflow import today

        await client.post(
            f"/api/v1/assessments/{first['id']}/publish",
            json={"published_on": (today() - timedelta(days=9)).isoformat()},
            headers=bureau,
        )
        final = await client.post(f"/api/v1/assessments/{first['id']}/finalize", headers=bureau)
        assert final.status_code == 200, final.text
        where = (await client.get(f"/api/v1/persons/{application['person_id']}/assignment", headers=bureau)).json()
        assert where["provider_id"] == provider["id"] and where["reason"] in {"nearest_with_room", "chosen_provider"}
        assert where["distance_km"] < 1.0 and where["rank"] == 1
        placed.append(application["person_id"])

    suspended = await client.post(
        f"/api/v1/providers/{provider['id']}/suspend", json={"reason": "检查"}, headers=bureau
    )
    await run_burst_worker(app)
    job = (await client.get(f"/api/v1/jobs/{suspended.json()['reassignment_job_id']}", headers=bureau)).json()
    assert job["status"] == "done" and job["result"]["moved"] + job["result"]["unassigned"] == 2
    for person_id in placed:
        where = (await client.get(f"/api/v1/persons/{person_id}/assignment", headers=bureau)).json()
        assert where["provider_id"] != provider["id"]
    ended = await Assignment.count().where((Assignment.provider == provider["id"]) & (Assignment.status == "ended"))
    assert ended == 2, "the history keeps the earlier placements"

    before = await Assignment.select(Assignment.person, Assignment.provider).where(Assignment.current_key.is_not_null())
    preview = (await client.post("/api/v1/assignment/reoptimise/preview", headers=bureau)).json()
    await run_burst_worker(app)
    result = (await client.get(f"/api/v1/jobs/{preview['job_id']}", headers=bureau)).json()["result"]
    assert result["total_km_after"] <= result["total_km_before"] + 1e-6
    after_preview = await Assignment.select(Assignment.person, Assignment.provider).where(
        Assignment.current_key.is_not_null()
    )
    assert after_preview == before, "a preview changes nothing"
    applied = (
        await client.post(
            "/api/v1/assignment/reoptimise/apply", json={"preview_job_id": preview["job_id"]}, headers=bureau
        )
    ).json()
    await run_burst_worker(app)
    done = (await client.get(f"/api/v1/jobs/{applied['job_id']}", headers=bureau)).json()
    assert done["status"] == "done" and done["result"]["moved"] == result["moves"]
    stale = (
        await client.post(
            "/api/v1/assignment/reoptimise/apply", json={"preview_job_id": preview["job_id"]}, headers=bureau
        )
    ).json()
    await run_burst_worker(app)
    stale_job = (await client.get(f"/api/v1/jobs/{stale['job_id']}", headers=bureau)).json()
    assert stale_job["status"] in {"done", "failed"}
    if stale_job["status"] == "failed":
        assert "stale_preview" in stale_job["error"] or result["moves"] == 0


async def test_coordinates_from_a_chinese_map_picker_are_stored_as_wgs84(client, auth) -> None:
    bureau = await auth("bureau")
    picked = (29.65755, 121.41382)  # GCJ-02, as a Chinese map picker reports the spot
    created = await client.post(
        "/api/v1/providers",
        json=provider_body(lat=picked[0], lon=picked[1], coordinate_system="gcj02"),
        headers=bureau,
    )
    assert created.status_code == 201, created.text
    stored = (created.json()["lat"], created.json()["lon"])
    assert stored != picked
    assert wgs84_to_gcj02(*stored) == pytest.approx(picked, abs=1e-6)
    plain = await client.post("/api/v1/providers", json=provider_body(lat=picked[0], lon=picked[1]), headers=bureau)
    assert (plain.json()["lat"], plain.json()["lon"]) == picked
    one_sided = await client.patch(
        f"/api/v1/providers/{plain.json()['id']}", json={"lat": 29.6, "coordinate_system": "gcj02"}, headers=bureau
    )
    assert one_sided.status_code == 422 and one_sided.json()["code"] == "coordinates_incomplete"
