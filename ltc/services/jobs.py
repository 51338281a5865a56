"""Long-running work: a ``job`` row is created, handed to the arq queue, run by a worker
that reports progress into the row, and read back through the jobs API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from ltc.db.tables import Job
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import DomainError, NotFound
from ltc.services.context import ServiceContext

log = logging.getLogger(__name__)

Progress = Callable[[float], Awaitable[None]]
JobBody = Callable[[ServiceContext, Any, Progress], Awaitable[Any]]


class JobParams(BaseModel):
    """What a job kind needs to run, validated when the job is started (so a job that could
    not run is refused before it is queued) and stored as JSON in its row."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(JobParams):
    pass


class TransientJobError(Exception):
    """A failure worth retrying later (a network blip); the worker turns it into arq's Retry."""


@dataclass(frozen=True)
class JobKind:
    name: str
    body: JobBody
    action: Action
    params: type[JobParams]


_KINDS: dict[str, JobKind] = {}


def register_job_kind(name: str, *, action: Action, params: type[JobParams] = NoParams) -> Callable[[JobBody], JobBody]:
    """``body(ctx, params, progress)`` runs the job; it gets ``params`` as an instance of the
    kind's params model and returns a pydantic model, stored as the job's result."""

    def decorate(body: JobBody) -> JobBody:
        _KINDS[name] = JobKind(name=name, body=body, action=action, params=params)
        return body

    return decorate


def job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise NotFound(f"no job kind {name}", code="unknown_job_kind") from None


async def start_job(
    ctx: ServiceContext,
    actor: Actor | None,
    kind: str,
    params: JobParams | None = None,
    *,
    provider_id: int | None = None,
) -> UUID:
    """Record the job, then enqueue it. The row is committed before the queue is touched,
    so a lost queue message is recovered by ``requeue_stalled_jobs``."""
    spec = job_kind(kind)
    if actor is not None:
        require(actor, spec.action)
    if params is None:
        params = spec.params()  # a kind whose parameters all have defaults
    if not isinstance(params, spec.params):
        raise TypeError(f"{spec.name} takes {spec.params.__name__}, not {type(params).__name__}")
    stored = params.model_dump(mode="json")
    job_id = uuid4()
    await Job.insert(
        Job(
            id=job_id,
            kind=kind,
            status="queued",
            progress=0.0,
            params=stored,
            created_by=actor.user_id if actor else None,
            provider=provider_id if provider_id is not None else (actor.provider_id if actor else None),
            created_at=ctx.clock.now(),
        )
    )
    await ctx.queue.enqueue(kind, job_id)
    return job_id


class JobView(BaseModel):
    """A job as its starter sees it: where it stands, and its result once done."""

    id: UUID
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(ge=0, le=1)
    result: dict[str, Any] | None
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


async def get_job(actor: Actor, job_id: UUID) -> JobView:
    row = (
        await Job.select(
            Job.id,
            Job.kind,
            Job.status,
            Job.progress,
            Job.result,
            Job.error,
            Job.created_by,
            Job.provider,
            Job.created_at,
            Job.started_at,
            Job.finished_at,
        )
        .where(Job.id == job_id)
        .output(load_json=True)
        .first()
    )
    # A job is visible to the region-wide roles, its creator and its provider's agency.
    visible = row is not None and (
        actor.sees_whole_region
        or row["created_by"] == actor.user_id
        or (actor.provider_scope is not None and row["provider"] == actor.provider_scope)
    )
    if not visible:
        raise NotFound("no such job", code="job_not_found")
    return JobView.model_validate(row)


async def execute_job(ctx: ServiceContext, job_id: UUID) -> str:
    """Run a queued job to its end. Safe to call again for the same id (a redelivered
    message or a rerun after a crash): finished jobs are left alone, and job bodies are
    idempotent, so a rerun of a half-done job completes it without doing anything twice."""
    row = await Job.select(Job.kind, Job.status, Job.params).where(Job.id == job_id).output(load_json=True).first()
    if row is None:
        log.warning("job %s has no row; nothing to do", job_id)
        return "missing"
    if row["status"] in {"done", "failed"}:
        return row["status"]
    spec = job_kind(row["kind"])
    await Job.update({Job.status: "running", Job.started_at: ctx.clock.now()}).where(Job.id == job_id)

    async def progress(fraction: float) -> None:
        await Job.update({Job.progress: max(0.0, min(1.0, fraction))}).where(Job.id == job_id)

    try:
        outcome = await spec.body(ctx, spec.params.model_validate(row["params"] or {}), progress)
        result = outcome.model_dump(mode="json")
    except (TransientJobError, asyncio.CancelledError):
        # Back to the queue: a retry, or a rerun after the worker stopped mid-job.
        await Job.update({Job.status: "queued"}).where(Job.id == job_id)
        raise
    except DomainError as exc:
        # A refusal (e.g. a stale preview) is the job's answer, not a crash: keep its code.
        await Job.update(
            {Job.status: "failed", Job.error: f"{exc.code}: {exc.detail}", Job.finished_at: ctx.clock.now()}
        ).where(Job.id == job_id)
        return "failed"
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, row["kind"])
        await Job.update(
            {Job.status: "failed", Job.error: f"{type(exc).__name__}: {exc}", Job.finished_at: ctx.clock.now()}
        ).where(Job.id == job_id)
        return "failed"
    await Job.update(
        {Job.status: "done", Job.progress: 1.0, Job.result: result, Job.finished_at: ctx.clock.now()}
    ).where(Job.id == job_id)
    return "done"


async def requeue_stalled_jobs(
    ctx: ServiceContext,
    *,
    queued_for: timedelta = timedelta(minutes=2),
    running_for: timedelta = timedelta(hours=2),
) -> int:
    """Re-enqueue jobs whose message was lost: still queued after ``queued_for`` (an
    in-memory queue lost on restart, a failed enqueue) or still running long after any job
    could (a killed worker). The queue dedupes by job id; job bodies are idempotent."""
    now = ctx.clock.now()
    rows = await Job.select(Job.id, Job.kind).where(
        ((Job.status == "queued") & (Job.created_at < now - queued_for))
        | ((Job.status == "running") & (Job.started_at < now - running_for))
    )
    for row in rows:
        await ctx.queue.enqueue(row["kind"], row["id"])
    return len(rows)
