"""Passwords under the policy: a new user's first password and a user's own change, checked
against the rules, the username and the user's recent passwords (kept as argon2 hashes)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from ltc.db.engine import locked, write_transaction
from ltc.db.tables import AppUser, PasswordHistory
from ltc.domain.access import Actor
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.password_policy import PasswordPolicy, check_new_password, reject_reused_password
from ltc.domain.sessions import EndReason, SessionKind
from ltc.services import throttle
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.sessions import Client, end_user_sessions
from ltc.settings import Settings


def password_policy(settings: Settings) -> PasswordPolicy:
    return PasswordPolicy(
        min_length=settings.password_min_length,
        min_classes=settings.password_min_classes,
        history=settings.password_history,
        max_age_days=settings.password_max_age_days,
    )


async def recent_hashes(user_id: int, count: int) -> list[str]:
    """The user's last ``count`` passwords' hashes, the current one first."""
    if count <= 0:
        return []
    rows = (
        await PasswordHistory.select(PasswordHistory.password_hash)
        .where(PasswordHistory.app_user == user_id)
        .order_by(PasswordHistory.id, ascending=False)
        .limit(count)
    )
    return [r["password_hash"] for r in rows]


async def remember_password(user_id: int, password_hash: str, at: datetime) -> None:
    """Keep a password's hash in the user's history (inside the change's transaction)."""
    await PasswordHistory.insert(PasswordHistory(app_user=user_id, password_hash=password_hash, set_at=at))


class PasswordChanged(BaseModel):
    changed_at: datetime
    other_sessions_ended: int


async def change_own_password(
    ctx: ServiceContext,
    actor: Actor,
    current: str,
    new: str,
    *,
    client: Client,
    kind: SessionKind,
    keep_session: int | None = None,
) -> PasswordChanged:
    """The signed-in user changes their password: the current one is checked, the new one
    must keep the policy and differ from the last ``password_history`` ones. The user's other
    sessions end at once; ``keep_session`` (the one making the change) goes on. A wrong
    current password counts as a failed sign-in (a borrowed session cannot guess it freely)."""
    policy = password_policy(ctx.settings)
    row = await AppUser.select(AppUser.password_hash).where(AppUser.id == actor.user_id).first()
    if row is None:
        raise NotFound("no such user", code="user_not_found")
    subjects = throttle.subjects(ctx, actor.username, client.trimmed())
    await throttle.refuse_while_locked(subjects, ctx.clock.now())
    if not await ctx.passwords.verify(row["password_hash"], current):
        await throttle.record_failure(ctx, actor.username, subjects, client.trimmed(), kind, "password_change.failure")
        raise InvalidInput("the current password is wrong", code="wrong_current_password")
    check_new_password(new, actor.username, policy)
    earlier = [row["password_hash"], *await recent_hashes(actor.user_id, policy.history)][: max(policy.history, 1)]
    for stored in earlier:
        if await ctx.passwords.verify(stored, new):
            raise reject_reused_password()
    new_hash = await ctx.passwords.hash(new)  # slow: outside the transaction
    now = ctx.clock.now()
    async with write_transaction():
        current_row = await locked(AppUser.select(AppUser.password_hash).where(AppUser.id == actor.user_id)).first()
        if current_row is None or current_row["password_hash"] != row["password_hash"]:
            raise InvalidInput("the password was changed meanwhile", code="wrong_current_password")
        await AppUser.update(
            {AppUser.password_hash: new_hash, AppUser.password_changed_at: now, AppUser.must_change_password: False}
        ).where(AppUser.id == actor.user_id)
        await remember_password(actor.user_id, new_hash, now)
        ended = await end_user_sessions(actor.user_id, now, EndReason.PASSWORD_CHANGED, keep=keep_session)
        await record_change(
            actor=actor,
            at=now,
            action="user.password_change",
            entity="user",
            entity_id=actor.user_id,
            after={"other_sessions_ended": ended},
        )
    return PasswordChanged(changed_at=now, other_sessions_ended=ended)
