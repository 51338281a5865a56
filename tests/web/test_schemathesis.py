"""The whole OpenAPI fuzzed by schemathesis, for every role: nothing a client sends gets a 500,
and every answer is one the schema documents (status, media type, body).

The app runs in this test's event loop on a database of its own (the fuzzing creates, suspends
and disables things the other tests rely on). Hypothesis drives schemathesis' strategies in a
worker thread, and each request is handed to the loop, so the app is called exactly as the other
HTTP tests call it. ``LTC_FUZZ_EXAMPLES`` raises the examples per operation and mode locally."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

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

from ltc.settings import Settings
from tests.helpers import DEMO_PASSWORD
from tests.isolated import isolated_app

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
EXCLUDED: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/logout"): "ends the fuzzing role's own token, which every later operation needs;"
    " tests/web/test_sessions.py proves it",
}


@dataclass
class Findings:
    failures: list[str] = field(default_factory=list)

    def add(self, label: str, error: BaseException) -> None:
        self.failures.append(f"{label}: {str(error)[:2000]}")


@pytest.fixture(scope="module")
async def fuzz_app(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Litestar]:
    # Every fuzzed sign-in comes from one address: its throttle would lock the roles out.
    fuzz_settings = settings.model_copy(update={"sign_in_max_failures_per_address": 100_000})
    async with isolated_app(fuzz_settings, "fuzz") as application:
        yield application


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
            json={"username": "fuzz-spare", "password": "Spare-passw0rd-1", "role": "bureau", "display_name": "x"},
            headers=await _bearer(client, "admin"),
        )
        assert spare.status_code == 201, spare.text
        # Disabling a user, giving a role and ending a session are fuzzed on a spare user and its session, not
        # on the users and sessions signed in for the run.
        await _bearer(client, "fuzz-spare", "Spare-passw0rd-1")
        spare_sessions = await client.get(
            f"/api/v1/users/{spare.json()['id']}/sessions", headers=await _bearer(client, "secadmin")
        )
        fixed_paths = {
            "/api/v1/users/{user_id}": {"user_id": spare.json()["id"]},
            "/api/v1/users/{user_id}/sessions": {"user_id": spare.json()["id"]},
            "/api/v1/users/{user_id}/role": {"user_id": spare.json()["id"]},
            "/api/v1/sessions/{session_id}": {"session_id": spare_sessions.json()[0]["id"]},
        }

        def send(request: dict[str, Any]) -> httpx.Response:
            return asyncio.run_coroutine_threadsafe(client.request(**request), loop).result(timeout=120)

        findings = Findings()
        for role, username in ROLES.items():
            headers = {} if username is None else await _bearer(client, agency if role == "agency" else username)
            await asyncio.to_thread(fuzz_operations, schema, send, headers, role, findings, fixed_paths)
    assert not findings.failures, "\n\n".join(findings.failures)


async def _bearer(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
