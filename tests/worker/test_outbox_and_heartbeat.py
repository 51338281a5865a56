"""The job row as the outbox, attempts, heartbeats, the dead-worker sweep and serial kinds,
on the services (a recording queue) and with a real arq burst worker."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import BaseModel

from ltc.db.tables import Job
from ltc.domain.access import Action
from ltc.runtime import build_worker
from ltc.services import jobs
from ltc.services.context import ServiceContext


class RecordingQueue:
    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.enqueued: list[tuple[UUID, int, float]] = []

    async def enqueue(self, kind: str, job_id: UUID, attempt: int = 0, *, defer_seconds: float = 0) -> None:
        if self.down:
            raise ConnectionRefusedError("redis is stopped")
        self.enqueued.append((job_id, attempt, defer_seconds))


class Counted(BaseModel):
    runs: int


RUNS: dict[str, int] = {}
GATES: dict[str, asyncio.Event] = {}


class GateParams(jobs.JobParams):
    gate: str = ""


async def _counted(params: GateParams) -> Counted:
    RUNS[params.gate] = RUNS.get(params.gate, 0) + 1
    if params.gate in GATES:
        await GATES[params.gate].wait()
    return Counted(runs=RUNS[params.gate])


@jobs.register_job_kind("test_counted", action=Action.MANAGE_USERS, params=GateParams)
async def counted_job(ctx: ServiceContext, params: GateParams, progress: Any) -> Counted:
    return await _counted(params)


@jobs.register_job_kind("test_serial", action=Action.MANAGE_USERS, params=GateParams, serial=True)
async def serial_job(ctx: ServiceContext, params: GateParams, progress: Any) -> Counted:
    return await _counted(params)


@pytest.fixture(autouse=True)
async def leave_no_test_job_behind():
    """Other tests run every queued job with a real worker: leave none of these kinds."""
    yield
    for gate in GATES.values():
        gate.set()
    await Job.update({Job.status: "failed"}).where(Job.kind.is_in(["test_counted", "test_serial"]))


async def row(job_id: UUID) -> dict[str, Any]:
    found = await Job.select(Job.status, Job.attempt, Job.heartbeat_at, Job.error).where(Job.id == job_id).first()
    assert found is not None
    return found


def with_settings(services: ServiceContext, **changes: Any) -> ServiceContext:
    return replace(services, settings=services.settings.model_copy(update=changes))


async def test_a_job_started_while_the_queue_is_down_is_kept_and_dispatched_later(fixed_services) -> None:
    down = RecordingQueue(down=True)
    job_id = await jobs.start_job(replace(fixed_services, queue=down), None, "test_counted", GateParams(gate="outbox"))
    assert (await row(job_id))["status"] == "queued"
    back = RecordingQueue()
    assert await jobs.dispatch_pending_jobs(replace(fixed_services, queue=back)) >= 1
    assert (job_id, 0, 0) in back.enqueued


async def test_the_dispatcher_stops_at_a_queue_that_is_down_and_keeps_the_rows(fixed_services) -> None:
    job_id = await jobs.start_job(replace(fixed_services, queue=RecordingQueue(down=True)), None, "test_counted")
    assert await jobs.dispatch_pending_jobs(replace(fixed_services, queue=RecordingQueue(down=True))) == 0
    assert (await row(job_id))["status"] == "queued"


async def test_a_running_job_whose_heartbeat_stopped_runs_again_under_a_new_attempt(fixed_services) -> None:
    queue = RecordingQueue()
    services = replace(fixed_services, queue=queue)
    now = services.clock.now()
    dead, alive = UUID(int=0xDEAD), UUID(int=0xA11E)
    await Job.delete().where(Job.id.is_in([dead, alive]))
    for job_id, beat in ((dead, now - timedelta(minutes=2)), (alive, now - timedelta(seconds=5))):
        await Job.insert(
            Job(
                id=job_id,
                kind="test_counted",
                status="running",
                params={"gate": str(job_id)},
                created_at=now,
                started_at=now - timedelta(minutes=3),
                heartbeat_at=beat,
                attempt=2,
            )
        )
    await jobs.requeue_stalled_jobs(services)
    assert (await row(dead))["status"] == "queued" and (await row(dead))["attempt"] == 3
    assert (dead, 3, 0) in queue.enqueued
    assert (await row(alive))["status"] == "running" and (await row(alive))["attempt"] == 2
    # The dead worker's message (attempt 2) is void; the new attempt runs the job.
    assert await jobs.execute_job(services, dead, 2) == "superseded"
    assert await jobs.execute_job(services, dead, 3) == "done"
    assert RUNS[str(dead)] == 1
    await Job.delete().where(Job.id == alive)


async def test_two_deliveries_of_one_attempt_run_the_body_once(fixed_services) -> None:
    services = replace(fixed_services, queue=RecordingQueue())
    GATES["twice"] = gate = asyncio.Event()
    job_id = await jobs.start_job(services, None, "test_counted", GateParams(gate="twice"))
    first = asyncio.create_task(jobs.execute_job(services, job_id, 0))
    while (await row(job_id))["status"] != "running":
        await asyncio.sleep(0.01)
    assert await jobs.execute_job(services, job_id, 0) == "taken"
    gate.set()
    assert await first == "done"
    assert RUNS["twice"] == 1


async def test_a_running_job_beats_and_stops_when_another_attempt_took_it(fixed_services) -> None:
    services = with_settings(replace(fixed_services, queue=RecordingQueue()), job_heartbeat_seconds=0.05)
    GATES["beat"] = asyncio.Event()  # never set: the body runs until it is stopped
    job_id = await jobs.start_job(services, None, "test_counted", GateParams(gate="beat"))
    running = asyncio.create_task(jobs.execute_job(services, job_id, 0))
    while (await row(job_id))["status"] != "running":
        await asyncio.sleep(0.01)
    await Job.update({Job.heartbeat_at: None}).where(Job.id == job_id)
    while (await row(job_id))["heartbeat_at"] is None:
        await asyncio.sleep(0.02)
    # The sweep gave the row to attempt 1 (this worker was thought dead): attempt 0 stops.
    await Job.update({Job.status: "queued", Job.attempt: 1}).where(Job.id == job_id)
    assert await asyncio.wait_for(running, 5) == "superseded"
    assert (await row(job_id))["status"] == "queued"


async def test_a_job_cancelled_by_a_stopping_worker_goes_back_to_the_queue(fixed_services) -> None:
    queue = RecordingQueue()
    services = replace(fixed_services, queue=queue)
    GATES["stop"] = asyncio.Event()
    job_id = await jobs.start_job(services, None, "test_counted", GateParams(gate="stop"))
    running = asyncio.create_task(jobs.execute_job(services, job_id, 0))
    while (await row(job_id))["status"] != "running":
        await asyncio.sleep(0.01)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert (await row(job_id))["status"] == "queued" and (await row(job_id))["attempt"] == 1
    assert (job_id, 1, 0) in queue.enqueued


async def test_a_serial_kind_runs_one_job_at_a_time_and_the_next_waits(fixed_services) -> None:
    queue = RecordingQueue()
    services = replace(fixed_services, queue=queue)
    GATES["serial-a"] = gate = asyncio.Event()
    first = await jobs.start_job(services, None, "test_serial", GateParams(gate="serial-a"))
    second = await jobs.start_job(services, None, "test_serial", GateParams(gate="serial-b"))
    running = asyncio.create_task(jobs.execute_job(services, first, 0))
    while (await row(first))["status"] != "running":
        await asyncio.sleep(0.01)
    assert await jobs.execute_job(services, second, 0) == "waiting"
    assert (await row(second))["status"] == "queued" and (await row(second))["attempt"] == 1
    assert (second, 1, services.settings.job_serial_wait_seconds) in queue.enqueued
    assert "serial-b" not in RUNS
    gate.set()
    assert await running == "done"
    assert (second, 1, 0) in queue.enqueued  # the finished one hands the next to the queue
    assert await jobs.execute_job(services, second, 1) == "done"


async def test_a_job_of_a_killed_worker_runs_again_in_a_real_worker(app, fixed_services) -> None:
    """arq's in-progress key of the dead attempt (it lives an hour) does not hold up the rerun."""
    runtime = app.state.runtime
    services = replace(fixed_services, queue=runtime.services.queue)
    job_id = await jobs.start_job(services, None, "test_counted", GateParams(gate="killed"))
    # A worker took attempt 0, marked the row running, and was killed: its arq keys stay.
    await runtime.redis.set(f"arq:in-progress:{job_id}:0", b"1", ex=3600)
    stale = services.clock.now() - timedelta(minutes=5)
    await Job.update({Job.status: "running", Job.started_at: stale, Job.heartbeat_at: stale}).where(Job.id == job_id)
    await jobs.requeue_stalled_jobs(services)
    # Not a burst worker: the dead attempt's message stays in the queue until its key expires.
    worker = build_worker(runtime.services, runtime.redis, cron_jobs=False)
    running = asyncio.create_task(worker.main())
    try:
        async with asyncio.timeout(60):
            while (await row(job_id))["status"] != "done":
                await asyncio.sleep(0.05)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        for task in worker.tasks.values():
            task.cancel()
    assert (await row(job_id))["attempt"] == 1
    assert RUNS["killed"] == 1
    await runtime.redis.delete(f"arq:in-progress:{job_id}:0", f"arq:job:{job_id}:0")
    await runtime.redis.zrem(runtime.settings.queue_name, f"{job_id}:0")


