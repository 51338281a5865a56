"""Limits on the pages anyone may use without an account (filing an application, opening a
follow page): attempts counted per client address, kept only as a keyed hash, in the rows
the sign-in throttle counts in, so every web process counts the same ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ltc.db.tables import SignInFailure
from ltc.domain.errors import TooManyAttempts
from ltc.domain.personal_data import blind_index
from ltc.domain.sign_in import ThrottlePolicy, retry_after, retry_after_seconds
from ltc.services.context import ServiceContext


@dataclass(frozen=True)
class PublicLimit:
    """What is counted (``purpose``), how many in what window, and the refusal's code."""

    purpose: str
    policy: ThrottlePolicy
    code: str


def client_key(ctx: ServiceContext, limit: PublicLimit, client_address: str) -> str:
    """The client's address as a keyed hash ("" when unknown: nothing is counted)."""
    if not client_address:
        return ""
    return blind_index(ctx.settings.keyring.index_key, f"{limit.purpose}:client", client_address)


def _subject(limit: PublicLimit, key: str) -> str:
    return f"{limit.purpose}:{key}"[:100]


async def refuse_when_spent(limit: PublicLimit, key: str, now: datetime) -> None:
    """429 with the seconds to wait once the client has used up the window."""
    if not key:
        return
    rows = (
        await SignInFailure.select(SignInFailure.at)
        .where((SignInFailure.subject == _subject(limit, key)) & (SignInFailure.at > now - limit.policy.window))
        .order_by(SignInFailure.at, ascending=False)
        .limit(limit.policy.max_failures)
    )
    wait = retry_after([r["at"] for r in rows], now, limit.policy)
    if wait is not None:
        seconds = retry_after_seconds(wait)
        raise TooManyAttempts(seconds, f"尝试过于频繁，请 {seconds} 秒后再试", code=limit.code)


async def count_attempt(limit: PublicLimit, key: str, now: datetime) -> None:
    """Count one attempt against the client; attempts older than the window are dropped."""
    if not key:
        return
    subject = _subject(limit, key)
    await SignInFailure.insert(SignInFailure(subject=subject, at=now))
    await SignInFailure.delete().where(
        (SignInFailure.subject == subject) & (SignInFailure.at <= now - limit.policy.window)
    )
