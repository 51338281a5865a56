"""Long-running work: a ``job`` row is created, handed to the arq queue, run by a worker
that reports progress into the row, and read back through the jobs API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID, uuid4

from piccolo.columns.combination import Combinable
from pydantic import BaseModel, ConfigDict, Field

from ltc.db.availability import is_database_unavailable
from ltc.db.engine import current_engine, is_sqlite, write_transaction
from ltc.db.tables import Job
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import DomainError, NotFound
from ltc.services import job_parts
from ltc.services.context import ServiceContext
from ltc.services.job_parts import FanOut

log = logging.getLogger(__name__)

Progress = Callable[[float], Awaitable[None]]
JobBody = Callable[[ServiceContext, Any, Progress], Awaitable[Any]]
# A fanned-out job's last step: (ctx, params, the parts' results in order, progress) → result.
Conclusion = Callable[[ServiceContext, Any, list[Any], Progress], Awaitable[Any]]


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
    # At most one job of a serial kind runs at a time; the others wait in the queue.
    serial: bool = False
    # A kind whose body may answer FanOut: how its parts' results are read and concluded.
    conclude: Conclusion | None = None
    part_result: type[BaseModel] | None = None


_KINDS: dict[str, JobKind] = {}


def register_job_kind(
    name: str, *, action: Action, params: type[JobParams] = NoParams, serial: bool = False
) -> Callable[[JobBody], JobBody]:
    """``body(ctx, params, progress)`` runs the job; it gets ``params`` as an instance of the
    kind's params model and returns a pydantic model, stored as the job's result. A
    ``serial`` kind's jobs run one after another (e.g. payment runs over the same money)."""

    def decorate(body: JobBody) -> JobBody:
        _KINDS[name] = JobKind(name=name, body=body, action=action, params=params, serial=serial)
        return body

    return decorate


def register_conclusion(name: str, *, part_result: type[BaseModel]) -> Callable[[Conclusion], Conclusion]:
    """The conclusion of a kind whose body may fan out (answer ``FanOut``): it gets the parts'
    results (as ``part_result``) once the last part is done, and returns the whole's result."""

    def decorate(conclude: Conclusion) -> Conclusion:
        _KINDS[name] = replace(_KINDS[name], conclude=conclude, part_result=part_result)
        return conclude

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
    """Record the job, then hand it to the queue. The row is the outbox: once it is committed
    the job will run, even if the queue cannot be reached now (``dispatch_pending_jobs``
    hands it over when the queue is back), so the caller gets its id either way."""
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
            attempt=0,
        )
    )
    # Inside a caller's transaction the row is not visible to a worker yet: the dispatcher
    # hands it over after the commit.
    if not current_engine().transaction_exists():
        await hand_over(ctx, kind, job_id, 0)
    return job_id


async def hand_over(ctx: ServiceContext, kind: str, job_id: UUID, attempt: int, *, defer_seconds: float = 0) -> bool:
    """Enqueue one attempt; False (and the job stays in the outbox) when the queue is down."""
    try:
        await ctx.queue.enqueue(kind, job_id, attempt, defer_seconds=defer_seconds)
    except Exception as exc:
        log.warning("job %s stays queued in the database: the queue is unreachable (%s)", job_id, type(exc).__name__)
        return False
    return True


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
    # A job fanned out into parts run by any worker: how many, and how many are done.
    parts: int = 0
    parts_done: int = 0


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
            Job.parts,
            Job.parts_done,
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
    if row is None or not visible:
        raise NotFound("no such job", code="job_not_found")
    if row["parts"] and row["status"] == "queued":
        row["status"] = "running"  # its parts are done; its conclusion waits for a worker
    return JobView.model_validate(row)