async def test_two_serial_jobs_claimed_at_once_run_one_at_a_time(fixed_services) -> None:
    services = replace(fixed_services, queue=RecordingQueue())
    GATES["race-a"] = GATES["race-b"] = gate = asyncio.Event()
    first = await jobs.start_job(services, None, "test_serial", GateParams(gate="race-a"))
    second = await jobs.start_job(services, None, "test_serial", GateParams(gate="race-b"))
    racing = [asyncio.create_task(jobs.execute_job(services, job_id, 0)) for job_id in (first, second)]
    done, pending = await asyncio.wait(racing, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    assert [task.result() for task in done] == ["waiting"] and len(pending) == 1
    assert sorted([(await row(first))["status"], (await row(second))["status"]]) == ["queued", "running"]
    gate.set()
    assert (await asyncio.gather(*pending)) == ["done"]


def test_payment_runs_are_a_serial_kind() -> None:
    import ltc.services.settlements.workflow  # noqa: F401  (registers the kind)

    assert jobs.job_kind("pay_settlements").serial


async def test_the_worker_stops_on_sigterm_within_its_grace_and_puts_the_running_job_back(app, services) -> None:
    import os
    import signal

    from ltc.runtime import run_worker

    runtime = app.state.runtime
    quick = with_settings(services, worker_grace_seconds=0.3)
    GATES["sigterm"] = asyncio.Event()  # never set during the run: the job outlives the grace
    job_id = await jobs.start_job(quick, None, "test_counted", GateParams(gate="sigterm"))
    worker = asyncio.create_task(run_worker(quick, runtime.redis))
    async with asyncio.timeout(30):
        while (await row(job_id))["status"] != "running":
            await asyncio.sleep(0.02)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(worker, 15)  # returns: `ltc worker` exits 0
    assert (await row(job_id))["status"] == "queued" and (await row(job_id))["attempt"] == 1
