"""Liveness of what the system depends on."""

from __future__ import annotations

import asyncio
from typing import Any

from ltc.db.tables import Town

CHECK_TIMEOUT_SECONDS = 3


async def check_database() -> str:
    try:
        await asyncio.wait_for(Town.count(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


async def check_redis(redis: Any) -> str:
    try:
        await asyncio.wait_for(redis.ping(), CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"
