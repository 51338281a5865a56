"""Signed-in sessions kept in the database: a page's cookie or an API bearer token carries
only a random secret, whose SHA-256 finds the session. Signing out, disabling the user or an
administrator ends a session at once; it also ends by itself when idle or at its absolute end.

Resolving a secret is one indexed read; the last use is written at most once per
``session_touch_seconds``, never on every request."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from pydantic import BaseModel

from ltc.db.engine import locked, write_transaction
from ltc.db.tables import AppUser, UserSession
from ltc.domain.access import Action, Actor, Role, require
from ltc.domain.errors import NotFound, Unauthenticated
from ltc.domain.sessions import EndReason, SessionKind, SessionTimes, lapse_reason, touch_due
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.settings import Settings

SECRET_BYTES = 32


@dataclass(frozen=True)
class Client:
    """Where a sign-in came from, as the web layer saw it."""

    address: str = ""
    user_agent: str = ""

    def trimmed(self) -> Client:
        return Client(self.address[:64], self.user_agent[:300])


@dataclass(frozen=True)
class StartedSession:
    session_id: int
    secret: str  # handed to the client once; never stored
    expires_at: datetime
    lifetime: timedelta


@dataclass(frozen=True)
class ResolvedSession:
    session_id: int
    kind: SessionKind
    actor: Actor


class SessionOut(BaseModel):
    id: int
    user_id: int
    kind: SessionKind
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    address: str
    user_agent: str


class SessionEnded(BaseModel):
    id: int
    ended_at: datetime
    ended_reason: EndReason


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def lifetimes(settings: Settings, kind: SessionKind) -> tuple[timedelta, timedelta]:
    """The absolute lifetime and the idle timeout of a session of this kind."""
    if kind == SessionKind.PAGE:
        return timedelta(minutes=settings.session_ttl_minutes), timedelta(minutes=settings.session_idle_minutes)
    return timedelta(minutes=settings.token_ttl_minutes), timedelta(minutes=settings.token_idle_minutes)


async def start_session(ctx: ServiceContext, actor: Actor, kind: SessionKind, client: Client) -> StartedSession:
    """A new session for the actor (call it inside the sign-in's transaction)."""
    now = ctx.clock.now()
    lifetime, _ = lifetimes(ctx.settings, kind)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    client = client.trimmed()
    row = UserSession(
        secret_hash=secret_hash(secret),
        app_user=actor.user_id,
        kind=kind.value,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        address=client.address,
        user_agent=client.user_agent,
    )
    await row.save()
    return StartedSession(session_id=row.id, secret=secret, expires_at=now + lifetime, lifetime=lifetime)


# Read on every request: one indexed read of the session with its user (plain SQL; building
# the ORM select costs more than running it).
_RESOLVE_SQL = (
    "SELECT s.id AS session_id, s.kind, s.last_seen_at, s.expires_at, s.ended_at,"
    " u.id AS user_id, u.username, u.role, u.provider, u.caregiver, u.town, u.display_name, u.active"
    " FROM user_session s JOIN app_user u ON u.id = s.app_user WHERE s.secret_hash = {}"
)


class AccountRow(TypedDict):
    """An account as read to sign it in (the ``app_user`` columns an actor is made of)."""

    id: int
    username: str
    role: str
    provider: int | None
    caregiver: int | None
    town: int | None
    display_name: str


def actor_from_row(row: AccountRow) -> Actor:
    """The actor an account signs in as."""
    return Actor(
        user_id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        provider_id=row["provider"],
        display_name=row["display_name"],
        caregiver_id=row["caregiver"],
        town_id=row["town"],
    )


def _aware(value: datetime | str) -> datetime:
    # SQLite hands raw timestamps back as text.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError("stored session times are aware")
    return moment


async def resolve(ctx: ServiceContext, secret: str, kind: SessionKind) -> ResolvedSession:
    """The live session behind a secret. Unknown, ended or another kind's secret, or a
    disabled user: ``invalid_token``; lapsed (idle or past its end): ``token_expired``."""
    if not secret or len(secret) > 200:
        raise Unauthenticated("the token is not valid", code="invalid_token")
    rows = await UserSession.raw(_RESOLVE_SQL, secret_hash(secret))
    row = rows[0] if rows else None
    if row is None or row["kind"] != kind.value or row["ended_at"] is not None or not row["active"]:
        raise Unauthenticated("the token is not valid", code="invalid_token")
    now = ctx.clock.now()
    _, idle = lifetimes(ctx.settings, kind)
    last_seen = _aware(row["last_seen_at"])
    if lapse_reason(SessionTimes(last_seen, _aware(row["expires_at"])), now, idle) is not None:
        raise Unauthenticated("the session has expired", code="token_expired")
    if touch_due(last_seen, now, timedelta(seconds=ctx.settings.session_touch_seconds)):
        async with write_transaction():
            await UserSession.update({UserSession.last_seen_at: now}).where(UserSession.id == row["session_id"])
    actor = actor_from_row(
        AccountRow(
            id=row["user_id"],
            username=row["username"],
            role=row["role"],
            provider=row["provider"],
            caregiver=row["caregiver"],
            town=row["town"],
            display_name=row["display_name"],
        )
    )
    return ResolvedSession(session_id=row["session_id"], kind=kind, actor=actor)


async def _end(session_ids: list[int], at: datetime, reason: EndReason) -> None:
    if session_ids:
        await UserSession.update({UserSession.ended_at: at, UserSession.ended_reason: reason.value}).where(
            UserSession.id.is_in(session_ids) & UserSession.ended_at.is_null()
        )


async def end_session(
    ctx: ServiceContext, session: ResolvedSession, reason: EndReason = EndReason.LOGOUT
) -> SessionEnded:
    """The session's owner signs out: it ends at once, and the sign-out is audited."""
    now = ctx.clock.now()
    async with write_transaction():
        await _end([session.session_id], now, reason)
        await record_change(
            actor=session.actor,
            at=now,
            action="session.sign_out",
            entity="session",
            entity_id=session.session_id,
            after={"kind": session.kind.value, "reason": reason.value},
        )
    return SessionEnded(id=session.session_id, ended_at=now, ended_reason=reason)


async def end_user_sessions(user_id: int, at: datetime, reason: EndReason, *, keep: int | None = None) -> int:
    """End every open session of a user (but ``keep``) at once; call it inside the
    transaction of the change that demands it. Returns how many ended."""
    query = UserSession.select(UserSession.id).where((UserSession.app_user == user_id) & UserSession.ended_at.is_null())
    ids = [r["id"] for r in await query if r["id"] != keep]
    await _end(ids, at, reason)
    return len(ids)


def _live(ctx: ServiceContext, row: dict, now: datetime) -> bool:
    _, idle = lifetimes(ctx.settings, SessionKind(row["kind"]))
    return lapse_reason(SessionTimes(row["last_seen_at"], row["expires_at"]), now, idle) is None


_SESSION_COLUMNS = (
    UserSession.id,
    UserSession.app_user.as_alias("user_id"),
    UserSession.kind,
    UserSession.created_at,
    UserSession.last_seen_at,
    UserSession.expires_at,
    UserSession.address,
    UserSession.user_agent,
)


async def list_user_sessions(ctx: ServiceContext, actor: Actor, user_id: int) -> list[SessionOut]:
    """A user's sessions that are still live, newest first."""
    require(actor, Action.MANAGE_SESSIONS)
    if not await AppUser.exists().where(AppUser.id == user_id):
        raise NotFound("no such user", code="user_not_found")
    rows = (
        await UserSession.select(*_SESSION_COLUMNS)
        .where((UserSession.app_user == user_id) & UserSession.ended_at.is_null())
        .order_by(UserSession.id, ascending=False)
    )
    now = ctx.clock.now()
    return [SessionOut.model_validate(row) for row in rows if _live(ctx, row, now)]


async def end_session_for(ctx: ServiceContext, actor: Actor, session_id: int) -> SessionEnded:
    """An administrator ends someone's session at once (audited). A session that has ended
    already, or never existed, is not found."""
    require(actor, Action.MANAGE_SESSIONS)
    now = ctx.clock.now()
    async with write_transaction():
        row = await locked(
            UserSession.select(*_SESSION_COLUMNS, UserSession.ended_at).where(UserSession.id == session_id)
        ).first()
        if row is None or row["ended_at"] is not None or not _live(ctx, row, now):
            raise NotFound("no such session", code="session_not_found")
        await _end([session_id], now, EndReason.ENDED_BY_ADMIN)
        await record_change(
            actor=actor,
            at=now,
            action="session.end",
            entity="session",
            entity_id=session_id,
            before={"user_id": row["user_id"], "kind": row["kind"], "address": row["address"]},
            after={"reason": EndReason.ENDED_BY_ADMIN.value},
        )
    return SessionEnded(id=session_id, ended_at=now, ended_reason=EndReason.ENDED_BY_ADMIN)
