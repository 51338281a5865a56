"""The assessment process over HTTP: registration, the application gates, acceptance,
the on-site submission, notice, objection, re-assessment and the final conclusion —
every refusal with its code and nothing changed."""

from __future__ import annotations

import asyncio
import calendar
import itertools
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from ltc.db.tables import Application, Assessment, AuditEntry, Conclusion, Person
from ltc.domain.identity import make_id_number
from ltc.domain.instruments import Instrument, score
from ltc.services.assessment.renewals import open_renewals
from ltc.services.clock import FixedClock
from ltc.services.reference import instrument_catalog

SHANGHAI = ZoneInfo("Asia/Shanghai")
_sequence = itertools.count(100, 2)  # the last digit carries the sex, so step by two
TEST_REGION = "330299"  # not the demo district's region, so no clash with seeded people


def today() -> date:
    return datetime.now(SHANGHAI).date()


def new_id_number(age: int = 78, sex: str = "F") -> str:
    birth = date(today().year - age, 3, 15)
    return make_id_number(TEST_REGION, birth, next(_sequence), sex)


def self_eval(client_answers: str) -> dict[str, Any]:
    keys = ["eating", "continence", "bathing", "dressing", "toilet_use", "transfer"]
    return {"answers": dict.fromkeys(keys, client_answers)}


