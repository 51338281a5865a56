"""The composition root: builds the database engine, the queue, the worker and the service
context from one ``Settings``, the same way for the embedded default and production."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import arq.worker
from arq.connections import ArqRedis, log_redis_info
from arq.cron import cron
from arq.worker import Worker, func
from piccolo.engine.base import Engine
from redis.asyncio import ConnectionPool

import ltc.services.assignments
import ltc.services.geocoding
import ltc.services.reoptimisation
import ltc.services.settlements
import ltc.services.visits  # noqa: F401  (these modules register their job kinds)
from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations
from ltc.services.clock import Clock, SystemClock
from ltc.services.context import ServiceContext
from ltc.services.passwords import Passwords
from ltc.settings import Settings
from ltc.worker import jobs as worker_jobs

log = logging.getLogger(__name__)


async def _log_redis_info_tolerantly(redis: Any, log_func: Any) -> None:
    # The in-memory stand-in (fakeredis) has no INFO command; arq only logs what INFO says.
    try:
        await log_redis_info(redis, log_func)
    except Exception:
        log_func("redis: in-memory stand-in")


arq.worker.log_redis_info = _log_redis_info_tolerantly


class ArqQueue:
    """The JobQueue of the services, on arq. The arq job id is our job id, so a job that is
    already queued or running is not queued twice."""

    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self.redis = redis
        self.queue_name = queue_name

    async def enqueue(self, kind: str, job_id: UUID) -> None:
        await self.redis.enqueue_job("run_job", str(job_id), _job_id=str(job_id), _queue_name=self.queue_name)


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


WORKER_FUNCTIONS = [func(worker_jobs.run_job, name="run_job", max_tries=5)]
WORKER_CRON_JOBS = [
    cron(worker_jobs.requeue_stalled_jobs, name="requeue_stalled_jobs", second=0, run_at_startup=True),
    # Local (Asia/Shanghai) times: the worker runs in the city's zone.
    cron(worker_jobs.open_renewals, name="open_renewals", hour=1, minute=30, second=0),
    cron(worker_jobs.schedule_visits_nightly, name="schedule_visits_nightly", hour=2, minute=0, second=0),
    cron(worker_jobs.build_last_months_settlements, name="build_settlements", day=1, hour=3, minute=0, second=0),
    cron(worker_jobs.sweep_visit_alerts, name="sweep_visit_alerts", minute=set(range(0, 60, 5)), second=30),
]


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
        cron_jobs=WORKER_CRON_JOBS if cron_jobs and services.settings.worker_cron else None,
        redis_pool=redis,
        queue_name=services.settings.queue_name,
        burst=burst,
        handle_signals=handle_signals,
        on_startup=attach_services,
        on_shutdown=on_shutdown,
        max_jobs=services.settings.worker_max_jobs,
        poll_delay=0.2,
        job_timeout=3600,
        keep_result=3600,
        timezone=services.settings.zone,
    )


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    redis: ArqRedis
    services: ServiceContext


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = False
) -> AsyncIterator[Runtime]:
    """Connect the database and the queue for one process; close them on exit."""
    engine = db_engine.configure_engine(settings.database_url)
    await db_engine.start(engine)
    redis = connect_redis(settings)
    try:
        if migrate:
            await apply_migrations()
        yield Runtime(settings, engine, redis, build_service_context(settings, redis, clock))
    finally:
        await redis.aclose()
        await db_engine.stop(engine)
