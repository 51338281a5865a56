"""Jobs fanned out into parts: a parent job's body may answer with its parts (``FanOut``)
instead of a result. The parts are job rows of their own (``parent``, a unique ``part_key``)
run by any worker through the ordinary machinery; the parent holds no worker while they run.
Each part's finish counts in its parent's row in the same transaction, and the part that
completes the count puts the parent back in the queue, once (a conditional update), for its
conclusion: the kind's ``conclude`` step over the parts' results. A failed part fails the
parent with the part's reason.

Here the database side; ``ltc.services.jobs`` hands the rows to the queue after commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID, uuid4

from piccolo.columns.combination import Combinable, WhereRaw
from pydantic import BaseModel

from ltc.db.engine import write_transaction
from ltc.db.tables import Job

PartResult = TypeVar("PartResult", bound=BaseModel)
Item = TypeVar("Item")

# The reason of a part stopped because another part failed its parent ("code: detail").
PART_FAILED = "part_failed"
ABANDONED = f"{PART_FAILED}: another part failed"


@dataclass(frozen=True)
class FanOut:
    """A body's answer meaning "run me as these parts": each params a job of ``kind``."""

    kind: str
    parts: list[BaseModel]


@dataclass(frozen=True)
class Queued:
    """A row to hand to the queue once the transaction that queued it has committed."""

    kind: str
    job_id: UUID
    attempt: int


def even_slices(items: Sequence[Item], count: int) -> list[list[Item]]:
    """``items`` in at most ``count`` consecutive slices whose sizes differ by one at most;
    no empty slice."""
    count = max(1, min(count, len(items)))
    size, extra = divmod(len(items), count)
    slices, start = [], 0
    for n in range(count):
        end = start + size + (1 if n < extra else 0)
        if end > start:
            slices.append(list(items[start:end]))
        start = end
    return slices


def part_key(parent: UUID, number: int) -> str:
    return f"{parent}:{number}"


def part_number(key: str) -> int:
    return int(key.rsplit(":", 1)[1])


def parent_failure(key: str, error: str) -> str:
    """The parent's reason from its failed part's "code: detail": the part's own code first,
    so the job page reads it, then which part and why."""
    code, colon, detail = error.partition(":")
    where = f"part {part_number(key) + 1}"
    return f"{code.strip()}: {where} — {detail.strip()}" if colon else f"{error.strip()}: {where}"


def not_waiting_on_parts() -> Combinable:
    """Rows with no part still to finish: a plain job, or a parent whose parts are all done.
    A parent waiting on its parts stays running whatever happens to the worker that fanned
    it out (only its parts' finishes move it)."""
    return WhereRaw("parts_done >= parts")


async def drop_if_parent_failed(part: UUID, parent: UUID, where: Combinable, now: datetime) -> bool:
    """A part whose parent failed is not run (again): failed as abandoned, if ``where`` still
    holds. True when the parent failed."""
    async with write_transaction():
        if not await Job.exists().where((Job.id == parent) & (Job.status == "failed")):
            return False
        await Job.update({Job.status: "failed", Job.error: ABANDONED, Job.finished_at: now}).where(
            (Job.id == part) & where
        )
    return True


async def insert_parts(parent: UUID, attempt: int, fan_out: FanOut, now: datetime) -> list[Queued] | None:
    """The parent's parts, each inserted once (a part already there from an earlier run of
    this step is kept), and their count in the parent, in one transaction; the parts still
    to run, or None when this attempt no longer holds the parent."""
    keys = [part_key(parent, n) for n in range(len(fan_out.parts))]
    async with write_transaction():
        mine = (
            await Job.select(Job.created_by)
            .where((Job.id == parent) & (Job.attempt == attempt) & (Job.status == "running"))
            .first()
        )
        if mine is None:
            return None
        existing = {r["part_key"]: r for r in await Job.select(Job.part_key, Job.status).where(Job.parent == parent)}
        new = [
            Job(
                id=uuid4(),
                kind=fan_out.kind,
                status="queued",
                progress=0.0,
                params=params.model_dump(mode="json"),
                created_by=mine["created_by"],
                created_at=now,
                attempt=0,
                parent=parent,
                part_key=key,
            )
            for key, params in zip(keys, fan_out.parts, strict=True)
            if key not in existing
        ]
        if new:
            await Job.insert(*new)
        done = sum(1 for r in existing.values() if r["status"] == "done")
        await Job.update({Job.parts: len(keys), Job.parts_done: done, Job.progress: done / len(keys)}).where(
            (Job.id == parent) & (Job.attempt == attempt)
        )
        waiting = await Job.select(Job.id, Job.kind, Job.attempt).where(
            (Job.parent == parent) & (Job.status == "queued")
        )
    return [Queued(r["kind"], r["id"], r["attempt"]) for r in waiting]


async def part_finished(parent: UUID, key: str, status: str, error: str, now: datetime) -> Queued | None:
    """Count a part's finish in its parent; runs in the transaction that finished the part.
    The part completing the count requeues the parent for its conclusion (returned, to be
    handed over); a failed part fails the parent and the parts not begun."""
    if status != "done":
        reason = parent_failure(key, error)
        await Job.update({Job.status: "failed", Job.error: reason, Job.finished_at: now}).where(
            (Job.id == parent) & (Job.status == "running")
        )
        await Job.update({Job.status: "failed", Job.error: ABANDONED, Job.finished_at: now}).where(
            (Job.parent == parent) & (Job.status == "queued")
        )
        return None
    # Concurrent finishes queue on the parent's row: each sees the count the one before left.
    counted = (
        await Job.update({Job.parts_done: Job.parts_done + 1})
        .where((Job.id == parent) & (Job.status == "running"))
        .returning(Job.parts_done, Job.parts, Job.attempt, Job.kind)
    )
    if not counted:
        return None  # the parent failed already
    row = counted[0]
    await Job.update({Job.progress: min(1.0, row["parts_done"] / max(1, row["parts"]))}).where(Job.id == parent)
    if row["parts_done"] < row["parts"]:
        return None
    concluding = (
        await Job.update({Job.status: "queued", Job.attempt: row["attempt"] + 1})
        .where((Job.id == parent) & (Job.status == "running") & (Job.attempt == row["attempt"]))
        .returning(Job.id)
    )
    return Queued(row["kind"], parent, row["attempt"] + 1) if concluding else None


async def part_results(parent: UUID, model: type[PartResult]) -> list[PartResult]:
    """The parts' results in part order."""
    rows = await Job.select(Job.part_key, Job.result, Job.status).where(Job.parent == parent).output(load_json=True)
    if any(r["status"] != "done" for r in rows):
        raise RuntimeError(f"job {parent} concludes with parts not done")
    return [model.model_validate(r["result"]) for r in sorted(rows, key=lambda r: part_number(r["part_key"]))]


def waiting_on_parts(parts: int, parts_done: int) -> bool:
    """A parent whose parts are still running: not a stalled job, whatever its heartbeat."""
    return parts > 0 and parts_done < parts
