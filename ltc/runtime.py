"""The composition root: builds the database engine, the queue, the worker and the service
context from one ``Settings``, the same way for the embedded default and production."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import arq.worker
from arq.connections import ArqRedis, log_redis_info
from arq.cron import cron
from arq.worker import Worker, func
from piccolo.engine.base import Engine
from redis.asyncio import ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

import ltc.services.assignments
import ltc.services.geocoding
import ltc.services.intake.registry_import
import ltc.services.key_rotation
import ltc.services.relief.registry
import ltc.services.reoptimisation
import ltc.services.roster
import ltc.services.settlements
import ltc.services.siting
import ltc.services.supervision.what_if
import ltc.services.visits  # noqa: F401  (these modules register their job kinds)
from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations
from ltc.services import audit
from ltc.services import jobs as job_service
from ltc.services.clock import Clock, SystemClock
from ltc.services.context import ServiceContext
from ltc.services.passwords import Passwords
from ltc.settings import Settings
from ltc.worker import jobs as worker_jobs

log = logging.getLogger(__name__)

STARTUP_SWEEP_SECONDS = 10.0


async def _log_redis_info_tolerantly(redis: Any, log_func: Any) -> None:
    # The in-memory stand-in (fakeredis) has no INFO command; arq only logs what INFO says.
    try:
        await log_redis_info(redis, log_func)
    except Exception:
        log_func("redis: in-memory stand-in")


arq.worker.log_redis_info = _log_redis_info_tolerantly


class ArqQueue:
    """The JobQueue of the services, on arq. The arq job id is our job id and attempt, so an
    attempt that is already queued or running is not queued twice, and a new attempt (after
    a dead worker) is not held up by what arq keeps of the old one."""

    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self.redis = redis
        self.queue_name = queue_name

    async def enqueue(self, kind: str, job_id: UUID, attempt: int = 0, *, defer_seconds: float = 0) -> None:
        await self.redis.enqueue_job(
            "run_job",
            str(job_id),
            attempt,
            _job_id=f"{job_id}:{attempt}",
            _queue_name=self.queue_name,
            _defer_by=defer_seconds or None,
        )


def connect_redis(settings: Settings) -> ArqRedis:
    if settings.uses_in_memory_redis:
        from fakeredis import FakeServer
        from fakeredis.aioredis import FakeAsyncRedisConnection

        pool = ConnectionPool(connection_class=FakeAsyncRedisConnection, server=FakeServer())
        return ArqRedis(connection_pool=pool, default_queue_name=settings.queue_name)
    pool = ConnectionPool.from_url(settings.redis_url)
    return ArqRedis(connection_pool=pool, default_queue_name=settings.queue_name)


def build_service_context(settings: Settings, redis: ArqRedis, clock: Clock | None = None) -> ServiceContext:
    return ServiceContext(
        settings=settings,
        clock=clock or SystemClock(),
        passwords=Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib),
        queue=ArqQueue(redis, settings.queue_name),
    )


WORKER_FUNCTIONS = [func(worker_jobs.run_job, name="run_job", max_tries=worker_jobs.MAX_TRIES)]
WORKER_CRON_JOBS = [
    # Local (Asia/Shanghai) times: the worker runs in the city's zone.
    cron(worker_jobs.open_renewals, name="open_renewals", hour=1, minute=30, second=0),
    cron(worker_jobs.schedule_visits_nightly, name="schedule_visits_nightly", hour=2, minute=0, second=0),
    cron(worker_jobs.build_last_months_settlements, name="build_settlements", day=1, hour=3, minute=0, second=0),
    cron(worker_jobs.sweep_visit_alerts, name="sweep_visit_alerts", minute=set(range(0, 60, 5)), second=30),
    cron(worker_jobs.sweep_payment_deadlines, name="sweep_payment_deadlines", hour=7, minute=0, second=0),
    cron(worker_jobs.notice_overdue_rectifications, name="overdue_rectifications", hour=0, minute=20, second=0),
    cron(worker_jobs.ensure_partitions_ahead, name="ensure_partitions", hour=1, minute=10, second=0),
]


def _dispatcher(settings: Settings) -> Any:
    # The outbox's dispatcher and the dead-worker sweep, every few seconds.
    every = settings.job_dispatch_seconds
    return cron(
        worker_jobs.requeue_stalled_jobs,
        name="dispatch_jobs",
        second=set(range(0, 60, every)),
        run_at_startup=True,
        unique=True,
        timeout=max(every * 4, 30),
    )


def build_worker(
    services: ServiceContext,
    redis: ArqRedis,
    *,
    burst: bool = False,
    handle_signals: bool = False,
    on_startup: Any = None,
    on_shutdown: Any = None,
    cron_jobs: bool = True,
) -> Worker:
    async def attach_services(ctx: dict[str, Any]) -> None:
        ctx["services"] = services
        if on_startup:
            await on_startup(ctx)

    return Worker(
        functions=WORKER_FUNCTIONS,
        cron_jobs=[_dispatcher(services.settings), *WORKER_CRON_JOBS]
        if cron_jobs and services.settings.worker_cron
        else None,
        redis_pool=redis,
        queue_name=services.settings.queue_name,
        burst=burst,
        handle_signals=handle_signals,
        on_startup=attach_services,
        on_shutdown=on_shutdown,
        max_jobs=services.settings.worker_max_jobs,
        poll_delay=0.2,
        job_timeout=3600,
        # The job rows hold the results; arq's copy only needs to outlive a duplicate enqueue.
        keep_result=60,
        timezone=services.settings.zone,
    )


# Errors that mean Redis is away (stopped, restarting, the network gone) rather than a bug.
REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


async def run_worker(services: ServiceContext, redis: ArqRedis, *, burst: bool = False) -> None:
    """The separate worker process (`ltc worker`). When Redis goes away it tries again with
    backoff instead of exiting. On SIGTERM/SIGINT it takes no new jobs, waits up to the grace
    period for the running ones, puts any still running back in the queue, and returns.

    arq's own signal handling (``handle_signals``) cancels ``worker.main_task``, which only
    ``Worker.run``/``async_run`` set; a worker started with ``main()`` logs the signal and
    keeps running. The signals are handled here instead."""
    settings = services.settings
    worker = build_worker(services, redis, burst=burst, handle_signals=False)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    delay = RECONNECT_FIRST_DELAY_SECONDS
    try:
        while True:
            began = loop.time()
            main = asyncio.ensure_future(worker.main())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({main, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                await _stop_gracefully(worker, main, settings.worker_grace_seconds)
                return
            stopping.cancel()
            error = main.exception()
            if error is None:
                return  # a burst worker found the queue empty
            if loop.time() - began > settings.worker_reconnect_max_seconds:
                delay = RECONNECT_FIRST_DELAY_SECONDS  # it had been working: start the backoff again
            if isinstance(error, REDIS_UNAVAILABLE):
                log.warning("redis unreachable (%s: %s); trying again in %.1f s", type(error).__name__, error, delay)
            else:
                log.error("the worker stopped on an error; starting again in %.1f s", delay, exc_info=error)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                await _stop_gracefully(worker, None, settings.worker_grace_seconds)
                return
            delay = min(delay * 2, settings.worker_reconnect_max_seconds)
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


RECONNECT_FIRST_DELAY_SECONDS = 0.5
# After the grace period, how long the cancelled jobs get to put their rows back.
PUT_BACK_SECONDS = 5.0


async def _stop_gracefully(worker: Worker, main: asyncio.Future[None] | None, grace: float) -> None:
    worker.allow_pick_jobs = False
    running = [task for task in worker.tasks.values() if not task.done()]
    log.info("stopping: no new jobs; waiting up to %.0f s for %d running", grace, len(running))
    if running:
        await asyncio.wait(running, timeout=grace)
    unfinished = [task for task in running if not task.done()]
    for task in unfinished:
        task.cancel()  # the job goes back to the queue (execute_job puts its row back)
    if unfinished:
        log.warning("%d jobs still running after the grace period go back to the queue", len(unfinished))
        await asyncio.wait(unfinished, timeout=PUT_BACK_SECONDS)
    if main is not None and not main.done():
        main.cancel()
    if main is not None:
        with suppress(asyncio.CancelledError, Exception):
            await main
    log.info("worker stopped")


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    redis: ArqRedis
    services: ServiceContext

    async def recover_jobs(self) -> None:
        """On start: run again what a dead worker left, and hand the outbox to the queue.
        Neither the database nor Redis being away stops the start; the worker sweeps again."""
        try:
            await asyncio.wait_for(job_service.requeue_stalled_jobs(self.services), STARTUP_SWEEP_SECONDS)
        except Exception as exc:
            log.warning("the job sweep at start did not finish (%s); the worker's sweep will", type(exc).__name__)


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = False
) -> AsyncIterator[Runtime]:
    """Connect the database and the queue for one process; close them on exit."""
    engine = db_engine.configure_engine(settings.database_url)
    audit.configure_chain(settings)
    await db_engine.start(engine)
    redis = connect_redis(settings)
    try:
        if migrate:
            await apply_migrations()
        yield Runtime(settings, engine, redis, build_service_context(settings, redis, clock))
    finally:
        await redis.aclose()
        await db_engine.stop(engine)
