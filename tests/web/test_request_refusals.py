"""What a client may send that no handler can take is refused with a 4xx and a stable code,
one representative per class: ids no row can have, NUL characters, bodies that are not UTF-8
or nest without end, non-JSON bodies, days and periods far from the scheme's years, absurd
values; and the order of the refusals (401, 403, 422, 409), with no existence oracle."""

from __future__ import annotations

from datetime import timedelta

import httpx

from ltc.db.tables import Job
from tests.web.test_assessment_workflow import register, today
from tests.web.test_providers_and_assignment import provider_body
from tests.web.test_visits import beneficiary

TOO_BIG = 2**31


def code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.json()["code"]


async def test_ids_no_row_can_have_are_invalid_in_paths_queries_and_bodies(client, auth) -> None:
    bureau = await auth("bureau")
    for response in [
        await client.get(f"/api/v1/visits/{TOO_BIG}", headers=bureau),
        await client.get(f"/api/v1/persons/{2**64}", headers=bureau),
        await client.get("/api/v1/visits", params={"provider_id": 2**63}, headers=bureau),
        await client.post("/api/v1/visits/generate", json={"provider_id": TOO_BIG}, headers=bureau),
    ]:
        assert response.status_code == 422, response.text
        assert code(response) == "validation_failed"
    largest = await client.get(f"/api/v1/visits/{TOO_BIG - 1}", headers=bureau)
    assert largest.status_code == 404


async def test_a_nul_character_is_refused_even_before_signing_in(client, auth) -> None:
    token = await client.post("/api/v1/auth/token", json={"username": "bureau\u0000", "password": "x"})
    assert token.status_code == 422 and code(token) == "nul_character"
    query = await client.get("/api/v1/persons", params={"search": "张\x00"}, headers=await auth("bureau"))
    assert query.status_code == 422 and code(query) == "nul_character"
    escaped = await client.post(
        "/api/v1/auth/token",
        content=b'{"username": "bureau", "password": "a\\\\u0000"}',  # a backslash, not a NUL
        headers={"content-type": "application/json"},
    )
    assert escaped.status_code == 401


async def test_a_body_that_is_not_utf8_or_nests_too_deep_is_malformed(client) -> None:
    json_type = {"content-type": "application/json"}
    not_utf8 = await client.post("/api/v1/auth/token", content=b'{"username": "\xff\xfe"}', headers=json_type)
    assert not_utf8.status_code == 400 and code(not_utf8) == "invalid_encoding"
    deep = await client.post("/api/v1/auth/token", content=b"[" * 100_000 + b"]" * 100_000, headers=json_type)
    assert deep.status_code == 400 and code(deep) == "too_deeply_nested"


async def test_a_json_endpoint_refuses_another_media_type(client) -> None:
    body = b'{"username": "bureau", "password": "x"}'
    for media in ["text/plain", "application/x-www-form-urlencoded"]:
        response = await client.post("/api/v1/auth/token", content=body, headers={"content-type": media})
        assert response.status_code == 415, response.text
        assert code(response) == "unsupported_media_type"


async def test_days_and_periods_far_from_the_scheme_years_are_refused(client, auth) -> None:
    bureau = await auth("bureau")
    day = await client.get("/api/v1/visits", params={"date": "9999-12-31"}, headers=bureau)
    assert day.status_code == 422 and code(day) == "date_out_of_range"
    period = await client.get("/api/v1/settlements", params={"period": "9999-12"}, headers=bureau)
    assert period.status_code == 422 and code(period) == "invalid_period"
    jobs_before = await Job.count()
    window = await client.post("/api/v1/visits/generate", json={"from_day": "0001-01-01"}, headers=bureau)
    assert window.status_code == 422 and code(window) == "validation_failed"
    assert await Job.count() == jobs_before


async def test_absurd_values_are_refused_with_their_codes(client, auth) -> None:
    bureau = await auth("bureau")
    radius = await client.post("/api/v1/providers", json=provider_body(service_radius_km=1e308), headers=bureau)
    assert radius.status_code == 422 and code(radius) == "invalid_radius"
    abroad = await client.post("/api/v1/providers", json=provider_body(lat=29.66, lon=-121.41), headers=bureau)
    assert abroad.status_code == 422 and code(abroad) == "position_outside_china"
    future = (today() + timedelta(days=1)).isoformat()
    person = await client.post(
        "/api/v1/persons",
        json={"id_number": "330283194501010018", "name": "x", "town": "溪口镇", "insured_since": future},
        headers=bureau,
    )
    assert person.status_code == 422 and code(person) in {"insured_since_in_future", "invalid_id_number"}


async def test_a_visit_in_year_one_is_refused(client, auth) -> None:
    b = await beneficiary(client, auth)
    response = await client.post(
        "/api/v1/visits",
        json={
            "person_id": b["person_id"],
            "caregiver_id": b["caregivers"][0]["id"],
            "planned_start": "0001-01-01T09:00:00+08:00",
            "planned_end": "0001-01-01T10:00:00+08:00",
            "items": ["B01"],
        },
        headers=b["agency"],
    )
    assert response.status_code == 422 and code(response) == "validation_failed"


async def test_generating_for_a_provider_that_does_not_exist_is_refused_before_queuing(client, auth) -> None:
    before = await Job.count()
    response = await client.post(
        "/api/v1/visits/generate", json={"provider_id": TOO_BIG - 7}, headers=await auth("bureau")
    )
    assert response.status_code == 422 and code(response) == "provider_not_found"
    assert await Job.count() == before


async def test_care_plans_answer_an_agency_the_same_for_a_strangers_person_and_a_missing_one(client, auth) -> None:
    someone_elses = await beneficiary(client, auth)
    agency = await auth("agency-P01")
    body = {"items": ["B01"]}
    foreign = await client.post(
        "/api/v1/care-plans", json=body | {"person_id": someone_elses["person_id"]}, headers=agency
    )
    missing = await client.post("/api/v1/care-plans", json=body | {"person_id": TOO_BIG - 3}, headers=agency)
    assert (foreign.status_code, code(foreign)) == (missing.status_code, code(missing)) == (404, "person_not_found")


async def test_refusals_come_in_order_authentication_role_input_state(client, auth) -> None:
    bureau = await auth("bureau")
    unplaced = await register(client, bureau)
    bad = {"person_id": unplaced["id"], "items": []}  # at least one item is needed
    good = {"person_id": unplaced["id"], "items": ["B01"]}
    anonymous = await client.post("/api/v1/care-plans", json=bad)
    assert anonymous.status_code == 401
    assessor = await client.post("/api/v1/care-plans", json=bad, headers=await auth("assessor1"))
    assert assessor.status_code == 403 and code(assessor) == "role_not_allowed"
    invalid = await client.post("/api/v1/care-plans", json=bad, headers=bureau)
    assert invalid.status_code == 422
    state = await client.post("/api/v1/care-plans", json=good, headers=bureau)
    assert state.status_code == 409 and code(state) == "not_assigned"
