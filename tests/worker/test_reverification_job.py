"""Hospital stays imported for more than a handful of persons: their visits are verified again
by a job fanned out into parts, run here by a real arq worker; run again, it opens nothing twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ltc.db.tables import Job, Person, VisitException
from ltc.services import jobs
from ltc.services.visits.records import INLINE_REVERIFICATION
from ltc.services.visits.values import ReverifyPersonsParams
from tests.web.test_assessment_workflow import today
from tests.web.test_visits import adhoc_visit, beneficiary, event
from tests.worker.test_worker import run_burst_worker


async def test_many_persons_stays_are_verified_again_by_a_job_in_parts(app, client, auth, services) -> None:
    b = await beneficiary(client, auth)
    visit = await adhoc_visit(client, b, minutes_ago=70)
    home = (visit["person_lat"], visit["person_lon"])
    checked_in = await client.post(
        f"/api/v1/visits/{visit['id']}/check-in",
        json=event(datetime.now(UTC) - timedelta(minutes=65), *home),
        headers=b["agency"],
    )
    assert checked_in.status_code in (200, 201), checked_in.text
    bureau = await auth("bureau")
    others = (
        await Person.select(Person.id)
        .where(Person.id != b["person_id"])
        .order_by(Person.id)
        .limit(INLINE_REVERIFICATION)
    )
    stays = []
    for person_id in [b["person_id"], *(r["id"] for r in others)]:
        person = (await client.get(f"/api/v1/persons/{person_id}", headers=bureau)).json()
        # The others' stays are long past: no visit of theirs is on those days.
        admitted = today() - timedelta(days=2) if person_id == b["person_id"] else date(2001, 1, 1)
        stays.append(
            {"id_number": person["id_number"], "admitted_on": admitted.isoformat(), "hospital": "奉化区人民医院"}
        )

    imported = await client.post("/api/v1/hospital-stays", json={"stays": stays}, headers=bureau)
    assert imported.status_code == 200, imported.text
    body = imported.json()
    assert body["persons"] == INLINE_REVERIFICATION + 1 and body["visits_verified_again"] == 0
    job_id = body["reverification_job_id"]
    assert await run_burst_worker(app) >= 1
    done = (await client.get(f"/api/v1/jobs/{job_id}", headers=bureau)).json()
    assert done["status"] == "done", done
    assert done["parts"] == done["parts_done"] == min(services.settings.job_parts, INLINE_REVERIFICATION + 1)
    assert done["result"]["persons"] == INLINE_REVERIFICATION + 1 and done["result"]["visits_verified_again"] >= 1
    flagged = (await client.get(f"/api/v1/visits/{visit['id']}", headers=b["agency"])).json()
    assert "person_inpatient" in flagged["flags"]
    opened = await VisitException.select(VisitException.code, VisitException.status).where(
        VisitException.visit == visit["id"]
    )
    assert {"code": "person_inpatient", "status": "open"} in opened

    # The same persons verified again: nothing opened twice.
    again = await jobs.start_job(
        services,
        None,
        "reverify_persons",
        ReverifyPersonsParams.model_validate(
            {"persons": [{"person_id": b["person_id"]}, *({"person_id": r["id"]} for r in others)]}
        ),
    )
    await run_burst_worker(app)
    assert (await Job.select(Job.status).where(Job.id == again).first())["status"] == "done"
    assert (
        await VisitException.select(VisitException.code, VisitException.status).where(
            VisitException.visit == visit["id"]
        )
        == opened
    )
