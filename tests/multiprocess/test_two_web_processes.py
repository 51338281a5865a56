"""Two real web processes over one database, as two web containers behind one proxy: what
one process learns (a sign-in, a sign-out, failed attempts, a job) the other knows at once,
because it lives in the database (and Redis), never in a process's memory. Runs on the
session's kind of database: a SQLite file, or a scratch database on the PostgreSQL server
(and the Redis) that LTC_DATABASE_URL (and LTC_REDIS_URL) name, where the second server
is itself several processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ltc.bench.scratch import scratch_database
from ltc.settings import PROJECT_ROOT
from tests.helpers import HTML, csrf_token
from tests.multiprocess.prepare import USERNAME
from tests.multiprocess.servers import PASSWORD, WebProcess, web_processes

pytestmark = pytest.mark.multiprocess

JOB_SECONDS = 60.0


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[tuple[dict[str, str], list[WebProcess]]]:
    # With a Redis to share, B is itself `ltc serve --workers 2` (uvicorn's processes on one port).
    workers = (1, 2) if os.environ.get("LTC_REDIS_URL") else (1, 1)
    async with scratch_database("scale") as url:
        with web_processes(url, workers) as running:
            yield running


@pytest.fixture
async def a_and_b(deployment: tuple[dict[str, str], list[WebProcess]]) -> AsyncIterator[list[httpx.AsyncClient]]:
    _, servers = deployment
    clients = [httpx.AsyncClient(base_url=server.base_url, timeout=30) for server in servers]
    yield clients
    for client in clients:
        await client.aclose()


def _forwarded(address: str) -> dict[str, str]:
    # Loopback is the trusted proxy by default: its X-Forwarded-For names the client.
    return {"X-Forwarded-For": address}


async def _token(client: httpx.AsyncClient, **headers: str) -> str:
    response = await client.post(
        "/api/v1/auth/token", json={"username": USERNAME, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def test_a_page_session_and_its_csrf_token_from_one_process_work_on_the_other(
    deployment: tuple[dict[str, str], list[WebProcess]],
) -> None:
    a, b = (server.base_url for server in deployment[1])
    # One browser (one cookie jar: cookies do not tell ports apart) whose requests are spread
    # over both processes; the login form comes from B (its CSRF cookie signed there).
    async with httpx.AsyncClient(timeout=30) as browser:
        form = await browser.get(f"{b}/login", headers=HTML)
        signed_in = await browser.post(
            f"{a}/login",
            data={"username": USERNAME, "password": PASSWORD, "_csrf_token": csrf_token(form.text)},
            headers={**HTML, **_forwarded("198.51.100.1")},
        )
        assert signed_in.status_code in {301, 302, 303}, signed_in.text

        home = await browser.get(f"{b}/", headers=HTML)
        assert home.status_code == 200 and USERNAME in home.text, "B knows the session A opened"
        signed_out = await browser.post(f"{a}/logout", data={"_csrf_token": csrf_token(home.text)}, headers=HTML)
        assert signed_out.status_code in {301, 302, 303}, signed_out.text

        after = await browser.get(f"{b}/", headers=HTML)
        assert after.status_code in {302, 303} and "/login" in after.headers["location"], "ended on B too"


async def test_an_api_token_from_one_process_works_on_the_other_until_signed_out_there(
    a_and_b: list[httpx.AsyncClient],
) -> None:
    a, b = a_and_b
    bearer = {"Authorization": f"Bearer {await _token(a, **_forwarded('198.51.100.2'))}"}
    assert (await b.get("/api/v1/towns", headers=bearer)).status_code == 200
    assert (await a.post("/api/v1/auth/logout", headers=bearer)).status_code == 200
    refused = await b.get("/api/v1/towns", headers=bearer)
    assert refused.status_code == 401, refused.text


async def test_failed_sign_ins_through_both_processes_count_together(a_and_b: list[httpx.AsyncClient]) -> None:
    a, b = a_and_b
    username = f"nobody-{uuid.uuid4().hex[:6]}"
    # 5 failures lock an account (LTC_SIGN_IN_MAX_FAILURES_PER_ACCOUNT): 3 through A, 2 through B.
    for client in (a, a, a, b, b):
        wrong = await client.post(
            "/api/v1/auth/token",
            json={"username": username, "password": "wrong-password-1"},
            headers=_forwarded("198.51.100.3"),
        )
        assert wrong.status_code == 401, wrong.text
    for client in (a, b):
        locked = await client.post("/api/v1/auth/token", json={"username": username, "password": "wrong-password-1"})
        assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts", locked.text
        assert int(locked.headers["retry-after"]) > 0


async def test_a_public_limit_counts_one_client_through_both_processes(a_and_b: list[httpx.AsyncClient]) -> None:
    a, b = a_and_b
    client_address = "203.0.113.9"
    attempt = {"reference": "NO-SUCH-REF", "id_number": "110101194001011234"}
    # 10 wrong pairs an hour per client address: 5 through each process.
    for client in (a, b) * 5:
        missed = await client.post("/api/v1/follow", json=attempt, headers=_forwarded(client_address))
        assert missed.status_code == 404, missed.text
    for client in (a, b):
        spent = await client.post("/api/v1/follow", json=attempt, headers=_forwarded(client_address))
        assert spent.status_code == 429 and spent.json()["code"] == "too_many_follow_attempts", spent.text
    # The forwarded address is the client's: another client behind the same proxy is not held up.
    other = await b.post("/api/v1/follow", json=attempt, headers=_forwarded("203.0.113.10"))
    assert other.status_code == 404, other.text


async def _job(client: httpx.AsyncClient, job_id: str, bearer: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"/api/v1/jobs/{job_id}", headers=bearer)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_job_started_through_one_process_is_read_through_the_other(
    a_and_b: list[httpx.AsyncClient], deployment: tuple[dict[str, str], list[WebProcess]]
) -> None:
    a, b = a_and_b
    env, _ = deployment
    bearer = {"Authorization": f"Bearer {await _token(a)}"}
    started = await a.post("/api/v1/settlements/build", json={"period": "2026-01"}, headers=bearer)
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert (await _job(b, job_id, bearer))["status"] in {"queued", "running", "done"}
    if env["LTC_REDIS_URL"]:
        # The production shape: a separate worker takes what web process A queued in Redis.
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "ltc.cli", "worker", "--burst"],
            env=env,
            cwd=PROJECT_ROOT,
            check=True,
        )
    # (The embedded default: the in-process worker of either web process runs it, once.)
    deadline = asyncio.get_running_loop().time() + JOB_SECONDS
    while (job := await _job(b, job_id, bearer))["status"] != "done":
        assert job["status"] != "failed", job
        assert asyncio.get_running_loop().time() < deadline, job
        await asyncio.sleep(0.2)
    assert job["result"]["period"] == "2026-01"
    assert await _job(a, job_id, bearer) == job
