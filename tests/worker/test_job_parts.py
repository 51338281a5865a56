"""A job fanned out into parts: the parts stored once, run by the ordinary machinery, the
parent concluded exactly once by the last part, failed by a failed part (its parts then
never run again), and left alone by a stopping worker and the stalled-job sweep while it waits."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from ltc.db.tables import Job
from ltc.domain.access import Action
from ltc.services import job_parts, jobs
from ltc.services.context import ServiceContext
from ltc.web import refusal_words
from ltc.web.formatting import error_message
from ltc.web.job_summaries import describe
from tests.worker.test_outbox_and_heartbeat import RecordingQueue


class FannedParams(jobs.JobParams):
    parts: int = 3
    tag: str = ""
    fail_part: int | None = None


class PartParams(jobs.JobParams):
    tag: str
    number: int
    fail: bool = False


class PartDone(BaseModel):
    number: int


class Whole(BaseModel):
    numbers: list[int]
    conclusions: int


PART_RUNS: dict[str, int] = {}
CONCLUSIONS: dict[str, int] = {}
PART_GATES: dict[str, asyncio.Event] = {}


@jobs.register_job_kind("test_fanned", action=Action.MANAGE_USERS, params=FannedParams)
async def fanned(ctx: ServiceContext, params: FannedParams, progress: Any) -> job_parts.FanOut:
    return job_parts.FanOut(
        "test_part",
        [PartParams(tag=params.tag, number=n, fail=n == params.fail_part) for n in range(params.parts)],
    )


@jobs.register_conclusion("test_fanned", part_result=PartDone)
async def conclude_fanned(ctx: ServiceContext, params: FannedParams, parts: list[PartDone], progress: Any) -> Whole:
    CONCLUSIONS[params.tag] = CONCLUSIONS.get(params.tag, 0) + 1
    return Whole(numbers=[p.number for p in parts], conclusions=CONCLUSIONS[params.tag])


@jobs.register_job_kind("test_part", action=Action.MANAGE_USERS, params=PartParams)
async def part(ctx: ServiceContext, params: PartParams, progress: Any) -> PartDone:
    key = f"{params.tag}:{params.number}"
    PART_RUNS[key] = PART_RUNS.get(key, 0) + 1
    if key in PART_GATES:
        await PART_GATES[key].wait()
    if params.fail:
        raise ValueError("the part's own reason")
    return PartDone(number=params.number)


@pytest.fixture(autouse=True)
async def leave_no_test_job_behind():
    yield
    for gate in PART_GATES.values():
        gate.set()
    await Job.update({Job.status: "failed"}).where(Job.kind.is_in(["test_fanned", "test_part"]))


class StuckQueue(RecordingQueue):
    """A queue whose first message never gets its answer: the worker is stopped meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.reached = asyncio.Event()

    async def enqueue(self, kind: str, job_id: UUID, attempt: int = 0, *, defer_seconds: float = 0) -> None:
        if not self.reached.is_set():
            self.reached.set()
            await asyncio.Event().wait()
        await super().enqueue(kind, job_id, attempt, defer_seconds=defer_seconds)


async def job(job_id: UUID) -> dict[str, Any]:
    found = await Job.select().where(Job.id == job_id).output(load_json=True).first()
    assert found is not None
    return found


async def parts_of(parent: UUID) -> list[dict[str, Any]]:
    rows = await Job.select().where(Job.parent == parent).output(load_json=True)
    return sorted(rows, key=lambda r: job_parts.part_number(r["part_key"]))


async def fanned_out(services: ServiceContext, params: FannedParams) -> UUID:
    parent = await jobs.start_job(services, None, "test_fanned", params)
    assert await jobs.execute_job(services, parent, 0) == "waiting"
    return parent