async def execute_job(ctx: ServiceContext, job_id: UUID, attempt: int | None = None) -> str:
    """Run one attempt of a queued job to its end. Safe to call again for the same id (a
    redelivered message, a rerun after a crash): the attempt first claims the row (queued →
    running, one claimer wins), finished jobs are left alone, a message for an older attempt
    is void, and job bodies are idempotent, so a rerun of a half-done job completes it
    without doing anything twice. ``attempt`` None: whichever attempt the row is at."""
    try:
        row = (
            await Job.select(Job.kind, Job.status, Job.params, Job.attempt, Job.parts, Job.parts_done, Job.parent)
            .where(Job.id == job_id)
            .output(load_json=True)
            .first()
        )
        if row is None:
            log.warning("job %s has no row; nothing to do", job_id)
            return "missing"
        if row["status"] in {"done", "failed"}:
            return str(row["status"])
        mine = row["attempt"] if attempt is None else attempt
        if mine != row["attempt"]:
            return "superseded"
        if row["parts_done"] < row["parts"]:
            return "waiting"  # its parts run; the last one to finish requeues it
        if row["parent"] is not None and await job_parts.drop_if_parent_failed(
            job_id, row["parent"], (Job.status == "queued") & (Job.attempt == mine), ctx.clock.now()
        ):
            return "failed"
        spec = job_kind(row["kind"])
        try:
            claim = await _claim(ctx, spec, job_id, mine, concluding=bool(row["parts"]))
        except asyncio.CancelledError:
            # The worker stopped as the claim committed: the job goes back to the queue.
            await _put_back(ctx, spec.name, job_id, mine, next_attempt=True)
            raise
    except Exception as exc:
        if is_database_unavailable(exc):
            raise TransientJobError(f"database unavailable: {exc}") from exc
        raise
    if claim == "busy":
        # Another job of this serial kind is running: wait in the queue behind it.
        await hand_over(ctx, spec.name, job_id, mine + 1, defer_seconds=ctx.settings.job_serial_wait_seconds)
        return "waiting"
    if claim != "claimed":
        return claim
    params = spec.params.model_validate(row["params"] or {})
    return await _run_claimed(ctx, spec, job_id, mine, params, concluding=bool(row["parts"]))


async def _claim(ctx: ServiceContext, spec: JobKind, job_id: UUID, attempt: int, *, concluding: bool = False) -> str:
    """queued → running for this attempt, or why not: "busy" (a serial kind's other job is
    running; the row moves to the next attempt), "taken" (another worker has it)."""
    this = (Job.id == job_id) & (Job.status == "queued") & (Job.attempt == attempt)
    now = ctx.clock.now()
    async with write_transaction():
        if spec.serial:
            if not is_sqlite(current_engine()):  # SQLite: the write transaction is the lock
                await Job.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"ltc.job.serial:{spec.name}")
            running = await Job.exists().where((Job.kind == spec.name) & (Job.status == "running"))
            if running:
                moved = await Job.update({Job.attempt: attempt + 1}).where(this).returning(Job.id)
                return "busy" if moved else "taken"
        values: dict[Any, Any] = {Job.status: "running", Job.heartbeat_at: now, Job.error: ""}
        if not concluding:  # a concluding parent began with its fan-out
            values[Job.started_at] = now
        claimed = await Job.update(values).where(this).returning(Job.id)
    return "claimed" if claimed else "taken"


async def _run_claimed(
    ctx: ServiceContext, spec: JobKind, job_id: UUID, attempt: int, params: JobParams, *, concluding: bool
) -> str:
    status = await _run_body(ctx, spec, job_id, attempt, params, concluding=concluding)
    if spec.serial and status in {"done", "failed"}:
        await _dispatch(ctx, Job.kind == spec.name)  # the next one waiting behind it
    return status


async def _whole_or_parts(
    ctx: ServiceContext, spec: JobKind, job_id: UUID, params: JobParams, progress: Progress, *, concluding: bool
) -> Any:
    """The body, or the conclusion once the parts are done; a fan-out into no parts concludes at once."""
    if not concluding:
        outcome = await spec.body(ctx, params, progress)
        if not isinstance(outcome, FanOut) or outcome.parts:
            return outcome
    if spec.conclude is None or spec.part_result is None:
        raise RuntimeError(f"{spec.name} has parts but no conclusion")
    results = await job_parts.part_results(job_id, spec.part_result) if concluding else []
    return await spec.conclude(ctx, params, results, progress)


