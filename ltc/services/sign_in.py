"""Signing in and out: credentials checked behind a throttle per account and per client
address (kept in the database, so every web process counts the same failures), a session
started on success, and every sign-in, failure and lock-out in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ltc.db.engine import write_transaction
from ltc.db.tables import AppUser, SignInFailure
from ltc.domain.access import Actor, Role
from ltc.domain.errors import TooManyAttempts, Unauthenticated
from ltc.domain.password_policy import password_expired
from ltc.domain.sessions import SessionKind
from ltc.domain.sign_in import ThrottlePolicy, retry_after, retry_after_seconds
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.password_changes import password_policy
from ltc.services.sessions import Client, StartedSession, start_session

SUBJECT_LENGTH = 100


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    session: StartedSession
    # The password is older than the policy allows: the user is asked to change it.
    password_expired: bool


@dataclass(frozen=True)
class Subject:
    """What failures are counted against: the account tried, or the client's address."""

    key: str
    policy: ThrottlePolicy


def _subjects(ctx: ServiceContext, username: str, client: Client) -> list[Subject]:
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


async def _refuse_while_locked(subjects: list[Subject], now: datetime) -> None:
    waits = [wait for subject in subjects if (wait := await _wait(subject, now)) is not None]
    if waits:
        raise TooManyAttempts(retry_after_seconds(max(waits)), code="too_many_attempts")


def _audit_details(client: Client, kind: SessionKind, **more: Any) -> dict[str, Any]:
    return {"address": client.address, "user_agent": client.user_agent[:120], "kind": kind.value, **more}


async def _record_failure(
    ctx: ServiceContext, username: str, subjects: list[Subject], client: Client, kind: SessionKind
) -> None:
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
            action="sign_in.failure",
            entity="sign_in",
            entity_id=username[:64],
            after=_audit_details(client, kind),
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
                    after=_audit_details(client, kind, username=username[:64], seconds=retry_after_seconds(wait)),
                )


_USER_COLUMNS = (
    AppUser.id,
    AppUser.username,
    AppUser.role,
    AppUser.provider,
    AppUser.display_name,
    AppUser.password_hash,
    AppUser.active,
    AppUser.created_at,
    AppUser.password_changed_at,
)


async def sign_in(ctx: ServiceContext, username: str, password: str, kind: SessionKind, client: Client) -> SignedIn:
    """Check the credentials and start a session. While the account or the address has too
    many recent failures: ``too_many_attempts`` (429), without looking at the password."""
    username = username.strip()
    client = client.trimmed()
    subjects = _subjects(ctx, username, client)
    await _refuse_while_locked(subjects, ctx.clock.now())
    row = await AppUser.select(*_USER_COLUMNS).where(AppUser.username == username).first() if username else None
    ok = await ctx.passwords.verify(row["password_hash"] if row else None, password)
    if row is None or not ok or not row["active"]:
        await _record_failure(ctx, username, subjects, client, kind)
        raise Unauthenticated("wrong username or password", code="invalid_credentials")
    actor = Actor(
        user_id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        provider_id=row["provider"],
        display_name=row["display_name"],
    )
    now = ctx.clock.now()
    async with write_transaction():
        # A success clears the account's count; the address's stays (one good account must
        # not reset the count of an address guessing others).
        await SignInFailure.delete().where(SignInFailure.subject == subjects[0].key)
        session = await start_session(ctx, actor, kind, client)
        await record_change(
            actor=actor,
            at=now,
            action="sign_in.success",
            entity="session",
            entity_id=session.session_id,
            after=_audit_details(client, kind),
        )
    changed = row["password_changed_at"] or row["created_at"]
    return SignedIn(actor, session, password_expired(changed, now, password_policy(ctx.settings)))