async def instrument(client: httpx.AsyncClient, headers: dict[str, str], code: str = "nhsa-2021") -> dict[str, Any]:
    response = await client.get(f"/api/v1/instruments/{code}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def answers_at(description: dict[str, Any], pick: str) -> dict[str, Any]:
    """Every item answered with its worst ('first') or best ('last') option."""
    index = 0 if pick == "first" else -1
    return {item["key"]: item["options"][index]["value"] for item in description["items"]}


async def register(client, headers, **overrides) -> dict[str, Any]:
    body = {
        "id_number": new_id_number(),
        "name": "测试老人",
        "phone": "13800000000",
        "address": "溪口镇岩头村12号",
        "town": "溪口镇",
        "insured": True,
        "insured_since": "2022-01-01",
    } | overrides
    response = await client.post("/api/v1/persons", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def apply(client, headers, person_id: int, **overrides) -> httpx.Response:
    body = {
        "person_id": person_id,
        "applied_on": today().isoformat(),
        "disabled_since": (today() - timedelta(days=400)).isoformat(),
        "care_mode": "home",
        "self_eval": self_eval("dependent"),
    } | overrides
    return await client.post("/api/v1/applications", json=body, headers=headers)


async def user_ids(client, auth) -> dict[str, int]:
    users = (await client.get("/api/v1/users", headers=await auth("admin"))).json()
    return {u["username"]: u["id"] for u in users}


async def ensure_user(client, auth, username: str, role: str, provider_id: int | None = None) -> int:
    ids = await user_ids(client, auth)
    if username in ids:
        return ids[username]
    response = await client.post(
        "/api/v1/users",
        json={
            "username": username,
            "password": "a-long-password",
            "role": role,
            "provider_id": provider_id,
            "display_name": username,
        },
        headers=await auth("admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def submission(description, application_id: int, assessor_ids: list[int], **overrides) -> dict[str, Any]:
    now = datetime.now(SHANGHAI)
    return {
        "event_id": str(uuid.uuid4()),
        "application_id": application_id,
        "instrument": description["code"],
        "instrument_version": description["version"],
        "answers": answers_at(description, "first"),
        "assessor_ids": assessor_ids,
        "started_at": (now - timedelta(minutes=50)).isoformat(),
        "finished_at": (now - timedelta(minutes=5)).isoformat(),
        "lat": 29.6770,
        "lon": 121.2470,
    } | overrides


async def counts() -> tuple[int, int, int, int]:
    return (await Person.count(), await Application.count(), await Assessment.count(), await AuditEntry.count())


# ------------------------------------------------------------------ persons


async def test_a_person_is_registered_with_birth_date_sex_and_age_from_the_id_number(client, auth) -> None:
    number = make_id_number("330213", date(1940, 5, 6), 31, "M")
    person = await register(client, await auth("bureau"), id_number=number)
    assert person["birth_date"] == "1940-05-06" and person["sex"] == "M"
    assert person["id_number"] == number and person["age"] >= 85
    assert person["town"] == "330213007" and person["lat"] is not None, "placed by the gazetteer"


async def test_bad_and_duplicate_id_numbers_are_refused(client, auth) -> None:
    headers = await auth("bureau")
    before = await counts()
    bad = await client.post(
        "/api/v1/persons", json={"id_number": "330213194005060310", "name": "x", "town": "溪口镇"}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_id_number"
    assert await counts() == before
    person = await register(client, headers)
    again = await client.post(
        "/api/v1/persons", json={"id_number": person["id_number"], "name": "x", "town": "溪口镇"}, headers=headers
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate_id_number"
    unknown_town = await client.post(
        "/api/v1/persons", json={"id_number": new_id_number(), "name": "x", "town": "火星"}, headers=headers
    )
    assert unknown_town.status_code == 422 and unknown_town.json()["code"] == "unknown_town"


async def test_id_numbers_are_masked_for_everyone_but_the_bureau_and_agencies_see_only_their_own(client, auth) -> None:
    person = await register(client, await auth("agency-P01"))
    own = await client.get(f"/api/v1/persons/{person['id']}", headers=await auth("agency-P01"))
    assert own.status_code == 200 and "*" in own.json()["id_number"]
    other = await client.get(f"/api/v1/persons/{person['id']}", headers=await auth("agency-P02"))
    assert other.status_code == 404
    full = await client.get(f"/api/v1/persons/{person['id']}", headers=await auth("bureau"))
    assert "*" not in full.json()["id_number"]


# ------------------------------------------------------------------ gates


@pytest.mark.parametrize(
    "person_overrides, application_overrides, code",
    [
        ({"insured": False}, {}, "not_insured"),
        ({"id_number": "AGE59"}, {}, "age_below_minimum"),
        ({}, {"disabled_since": "RECENT"}, "disability_too_recent"),
        ({}, {"self_eval": self_eval("independent")}, "self_eval_grade_too_low"),
    ],
)
async def test_each_gate_refuses_with_its_own_code_and_writes_nothing(
    client, auth, person_overrides, application_overrides, code
) -> None:
    headers = await auth("bureau")
    if person_overrides.get("id_number") == "AGE59":
        person_overrides = {"id_number": new_id_number(age=59)}
    if application_overrides.get("disabled_since") == "RECENT":
        application_overrides = {"disabled_since": (today() - timedelta(days=60)).isoformat()}
    person = await register(client, headers, **person_overrides)
    before = await counts()
    response = await apply(client, headers, person["id"], **application_overrides)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert await counts() == before


async def test_a_grade_d_self_assessment_is_refused_naming_the_grade(client, auth) -> None:
    headers = await auth("bureau")
    person = await register(client, headers)
    answers = {
        "eating": "dependent",
        "continence": "dependent",
        "bathing": "independent",
        "dressing": "independent",
        "toilet_use": "independent",
        "transfer": "independent",
    }
    response = await apply(client, headers, person["id"], self_eval={"answers": answers})
    assert response.json()["code"] == "self_eval_grade_too_low" and "D" in response.json()["detail"]


async def test_an_eligible_application_is_submitted_with_its_grade_and_policy(client, auth) -> None:
    headers = await auth("bureau")
    person = await register(client, headers)
    response = await apply(client, headers, person["id"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "submitted" and body["self_eval_grade"] == "G" and body["policy_version"]
    twice = await apply(client, headers, person["id"])
    assert twice.status_code == 409 and twice.json()["code"] == "application_in_progress"


# ------------------------------------------------------------------ acceptance


async def test_the_team_needs_two_an_expert_and_no_conflict_of_interest(client, auth) -> None:
    bureau = await auth("bureau")
    ids = await user_ids(client, auth)
    person = await register(client, await auth("agency-P03"))
    application = (await apply(client, await auth("agency-P03"), person["id"])).json()
    providers = (await client.get("/api/v1/providers", headers=bureau)).json()
    p03 = next(p["id"] for p in providers if p["code"] == "P03")
    employed = await ensure_user(client, auth, "assessor-p03", "assessor", provider_id=None)
    conflicted_expert = await ensure_user(client, auth, "expert-p03", "expert", provider_id=p03)
    before = await counts()
    cases = [
        ([ids["assessor1"]], "too_few_assessors"),
        ([ids["assessor1"], ids["assessor2"]], "expert_required"),
        ([ids["assessor1"], conflicted_expert], "assessor_conflict_of_interest"),
        ([ids["assessor1"], ids["bureau"]], "not_an_assessor"),
        ([ids["assessor1"], ids["assessor1"]], "duplicate_assessor"),
    ]
    for team, code in cases:
        response = await client.post(
            f"/api/v1/applications/{application['id']}/accept", json={"assessor_ids": team}, headers=bureau
        )
        assert response.status_code == 422 and response.json()["code"] == code, (team, response.text)
    assert await counts() == before
    accepted = await client.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={"assessor_ids": [employed, ids["expert1"]]},
        headers=bureau,
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = await client.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={"assessor_ids": [ids["assessor1"], ids["expert1"]]},
        headers=bureau,
    )
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    agency = await client.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={"assessor_ids": [1, 2]},
        headers=await auth("agency-P03"),
    )
    assert agency.status_code == 403


# ------------------------------------------------------------------ the whole way


async def accepted_application(client, auth, team: tuple[str, ...] = ("assessor1", "expert1")) -> dict[str, Any]:
    bureau = await auth("bureau")
    ids = await user_ids(client, auth)
    person = await register(client, bureau)
    application = (await apply(client, bureau, person["id"])).json()
    response = await client.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={"assessor_ids": [ids[name] for name in team]},
        headers=bureau,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_submission_refusals_change_nothing(client, auth) -> None:
    application = await accepted_application(client, auth)
    ids = await user_ids(client, auth)
    assessor = await auth("assessor1")
    description = await instrument(client, assessor)
    team = [ids["assessor1"], ids["expert1"]]
    first_item = description["items"][0]["key"]
    before = await counts()
    refusals = [
        # An assessor on none of its teams is told it does not exist.
        (await auth("assessor2"), {}, 404, "application_not_found"),
        (
            assessor,
            {"answers": {k: v for k, v in answers_at(description, "first").items() if k != first_item}},
            422,
            "missing_items",
        ),
        (assessor, {"answers": answers_at(description, "first") | {"shoe_size": 5}}, 422, "unknown_item"),
        (assessor, {"answers": answers_at(description, "first") | {first_item: 7}}, 422, "unknown_option"),
        (assessor, {"instrument_version": "1999.9"}, 422, "unknown_instrument_version"),
        (assessor, {"instrument": "barthel"}, 422, "wrong_instrument"),
        (assessor, {"assessor_ids": [ids["assessor1"]]}, 422, "assessor_not_assigned"),
        (assessor, {"assessor_ids": [ids["assessor1"], ids["assessor2"]]}, 422, "assessor_not_assigned"),
        (assessor, {"finished_at": (datetime.now(SHANGHAI) + timedelta(hours=3)).isoformat()}, 422, "invalid_times"),
        (assessor, {"lat": 95.0}, 422, "validation_failed"),
    ]
    for headers, overrides, status, code in refusals:
        body = submission(description, application["id"], team) | overrides
        response = await client.post("/api/v1/assessments", json=body, headers=headers)
        assert response.status_code == status, (overrides, response.text)
        if code:
            assert response.json()["code"] == code, (overrides, response.text)
    assert await counts() == before


async def test_a_draft_is_kept_and_an_older_copy_never_overwrites_a_newer(client, auth) -> None:
    application = await accepted_application(client, auth)
    assessor = await auth("assessor1")
    description = await instrument(client, assessor)
    first, second = description["items"][0], description["items"][1]
    newer = datetime.now(SHANGHAI)
    saved = await client.put(
        f"/api/v1/applications/{application['id']}/draft",
        json={
            "answers": {first["key"]: first["options"][0]["value"], second["key"]: second["options"][0]["value"]},
            "saved_at": newer.isoformat(),
        },
        headers=assessor,
    )
    assert saved.status_code == 200 and saved.json()["saved"] is True
    preview = saved.json()["preview"]
    assert preview["complete"] is False and first["key"] not in preview["missing"]
    stale = await client.put(
        f"/api/v1/applications/{application['id']}/draft",
        json={"answers": {}, "saved_at": (newer - timedelta(minutes=5)).isoformat()},
        headers=assessor,
    )
    assert stale.json()["stale"] is True
    detail = (await client.get(f"/api/v1/applications/{application['id']}", headers=assessor)).json()
    assert set(detail["draft"]["answers"]) == {first["key"], second["key"]}


async def test_the_whole_way_with_an_objection_and_a_reassessment(client, auth) -> None:
    bureau = await auth("bureau")
    ids = await user_ids(client, auth)
    expert2 = await ensure_user(client, auth, "expert2", "expert")
    application = await accepted_application(client, auth)
    assessor = await auth("assessor1")
    description = await instrument(client, assessor)
    body = submission(description, application["id"], [ids["assessor1"], ids["expert1"]])

    submitted = await client.post("/api/v1/assessments", json=body, headers=assessor)
    assert submitted.status_code == 201, submitted.text
    first = submitted.json()
    assert first["status"] == "submitted" and first["severe"] is True and first["level"] == 5
    replay = await client.post("/api/v1/assessments", json=body, headers=assessor)
    assert replay.status_code == 200 and replay.json()["id"] == first["id"], "the same event is recorded once"
    changed = await client.post(
        "/api/v1/assessments", json=body | {"answers": answers_at(description, "last")}, headers=assessor
    )
    assert changed.status_code == 409 and changed.json()["code"] == "duplicate_event"
    double = await client.post("/api/v1/assessments", json=body | {"event_id": str(uuid.uuid4())}, headers=assessor)
    assert double.status_code == 409 and double.json()["code"] == "already_submitted"

    early = await client.post(f"/api/v1/assessments/{first['id']}/finalize", headers=bureau)
    assert early.status_code == 409 and early.json()["code"] == "not_publicised"
    published = await client.post(f"/api/v1/assessments/{first['id']}/publish", json={}, headers=bureau)
    assert published.status_code == 200
    assert published.json()["notice_until"] == (today() + timedelta(days=6)).isoformat()
    before_notice_end = await client.post(f"/api/v1/assessments/{first['id']}/finalize", headers=bureau)
    assert before_notice_end.status_code == 409 and before_notice_end.json()["code"] == "notice_not_over"
    objected = await client.post(
        f"/api/v1/assessments/{first['id']}/objection", json={"reason": "家属认为等级偏高"}, headers=bureau
    )
    assert objected.status_code == 200 and objected.json()["status"] == "objected"
    pending = await client.post(f"/api/v1/assessments/{first['id']}/finalize", headers=bureau)
    assert pending.status_code == 409 and pending.json()["code"] == "reassessment_pending"

    same_team = await client.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={"assessor_ids": [ids["assessor1"], expert2]},
        headers=bureau,
    )
    assert same_team.status_code == 422 and same_team.json()["code"] == "reassessors_not_different"
    second_team = await client.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={"assessor_ids": [ids["assessor2"], expert2]},
        headers=bureau,
    )
    assert second_team.json()["status"] == "reassessing" and second_team.json()["round"] == 2
    old_team = await client.post("/api/v1/assessments", json=body | {"event_id": str(uuid.uuid4())}, headers=assessor)
    assert old_team.status_code == 403

    reassessor = await auth("assessor2")
    body2 = submission(description, application["id"], [ids["assessor2"], expert2])
    second = (await client.post("/api/v1/assessments", json=body2, headers=reassessor)).json()
    assert second["round"] == 2
    final = await client.post(f"/api/v1/assessments/{second['id']}/finalize", headers=bureau)
    assert final.status_code == 200, final.text
    assert final.json()["status"] == "final"
    day = today()
    two_years_on = date(day.year + 2, day.month, min(day.day, calendar.monthrange(day.year + 2, day.month)[1]))
    assert final.json()["valid_until"] == (two_years_on - timedelta(days=1)).isoformat(), "24 months (policy)"
    replaced = (await client.get(f"/api/v1/assessments/{first['id']}", headers=bureau)).json()
    assert replaced["status"] == "superseded", "the re-assessment replaces the first; both stay on record"
    conclusions = (await client.get("/api/v1/conclusions", headers=bureau)).json()
    assert any(c["assessment"] == second["id"] and c["severe"] for c in conclusions)
    again = await client.post(f"/api/v1/assessments/{second['id']}/finalize", headers=bureau)
    assert again.status_code == 409 and again.json()["code"] == "already_final"


async def test_an_objection_after_the_notice_closed_is_refused_and_then_it_concludes(client, auth) -> None:
    bureau = await auth("bureau")
    ids = await user_ids(client, auth)
    application = await accepted_application(client, auth)
    assessor = await auth("assessor1")
    description = await instrument(client, assessor)
    body = submission(
        description, application["id"], [ids["assessor1"], ids["expert1"]], answers=answers_at(description, "last")
    )
    first = (await client.post("/api/v1/assessments", json=body, headers=assessor)).json()
    assert first["level"] == 0 and first["severe"] is False
    published_on = today() - timedelta(days=8)
    await client.post(
        f"/api/v1/assessments/{first['id']}/publish", json={"published_on": published_on.isoformat()}, headers=bureau
    )
    late = await client.post(f"/api/v1/assessments/{first['id']}/objection", json={"reason": "太晚了"}, headers=bureau)
    assert late.status_code == 409 and late.json()["code"] == "notice_closed"
    final = await client.post(f"/api/v1/assessments/{first['id']}/finalize", headers=bureau)
    assert final.status_code == 200 and final.json()["status"] == "final"


async def test_rescoring_a_stored_assessment_with_its_own_version_gives_the_same_bytes(client, auth, settings) -> None:
    rows = await Assessment.select(
        Assessment.instrument_code, Assessment.instrument_version, Assessment.answers, Assessment.result
    ).output(load_json=True)
    assert rows, "earlier tests stored assessments"
    catalog = instrument_catalog(settings)
    for row in rows:
        instrument: Instrument = catalog.get(row["instrument_code"], row["instrument_version"])
        again = score(instrument, row["answers"]).to_dict()
        assert json.dumps(again, sort_keys=True, ensure_ascii=False) == json.dumps(
            row["result"], sort_keys=True, ensure_ascii=False
        )


async def test_the_daily_sweep_opens_one_renewal_per_expiring_conclusion(client, auth, services) -> None:
    conclusions = await Conclusion.select().where(Conclusion.status == "active")
    assert conclusions, "earlier tests concluded assessments"
    latest = max(c["valid_until"] for c in conclusions)
    clock = FixedClock(datetime(latest.year, latest.month, latest.day, 2, 0, tzinfo=SHANGHAI) - timedelta(days=30))
    from dataclasses import replace

    later = replace(services, clock=clock)
    first = await open_renewals(later)
    assert len(first.created) >= 1
    again = await open_renewals(later)
    assert again.created == [], "a rerun adds nothing"
    renewal = await Application.select().where(Application.id == first.created[0]).first()
    assert renewal["kind"] == "renewal" and renewal["status"] == "submitted"


async def test_the_same_submission_arriving_twice_at_once_is_stored_once(client, auth) -> None:
    """A tablet coming back online may send its queued submission twice in the same instant."""
    application = await accepted_application(client, auth)
    ids = await user_ids(client, auth)
    assessor = await auth("assessor1")
    body = submission(await instrument(client, assessor), application["id"], [ids["assessor1"], ids["expert1"]])
    before = await Assessment.count()
    responses = await asyncio.gather(
        *(client.post("/api/v1/assessments", json=body, headers=assessor) for _ in range(3))
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await Assessment.count() == before + 1
