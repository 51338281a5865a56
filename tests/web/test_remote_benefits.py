"""Remote benefits over HTTP: the bureau grants a family-care allowance to a beneficiary of 松岙镇
no designated provider reaches, the town's agent (agent1) records the month's check, and the
provider supervising the family caregiver settles the allowance; grants, checks and town scopes
refused with their codes."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from ltc.db.queries import towns as town_queries
from ltc.db.tables import Person, Town
from ltc.domain.periods import Period
from ltc.services import assignments, reoptimisation
from ltc.services import siting as siting_service
from ltc.services.jobs import NoParams
from ltc.services.reference import policy_book
from tests.helpers import HTML, csrf_token, signed_in_browser
from tests.web.test_assessment_workflow import answers_at, apply, instrument, register, submission, today, user_ids
from tests.web.test_providers_and_assignment import new_active_provider
from tests.web.test_settlements import built, visited
from tests.web.test_visits import beneficiary, plan_for
from tests.web.text_of_page import codes_in, visible_text

_places = itertools.count(0)
SONGAO = "松岙镇"


async def uncovered_beneficiary(client: httpx.AsyncClient, auth, *, town: str = SONGAO) -> int:
    """A severely disabled person of the town, living where no designated provider reaches."""
    n = next(_places)
    bureau = await auth("bureau")
    person = await register(client, bureau, town=town, address=f"{town}海边村{n}号", lat=29.02 + 0.01 * n, lon=122.05)
    application = (await apply(client, bureau, person["id"])).json()
    ids = await user_ids(client, auth)
    accepted = await client.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={"assessor_ids": [ids["assessor1"], ids["expert1"]]},
        headers=bureau,
    )
    assert accepted.status_code == 200, accepted.text
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
    where = (await client.get(f"/api/v1/persons/{person['id']}/assignment", headers=bureau)).json()
    assert where["provider_id"] is None and where["reason"] == "no_provider_in_range", where
    return int(person["id"])


async def a_provider(client: httpx.AsyncClient, auth) -> dict[str, Any]:
    providers = (await client.get("/api/v1/providers", headers=await auth("bureau"))).json()
    return next(p for p in providers if p["code"] == "P01")


async def test_the_bureau_grants_a_family_care_allowance_the_agent_checks_and_the_provider_settles_it(
    client, auth, app
) -> None:
    bureau, agent = await auth("bureau"), await auth("agent1")
    person_id = await uncovered_beneficiary(client, auth)
    # a provider of its own, far from everyone: its month holds only the allowance
    provider = await new_active_provider(client, bureau, lat=31.6, lon=119.9, capacity=5, service_radius_km=1.0)
    uncovered = (await client.get("/api/v1/remote-benefits/uncovered", headers=bureau)).json()
    assert person_id in {u["person_id"] for u in uncovered}

    last_month = Period.of(today().replace(day=1) - timedelta(days=1))
    granted = await client.post(
        "/api/v1/remote-benefits",
        json={
            "person_id": person_id,
            "kind": "family_care_allowance",
            "provider_id": provider["id"],
            "from_day": last_month.first_day.isoformat(),
        },
        headers=bureau,
    )
    assert granted.status_code == 201, granted.text
    benefit = granted.json()
    assert (benefit["kind"], benefit["town_code"], benefit["to_day"]) == ("family_care_allowance", "330213011", None)
    again = await client.post(
        "/api/v1/remote-benefits",
        json={"person_id": person_id, "kind": "grouped_visits", "provider_id": provider["id"]},
        headers=bureau,
    )
    assert again.status_code == 409 and again.json()["code"] == "remote_benefit_open"
    assert person_id not in {
        u["person_id"] for u in (await client.get("/api/v1/remote-benefits/uncovered", headers=bureau)).json()
    }

    # the agent of 松岙镇 sees the household and records last month's check
    households = (
        await client.get("/api/v1/remote-benefits/households", params={"period": str(last_month)}, headers=agent)
    ).json()
    assert benefit["id"] in {h["benefit"]["id"] for h in households}
    assert all(h["benefit"]["town_code"] == "330213011" for h in households)
    check = {"period": str(last_month), "kind": "call", "checked_on": last_month.last_day.isoformat(), "finding": "ok"}
    refused = await client.post(f"/api/v1/remote-benefits/{benefit['id']}/checks", json=check, headers=bureau)
    assert refused.status_code == 403, "the bureau grants; the town's agent checks"
    recorded = await client.post(f"/api/v1/remote-benefits/{benefit['id']}/checks", json=check, headers=agent)
    assert recorded.status_code == 201, recorded.text
    twice = await client.post(f"/api/v1/remote-benefits/{benefit['id']}/checks", json=check, headers=agent)
    assert twice.status_code == 409 and twice.json()["code"] == "check_recorded"
    ahead = check | {"period": str(Period.of(today())), "checked_on": (today() + timedelta(days=1)).isoformat()}
    if Period.of(today() + timedelta(days=1)) == Period.of(today()):
        refused = await client.post(f"/api/v1/remote-benefits/{benefit['id']}/checks", json=ahead, headers=agent)
        assert refused.status_code == 422 and refused.json()["code"] == "check_in_future"

    # the supervising provider's settlement of last month carries the allowance, paid whole
    settlement = await built(app, client, bureau, str(last_month), provider["id"])
    lines = [x for x in settlement["lines"] if x["kind"] == "family_care" and x["person_id"] == person_id]
    (line,) = lines
    assert (line["unit"], line["quantity"], line["personal_fen"]) == ("month", 1, 0)
    assert (
        line["unit_price_fen"] in (45000, 60000, 75000)
        and line["fund_fen"] == line["gross_fen"] == line["unit_price_fen"]
    )
    # approved like any settlement: the fund owes the provider the allowance, the ledger balanced
    url = f"/api/v1/settlements/{settlement['id']}"
    before = (await client.get("/api/v1/fund", headers=bureau)).json()
    submitted = await client.post(f"{url}/submit", headers=bureau | {"If-Match": settlement["etag"]})
    assert submitted.status_code == 200, submitted.text
    approved = await client.post(f"{url}/approve", headers=bureau | {"If-Match": submitted.headers["etag"]})
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    after = (await client.get("/api/v1/fund", headers=bureau)).json()
    assert after["ledger_imbalance_fen"] == 0
    assert after["payables_fen"] == before["payables_fen"] + settlement["fund_fen"]

    # ended: the benefit leaves the open list
    ended = await client.post(f"/api/v1/remote-benefits/{benefit['id']}/end", json={}, headers=bureau)
    assert ended.status_code == 200 and ended.json()["to_day"] == today().isoformat()
    again = await client.post(f"/api/v1/remote-benefits/{benefit['id']}/end", json={}, headers=bureau)
    assert again.status_code == 409 and again.json()["code"] == "remote_benefit_ended"
    assert benefit["id"] not in {b["id"] for b in (await client.get("/api/v1/remote-benefits", headers=bureau)).json()}


async def test_a_month_without_a_check_holds_the_allowance(client, auth, app) -> None:
    bureau = await auth("bureau")
    person_id = await uncovered_beneficiary(client, auth)
    provider = await a_provider(client, auth)
    last_month = Period.of(today().replace(day=1) - timedelta(days=1))
    from_day = last_month.first_day + timedelta(days=10)
    granted = await client.post(
        "/api/v1/remote-benefits",
        json={
            "person_id": person_id,
            "kind": "family_care_allowance",
            "provider_id": provider["id"],
            "from_day": from_day.isoformat(),
        },
        headers=bureau,
    )
    assert granted.status_code == 201, granted.text
    settlement = await built(app, client, bureau, str(last_month), provider["id"])
    (line,) = [x for x in settlement["lines"] if x["kind"] == "family_care" and x["person_id"] == person_id]
    assert (line["gross_fen"], line["fund_fen"], line["note"]) == (0, 0, "check_missing")
    page = await client.get(f"/settlements/{settlement['id']}", headers=bureau | {"Accept": "text/html"})
    assert page.status_code == 200 and "本月未核查" in page.text


async def test_grants_are_refused_for_a_covered_person_and_a_kind_not_offered(client, auth) -> None:
    bureau = await auth("bureau")
    provider = await a_provider(client, auth)
    person_id = await uncovered_beneficiary(client, auth, town="溪口镇")  # not a remote town
    refused = await client.post(
        "/api/v1/remote-benefits",
        json={"person_id": person_id, "kind": "family_care_allowance", "provider_id": provider["id"]},
        headers=bureau,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "benefit_not_offered"
    registered = await register(client, bureau)
    refused = await client.post(
        "/api/v1/remote-benefits",
        json={"person_id": registered["id"], "kind": "family_care_allowance", "provider_id": provider["id"]},
        headers=bureau,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "not_a_beneficiary"
    for name in ("agent1", "supervisor1", "agency-P01"):
        denied = await client.post(
            "/api/v1/remote-benefits",
            json={"person_id": person_id, "kind": "family_care_allowance", "provider_id": provider["id"]},
            headers=await auth(name),
        )
        assert denied.status_code == 403, name


async def test_a_town_agent_registers_only_people_of_their_own_town(client, auth) -> None:
    agent = await auth("agent1")
    mine = await client.post(
        "/api/v1/persons",
        json={"id_number": (await register_body())["id_number"], "name": "松岙老人", "phone": "13800000001",
              "address": "松岙镇街道1号", "town": SONGAO, "insured": True, "insured_since": "2022-01-01"},
        headers=agent,
    )  # fmt: skip
    assert mine.status_code == 201, mine.text
    other = await client.post(
        "/api/v1/persons",
        json={"id_number": (await register_body())["id_number"], "name": "溪口老人", "phone": "13800000002",
              "address": "溪口镇岩头村1号", "town": "溪口镇", "insured": True, "insured_since": "2022-01-01"},
        headers=agent,
    )  # fmt: skip
    assert other.status_code == 403 and other.json()["code"] == "town_outside_scope"
    # an application for a person of another town: not even seen
    elsewhere = await register(client, await auth("bureau"))
    refused = await apply(client, agent, elsewhere["id"])
    assert refused.status_code == 404
    filed = await apply(client, agent, mine.json()["id"])
    assert filed.status_code == 201, filed.text


async def register_body() -> dict[str, str]:
    from tests.web.test_assessment_workflow import new_id_number

    return {"id_number": new_id_number()}


async def test_the_sysadmin_opens_a_town_agents_account_for_an_existing_town(client, auth) -> None:
    admin = await auth("admin")
    towns = {u["username"]: u for u in (await client.get("/api/v1/users", headers=admin)).json()}
    assert towns["agent1"]["role"] == "town_agent" and towns["agent1"]["town_code"] == "330213011"
    body = {"username": "agent-new", "password": "A-long-passw0rd", "role": "town_agent"}
    refused = await client.post("/api/v1/users", json=body, headers=admin)
    assert refused.status_code == 403 and refused.json()["code"] == "town_agent_needs_town"
    refused = await client.post("/api/v1/users", json=body | {"town_id": 999999}, headers=admin)
    assert refused.status_code == 404 and refused.json()["code"] == "town_not_found"
    refused = await client.post(
        "/api/v1/users", json=body | {"role": "bureau", "town_id": towns["agent1"]["town_id"]}, headers=admin
    )
    assert refused.status_code == 403 and refused.json()["code"] == "town_not_allowed"
    opened = await client.post("/api/v1/users", json=body | {"town_id": towns["agent1"]["town_id"]}, headers=admin)
    assert opened.status_code == 201, opened.text


async def test_visits_to_a_person_of_a_remote_town_earn_the_travel_allowance(client, auth, app, services) -> None:
    b = await beneficiary(client, auth)
    await plan_for(client, b)
    # the person lives in 松岙镇, whose rules pay 15 yuan a verified visit
    songao = await Town.select(Town.id).where(Town.code == "330213011").first()
    await Person.update({Person.town: songao["id"]}).where(Person.id == b["person_id"])
    first = await visited(client, b, start_ago=230, minutes=58)
    second = await visited(client, b, start_ago=160, minutes=58)
    month = {
        Period.of(datetime.fromisoformat(v["planned_start"]).astimezone(services.settings.zone).date())
        for v in (first, second)
    }
    if len(month) > 1:
        pytest.skip("the two visits straddle a month's end")
    (period,) = month
    settlement = await built(app, client, await auth("bureau"), str(period), b["provider"]["id"])
    (travel,) = [x for x in settlement["lines"] if x["kind"] == "travel"]
    assert (travel["quantity"], travel["unit"], travel["unit_price_fen"]) == (2, "visit", 1500)
    assert (travel["gross_fen"], travel["fund_fen"], travel["personal_fen"]) == (3000, 3000, 0)
    assert travel["person_id"] == b["person_id"]
    async with signed_in_browser(app, "bureau") as browser:
        chinese = visible_text((await browser.get(f"/settlements/{settlement['id']}", headers=HTML)).text)
        assert "交通补贴" in chinese and "2 次上门" in chinese
        browser.cookies.set("ltc_lang", "en")
        english = await browser.get(f"/settlements/{settlement['id']}", headers=HTML)
        assert "Travel allowance" in visible_text(english.text) and "2 visits" in visible_text(english.text)
        assert codes_in(english.text) == []
    exported = await client.get(f"/api/v1/settlements/{settlement['id']}/export.csv", headers=await auth("bureau"))
    assert exported.status_code == 200 and "交通补贴" in exported.text and "travel" not in exported.text


async def test_grouped_visits_place_the_person_with_the_visiting_provider_until_they_end(client, auth) -> None:
    bureau = await auth("bureau")
    person_id = await uncovered_beneficiary(client, auth)
    provider = await a_provider(client, auth)
    granted = await client.post(
        "/api/v1/remote-benefits",
        json={"person_id": person_id, "kind": "grouped_visits", "provider_id": provider["id"]},
        headers=bureau,
    )
    assert granted.status_code == 201, granted.text
    where = (await client.get(f"/api/v1/persons/{person_id}/assignment", headers=bureau)).json()
    assert (where["provider_id"], where["reason"]) == (provider["id"], "grouped_visits")
    plan = await client.post(
        "/api/v1/care-plans", json={"person_id": person_id, "items": ["B01"]}, headers=await auth("agency-P01")
    )
    assert plan.status_code == 201, plan.text
    households = (await client.get("/api/v1/remote-benefits/households", headers=await auth("agent1"))).json()
    assert granted.json()["id"] not in {h["benefit"]["id"] for h in households}, "grouped visits need no check"
    refused = await client.post(
        f"/api/v1/remote-benefits/{granted.json()['id']}/checks",
        json={"period": str(Period.of(today())), "kind": "visit", "finding": "ok"},
        headers=await auth("agent1"),
    )
    assert refused.status_code == 409 and refused.json()["code"] == "check_not_needed"
    ended = await client.post(f"/api/v1/remote-benefits/{granted.json()['id']}/end", json={}, headers=bureau)
    assert ended.status_code == 200, ended.text
    where = (await client.get(f"/api/v1/persons/{person_id}/assignment", headers=bureau)).json()
    assert (where["provider_id"], where["reason"]) == (None, "no_provider_in_range")


async def test_the_user_pages_open_a_town_agent_for_a_town_and_list_it(app) -> None:
    songao = await Town.select(Town.id).where(Town.code == "330213011").first()
    async with signed_in_browser(app, "admin") as browser:
        form = await browser.get("/users/new", headers=HTML)
        token = csrf_token(form.text)
        no_town = await browser.post(
            "/users/new",
            data={"username": "page-town", "role": "town_agent", "town_id": "", "_csrf_token": token},
            headers=HTML,
        )
        assert no_town.status_code == 403 and 'data-testid="error-town_id"' in no_town.text
        opened = await browser.post(
            "/users/new",
            data={"username": "page-town", "role": "town_agent", "town_id": str(songao["id"]), "_csrf_token": token},
            headers=HTML,
        )
        assert opened.status_code == 201, opened.text[:500]
        listed = visible_text((await browser.get("/users", params={"role": "town_agent"}, headers=HTML)).text)
        assert "page-town" in listed and "松岙镇" in listed


async def test_a_grant_ended_mid_month_and_a_new_one_settle_as_one_allowance(client, auth, app) -> None:
    bureau, agent = await auth("bureau"), await auth("agent1")
    person_id = await uncovered_beneficiary(client, auth)
    provider = await new_active_provider(client, bureau, lat=31.7, lon=119.8, capacity=5, service_radius_km=1.0)
    month = Period.of(today().replace(day=1) - timedelta(days=1))
    mid = month.first_day + timedelta(days=14)

    async def grant(from_day) -> httpx.Response:
        body = {"person_id": person_id, "kind": "family_care_allowance", "provider_id": provider["id"]}
        return await client.post(
            "/api/v1/remote-benefits", json=body | {"from_day": from_day.isoformat()}, headers=bureau
        )

    first = await grant(month.first_day)
    assert first.status_code == 201, first.text
    ended = await client.post(
        f"/api/v1/remote-benefits/{first.json()['id']}/end", json={"to_day": mid.isoformat()}, headers=bureau
    )
    assert ended.status_code == 200, ended.text
    overlapping = await grant(mid)  # the ended grant still runs on its last day
    assert overlapping.status_code == 409 and overlapping.json()["code"] == "remote_benefit_open"
    second = await grant(mid + timedelta(days=1))
    assert second.status_code == 201, second.text
    check = {"period": str(month), "kind": "visit", "checked_on": mid.isoformat(), "finding": "ok"}
    recorded = await client.post(f"/api/v1/remote-benefits/{first.json()['id']}/checks", json=check, headers=agent)
    assert recorded.status_code == 201, recorded.text

    settlement = await built(app, client, bureau, str(month), provider["id"])
    (line,) = [x for x in settlement["lines"] if x["kind"] == "family_care" and x["person_id"] == person_id]
    assert line["gross_fen"] == line["unit_price_fen"] > 0, line  # the whole month, pro-rated once


async def test_a_remote_benefit_keeps_its_placement_through_new_placements_and_the_optimiser(
    client, auth, services
) -> None:
    bureau = await auth("bureau")
    provider = await a_provider(client, auth)
    grouped = await uncovered_beneficiary(client, auth)
    family = await uncovered_beneficiary(client, auth)
    for person_id, kind in ((grouped, "grouped_visits"), (family, "family_care_allowance")):
        body = {"person_id": person_id, "kind": kind, "provider_id": provider["id"]}
        granted = await client.post("/api/v1/remote-benefits", json=body, headers=bureau)
        assert granted.status_code == 201, granted.text

    async def progress(_share: float) -> None:
        return None

    # a provider now reaching them both opens: the placement job moves neither
    near = await new_active_provider(client, bureau, lat=29.02, lon=122.05, capacity=50, service_radius_km=30.0)
    await assignments.assign_beneficiaries(services, NoParams(), progress)
    for person_id, placed in ((grouped, (provider["id"], "grouped_visits")), (family, (None, "no_provider_in_range"))):
        where = (await client.get(f"/api/v1/persons/{person_id}/assignment", headers=bureau)).json()
        assert (where["provider_id"], where["reason"]) == placed
    # nor does the optimiser consider them
    preview = await reoptimisation.reoptimise_preview(services, NoParams(), progress)
    assert not {grouped, family} & {x[0] for x in preview.plan.placements}
    assert not {grouped, family} & {x[0] for x in preview.plan.unassigned}
    # the village is uncovered again for the tests that follow
    body = {"reason": "仅用于本场景"}
    suspended = await client.post(f"/api/v1/providers/{near['id']}/suspend", json=body, headers=bureau)
    assert suspended.status_code == 200, suspended.text


async def test_uncovered_reads_the_same_for_the_towns_the_grant_list_and_siting(client, auth, services) -> None:
    bureau = await auth("bureau")
    person_id = await uncovered_beneficiary(client, auth)
    town_id = (await Person.select(Person.town).where(Person.id == person_id).first())["town"]

    async def readings() -> tuple[bool, bool, int]:
        granting = (await client.get("/api/v1/remote-benefits/uncovered", headers=bureau)).json()
        return (
            person_id in {u["person_id"] for u in granting},
            person_id
            in {p.id for p in await siting_service.uncovered_people(policy_book(services.settings).in_force(today()))},
            (await town_queries.figures_by_town()).by_town[town_id].uncovered,
        )

    listed, sited, count = await readings()
    assert (listed, sited) == (True, True) and count >= 1
    body = {
        "person_id": person_id,
        "kind": "family_care_allowance",
        "provider_id": (await a_provider(client, auth))["id"],
    }
    assert (await client.post("/api/v1/remote-benefits", json=body, headers=bureau)).status_code == 201
    assert await readings() == (False, False, count - 1)


async def test_a_held_allowance_is_paid_by_a_correction_once_the_month_is_checked(client, auth, app) -> None:
    bureau, agent = await auth("bureau"), await auth("agent1")
    person_id = await uncovered_beneficiary(client, auth)
    provider = await new_active_provider(client, bureau, lat=31.5, lon=119.7, capacity=5, service_radius_km=1.0)
    month = Period.of(today().replace(day=1) - timedelta(days=1))
    body = {"person_id": person_id, "kind": "family_care_allowance", "provider_id": provider["id"]}
    granted = await client.post(
        "/api/v1/remote-benefits", json=body | {"from_day": month.first_day.isoformat()}, headers=bureau
    )
    assert granted.status_code == 201, granted.text
    settlement = await built(app, client, bureau, str(month), provider["id"])
    (line,) = [x for x in settlement["lines"] if x["kind"] == "family_care"]
    assert (line["gross_fen"], line["note"]) == (0, "check_missing")
    url = f"/api/v1/settlements/{settlement['id']}"
    submitted = await client.post(f"{url}/submit", headers=bureau | {"If-Match": settlement["etag"]})
    approved = await client.post(f"{url}/approve", headers=bureau | {"If-Match": submitted.headers["etag"]})
    assert approved.status_code == 200, approved.text
    # the agent records the month's check late; the bureau pays the held month by a correction
    check = {"period": str(month), "kind": "visit", "checked_on": month.last_day.isoformat(), "finding": "ok"}
    recorded = await client.post(f"/api/v1/remote-benefits/{granted.json()['id']}/checks", json=check, headers=agent)
    assert recorded.status_code == 201, recorded.text

    async def correct(amount: int) -> httpx.Response:
        return await client.post(
            "/api/v1/settlement-corrections",
            json={
                "provider_id": provider["id"],
                "corrects_period": str(month),
                "person_id": person_id,
                "amount_fen": amount,
                "reason": "核查补录，补发家属护理补贴",
            },
            headers=bureau,
        )

    too_much = await correct(line["unit_price_fen"] + 1)
    assert too_much.status_code == 422 and too_much.json()["code"] == "correction_exceeds_ceiling", too_much.text
    paid = await correct(line["unit_price_fen"])
    assert paid.status_code == 201, paid.text
