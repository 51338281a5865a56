"""Liveness of what the system depends on."""

from __future__ import annotations

import asyncio
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from ltc.db.tables import Town

CHECK_TIMEOUT_SECONDS = 3


class Pingable(Protocol):
    def ping(self) -> Any: ...  # an awaitable, in redis.asyncio and its in-memory stand-in


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    redis: str
    worker: Literal["in-process", "separate"]


async def check_database() -> str:
    try:
        await asyncio.wait_for(Town.count(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


async def check_redis(redis: Pingable) -> str:
    try:
        await asyncio.wait_for(redis.ping(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


async def health(redis: Pingable, *, in_process_worker: bool) -> Health:
    """The database and Redis each answering, and where the worker runs."""
    database = await check_database()
    redis_state = await check_redis(redis)
    return Health(
        status="ok" if database == redis_state == "ok" else "degraded",
        database=database,
        redis=redis_state,
        worker="in-process" if in_process_worker else "separate",
    )
