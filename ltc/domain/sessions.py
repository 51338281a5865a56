"""A signed-in session's life: when it ends by itself, and when its last use is worth writing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SessionKind(StrEnum):
    PAGE = "page"  # the browser's cookie
    API = "api"  # a bearer token


class EndReason(StrEnum):
    LOGOUT = "logout"
    IDLE = "idle"
    EXPIRED = "expired"
    USER_DISABLED = "user_disabled"
    ENDED_BY_ADMIN = "ended_by_admin"
    PASSWORD_CHANGED = "password_changed"


@dataclass(frozen=True)
class SessionTimes:
    last_seen_at: datetime
    expires_at: datetime  # the absolute end, fixed at sign-in


def lapse_reason(times: SessionTimes, now: datetime, idle: timedelta | None) -> EndReason | None:
    """Why the session is over at ``now`` by itself (its absolute end, or idleness), or None."""
    if now >= times.expires_at:
        return EndReason.EXPIRED
    if idle is not None and now >= times.last_seen_at + idle:
        return EndReason.IDLE
    return None


def touch_due(last_seen_at: datetime, now: datetime, interval: timedelta) -> bool:
    """Whether ``last_seen_at`` is stale enough to write again (at most once per interval)."""
    return now >= last_seen_at + interval
