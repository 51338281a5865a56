"""Bad luck on the production runtime: PostgreSQL stopped and started under traffic, Redis
stopped and started while a build is asked for, the worker SIGKILLed and SIGTERMed mid-build.
Each test leaves the stack running for the next."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from tests.faults.stack import GRACE_SECONDS, PASSWORD, STALE_AFTER_SECONDS, Stack
from tests.helpers import HTML, csrf_token

pytestmark = pytest.mark.faults

PERIOD = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


async def bearer(http: httpx.AsyncClient) -> dict[str, str]:
    response = await http.post("/api/v1/auth/token", json={"username": "bureau", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def sign_in(browser: httpx.AsyncClient) -> None:
    form = await browser.get("/login", headers=HTML)
    response = await browser.post(
        "/login", data={"username": "bureau", "password": PASSWORD, "_csrf_token": csrf_token(form.text)}, headers=HTML
    )
    assert response.status_code in {301, 302, 303}, response.text


async def job_row(stack: Stack, job_id: str) -> dict[str, Any]:
    connection = await asyncpg.connect(stack.database_url)
    try:
        row = await connection.fetchrow("SELECT status, attempt, error FROM job WHERE id = $1", job_id)
    finally:
        await connection.close()
    assert row is not None
    return dict(row)


async def wait_for_status(stack: Stack, job_id: str, wanted: set[str], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        row = await job_row(stack, job_id)
        if row["status"] in wanted:
            return row
        assert time.monotonic() < deadline, f"job {job_id} is {row}, not {wanted}"
        await asyncio.sleep(0.1)


async def start_build(stack: Stack) -> str:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http:
        response = await http.post("/api/v1/settlements/build", json={"period": PERIOD}, headers=await bearer(http))
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def unhandled_errors(log: str) -> str:
    """The server's tracebacks of unhandled errors, to say why a request answered 500."""
    tracebacks = []
    for part in log.split("unhandled error on ")[1:]:
        lines = part.splitlines()
        # The request line, then the traceback up to the exception's own line.
        end = next((n for n, line in enumerate(lines[2:], 2) if line and not line[0].isspace()), len(lines))
        tracebacks.append("\n".join([lines[0], *lines[max(1, end - 6) : end + 1]]))
    return "\n".join(tracebacks) or log[-3000:]


async def test_postgres_stopped_under_traffic_answers_503_then_recovers(stack: Stack) -> None:
    seen: list[tuple[str, str, int, str, str]] = []  # phase, what, status, code, retry-after
    phase = "before"
    async with (
        httpx.AsyncClient(base_url=stack.base_url, timeout=10) as http,
        httpx.AsyncClient(base_url=stack.base_url, timeout=10) as browser,
    ):
        api = await bearer(http)
        await sign_in(browser)
        requests = {
            "api": lambda: http.get(f"/api/v1/settlements?period={PERIOD}", headers=api),
            "page": lambda: browser.get("/", headers=HTML),
            "health": lambda: http.get("/healthz"),
        }

        async def traffic(stop: asyncio.Event) -> None:
            while not stop.is_set():
                for what, send in requests.items():
                    response = await send()
                    code = ""
                    if response.headers.get("content-type", "").startswith("application/problem+json"):
                        code = response.json()["code"]
                    elif what == "page" and response.status_code == 503:
                        code = "page"
                    seen.append((phase, what, response.status_code, code, response.headers.get("retry-after", "")))
                await asyncio.sleep(0.05)

        stop = asyncio.Event()
        running = asyncio.create_task(traffic(stop))
        await asyncio.sleep(1)
        phase = "down"
        await asyncio.to_thread(stack.stop_postgres)
        await asyncio.sleep(5)
        phase = "restarting"
        await asyncio.to_thread(stack.start_postgres)
        deadline = time.monotonic() + 30
        while not any(p == "restarting" and w == "api" and s == 200 for p, w, s, _, _ in seen):
            assert time.monotonic() < deadline, "the app did not recover after PostgreSQL came back"
            await asyncio.sleep(0.2)
        phase = "after"
        await asyncio.sleep(1)
        stop.set()
        await running

    statuses = Counter((p, w, s) for p, w, s, _, _ in seen)
    server_errors = [entry for entry in seen if entry[2] >= 500 and entry[2] != 503]
    assert not server_errors, f"{statuses}\n{unhandled_errors(stack.log('web'))}"
    down = [entry for entry in seen if entry[0] == "down"]
    assert any(w == "api" and s == 503 and c == "database_unavailable" and int(r) > 0 for _, w, s, c, r in down)
    assert any(w == "page" and s == 503 and c == "page" for _, w, s, c, _ in down)
    assert any(w == "health" and s == 503 for _, w, s, _, _ in down)
    after = [entry for entry in seen if entry[0] == "after"]
    assert after and all(s == 200 for _, _, s, _, _ in after), statuses


