"""The towns over HTTP: the API lists each town with the day the scheme opens there; the rollout
page shows each town's day, phase, own rules and figures, and the figures per phase, in
Chinese and in English; an application from a town where the scheme is not open yet is
refused with the day it opens, over the API and on the page with the input kept."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

from ltc.db.tables import Application
from ltc.domain.identity import make_id_number
from tests.helpers import HTML, csrf_token, signed_in_browser

DAYAN, JINPING = "330213012", "330213001"
SEVERE = dict.fromkeys(("eating", "continence", "bathing", "dressing", "toilet_use", "transfer"), "dependent")
_sequence = itertools.count(500, 2)


def new_id_number() -> str:
    return make_id_number("330296", date(1944, 5, 1), next(_sequence), "F")


async def register(client, headers, town: str) -> dict:
    body = {
        "id_number": new_id_number(),
        "name": "镇街老人",
        "phone": "13800000000",
        "address": "大堰镇大堰村1号",
        "town": town,
        "insured": True,
        "insured_since": "2022-01-01",
    }
    response = await client.post("/api/v1/persons", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def application(person_id: int, applied_on: str = "2026-11-30") -> dict:
    return {
        "person_id": person_id,
        "applied_on": applied_on,
        "disabled_since": "2025-06-01",
        "care_mode": "home",
        "self_eval": {"answers": SEVERE},
    }


async def test_the_api_lists_every_town_with_the_day_the_scheme_opens_there(client, auth) -> None:
    answer = await client.get("/api/v1/towns", headers=await auth("bureau"))
    assert answer.status_code == 200, answer.text
    towns = {t["code"]: t for t in answer.json()}
    assert len(towns) == 12
    assert towns[DAYAN] | {"name_en": ""} == {
        "code": DAYAN,
        "name": "大堰镇",
        "name_en": "",
        "scheme_open_from": "2027-04-01",
        "remote": True,
        "open_today": date.today() >= date(2027, 4, 1),
        "phase": 4,
    }
    assert towns["330213007"]["scheme_open_from"] == "2021-01-01" and towns["330213007"]["phase"] == 1
    assert towns[JINPING]["remote"] is False and towns[JINPING]["phase"] == 2


async def test_only_the_bureau_the_supervisor_and_town_agents_read_the_towns(client, auth) -> None:
    assert (await client.get("/api/v1/towns", headers=await auth("supervisor1"))).status_code == 200
    for username in ("agency-P01", "assessor1", "caregiver-P01"):
        assert (await client.get("/api/v1/towns", headers=await auth(username))).status_code == 403, username
    assert (await client.get("/api/v1/towns")).status_code == 401


async def test_an_application_from_dayan_before_it_opens_is_refused_with_the_day_and_nothing_is_filed(
    client, auth
) -> None:
    bureau = await auth("bureau")
    person = await register(client, bureau, "大堰镇")
    refused = await client.post("/api/v1/applications", json=application(person["id"]), headers=bureau)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "scheme_not_open_in_town"
    assert problem["errors"][0]["opens_on"] == "2027-04-01" and problem["errors"][0]["town"] == DAYAN
    assert not await Application.exists().where(Application.person == person["id"])

    elsewhere = await register(client, bureau, "锦屏街道")
    filed = await client.post("/api/v1/applications", json=application(elsewhere["id"]), headers=bureau)
    assert filed.status_code == 201, filed.text


async def test_an_application_before_a_subdistrict_opened_is_refused_too(client, auth) -> None:
    bureau = await auth("bureau")
    person = await register(client, bureau, "锦屏街道")
    early = application(person["id"], applied_on="2021-03-31") | {"disabled_since": "2020-06-01"}
    refused = await client.post("/api/v1/applications", json=early, headers=bureau)
    assert refused.status_code == 422 and refused.json()["code"] == "scheme_not_open_in_town", refused.text
    assert refused.json()["errors"][0]["opens_on"] == "2021-04-01"


def field_error(page: str, name: str) -> str:
    match = re.search(rf'data-testid="error-{name}">([^<]*)<', page)
    return match.group(1) if match else ""


async def test_the_apply_page_says_when_the_scheme_opens_and_keeps_the_input(app, client, auth) -> None:
    person = await register(client, await auth("bureau"), "大堰镇")
    path = f"/intake/apply/{person['id']}"
    values = {"applied_on": "2026-11-30", "disabled_since": "2025-06-01", "care_mode": "institutional"}
    async with signed_in_browser(app, "bureau") as browser:
        form = await browser.get(path, headers=HTML)
        refused = await browser.post(
            path,
            data=values | {f"answer_{k}": v for k, v in SEVERE.items()} | {"_csrf_token": csrf_token(form.text)},
            headers=HTML,
        )
        assert refused.status_code == 422
        assert field_error(refused.text, "applied_on").startswith("大堰镇将于2027年4月1日开办长期护理保险")
        assert 'value="2025-06-01"' in refused.text
        await browser.get("/lang/en")
        form = await browser.get(path, headers=HTML)
        english = await browser.post(
            path,
            data=values | {f"answer_{k}": v for k, v in SEVERE.items()} | {"_csrf_token": csrf_token(form.text)},
            headers=HTML,
        )
    assert english.status_code == 422
    assert field_error(english.text, "applied_on").startswith("The scheme opens in Dayan on Apr 1, 2027")


async def test_the_rollout_page_shows_each_town_its_rules_and_figures_and_the_phases(app, client, auth) -> None:
    await register(client, await auth("bureau"), "大堰镇")
    async with signed_in_browser(app, "bureau") as browser:
        chinese = await browser.get("/towns", headers=HTML)
        home = await browser.get("/", headers=HTML)
        await browser.get("/lang/en")
        english = await browser.get("/towns", headers=HTML)
    assert chinese.status_code == 200, chinese.text
    row = re.search(rf'<tr data-testid="town-{DAYAN}">(.*?)</tr>', chinese.text, re.S)
    assert row is not None
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    assert cells[0] == "大堰镇" and "尚未开办" in cells[1] and cells[2] == "4"
    assert "90" in cells[4] and "20" in cells[4]  # its visit length and its providers' reach
    assert int(cells[5].replace(",", "")) >= 1  # registered, though not open yet
    assert cells[6] == "0" and cells[7] == "0"  # no application, no beneficiary before it opens
    assert 'data-testid="phase-4"' in chinese.text and 'data-testid="rollout-phases"' in chinese.text
    assert 'data-testid="rollout-panel"' in home.text and 'href="/towns"' in home.text
    assert english.status_code == 200 and "Towns and the rollout" in english.text
    assert "not open yet" in english.text and "Phase 1 (pilot)" in english.text
    assert "home_care" not in english.text and "grouped_visits" not in english.text


async def test_the_supervisor_dashboard_has_the_phases_and_others_may_not_read_the_page(app) -> None:
    async with signed_in_browser(app, "supervisor1") as browser:
        dashboard = await browser.get("/supervision", headers=HTML)
        assert 'data-testid="rollout-panel"' in dashboard.text
        assert (await browser.get("/towns", headers=HTML)).status_code == 200
    async with signed_in_browser(app, "agency-P01") as browser:
        assert (await browser.get("/towns", headers=HTML)).status_code == 403


async def test_a_town_agent_reads_the_figures_of_their_own_town_only(app) -> None:
    async with signed_in_browser(app, "agent1") as browser:
        page = await browser.get("/towns", headers=HTML)
    assert page.status_code == 200, page.text
    assert re.findall(r'<tr data-testid="town-(\d+)">', page.text) == ["330213011"]  # 松岙镇, agent1's
    assert 'data-testid="rollout-phases"' not in page.text  # the district's sums are not theirs


async def test_the_figures_count_the_towns_applications_in_one_grouped_query(app, client, auth, services) -> None:
    from ltc.db.queries.towns import figures_by_town
    from ltc.db.tables import Town

    bureau = await auth("bureau")
    before = await figures_by_town()
    jinping = (await Town.select(Town.id).where(Town.code == JINPING).first())["id"]
    person = await register(client, bureau, "锦屏街道")
    filed = await client.post(
        "/api/v1/applications",
        json=application(person["id"], (date.today() - timedelta(days=1)).isoformat()),
        headers=bureau,
    )
    assert filed.status_code == 201, filed.text
    after = await figures_by_town()
    was = before.by_town.get(jinping)
    assert after.by_town[jinping].applications == (was.applications if was else 0) + 1
    assert after.by_town[jinping].residents == (was.residents if was else 0) + 1
