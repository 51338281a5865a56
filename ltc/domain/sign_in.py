"""Sign-in throttling: how many failed sign-ins a window tolerates, and how long to wait after.

A subject (an account or a client address) is locked while its failures inside the sliding
window reach the policy's limit; it is free again the moment enough of them leave the window."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """At most ``max_failures - 1`` failures inside ``window`` leave the subject free."""

    max_failures: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.max_failures < 1 or self.window <= timedelta(0):
            raise ValueError("a throttle needs at least one failure and a positive window")


def recent_failures(failures: Sequence[datetime], now: datetime, policy: ThrottlePolicy) -> list[datetime]:
    """The failures still inside the window ending at ``now``, oldest first."""
    start = now - policy.window
    return sorted(at for at in failures if start < at <= now)


def retry_after(failures: Sequence[datetime], now: datetime, policy: ThrottlePolicy) -> timedelta | None:
    """How long the subject must wait before its next attempt, or None when it may try now.

    With ``n >= max_failures`` failures in the window, the next attempt is allowed once the
    ``n - max_failures + 1`` oldest have left it."""
    inside = recent_failures(failures, now, policy)
    if len(inside) < policy.max_failures:
        return None
    return inside[len(inside) - policy.max_failures] + policy.window - now


def retry_after_seconds(wait: timedelta) -> int:
    """A ``Retry-After`` value: whole seconds, rounded up, at least one."""
    return max(1, math.ceil(wait.total_seconds()))
