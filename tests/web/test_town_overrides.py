"""A town's own rules in force over HTTP: a provider reaches a person of 松岙镇 up to the town's
15 km (beyond its own 5 km), while the same distance elsewhere leaves the person uncovered;
the care plan of a person of 松岙镇 has its visits only on the town's fixed days, and an
agency may not move them to another day."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from ltc.db.tables import Assignment
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
from tests.web.test_visits import PASSWORD

_places = itertools.count(0)
KM_NORTH = 1 / 111.2  # degrees of latitude in a kilometre


async def concluded(client, auth, *, town: str, km: float) -> dict[str, Any]:
    """A provider of its own with a 5 km radius, far west of the district, and a severely
    disabled person of ``town`` ``km`` north of it, concluded (and so placed, or not)."""
    n = next(_places)
    lat, lon = 31.30 + 0.3 * n, 119.60
    bureau = await auth("bureau")
    provider = await new_active_provider(client, bureau, lat=lat, lon=lon, capacity=10, service_radius_km=5.0)
    username = f"agency-{provider['code'].lower()}"
    await ensure_user(client, auth, username, "agency", provider_id=provider["id"])
    ids = await user_ids(client, auth)
    person = await register(client, bureau, town=town, lat=lat + km * KM_NORTH, lon=lon)
    filed = await apply(client, bureau, person["id"])
    assert filed.status_code == 201, filed.text
    application = filed.json()
    team = [ids["assessor1"], ids["expert1"]]
    accepted = await client.post(
        f"/api/v1/applications/{application['id']}/accept", json={"assessor_ids": team}, headers=bureau
    )
    assert accepted.status_code == 200, accepted.text
    assessor = await auth("assessor1")
    description = await instrument(client, assessor)
    body = submission(description, application["id"], team, answers=answers_at(description, "first"))
    assessment = (await client.post("/api/v1/assessments", json=body, headers=assessor)).json()
    await client.post(
        f"/api/v1/assessments/{assessment['id']}/publish",
        json={"published_on": (today() - timedelta(days=9)).isoformat()},
        headers=bureau,
    )
    final = await client.post(f"/api/v1/assessments/{assessment['id']}/finalize", headers=bureau)
    assert final.status_code == 200, final.text
    return {"provider": provider, "person_id": person["id"], "agency": await bearer(client, username, PASSWORD)}


async def test_songaos_radius_lets_a_provider_reach_farther_than_its_own(client, auth) -> None:
    in_songao = await concluded(client, auth, town="松岙镇", km=12)
    placed = await Assignment.select().where(Assignment.person == in_songao["person_id"]).first()
    assert placed["status"] == "active" and placed["provider"] == in_songao["provider"]["id"], placed
    assert 11.5 < placed["distance_km"] < 12.5

    in_jinping = await concluded(client, auth, town="锦屏街道", km=12)
    left = await Assignment.select().where(Assignment.person == in_jinping["person_id"]).first()
    assert (left["status"], left["reason"]) == ("unassigned", "no_provider_in_range"), left


async def test_a_plan_in_songao_keeps_its_visits_on_the_towns_days(client, auth) -> None:
    b = await concluded(client, auth, town="松岙镇", km=3)
    created = await client.post(
        "/api/v1/care-plans", json={"person_id": b["person_id"], "items": ["B01", "B07"]}, headers=b["agency"]
    )
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["slots"] and {s["weekday"] for s in plan["slots"]} <= {1, 4}, plan["slots"]
    moved = await client.patch(
        f"/api/v1/care-plans/{plan['id']}",
        json={"slots": [{"weekday": 0, "start": "09:00"}], "reason": "家属要求周一上门"},
        headers=b["agency"],
    )
    assert moved.status_code == 422, moved.text
    assert moved.json()["code"] == "slots_off_town_pattern"
