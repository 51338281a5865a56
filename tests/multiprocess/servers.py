"""Real ``ltc serve`` processes on loopback ports over one database, as several web
containers behind one address run: the same environment (database, queue, secret key),
nothing else shared."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from ltc.settings import PROJECT_ROOT

PASSWORD = "Scale-out-1-" + uuid.uuid4().hex[:8]
START_SECONDS = 90.0
SERVE = (sys.executable, "-m", "ltc.cli", "serve", "--host", "127.0.0.1")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str) -> dict[str, str]:
    """What every process of the deployment reads: the same database, queue and key."""
    return {
        **os.environ,
        "LTC_DATABASE_URL": database_url,
        "LTC_REDIS_URL": os.environ.get("LTC_REDIS_URL", ""),
        "LTC_QUEUE_NAME": f"ltc:scale:{uuid.uuid4().hex[:8]}",
        "LTC_SECRET_KEY": "scale-out-secret-" + uuid.uuid4().hex,
        "LTC_ALLOW_DEVELOPMENT_KEYS": "true",  # a throw-away database
        "LTC_WORKER_CRON": "false",
        "LTC_LOG_LEVEL": "WARNING",
        "LTC_ARGON2_TIME_COST": "1",
        "LTC_ARGON2_MEMORY_KIB": "64",
        "LTC_JOB_DISPATCH_SECONDS": "1",
        "SCALE_PASSWORD": PASSWORD,
    }


@dataclass
class WebProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path


def _healthy(server: WebProcess) -> bool:
    with suppress(httpx.HTTPError):
        return httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200
    return False


@contextmanager
def web_processes(
    database_url: str, workers: tuple[int, ...] = (1, 1)
) -> Iterator[tuple[dict[str, str], list[WebProcess]]]:
    """Migrate, open the test account, then start one ``ltc serve`` a port with the given
    ``--workers`` each and wait for each to answer; yields the shared environment and the
    servers, and stops them after."""
    env = environment(database_url)
    subprocess.run([sys.executable, "-m", "tests.multiprocess.prepare"], env=env, cwd=PROJECT_ROOT, check=True)
    logs = Path(tempfile.mkdtemp(prefix="ltc-scale-"))
    servers: list[WebProcess] = []
    try:
        for n, processes in enumerate(workers):
            port = free_port()
            log = logs / f"web-{n}.log"
            process = subprocess.Popen(
                [*SERVE, "--port", str(port), "--workers", str(processes)],
                env=env,
                cwd=PROJECT_ROOT,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            servers.append(WebProcess(f"http://127.0.0.1:{port}", process, log))
        deadline = time.monotonic() + START_SECONDS
        for server in servers:
            while not _healthy(server):
                if server.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{server.base_url} did not start:\n{server.log.read_text(errors='replace')}")
                time.sleep(0.1)
        yield env, servers
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
