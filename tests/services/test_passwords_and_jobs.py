from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from ltc.db.tables import Job
from ltc.domain.access import Action, Actor, Role
from ltc.domain.errors import Forbidden, NotFound
from ltc.services import jobs
from ltc.services.passwords import Passwords


async def test_passwords_hash_with_argon2id_and_verify() -> None:
    passwords = Passwords(time_cost=1, memory_kib=64)
    stored = await passwords.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert await passwords.verify(stored, "correct horse")
    assert not await passwords.verify(stored, "wrong horse")
    assert not await passwords.verify(None, "not-a-password")  # the dummy hash never signs anyone in
    assert not await passwords.verify("garbage", "x")


class RecordingQueue:
    def __init__(self) -> None:
        self.enqueued: list[tuple[str, Any]] = []

    async def enqueue(self, kind: str, job_id, attempt: int = 0, *, defer_seconds: float = 0) -> None:
        self.enqueued.append((kind, job_id))


@jobs.register_job_kind("test_failing", action=Action.MANAGE_USERS)
async def failing_job(ctx, params, progress):
    await progress(0.5)
    raise RuntimeError("boom")


class EchoParams(jobs.JobParams):
    n: int = 1


class EchoResult(BaseModel):
    doubled: int


@jobs.register_job_kind("test_echo", action=Action.MANAGE_USERS, params=EchoParams)
async def echo_job(ctx, params: EchoParams, progress) -> EchoResult:
    return EchoResult(doubled=params.n * 2)


async def test_a_job_gets_its_params_model_back_and_stores_its_result_model(fixed_services) -> None:
    from dataclasses import replace

    services = replace(fixed_services, queue=RecordingQueue())
    job_id = await jobs.start_job(services, None, "test_echo", EchoParams(n=21))
    assert await jobs.execute_job(services, job_id) == "done"
    row = await Job.select(Job.params, Job.result).where(Job.id == job_id).output(load_json=True).first()
    assert row == {"params": {"n": 21}, "result": {"doubled": 42}}
    defaulted = await jobs.start_job(services, None, "test_echo")
    assert await jobs.execute_job(services, defaulted) == "done"
    assert (await Job.select(Job.result).where(Job.id == defaulted).output(load_json=True).first())["result"] == {
        "doubled": 2
    }
    with pytest.raises(TypeError):
        await jobs.start_job(services, None, "test_echo", jobs.NoParams())


async def test_a_failing_job_is_marked_failed_with_its_error(fixed_services) -> None:
    from dataclasses import replace

    queue = RecordingQueue()
    services = replace(fixed_services, queue=queue)
    job_id = await jobs.start_job(services, None, "test_failing")
    assert queue.enqueued == [("test_failing", job_id)]
    assert await jobs.execute_job(services, job_id) == "failed"
    row = await Job.select(Job.status, Job.error, Job.progress).where(Job.id == job_id).first()
    assert row["status"] == "failed" and "boom" in row["error"] and row["progress"] == 0.5


async def test_starting_a_job_checks_the_role_and_the_kind(fixed_services) -> None:
    assessor = Actor(user_id=1, username="a", role=Role.ASSESSOR)
    with pytest.raises(Forbidden):
        await jobs.start_job(fixed_services, assessor, "geocode_persons")
    with pytest.raises(NotFound):
        await jobs.start_job(fixed_services, None, "no_such_kind")
