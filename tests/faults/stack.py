"""A production-shaped stack for fault tests: a PostgreSQL cluster and a Redis server of its
own on other ports than the shared CI ones (FAULT_PG_PORT, FAULT_REDIS_PORT), the web app
(`ltc serve`) and `ltc worker` processes, each of which the tests may stop, kill and start."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

PG_BIN = Path(os.environ.get("PG_BIN") or sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
PG_PORT = int(os.environ.get("FAULT_PG_PORT", "54339"))
REDIS_PORT = int(os.environ.get("FAULT_REDIS_PORT", "63809"))
WEB_PORT = int(os.environ.get("FAULT_WEB_PORT", "18739"))
PASSWORD = "fault-demo-pass"
GRACE_SECONDS = 3.0
STALE_AFTER_SECONDS = 4.0


def _as_pg_owner(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: as root the cluster belongs to the postgres user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class Stack:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pg_data = root / "pg" / "data"
        self.database_url = f"postgres://ltc@127.0.0.1:{PG_PORT}/postgres"
        self.redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        self.base_url = f"http://127.0.0.1:{WEB_PORT}"
        self.web: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.env = {
            **os.environ,
            "LTC_DATABASE_URL": self.database_url,
            "LTC_REDIS_URL": self.redis_url,
            "LTC_QUEUE_NAME": "ltc:faults",
            "LTC_SECRET_KEY": "fault-test-secret-key-long-enough",
            "LTC_DEMO_PASSWORD": PASSWORD,
            "LTC_ARGON2_TIME_COST": "1",
            "LTC_ARGON2_MEMORY_KIB": "64",
            "LTC_LOG_LEVEL": "INFO",
            "LTC_ALLOW_DEVELOPMENT_KEYS": "true",  # a throw-away database of demo persons
            # Short intervals, so a dead worker's job is rerun in seconds rather than a minute.
            "LTC_JOB_HEARTBEAT_SECONDS": "0.5",
            "LTC_JOB_STALE_AFTER_SECONDS": str(STALE_AFTER_SECONDS),
            "LTC_JOB_DISPATCH_SECONDS": "1",
            "LTC_WORKER_GRACE_SECONDS": str(GRACE_SECONDS),
            "LTC_WORKER_RECONNECT_MAX_SECONDS": "1",
        }

    @classmethod
    @contextmanager
    def started(cls, root: Path) -> Iterator[Stack]:
        stack = cls(root)
        try:
            stack.init_postgres()
            stack.start_postgres()
            stack.start_redis()
            stack.ltc("migrate")
            stack.ltc("seed", "--demo")
            stack.start_web()
            yield stack
        finally:
            stack.close()

    # ------------------------------------------------------------------ services

    def init_postgres(self) -> None:
        (self.root / "pg").mkdir(parents=True)
        os.chmod(self.root, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.root / "pg", "postgres")
        subprocess.run(
            _as_pg_owner(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.pg_data),
                    "-U",
                    "ltc",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start_postgres(self) -> None:
        options = f"-p {PG_PORT} -k {self.root / 'pg'} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_pg_owner(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.pg_data),
                    "-l",
                    str(self.root / "pg" / "log"),
                    "-w",
                    "-o",
                    options,
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop_postgres(self) -> None:
        subprocess.run(
            _as_pg_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "-w", "stop"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start_redis(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.root / "redis.pid"),
                "--logfile",
                str(self.root / "redis.log"),
            ],
            check=True,
        )
        self._wait(
            lambda: subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).returncode == 0,
            "redis did not start",
        )

    def stop_redis(self) -> None:
        subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], capture_output=True)
        self._wait(lambda: not (self.root / "redis.pid").exists(), "redis did not stop")

    # ------------------------------------------------------------------ processes

    def ltc(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "ltc.cli", *args],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.root / f"{name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "ltc.cli", *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def start_web(self) -> None:
        self.web = self._spawn("web", "serve", "--port", str(WEB_PORT))

        def healthy() -> bool:
            with suppress(httpx.HTTPError):
                return httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
            return False

        self._wait(healthy, "the web app did not start", timeout=60)

    def start_worker(self) -> subprocess.Popen[bytes]:
        worker = self._spawn(f"worker-{len(self.workers)}", "worker")
        self.workers.append(worker)
        return worker

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(errors="replace")

    def close(self) -> None:
        for process in [*self.workers, *([self.web] if self.web else [])]:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        self.stop_redis()
        with suppress(subprocess.CalledProcessError):
            self.stop_postgres()

    @staticmethod
    def _wait(condition, message: str, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(message)
            time.sleep(0.1)


def terminate(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
