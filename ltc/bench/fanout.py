"""A fanned-out job measured with real worker processes: ``--worker-processes 1,2`` runs the
job once per count, each time with that many `ltc worker` processes (subprocesses on a queue
of the run's own, ``LTC_WORKER_CRON=false``) sharing its parts, and times it from the start
through the service to the parent's conclusion. PostgreSQL and Redis only: SQLite has one
writer, and the in-memory queue lives in one process.

``model``: Amdahl's law fitted to the 1- and 2-process times, speed-up(N) = 1 / (s + (1 − s)/N),
s the serial fraction (the fan-out, the conclusion, and whatever the database cannot do at
once), with the speed-ups it predicts for more workers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from ltc.bench.scratch import server_url

READY_LINE = "Starting worker"  # what arq logs once a worker listens on its queue
READY_TIMEOUT_S = 120.0
MODEL_WORKERS = (1, 2, 4, 8, 16, 32)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--worker-processes",
        type=_counts,
        default=(),
        metavar="N[,N…]",
        help="run the fanned-out job with N real worker processes (each count in turn; PostgreSQL + Redis only)",
    )
    parser.add_argument(
        "--parts", type=int, default=8, help="parts the job is fanned out into (with --worker-processes)"
    )
    parser.add_argument(
        "--worker-max-jobs", type=int, default=1, help="parts a worker process runs at once (with --worker-processes)"
    )


def _counts(text: str) -> tuple[int, ...]:
    counts = tuple(int(part) for part in text.split(",") if part.strip())
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("worker processes: counts of at least 1, e.g. 1,2")
    return counts


def require_server_and_queue() -> str:
    """The Redis URL; refused (a clear exit) without PostgreSQL and Redis."""
    redis_url = os.environ.get("LTC_REDIS_URL", "")
    if not server_url() or not redis_url:
        raise SystemExit(
            "--worker-processes needs PostgreSQL and Redis (LTC_DATABASE_URL=postgres://…, LTC_REDIS_URL=redis://…):"
            " SQLite takes one writer at a time and the in-memory queue serves one process"
        )
    return redis_url


def _worker_command() -> list[str]:
    beside = Path(sys.executable).with_name("ltc")
    found = str(beside) if beside.exists() else shutil.which("ltc")
    return (
        [found, "worker"]
        if found
        else [sys.executable, "-c", "import sys; from ltc.cli import main; sys.exit(main())", "worker"]
    )


@contextlib.asynccontextmanager
async def worker_processes(
    count: int, *, database_url: str, redis_url: str, queue_name: str, parts: int, max_jobs: int
) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """``count`` `ltc worker` processes on the run's queue, listening when this yields; stopped
    (SIGTERM, then killed after their grace) on exit."""
    env = os.environ | {
        "LTC_DATABASE_URL": database_url,
        "LTC_REDIS_URL": redis_url,
        "LTC_QUEUE_NAME": queue_name,
        "LTC_WORKER_CRON": "false",
        "LTC_JOB_PARTS": str(parts),
        "LTC_WORKER_MAX_JOBS": str(max_jobs),
        "LTC_LOG_LEVEL": "INFO",
    }
    with tempfile.TemporaryDirectory(prefix="ltc-bench-workers-") as tmp:
        logs = [Path(tmp) / f"worker-{n}.log" for n in range(count)]
        processes: list[asyncio.subprocess.Process] = []
        try:
            for log in logs:
                with log.open("wb") as sink:
                    processes.append(
                        await asyncio.create_subprocess_exec(
                            *_worker_command(), env=env, stdout=asyncio.subprocess.DEVNULL, stderr=sink
                        )
                    )
            await _listening(processes, logs)
            yield processes
        finally:
            await _stop(processes)


async def runs_per_worker_count(
    args: argparse.Namespace,
    services: Any,
    kind: str,
    params: Any,
    *,
    database_url: str,
    redis_url: str,
    reset: Callable[[], Awaitable[None]],
) -> AsyncIterator[tuple[int, dict[str, Any]]]:
    """The fanned-out job run to its conclusion once per count of ``--worker-processes``, each
    time after ``reset`` (untimed: the run's rows removed, the statistics fresh) with that many
    worker processes; yields (count, the run) once those processes are stopped."""
    for count in args.worker_processes:
        await reset()
        async with worker_processes(
            count,
            database_url=database_url,
            redis_url=redis_url,
            queue_name=services.settings.queue_name,
            parts=args.parts,
            max_jobs=args.worker_max_jobs,
        ):
            row = await run_to_conclusion(services, kind, params)
        yield count, row


async def _listening(processes: Sequence[asyncio.subprocess.Process], logs: Sequence[Path]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not all(READY_LINE in log.read_text(errors="replace") for log in logs):
        for process, log in zip(processes, logs, strict=True):
            if process.returncode is not None:
                raise SystemExit(f"a worker process stopped at once:\n{log.read_text(errors='replace')[-2000:]}")
        if time.monotonic() > deadline:
            raise SystemExit("the worker processes did not start listening in time")
        await asyncio.sleep(0.1)


async def _stop(processes: Sequence[asyncio.subprocess.Process]) -> None:
    for process in processes:
        if process.returncode is None:
            process.terminate()
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def run_to_conclusion(services: Any, kind: str, params: Any, *, timeout_s: float = 3600) -> dict[str, Any]:
    """Start the job through the service, wait for its conclusion: its row, and the seconds
    from the start to the parent's end (as this process saw it)."""
    from ltc.db.tables import Job
    from ltc.services.jobs import start_job

    started = time.perf_counter()
    job_id = await start_job(services, None, kind, params)
    while True:
        row = await Job.select().where(Job.id == job_id).output(load_json=True).first()
        if row is not None and row["status"] in {"done", "failed"}:
            break
        if time.perf_counter() - started > timeout_s:
            raise SystemExit(f"job {job_id} did not conclude in {timeout_s} s")
        await asyncio.sleep(0.05)
    seconds = time.perf_counter() - started
    if row["status"] == "failed":
        raise SystemExit(f"job {job_id} failed: {row['error']}")
    return row | {"seconds": round(seconds, 3)}


def queue_name() -> str:
    return f"ltc:bench:{uuid.uuid4().hex[:8]}"


def amdahl_model(seconds_by_workers: dict[int, float]) -> dict[str, Any] | None:
    """Amdahl's serial fraction s from the 1- and 2-process times, and the speed-ups it
    predicts; None without both."""
    if 1 not in seconds_by_workers or 2 not in seconds_by_workers or seconds_by_workers[2] <= 0:
        return None
    measured = seconds_by_workers[1] / seconds_by_workers[2]
    # speed-up(2) = 1 / (s + (1 − s)/2)  ⇒  s = 2/speed-up(2) − 1, kept within [0, 1]
    serial = min(1.0, max(0.0, 2 / measured - 1))
    return {
        "speedup_2_measured": round(measured, 3),
        "serial_fraction": round(serial, 3),
        "speedup": {str(n): round(1 / (serial + (1 - serial) / n), 2) for n in MODEL_WORKERS},
        "limit": round(1 / serial, 1) if serial > 0 else None,
        "formula": "speedup(N) = 1 / (s + (1 - s) / N)",
    }
