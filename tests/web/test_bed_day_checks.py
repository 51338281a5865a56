"""Bed-day checks over HTTP: census days recorded before a hospital stay and a death are known
get flagged when those are imported, the month's settlement leaves the flagged days out and
names them, the agency explains and the bureau accepts one (counted again) and refuses the
other; once the month is approved its census is locked, by the service and by the database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ltc.db.tables import CensusEntry
from ltc.domain.periods import Period
from tests.web.test_settlements import after_the_month, built
from tests.web.test_visits import beneficiary


async def test_flagged_bed_days_wait_for_the_bureau_and_a_settled_month_is_locked(
    app, client, auth, services, monkeypatch
) -> None:
    b = await beneficiary(client, auth, care_mode="institutional")
    bureau = await auth("bureau")
    await client.patch(f"/api/v1/providers/{b['provider']['id']}", json={"daily_price_fen": 6000}, headers=bureau)
    plan = await client.post(
        "/api/v1/care-plans", json={"person_id": b["person_id"], "items": ["B01"]}, headers=b["agency"]
    )
    await client.post(
        f"/api/v1/care-plans/{plan.json()['id']}/confirm", json={"confirmed_by": "本人"}, headers=b["agency"]
    )
    today = services.clock.now().astimezone(services.settings.zone).date()
    period = Period.of(today - timedelta(days=40))  # last month but one, ended
    days = list(period.dates())[:5]
    for day in days:
        recorded = await client.post(
            "/api/v1/census",
            json={"day": day.isoformat(), "entries": [{"person_id": b["person_id"], "status": "present"}]},
            headers=b["agency"],
        )
        assert recorded.status_code == 200, recorded.text
    flags = (
        await client.get("/api/v1/bed-day-flags", params={"provider_id": b["provider"]["id"]}, headers=bureau)
    ).json()
    assert flags == [], "nothing contradicts the days yet"

    id_number = (await client.get(f"/api/v1/persons/{b['person_id']}", headers=bureau)).json()["id_number"]
    # in hospital from day 2, back on day 3 (the discharge day is a bed-day again); died on day 4
    stay = {"id_number": id_number, "admitted_on": days[1].isoformat(), "discharged_on": days[2].isoformat()}
    assert (await client.post("/api/v1/hospital-stays", json={"stays": [stay]}, headers=bureau)).status_code == 200
    died = {"id_number": id_number, "died_on": days[3].isoformat()}
    assert (await client.post("/api/v1/deaths", json={"records": [died]}, headers=bureau)).status_code == 200
    flags = (
        await client.get("/api/v1/bed-day-flags", params={"provider_id": b["provider"]["id"]}, headers=bureau)
    ).json()
    assert sorted((f["day"], f["code"], f["status"]) for f in flags) == [
        (days[1].isoformat(), "bed_day_while_inpatient", "open"),
        (days[4].isoformat(), "bed_day_after_death", "open"),
    ]
    by_code = {f["code"]: f for f in flags}
    mine = (await client.get("/api/v1/bed-day-flags", headers=b["agency"])).json()
    assert {f["id"] for f in mine} == {f["id"] for f in flags}, "the agency sees its own flags"
    other = await auth("agency-P01")
    theirs = (await client.get("/api/v1/bed-day-flags", headers=other)).json()
    assert all(f["provider_id"] != b["provider"]["id"] for f in theirs), "another agency sees none of them"
    refused = await client.post(f"/api/v1/bed-day-flags/{by_code['bed_day_while_inpatient']['id']}/explain",
                                json={"explanation": "x"}, headers=other)  # fmt: skip
    assert refused.status_code == 404 and refused.json()["code"] == "bed_day_flag_not_found"

    tokens = await after_the_month(app, monkeypatch, client, str(period))
    settlement = await built(app, client, tokens["bureau"], str(period), b["provider"]["id"])
    (line,) = settlement["lines"]
    assert line["quantity"] == 3 and days[1].isoformat() not in line["days"] and days[4].isoformat() not in line["days"]
    assert days[1].isoformat() in line["note"] and days[4].isoformat() in line["note"], (
        "the line names what it left out"
    )

    # the agency explains the hospital day, the bureau accepts it; the day after death is refused
    inpatient, after_death = by_code["bed_day_while_inpatient"]["id"], by_code["bed_day_after_death"]["id"]
    explained = await client.post(f"/api/v1/bed-day-flags/{inpatient}/explain",
                                  json={"explanation": "上午出院回院"}, headers=b["agency"])  # fmt: skip
    assert explained.status_code == 200 and explained.json()["status"] == "explained", explained.text
    assert (await client.post(f"/api/v1/bed-day-flags/{inpatient}/resolve", json={"resolution": "accepted"},
                              headers=b["agency"])).status_code == 403  # fmt: skip
    accepted = await client.post(f"/api/v1/bed-day-flags/{inpatient}/resolve",
                                 json={"resolution": "accepted", "note": "核实"}, headers=tokens["bureau"])  # fmt: skip
    assert accepted.json()["status"] == "resolved" and accepted.json()["resolution"] == "accepted"
    again = await client.post(f"/api/v1/bed-day-flags/{inpatient}/resolve",
                              json={"resolution": "refused"}, headers=tokens["bureau"])  # fmt: skip
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    await client.post(f"/api/v1/bed-day-flags/{after_death}/resolve", json={"resolution": "refused"},
                      headers=tokens["bureau"])  # fmt: skip
    settlement = await built(app, client, tokens["bureau"], str(period), b["provider"]["id"])
    (line,) = settlement["lines"]
    assert line["quantity"] == 4 and days[1].isoformat() in line["days"] and days[4].isoformat() not in line["days"]

    # approved: the month's census no longer changes
    for action, version in (("submit", settlement["version"]), ("approve", settlement["version"] + 1)):
        done = await client.post(f"/api/v1/settlements/{settlement['id']}/{action}",
                                 headers=tokens["bureau"] | {"If-Match": str(version)})  # fmt: skip
        assert done.status_code == 200, done.text
    locked = await client.post(
        "/api/v1/census",
        json={"day": days[0].isoformat(), "entries": [{"person_id": b["person_id"], "status": "leave"}]},
        headers=b["agency"],
    )
    assert locked.status_code == 409 and locked.json()["code"] == "census_period_settled"
    with pytest.raises(Exception, match="census_period_settled"):
        await CensusEntry.update({CensusEntry.status: "leave"}).where(
            (CensusEntry.person == b["person_id"]) & (CensusEntry.day == days[0])
        )


async def test_the_flagged_bed_days_page_offers_each_reader_its_own_step(app) -> None:
    from tests.helpers import HTML, signed_in_browser

    async with signed_in_browser(app, "agency-P01") as agency:
        page = await agency.get("/bed-day-flags", headers=HTML)
        assert page.status_code == 200 and "床日" in page.text and 'data-testid="bed-day-flags"' in page.text
        assert 'action="/bed-day-flags/resolve"' not in page.text
        refused = await agency.post(
            "/bed-day-flags/resolve", data={"flag_id": "1", "resolution": "accepted"}, headers=HTML
        )
        assert refused.status_code == 403
    async with signed_in_browser(app, "bureau") as bureau:
        page = await bureau.get("/bed-day-flags", headers=HTML)
        assert page.status_code == 200 and 'action="/bed-day-flags/explain"' not in page.text
    async with signed_in_browser(app, "assessor1") as assessor:
        assert (await assessor.get("/bed-day-flags", headers=HTML)).status_code == 403
