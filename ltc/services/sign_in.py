"""Signing in and out: credentials checked behind a throttle per account and per client
address (kept in the database, so every web process counts the same failures), a session
started on success, and every sign-in, failure and lock-out in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from ltc.db.engine import write_transaction
from ltc.db.tables import AppUser
from ltc.domain.access import Actor
from ltc.domain.errors import Unauthenticated
from ltc.domain.password_policy import password_expired
from ltc.domain.sessions import SessionKind
from ltc.services import throttle
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.password_changes import password_policy
from ltc.services.sessions import AccountRow, Client, StartedSession, actor_from_row, start_session


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    session: StartedSession
    # The password is older than the policy allows, or an administrator reset it: the user
    # is asked to change it.
    password_expired: bool


_USER_COLUMNS = (
    AppUser.id,
    AppUser.username,
    AppUser.role,
    AppUser.provider,
    AppUser.caregiver,
    AppUser.town,
    AppUser.display_name,
    AppUser.password_hash,
    AppUser.active,
    AppUser.created_at,
    AppUser.password_changed_at,
    AppUser.must_change_password,
)


async def sign_in(ctx: ServiceContext, username: str, password: str, kind: SessionKind, client: Client) -> SignedIn:
    """Check the credentials and start a session. While the account or the address has too
    many recent failures: ``too_many_attempts`` (429), without looking at the password."""
    username = username.strip()
    client = client.trimmed()
    subjects = throttle.subjects(ctx, username, client)
    await throttle.refuse_while_locked(subjects, ctx.clock.now())
    row = await AppUser.select(*_USER_COLUMNS).where(AppUser.username == username).first() if username else None
    ok = await ctx.passwords.verify(row["password_hash"] if row else None, password)
    if row is None or not ok or not row["active"]:
        await throttle.record_failure(ctx, username, subjects, client, kind, "sign_in.failure")
        raise Unauthenticated("wrong username or password", code="invalid_credentials")
    actor = actor_from_row(
        AccountRow(
            id=row["id"],
            username=row["username"],
            role=row["role"],
            provider=row["provider"],
            caregiver=row["caregiver"],
            town=row["town"],
            display_name=row["display_name"],
        )
    )
    now = ctx.clock.now()
    async with write_transaction():
        # A success clears the account's count; the address's stays (one good account must
        # not reset the count of an address guessing others).
        await throttle.clear_account(subjects)
        session = await start_session(ctx, actor, kind, client)
        await record_change(
            actor=actor,
            at=now,
            action="sign_in.success",
            entity="session",
            entity_id=session.session_id,
            after=throttle.audit_details(client, kind),
        )
    changed = row["password_changed_at"] or row["created_at"]
    expired = row["must_change_password"] or password_expired(changed, now, password_policy(ctx.settings))
    return SignedIn(actor, session, expired)