async def test_a_fanned_out_job_waits_for_its_parts_and_the_last_one_concludes_it(fixed_services) -> None:
    queue = RecordingQueue()
    services = replace(fixed_services, queue=queue)
    parent = await fanned_out(services, FannedParams(tag="whole"))
    waiting = await job(parent)
    assert (waiting["status"], waiting["parts"], waiting["parts_done"]) == ("running", 3, 0)
    parts = await parts_of(parent)
    assert [p["part_key"] for p in parts] == [f"{parent}:{n}" for n in range(3)]
    assert all((p["id"], 0, 0) in queue.enqueued for p in parts)
    assert await jobs.execute_job(services, parts[0]["id"], 0) == "done"
    assert (await job(parent))["progress"] == pytest.approx(1 / 3)
    assert await jobs.execute_job(services, parts[1]["id"], 0) == "done"
    assert not [e for e in queue.enqueued if e[0] == parent and e[1] > 0]
    assert await jobs.execute_job(services, parts[2]["id"], 0) == "done"
    assert (parent, 1, 0) in queue.enqueued  # the last part requeued the parent for its conclusion
    assert await jobs.execute_job(services, parent, 1) == "done"
    done = await job(parent)
    assert done["result"] == {"numbers": [0, 1, 2], "conclusions": 1} and done["progress"] == 1
    assert await jobs.execute_job(services, parent, 1) == "done"  # a redelivery does nothing
    assert CONCLUSIONS["whole"] == 1


async def test_the_fan_out_run_again_adds_no_part_twice(fixed_services) -> None:
    services = replace(fixed_services, queue=RecordingQueue())
    parent = await fanned_out(services, FannedParams(tag="again"))
    fan_out = await fanned(services, FannedParams(tag="again"), None)
    again = await job_parts.insert_parts(parent, 0, fan_out, services.clock.now())
    assert again is not None and len(again) == 3
    assert len(await parts_of(parent)) == 3 and (await job(parent))["parts"] == 3
    # An attempt that no longer holds the parent stores nothing.
    assert await job_parts.insert_parts(parent, 7, fan_out, services.clock.now()) is None


async def test_the_last_two_parts_finishing_at_once_conclude_the_parent_once(fixed_services) -> None:
    queue = RecordingQueue()
    services = replace(fixed_services, queue=queue)
    parent = await fanned_out(services, FannedParams(tag="race"))
    parts = await parts_of(parent)
    assert await jobs.execute_job(services, parts[0]["id"], 0) == "done"
    gate = asyncio.Event()
    PART_GATES["race:1"] = PART_GATES["race:2"] = gate
    racing = [asyncio.create_task(jobs.execute_job(services, p["id"], 0)) for p in parts[1:]]
    while PART_RUNS.get("race:1", 0) + PART_RUNS.get("race:2", 0) < 2:
        await asyncio.sleep(0.01)
    gate.set()
    assert await asyncio.gather(*racing) == ["done", "done"]
    assert [e for e in queue.enqueued if e[0] == parent and e[1] > 0] == [(parent, 1, 0)]
    assert (await job(parent))["parts_done"] == 3
    assert await jobs.execute_job(services, parent, 1) == "done"
    assert CONCLUSIONS["race"] == 1


async def test_a_failed_part_fails_the_parent_with_its_reason(fixed_services) -> None:
    services = replace(fixed_services, queue=RecordingQueue())
    parent = await fanned_out(services, FannedParams(tag="fails", fail_part=1))
    parts = await parts_of(parent)
    assert await jobs.execute_job(services, parts[1]["id"], 0) == "failed"
    failed = await job(parent)
    assert failed["status"] == "failed" and failed["error"] == "ValueError: part 2 — the part's own reason"
    # The parts not begun are not run; the parent is never concluded.
    stopped = await parts_of(parent)
    assert [p["status"] for p in stopped] == ["failed", "failed", "failed"]
    assert stopped[0]["error"] == stopped[2]["error"] == "part_failed: another part failed"
    # The job page reads each one's own code: the part's unexpected error, the others' sentence.
    page = describe(view(stopped[0]))
    assert page.failure_code == "part_failed" and page.failure == error_message("part_failed")
    assert "part_failed" in refusal_words.ERROR_MESSAGES
    assert describe(view(failed)).failure_code == "ValueError"
    assert await jobs.execute_job(services, parts[0]["id"], 0) == "failed"
    assert "fails" not in CONCLUSIONS