async def _run_body(
    ctx: ServiceContext, spec: JobKind, job_id: UUID, attempt: int, params: JobParams, *, concluding: bool
) -> str:
    ours = (Job.id == job_id) & (Job.attempt == attempt) & (Job.status == "running")
    lost = asyncio.Event()

    async def progress(fraction: float) -> None:
        if not concluding:  # a concluding parent's progress is its parts' done share
            await Job.update({Job.progress: max(0.0, min(1.0, fraction))}).where(ours)

    body = asyncio.ensure_future(_whole_or_parts(ctx, spec, job_id, params, progress, concluding=concluding))
    beat = asyncio.ensure_future(_heartbeat(ctx, job_id, attempt, body, lost))
    try:
        outcome = await body
        if isinstance(outcome, FanOut):
            beat.cancel()
            return await _fan_out(ctx, job_id, attempt, outcome)
        result = outcome.model_dump(mode="json")
    except asyncio.CancelledError:
        if lost.is_set() and not _being_cancelled():
            log.warning("job %s attempt %s was taken over after a missed heartbeat; stopped", job_id, attempt)
            return "superseded"
        # The worker is stopping: the job goes back to the queue for the next worker, unless
        # its fan-out committed (then it waits on its parts; _put_back leaves it).
        await _put_back(ctx, spec.name, job_id, attempt, next_attempt=True)
        raise
    except TransientJobError:
        await _put_back(ctx, spec.name, job_id, attempt, next_attempt=False)
        raise
    except DomainError as exc:
        # A refusal (e.g. a stale preview) is the job's answer, not a crash: keep its code.
        return await _finish(ctx, ours, "failed", error=f"{exc.code}: {exc.detail}")
    except Exception as exc:
        if is_database_unavailable(exc):
            await _put_back(ctx, spec.name, job_id, attempt, next_attempt=False)
            raise TransientJobError(f"database unavailable: {exc}") from exc
        log.exception("job %s (%s) failed", job_id, spec.name)
        return await _finish(ctx, ours, "failed", error=f"{type(exc).__name__}: {exc}")
    finally:
        beat.cancel()
    return await _finish(ctx, ours, "done", result=result)


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _heartbeat(
    ctx: ServiceContext, job_id: UUID, attempt: int, body: asyncio.Future[Any], lost: asyncio.Event
) -> None:
    """Refresh the row's heartbeat while the body runs; stop the body if the row was given
    to another attempt (this worker was thought dead)."""
    while True:
        await asyncio.sleep(ctx.settings.job_heartbeat_seconds)
        try:
            alive = (
                await Job.update({Job.heartbeat_at: ctx.clock.now()})
                .where((Job.id == job_id) & (Job.attempt == attempt) & (Job.status == "running"))
                .returning(Job.id)
            )
        except Exception as exc:  # the database away for a moment: try again next beat
            log.warning("job %s: heartbeat not recorded (%s)", job_id, type(exc).__name__)
            continue
        if not alive:
            lost.set()
            body.cancel()
            return


async def _fan_out(ctx: ServiceContext, job_id: UUID, attempt: int, fan_out: FanOut) -> str:
    """The parts stored with their count (the parent now waits, holding no worker), then
    handed to the queue; the last part to finish requeues the parent for its conclusion."""
    queued = await job_parts.insert_parts(job_id, attempt, fan_out, ctx.clock.now())
    if queued is None:
        return "superseded"
    for part in queued:
        if not await hand_over(ctx, part.kind, part.job_id, part.attempt):
            break  # the queue is down: the dispatcher hands the rest over later
    return "waiting"


async def _finish(ctx: ServiceContext, ours: Any, status: str, *, error: str = "", result: Any = None) -> str:
    now = ctx.clock.now()
    values: dict[Any, Any] = {Job.status: status, Job.error: error, Job.finished_at: now}
    if status == "done":
        values |= {Job.progress: 1.0, Job.result: result}
    async with write_transaction():  # a part's finish and its count in the parent: both or neither
        finished = await Job.update(values).where(ours).returning(Job.parent, Job.part_key)
        follow = await _count_in_parent(finished, status, error, now)
    if follow is not None:
        await hand_over(ctx, follow.kind, follow.job_id, follow.attempt)
    return status


