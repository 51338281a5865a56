"""The siting analysis over HTTP: the bureau starts it, the worker weighs the candidate
sites with the assignment engine, the API and the page read the ranked list, the map and
the exports; other roles are refused, and bad input gets a stable code."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from ltc.db.queries.remote_benefits import uncovered_beneficiaries
from ltc.db.tables import Assignment
from ltc.domain.access import Actor, Role
from ltc.services import siting
from ltc.services.reference import policy_book
from tests.helpers import signed_in_browser
from tests.worker.test_worker import run_burst_worker

HTML = {"accept": "text/html"}


async def _uncovered() -> int:
    # beneficiaries no provider reaches, whatever else keeps others unplaced (suspension, a full provider)
    return await Assignment.count().where(await uncovered_beneficiaries() & Assignment.person.lat.is_not_null())


async def test_the_service_reads_the_uncovered_people_set_based(services) -> None:
    people = await siting.uncovered_people(policy_book(services.settings).in_force(date.today()))
    assert all(p.town_radius_km == 15.0 for p in people if p.town == "330213011"), "松岙's own reach"
    assert len(people) == await _uncovered()
    assert all(p.mode in ("home", "institutional") for p in people)
    bureau = Actor(user_id=1, username="bureau", role=Role.BUREAU)
    typical = await siting.typical_provider()
    assert typical.radius_km > 0 and typical.capacity >= 1
    assert (await siting.siting_network(bureau)).towns, "the towns are drawn under the sites"


async def test_the_bureau_runs_the_analysis_and_reads_it(app, client, auth) -> None:
    bureau = await auth("bureau")
    for role in ("agency-P01", "assessor1"):
        refused = await client.post("/api/v1/siting", json={"sites": 1}, headers=await auth(role))
        assert refused.status_code == 403
    bad = await client.post("/api/v1/siting", json={"sites": 3}, headers=bureau)
    assert bad.status_code in (400, 422)
    lone = await client.post("/api/v1/siting", json={"provider_id": 1}, headers=bureau)
    assert lone.status_code in (400, 422)
    not_larger = await client.post("/api/v1/siting", json={"provider_id": 1, "provider_radius_km": 0.1}, headers=bureau)
    assert not_larger.status_code == 422 and not_larger.json()["code"] == "invalid_siting_radius"

    started = await client.post(
        "/api/v1/siting", json={"sites": 2, "capacity": 40, "radius_km": 8}, headers=await auth("supervisor1")
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    waiting = (await client.get(f"/api/v1/siting/{job_id}", headers=bureau)).json()
    assert waiting["status"] == "queued" and waiting["result"] is None
    await run_burst_worker(app)
    view = (await client.get(f"/api/v1/siting/{job_id}", headers=bureau)).json()
    assert view["status"] == "done", view
    result = view["result"]
    assert result["uncovered"] == await _uncovered()
    assert result["params"] == {
        "sites": 2,
        "capacity": 40,
        "radius_km": 8.0,
        "kind": "home",
        "provider_id": None,
        "provider_radius_km": None,
    }
    ranked = result["ranked"]
    assert [c["covered"] for c in ranked] == sorted((c["covered"] for c in ranked), reverse=True)
    if result["best"]:
        assert 1 <= len(result["best"]["sites"]) <= 2
        assert all(result["best"]["covered"] >= c["covered"] for c in ranked)
        assert sum(t["people"] for t in result["best"]["by_town"]) == sum(
            len(g["person_ids"]) for g in result["best"]["people"]
        )
    # another kind of job is no siting analysis
    other = await client.post("/api/v1/geocoding/persons", headers=bureau)
    assert (await client.get(f"/api/v1/siting/{other.json()['job_id']}", headers=bureau)).status_code == 404

    async with signed_in_browser(app, "bureau") as browser:
        page = await browser.get(f"/siting/{job_id}", headers=HTML)
        assert page.status_code == 200
        assert 'data-testid="siting-ranked"' in page.text and 'data-testid="siting-map"' in page.text
        assert "选址" in page.text
        csv = await browser.get(f"/siting/{job_id}/export.csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.content.decode("utf-8-sig").splitlines()[1].startswith("名次")
        workbook = await browser.get(f"/siting/{job_id}/export.xlsx")
        sheet = load_workbook(io.BytesIO(workbook.content)).active
        assert sheet is not None and sheet.max_row == 2 + len(ranked) + (1 if result["best"] else 0)
        await browser.get("/lang/en", headers=HTML)
        english = await browser.get(f"/siting/{job_id}", headers=HTML)
        assert "Siting analysis" in english.text and "选址" not in english.text
        form = await browser.get("/siting", headers=HTML)
        assert form.status_code == 200 and 'data-testid="siting-form"' in form.text
        job_page = await browser.get(f"/jobs/{job_id}", headers=HTML)
        assert f"/siting/{job_id}" in job_page.text


async def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        form = await browser.get("/siting", headers=HTML)
        csrf = browser.cookies.get("ltc_csrf", "")
        answer = await browser.post(
            "/siting",
            data={
                "sites": "1",
                "capacity": "abc",
                "radius_km": "8",
                "kind": "home",
                "provider_id": "",
                "provider_radius_km": "",
            },
            headers=HTML | {"x-csrftoken": csrf},
        )
        assert form.status_code == 200
        assert (
            answer.status_code == 422 and 'data-testid="error-capacity"' in answer.text and 'value="abc"' in answer.text
        )