def view(row: dict[str, Any]) -> jobs.JobView:
    return jobs.JobView.model_validate({name: row[name] for name in jobs.JobView.model_fields})


@settings(max_examples=50, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_characters=":"), min_size=1, max_size=20),
    st.text(max_size=30),
    st.integers(0, 500),
)
def test_a_failed_parts_reason_in_its_parent_begins_with_the_parts_own_code(code, detail, number) -> None:  # type: ignore[no-untyped-def]
    reason = job_parts.parent_failure(f"p:{number}", f"{code}: {detail}")
    assert reason.split(":", 1)[0].strip() == code.strip()
    assert f"part {number + 1}" in reason and reason.endswith(detail.strip())


async def test_a_worker_stopped_while_handing_over_the_parts_leaves_the_parent_waiting_on_them(
    fixed_services,
) -> None:
    queue = RecordingQueue()
    services = replace(fixed_services, queue=queue)
    parent = await jobs.start_job(services, None, "test_fanned", FannedParams(tag="stopped"))
    stuck = StuckQueue()
    running = asyncio.create_task(jobs.execute_job(replace(services, queue=stuck), parent, 0))
    await asyncio.wait_for(stuck.reached.wait(), 10)  # the parts are stored; the first is being handed over
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    waiting = await job(parent)
    assert (waiting["status"], waiting["attempt"], waiting["parts"], waiting["parts_done"]) == ("running", 0, 3, 0)
    # A redelivered message does not conclude it; the sweep leaves it and hands the parts over.
    assert await jobs.execute_job(services, parent, 0) == "waiting"
    stale = services.clock.now() - timedelta(minutes=10)
    await Job.update({Job.heartbeat_at: stale}).where(Job.id == parent)
    await jobs.requeue_stalled_jobs(services)
    assert ((await job(parent))["status"], (await job(parent))["attempt"]) == ("running", 0)
    parts = await parts_of(parent)
    assert all((p["id"], 0, 0) in queue.enqueued for p in parts)
    for p in parts:
        assert await jobs.execute_job(services, p["id"], 0) == "done"
    assert await jobs.execute_job(services, parent, 1) == "done"
    assert (await job(parent))["result"] == {"numbers": [0, 1, 2], "conclusions": 1}


async def test_a_parent_queued_with_parts_still_running_answers_waiting(fixed_services) -> None:
    services = replace(fixed_services, queue=RecordingQueue())
    parent = await fanned_out(services, FannedParams(tag="early", parts=2))
    assert await jobs.execute_job(services, (await parts_of(parent))[0]["id"], 0) == "done"
    await Job.update({Job.status: "queued", Job.attempt: 1}).where(Job.id == parent)
    assert await jobs.execute_job(services, parent, 1) == "waiting"
    assert (await job(parent))["status"] == "queued" and "early" not in CONCLUSIONS


async def test_a_part_whose_parent_failed_is_not_run_again(fixed_services) -> None:
    services = replace(fixed_services, queue=RecordingQueue())
    parent = await fanned_out(services, FannedParams(tag="orphan", fail_part=2))
    parts = await parts_of(parent)
    # The first part's worker began it and was killed; then the third part failed the parent.
    stale = services.clock.now() - timedelta(minutes=10)
    await Job.update({Job.status: "running", Job.started_at: stale, Job.heartbeat_at: stale}).where(
        Job.id == parts[0]["id"]
    )
    assert await jobs.execute_job(services, parts[2]["id"], 0) == "failed"
    assert (await job(parts[0]["id"]))["status"] == "running"
    await jobs.requeue_stalled_jobs(services)
    dropped = await job(parts[0]["id"])
    assert (dropped["status"], dropped["attempt"], dropped["error"]) == ("failed", 0, job_parts.ABANDONED)
    # A part queued again before its parent failed is claimed and does nothing.
    await Job.update({Job.status: "queued", Job.attempt: 1, Job.error: ""}).where(Job.id == parts[1]["id"])
    assert await jobs.execute_job(services, parts[1]["id"], 1) == "failed"
    assert (await job(parts[1]["id"]))["error"] == job_parts.ABANDONED
    assert "orphan:0" not in PART_RUNS and "orphan:1" not in PART_RUNS
    assert (await job(parent))["error"] == "ValueError: part 3 — the part's own reason"


