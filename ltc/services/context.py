"""What every service call needs from its surroundings, passed in rather than imported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from ltc.services.clock import Clock
from ltc.services.passwords import Passwords
from ltc.settings import Settings


class JobQueue(Protocol):
    async def enqueue(self, kind: str, job_id: UUID, attempt: int = 0, *, defer_seconds: float = 0) -> None:
        """Hand one attempt of the job to a worker; enqueueing the same attempt twice runs it once."""
        ...


@dataclass(frozen=True)
class ServiceContext:
    settings: Settings
    clock: Clock
    passwords: Passwords
    queue: JobQueue
