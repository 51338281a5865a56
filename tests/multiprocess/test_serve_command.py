"""`ltc serve` as several processes start it: what it refuses and what it hands uvicorn."""

from __future__ import annotations

from typing import Any

import pytest

from ltc import cli

SECRET = "a-shared-secret-of-enough-length-0123456789"


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    import uvicorn

    runs: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: runs.append((app, options)))
    for name in ("LTC_SECRET_KEY", "LTC_REDIS_URL", "LTC_DATABASE_URL", "LTC_FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    return runs


def test_several_processes_need_the_shared_queue_and_one_key(
    uvicorn_runs: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit, match="LTC_REDIS_URL"):
        cli.main(["serve", "--workers", "2"])
    monkeypatch.setenv("LTC_REDIS_URL", "redis://127.0.0.1:1/0")
    # A key made up at start would be one process's own: tokens signed by one refused by the next.
    with pytest.raises(SystemExit, match="LTC_SECRET_KEY"):
        cli.main(["serve", "--workers", "2"])
    with pytest.raises(SystemExit, match="LTC_SECRET_KEY"):
        cli.main(["serve"])  # one process, but on the shared queue: others may serve the same users
    with pytest.raises(SystemExit, match="at least 1"):
        cli.main(["serve", "--workers", "0"])
    assert uvicorn_runs == []


def test_the_processes_build_their_app_from_the_environment_and_trust_only_the_proxies(
    uvicorn_runs: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LTC_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("LTC_SECRET_KEY", SECRET)
    monkeypatch.setenv("LTC_FORWARDED_ALLOW_IPS", "172.30.0.10")
    assert cli.main(["serve", "--workers", "3", "--port", "8123"]) == 0
    [(app, options)] = uvicorn_runs
    assert app == "ltc.web.app:create_app" and options["factory"] and options["workers"] == 3
    assert options["proxy_headers"] and options["forwarded_allow_ips"] == "172.30.0.10"
    assert options["port"] == 8123


def test_loopback_is_the_default_proxy(uvicorn_runs: list[Any]) -> None:
    from ltc.settings import load_settings

    assert load_settings().forwarded_allow_ips == "127.0.0.1,::1"
