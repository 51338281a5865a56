"""A real arq Worker (burst mode) runs a job started over HTTP, on whichever queue the
session has: the in-memory stand-in, or the real Redis in CI."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import httpx

from ltc.db.tables import Job, Person
from ltc.runtime import build_worker
from ltc.services import jobs


async def run_burst_worker(app) -> int:
    runtime = app.state.runtime
    worker = build_worker(runtime.services, runtime.redis, burst=True, cron_jobs=False)
    await worker.main()
    return worker.jobs_complete


async def test_a_job_started_over_http_runs_in_the_worker_and_reports_progress(
    app, client: httpx.AsyncClient, auth
) -> None:
    headers = await auth("bureau")
    # Other tests' jobs may have placed every demo resident already: unplace three here.
    unplaced = [row["id"] for row in await Person.select(Person.id).where(Person.town.is_not_null()).limit(3)]
    await Person.update({Person.lat: None, Person.lon: None, Person.geocoded_by: ""}).where(Person.id.is_in(unplaced))
    before = await Person.count().where(Person.lat.is_null())
    assert before >= 3
    started = await client.post("/api/v1/geocoding/persons", headers=headers)
    assert started.status_code == 202
    job_id = started.json()["job_id"]
    queued = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
    assert queued["status"] == "queued" and queued["progress"] == 0

    assert await run_burst_worker(app) >= 1

    done = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
    assert done["status"] == "done" and done["progress"] == 1
    assert done["result"]["candidates"] == before
    assert done["result"]["geocoded"] + len(done["result"]["unresolved_person_ids"]) == before
    assert await Person.count().where(Person.lat.is_null()) == len(done["result"]["unresolved_person_ids"])
    # Another agency's or role's view of the job: not found, not revealed.
    other = await client.get(f"/api/v1/jobs/{job_id}", headers=await auth("agency-P01"))
    assert other.status_code == 404


async def test_running_a_finished_job_again_changes_nothing(app, services) -> None:
    job_id = await jobs.start_job(services, None, "geocode_persons")
    await run_burst_worker(app)
    first = (
        await Job.select(Job.status, Job.result, Job.finished_at).where(Job.id == job_id).output(load_json=True).first()
    )
    assert first["status"] == "done"
    assert await jobs.execute_job(services, job_id) == "done"
    again = (
        await Job.select(Job.status, Job.result, Job.finished_at).where(Job.id == job_id).output(load_json=True).first()
    )
    assert again == first


async def test_a_job_whose_message_was_lost_is_requeued_and_run(app, fixed_services) -> None:
    lost = uuid4()  # arq keeps a finished job id's result in Redis a while, across test runs
    await Job.insert(
        Job(
            id=lost,
            kind="geocode_persons",
            status="queued",
            params={},
            created_at=fixed_services.clock.now() - timedelta(hours=1),
        )
    )
    assert await jobs.requeue_stalled_jobs(fixed_services) >= 1
    await run_burst_worker(app)
    assert (await Job.select(Job.status).where(Job.id == lost).first())["status"] == "done"