async def test_redis_stopped_the_build_is_accepted_and_runs_when_redis_is_back(stack: Stack) -> None:
    worker = stack.start_worker()
    await asyncio.sleep(2)
    await asyncio.to_thread(stack.stop_redis)
    try:
        job_id = await start_build(stack)  # 202 although the queue is down: the row is the outbox
        await asyncio.sleep(2)
        assert (await job_row(stack, job_id))["status"] == "queued"
        assert worker.poll() is None, "the worker exited when Redis went away"
    finally:
        await asyncio.to_thread(stack.start_redis)
    row = await wait_for_status(stack, job_id, {"done", "failed"}, timeout=40)
    assert row["status"] == "done", row
    assert worker.poll() is None


class VisitsLocked:
    """Holds an exclusive lock on the visits, so a build that has begun waits mid-way."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    async def __aenter__(self) -> VisitsLocked:
        self.connection = await asyncpg.connect(self.stack.database_url)
        self.transaction = self.connection.transaction()
        await self.transaction.start()
        await self.connection.execute("LOCK TABLE visit IN ACCESS EXCLUSIVE MODE")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.transaction.rollback()
        await self.connection.close()


async def counts(stack: Stack) -> dict[str, int]:
    connection = await asyncpg.connect(stack.database_url)
    try:
        return {
            "settlements": await connection.fetchval("SELECT count(*) FROM settlement WHERE period = $1", PERIOD),
            "distinct_settlements": await connection.fetchval(
                "SELECT count(DISTINCT provider) FROM settlement WHERE period = $1", PERIOD
            ),
            "ledger_entries": await connection.fetchval("SELECT count(*) FROM ledger_entry"),
            "distinct_ledger_sources": await connection.fetchval("SELECT count(DISTINCT source_id) FROM ledger_entry"),
        }
    finally:
        await connection.close()


async def test_a_worker_killed_mid_build_has_its_job_run_again_once(stack: Stack) -> None:
    before = await counts(stack)
    for worker in stack.workers:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    victim = stack.start_worker()
    async with VisitsLocked(stack):
        job_id = await start_build(stack)
        await wait_for_status(stack, job_id, {"running"}, timeout=20)
        await asyncio.sleep(1)  # the body is waiting for the visits
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    assert (await job_row(stack, job_id))["status"] == "running"
    stack.start_worker()  # what a supervisor does: another worker
    began = time.monotonic()
    row = await wait_for_status(stack, job_id, {"done", "failed"}, timeout=STALE_AFTER_SECONDS + 40)
    assert row["status"] == "done" and row["attempt"] >= 1, row
    assert time.monotonic() - began < 120
    after = await counts(stack)
    assert after["settlements"] == after["distinct_settlements"]
    assert after["ledger_entries"] == after["distinct_ledger_sources"] == before["ledger_entries"]


async def test_a_worker_sigtermed_mid_build_exits_in_its_grace_period_and_the_job_runs_later(stack: Stack) -> None:
    for worker in stack.workers:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    worker = stack.start_worker()
    async with VisitsLocked(stack):
        job_id = await start_build(stack)
        await wait_for_status(stack, job_id, {"running"}, timeout=20)
        stopped = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(worker.wait, GRACE_SECONDS + 15)
        took = time.monotonic() - stopped
    assert code == 0, stack.log(f"worker-{len(stack.workers) - 1}")
    assert GRACE_SECONDS - 0.5 <= took < GRACE_SECONDS + 15
    assert (await job_row(stack, job_id))["status"] == "queued"  # put back for the next worker
    idle = stack.start_worker()
    row = await wait_for_status(stack, job_id, {"done", "failed"}, timeout=40)
    assert row["status"] == "done", row
    # An idle worker stops at once on SIGTERM.
    stopped = time.monotonic()
    idle.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(idle.wait, GRACE_SECONDS + 15) == 0
    assert time.monotonic() - stopped < GRACE_SECONDS + 5
