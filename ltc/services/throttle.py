"""The sign-in throttle's state in the database: failed attempts counted against the account
tried and the client's address (every web process counts the same rows), the lock checked
before any password is looked at, and each failure and lock-out in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from ltc.db.engine import write_transaction
from ltc.db.tables import SignInFailure
from ltc.domain.errors import TooManyAttempts
from ltc.domain.sessions import SessionKind
from ltc.domain.sign_in import ThrottlePolicy, retry_after, retry_after_seconds
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.sessions import Client

SUBJECT_LENGTH = 100


@dataclass(frozen=True)
class Subject:
    """What failures are counted against: the account tried, or the client's address."""

    key: str
    policy: ThrottlePolicy


def subjects(ctx: ServiceContext, username: str, client: Client) -> list[Subject]:
    settings = ctx.settings
    window = timedelta(minutes=settings.sign_in_window_minutes)
    subjects = [
        Subject(
            f"account:{username.casefold()}"[:SUBJECT_LENGTH],
            ThrottlePolicy(settings.sign_in_max_failures_per_account, window),
        )
    ]
    if client.address:
        subjects.append(
            Subject(
                f"address:{client.address}"[:SUBJECT_LENGTH],
                ThrottlePolicy(settings.sign_in_max_failures_per_address, window),
            )
        )
    return subjects


async def _wait(subject: Subject, now: datetime) -> timedelta | None:
    """How long the subject must still wait: one indexed read of its newest failures."""
    rows = (
        await SignInFailure.select(SignInFailure.at)
        .where((SignInFailure.subject == subject.key) & (SignInFailure.at > now - subject.policy.window))
        .order_by(SignInFailure.at, ascending=False)
        .limit(subject.policy.max_failures)
    )
    return retry_after([r["at"] for r in rows], now, subject.policy)


async def refuse_while_locked(subjects: list[Subject], now: datetime) -> None:
    waits = [wait for subject in subjects if (wait := await _wait(subject, now)) is not None]
    if waits:
        raise TooManyAttempts(retry_after_seconds(max(waits)), code="too_many_attempts")


class AttemptDetails(BaseModel):
    """What the audit trail keeps of a sign-in attempt (a lock-out adds whom and how long)."""

    model_config = ConfigDict(use_enum_values=True)

    address: str
    user_agent: str
    kind: SessionKind
    username: str | None = None
    seconds: int | None = None


def audit_details(
    client: Client, kind: SessionKind, *, username: str | None = None, seconds: int | None = None
) -> AttemptDetails:
    return AttemptDetails(
        address=client.address, user_agent=client.user_agent[:120], kind=kind, username=username, seconds=seconds
    )


async def record_failure(
    ctx: ServiceContext, username: str, subjects: list[Subject], client: Client, kind: SessionKind, action: str
) -> None:
    """Count a wrong password against every subject; audit it, and the lock-out it causes."""
    now = ctx.clock.now()
    async with write_transaction():
        await SignInFailure.insert(*[SignInFailure(subject=s.key, at=now) for s in subjects])
        # Failures older than the longest window count for nothing any more.
        oldest = now - max(s.policy.window for s in subjects)
        await SignInFailure.delete().where(
            SignInFailure.subject.is_in([s.key for s in subjects]) & (SignInFailure.at <= oldest)
        )
        await record_change(
            actor=None,
            at=now,
            action=action,
            entity="sign_in",
            entity_id=username[:64],
            after=audit_details(client, kind),
        )
        for subject in subjects:
            wait = await _wait(subject, now)
            if wait is not None:
                await record_change(
                    actor=None,
                    at=now,
                    action="sign_in.lock",
                    entity="sign_in",
                    entity_id=subject.key[:64],
                    after=audit_details(client, kind, username=username[:64], seconds=retry_after_seconds(wait)),
                )


async def clear_account(subjects: list[Subject]) -> None:
    """A success clears the account's count; the address's stays (one good account must not
    reset the count of an address guessing others)."""
    await SignInFailure.delete().where(SignInFailure.subject == subjects[0].key)