async def _count_in_parent(
    finished: list[dict[str, Any]], status: str, error: str, now: datetime
) -> job_parts.Queued | None:
    if not finished or finished[0]["parent"] is None:
        return None
    return await job_parts.part_finished(finished[0]["parent"], finished[0]["part_key"], status, error, now)


async def _put_back(ctx: ServiceContext, kind: str, job_id: UUID, attempt: int, *, next_attempt: bool) -> None:
    """Back to queued, unless it waits on its parts. ``next_attempt``: under a new attempt
    handed to the queue at once, so no leftover of this attempt's message (arq's in-progress
    key) holds it up."""
    try:
        moved = (
            await Job.update({Job.status: "queued", Job.attempt: attempt + (1 if next_attempt else 0)})
            .where(
                (Job.id == job_id)
                & (Job.attempt == attempt)
                & (Job.status == "running")
                & job_parts.not_waiting_on_parts()
            )
            .returning(Job.id)
        )
        if moved and next_attempt:
            await hand_over(ctx, kind, job_id, attempt + 1)
    except Exception as exc:  # the database is away too: the requeue sweep finds the row later
        log.warning("job %s could not be put back (%s); the sweep will requeue it", job_id, type(exc).__name__)


async def give_up(ctx: ServiceContext, job_id: UUID, attempt: int | None, error: str) -> None:
    """A job that kept failing transiently: failed, with the last reason."""
    mine: Combinable = Job.id == job_id
    if attempt is not None:
        mine = mine & (Job.attempt == attempt)
    now = ctx.clock.now()
    async with write_transaction():
        failed = (
            await Job.update({Job.status: "failed", Job.error: error, Job.finished_at: now})
            .where(mine & Job.status.is_in(["queued", "running"]))
            .returning(Job.parent, Job.part_key)
        )
        await _count_in_parent(failed, "failed", error, now)


async def requeue_stalled_jobs(ctx: ServiceContext, *, stale_after: timedelta | None = None) -> int:
    """Put back the running jobs whose worker stopped beating (killed, its machine gone), each
    under a new attempt (a part whose parent failed meanwhile is failed instead), then hand
    every queued job to the queue. Returns how many were handed over."""
    stale_after = stale_after or timedelta(seconds=ctx.settings.job_stale_after_seconds)
    cutoff = ctx.clock.now() - stale_after
    stale = (Job.status == "running") & (
        (Job.heartbeat_at < cutoff) | (Job.heartbeat_at.is_null() & (Job.started_at < cutoff))
    )
    for row in await Job.select(Job.id, Job.attempt, Job.parts, Job.parts_done, Job.parent).where(stale):
        if job_parts.waiting_on_parts(row["parts"], row["parts_done"]):
            continue  # a parent beats no more while its parts run
        this = stale & (Job.id == row["id"]) & (Job.attempt == row["attempt"])
        if row["parent"] is not None and await job_parts.drop_if_parent_failed(
            row["id"], row["parent"], this, ctx.clock.now()
        ):
            continue
        requeued = (
            await Job.update({Job.status: "queued", Job.attempt: row["attempt"] + 1}).where(this).returning(Job.id)
        )
        if requeued:
            log.warning("job %s missed its heartbeat; requeued as attempt %s", row["id"], row["attempt"] + 1)
    return await dispatch_pending_jobs(ctx)


async def dispatch_pending_jobs(ctx: ServiceContext) -> int:
    """The outbox's dispatcher: hand every queued job to the queue (it dedupes attempts)."""
    return await _dispatch(ctx, None)


async def _dispatch(ctx: ServiceContext, where: Any) -> int:
    query = Job.select(Job.id, Job.kind, Job.attempt).where(Job.status == "queued").order_by(Job.created_at)
    if where is not None:
        query = query.where(where)
    handed = 0
    for row in await query:
        if not await hand_over(ctx, row["kind"], row["id"], row["attempt"]):
            break  # the queue is down; the next sweep tries again
        handed += 1
    return handed