async def test_the_sweep_leaves_a_waiting_parent_and_reruns_a_crashed_part_which_completes_the_whole_once(
    fixed_services,
) -> None:
    queue = RecordingQueue()
    services = replace(fixed_services, queue=queue)
    parent = await fanned_out(services, FannedParams(tag="crash", parts=2))
    parts = await parts_of(parent)
    assert await jobs.execute_job(services, parts[0]["id"], 0) == "done"
    # The second part's worker was killed mid-way; the parent's last beat is long gone too.
    stale = services.clock.now() - timedelta(minutes=10)
    await Job.update({Job.status: "running", Job.started_at: stale, Job.heartbeat_at: stale}).where(
        Job.id == parts[1]["id"]
    )
    await Job.update({Job.heartbeat_at: stale}).where(Job.id == parent)
    await jobs.requeue_stalled_jobs(services)
    assert ((await job(parent))["status"], (await job(parent))["attempt"]) == ("running", 0)
    assert ((await job(parts[1]["id"]))["status"], (await job(parts[1]["id"]))["attempt"]) == ("queued", 1)
    assert await jobs.execute_job(services, parts[1]["id"], 0) == "superseded"
    assert await jobs.execute_job(services, parts[1]["id"], 1) == "done"
    assert await jobs.execute_job(services, parent, 1) == "done"
    assert (await job(parent))["result"] == {"numbers": [0, 1], "conclusions": 1}
    assert PART_RUNS["crash:1"] == 1 and CONCLUSIONS["crash"] == 1


async def test_a_fan_out_into_no_parts_concludes_at_once(fixed_services) -> None:
    services = replace(fixed_services, queue=RecordingQueue())
    parent = await jobs.start_job(services, None, "test_fanned", FannedParams(tag="none", parts=0))
    assert await jobs.execute_job(services, parent, 0) == "done"
    assert (await job(parent))["result"] == {"numbers": [], "conclusions": 1}


async def test_a_conclusion_whose_worker_died_is_run_again_by_the_sweep(fixed_services) -> None:
    services = replace(fixed_services, queue=RecordingQueue())
    parent = await fanned_out(services, FannedParams(tag="dies", parts=2))
    for p in await parts_of(parent):
        assert await jobs.execute_job(services, p["id"], 0) == "done"
    # The worker that claimed the conclusion (attempt 1) was killed before it finished.
    stale = services.clock.now() - timedelta(minutes=10)
    await Job.update({Job.status: "running", Job.heartbeat_at: stale}).where(Job.id == parent)
    await jobs.requeue_stalled_jobs(services)
    assert ((await job(parent))["status"], (await job(parent))["attempt"]) == ("queued", 2)
    assert await jobs.execute_job(services, parent, 2) == "done"
    assert (await job(parent))["result"] == {"numbers": [0, 1], "conclusions": 1}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(), max_size=40), st.integers(1, 12))
def test_even_slices_keep_every_item_once_in_order_in_slices_of_near_equal_size(items, count) -> None:  # type: ignore[no-untyped-def]
    slices = job_parts.even_slices(items, count)
    assert [item for part in slices for item in part] == items
    assert all(slices) and len(slices) == min(count, len(items))
    assert not slices or max(map(len, slices)) - min(map(len, slices)) <= 1
