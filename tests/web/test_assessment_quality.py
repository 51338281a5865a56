"""Assessment quality over HTTP: the supervisor reads the flags and the assessors' tests,
draws spot re-assessments from a seed (a conclusion is drawn once, by a team sharing no one
with its first) and records a result; the bureau reads but does not draw; an agency does
not see the page at all."""

from __future__ import annotations

from ltc.db.tables import Assessment, Conclusion, SpotCheck
from tests.conftest import bearer
from tests.helpers import HTML, signed_in_browser
from tests.web.test_visits import beneficiary


async def test_the_supervisor_draws_spot_checks_and_records_a_result(app, client, auth) -> None:
    await beneficiary(client, auth)  # at least one final conclusion to draw from
    supervisor, bureau = await bearer(client, "supervisor1"), await auth("bureau")
    report = await client.get("/api/v1/assessment-quality", headers=supervisor)
    assert report.status_code == 200, report.text
    assessors = report.json()["assessors"]
    assert assessors and all(0 <= a["p_value"] <= a["adjusted_p"] <= 1 for a in assessors)
    assert (await client.get("/api/v1/assessment-quality", headers=await auth("agency-P01"))).status_code == 403
    assert (await client.post("/api/v1/spot-checks/draw", json={"seed": 7}, headers=bureau)).status_code == 403

    try:
        active = await Conclusion.count().where(Conclusion.status == "active")
        drawn = await client.post("/api/v1/spot-checks/draw", json={"seed": 20270301}, headers=supervisor)
        assert drawn.status_code == 201, drawn.text
        spots = drawn.json()
        assert len(spots) >= active * 0.05 and all(s["seed"] == 20270301 for s in spots)
        for spot in spots:
            conclusion = (
                await Conclusion.select(Conclusion.assessment).where(Conclusion.id == spot["conclusion_id"]).first()
            )
            first = (
                await Assessment.select(Assessment.assessor_ids)
                .where(Assessment.id == conclusion["assessment"])
                .first()
            )
            assert not set(spot["team"]) & set(first["assessor_ids"]), "the second team shares no one with the first"
        again = (await client.post("/api/v1/spot-checks/draw", json={"seed": 20270301}, headers=supervisor)).json()
        assert not {s["conclusion_id"] for s in again} & {s["conclusion_id"] for s in spots}, "drawn once"

        spot = spots[0]
        found = await client.post(f"/api/v1/spot-checks/{spot['id']}/result", json={"level": spot["conclusion_level"]},
                                  headers=supervisor)  # fmt: skip
        assert found.status_code == 200 and found.json()["outcome"] == "agrees", found.text
        twice = await client.post(f"/api/v1/spot-checks/{spot['id']}/result", json={"level": 5}, headers=supervisor)
        assert twice.status_code == 409 and twice.json()["code"] == "spot_check_done"

        async with signed_in_browser(app, "supervisor1") as browser:
            page = await browser.get("/assessment-quality", headers=HTML)
            assert page.status_code == 200 and "抽查复评" in page.text and 'data-testid="draw-form"' in page.text
        async with signed_in_browser(app, "bureau") as browser:
            page = await browser.get("/assessment-quality", headers=HTML)
            assert page.status_code == 200 and 'data-testid="draw-form"' not in page.text
    finally:
        await SpotCheck.delete().where(SpotCheck.seed == 20270301)
