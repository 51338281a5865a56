"""Browser tests: the real `ltc demo` in a subprocess, driven by Playwright through the
system Chromium (never a downloaded browser). Skipped when Chromium is not installed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import DEMO_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (CI runs them once, on the demo's SQLite)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_demo(tmp_path_factory: pytest.TempPathFactory, **settings: str) -> Iterator[str]:
    """`ltc demo` on a free port and a database of its own, with extra LTC_ settings; its address."""
    port = _free_port()
    env = {
        **os.environ,
        "LTC_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('live') / 'demo.sqlite'}",
        "LTC_DEMO_PASSWORD": DEMO_PASSWORD,
        "LTC_SECRET_KEY": "browser-test-secret-key-of-32-characters",
        "LTC_ARGON2_TIME_COST": "1",
        "LTC_ARGON2_MEMORY_KIB": "64",
        "LTC_LOG_LEVEL": "WARNING",
        **settings,
    }
    log = (tmp_path_factory.mktemp("live-log") / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "ltc.cli", "demo", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # seeding the demo takes long on a busy machine
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"ltc demo did not start: see {log.name}")
        time.sleep(0.3)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("the system Chromium is not installed (apt-get install chromium)")
    with running_demo(tmp_path_factory) as base:
        yield base


@pytest.fixture(scope="session")
async def browser(live_server: str) -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield instance
        await instance.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
