"""The whole OpenAPI fuzzed by schemathesis, for every role: nothing a client sends gets a 500,
and every answer is one the schema documents (status, media type, body).

The app runs in this test's event loop on a database of its own (the fuzzing creates, suspends
and disables things the other tests rely on). Hypothesis drives schemathesis' strategies in a
worker thread, and each request is handed to the loop, so the app is called exactly as the other
HTTP tests call it. ``LTC_FUZZ_EXAMPLES`` raises the examples per operation and mode locally."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.checks import (  # type: ignore[attr-defined]  # the module resolves checks by name
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from ltc.db import engine as db_engine
from ltc.settings import Settings
from tests.helpers import DEMO_PASSWORD

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("LTC_FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "sysadmin": "admin",
    "secadmin": "secadmin",
    "auditor": "auditor",
    "bureau": "bureau",
    "assessor": "assessor1",
    "agency": "agency",
}

# Operations left out, each with its reason.
EXCLUDED: dict[tuple[str, str], str] = {}


@dataclass
class Findings:
    failures: list[str] = field(default_factory=list)

    def add(self, label: str, error: BaseException) -> None:
        self.failures.append(f"{label}: {str(error)[:2000]}")


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@asynccontextmanager
async def own_database(tmp: str) -> AsyncIterator[str]:
    """A database for the fuzzing alone: a SQLite file, or one made on LTC_DATABASE_URL's server."""
    server = os.environ.get("LTC_DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp}/fuzz.sqlite"
        return
    import asyncpg

    name = f"ltc_fuzz_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _with_database(server, name)
    finally:
        admin = await asyncpg.connect(server)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="module")
async def fuzz_app(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Litestar]:
    from ltc.services.seed import seed_demo
    from ltc.web.app import create_app

    async with own_database(str(tmp_path_factory.mktemp("fuzz"))) as url:
        queue = f"ltc:fuzz:{uuid.uuid4().hex[:8]}"
        fuzz_settings = settings.model_copy(update={"database_url": url, "queue_name": queue})
        application = create_app(fuzz_settings, migrate=True, in_process_worker=False)
        started, stop = asyncio.Event(), asyncio.Event()

        async def hold_lifespan() -> None:
            async with application.lifespan():
                await seed_demo(application.state.services, password=DEMO_PASSWORD)
                started.set()
                await stop.wait()

        previous = list(db_engine._current)  # the session's engine, bound back after
        holder = asyncio.create_task(hold_lifespan())
        await asyncio.wait([holder, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
        try:
            if holder.done():
                holder.result()
            yield application
        finally:
            stop.set()
            await holder
            # The fuzzing app bound every table to its own database, which is dropped next.
            if previous:
                db_engine.bind(previous[0])


def _request_kwargs(case: schemathesis.Case, headers: dict[str, str]) -> dict[str, Any]:
    """The request exactly as schemathesis would send it (prepared by requests, its own
    transport), to be sent through httpx."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    accepted = {"method", "url", "headers", "files", "data", "json", "params", "cookies"}
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in accepted}).prepare()
    body = prepared.body
    return {
        "method": prepared.method,
        "url": prepared.url,
        "headers": dict(prepared.headers),
        "content": body.encode() if isinstance(body, str) else body,
    }


def fuzz_operations(
    schema: schemathesis.BaseSchema,
    send: Callable[[dict[str, Any]], httpx.Response],
    headers: dict[str, str],
    role: str,
    findings: Findings,
    fixed_paths: dict[str, dict[str, Any]],
) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in EXCLUDED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(mode, path_parameters=fixed_paths.get(operation.path))

            @seed(hash((role, operation.label, mode.value)) & 0xFFFF_FFFF)
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case: schemathesis.Case) -> None:
                request = _request_kwargs(case, headers)
                response = send(request)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing to make invalid (no parameters, no body)
            except (FailureGroup, Exception) as error:  # a finding, reported with all the others
                findings.add(f"[{role} {mode.value}] {operation.label}", error)


async def test_the_api_survives_fuzzing_by_every_role(fuzz_app: Litestar) -> None:
    loop = asyncio.get_running_loop()
    transport = httpx.ASGITransport(app=fuzz_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        schema = schemathesis.openapi.from_dict((await client.get("/schema/openapi.json")).json())
        providers = (await client.get("/api/v1/providers", headers=await _bearer(client, "bureau"))).json()
        agency = f"agency-{providers[0]['code']}"
        spare = await client.post(
            "/api/v1/users",
            json={"username": "fuzz-spare", "password": "fuzz-spare-password", "role": "bureau", "display_name": "x"},
            headers=await _bearer(client, "admin"),
        )
        assert spare.status_code == 201, spare.text
        # Disabling a user is fuzzed on a spare one, not on the users signed in for the run.
        fixed_paths = {
            "/api/v1/users/{user_id}": {"user_id": spare.json()["id"]},
            "/api/v1/users/{user_id}/role": {"user_id": spare.json()["id"]},
        }

        def send(request: dict[str, Any]) -> httpx.Response:
            return asyncio.run_coroutine_threadsafe(client.request(**request), loop).result(timeout=120)

        findings = Findings()
        for role, username in ROLES.items():
            headers = {} if username is None else await _bearer(client, agency if role == "agency" else username)
            await asyncio.to_thread(fuzz_operations, schema, send, headers, role, findings, fixed_paths)
    assert not findings.failures, "\n\n".join(findings.failures)


async def _bearer(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
