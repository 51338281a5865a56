"""Shared fixtures. One event loop for the session: the app, its database pool and the
tests all run in it (HTTP tests call the app in the test's own loop via ASGITransport).

The database is a temp SQLite file, or, when LTC_DATABASE_URL names a PostgreSQL server,
a fresh database created on it for this session and dropped after. The queue is the
in-memory stand-in, or the Redis of LTC_REDIS_URL with a queue name of its own."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from hypothesis import settings as hypothesis_settings
from litestar import Litestar

from ltc.bench.scratch import scratch_database
from ltc.services.clock import FixedClock
from ltc.services.context import ServiceContext
from ltc.settings import Settings
from tests.helpers import DEMO_PASSWORD

RUN_ID = uuid.uuid4().hex[:10]
# Speed is measured by the benchmarks, never by a test's clock: no example has a deadline (CI
# runs two suites at once on two cores).
hypothesis_settings.register_profile("ltc", deadline=None)
hypothesis_settings.load_profile("ltc")


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with scratch_database("test") as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=os.environ.get("LTC_REDIS_URL", ""),
        queue_name=f"ltc:test:{RUN_ID}",
        secret_key="test-secret-key-of-enough-length",
        demo_password=DEMO_PASSWORD,
        argon2_time_cost=1,
        argon2_memory_kib=64,
        worker_cron=False,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    """The app with its lifespan entered, migrated and seeded with the demo district. Jobs
    are run by the tests' own burst workers, so the in-process worker is off."""
    from ltc.services.seed import seed_demo
    from ltc.web.app import create_app

    application = create_app(settings, migrate=True, in_process_worker=False)
    started, stop = asyncio.Event(), asyncio.Event()

    # The lifespan holds an anyio task group, which must be left from the task that entered
    # it; fixture set-up and tear-down run in different tasks, so one task owns it.
    async def hold_lifespan() -> None:
        async with application.lifespan():
            await seed_demo(application.state.services, password=DEMO_PASSWORD)
            started.set()
            await stop.wait()

    holder = asyncio.create_task(hold_lifespan())
    await asyncio.wait([holder, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if holder.done():
        holder.result()  # re-raises why the app could not start
    yield application
    stop.set()
    await holder


@pytest.fixture(scope="session")
def services(app: Litestar) -> ServiceContext:
    return app.state.services


@pytest.fixture
def fixed_services(services: ServiceContext) -> ServiceContext:
    """The app's services with a clock the test controls."""
    return replace(services, clock=FixedClock())


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def bearer(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="session")
async def auth(client: httpx.AsyncClient):
    """auth('bureau') → headers with a bearer token for that demo user (cached)."""
    cache: dict[str, dict[str, str]] = {}

    async def headers(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await bearer(client, username)
        return cache[username]

    return headers
