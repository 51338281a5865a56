"""Users, sign-in and bearer tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

import jwt
from piccolo.query import Select
from pydantic import BaseModel, Field

from ltc.db.engine import locked, write_transaction
from ltc.db.tables import AppUser, Provider
from ltc.domain.access import (
    Action,
    Actor,
    Role,
    require,
    validate_account_role,
    validate_role_assignment,
    validate_role_change,
)
from ltc.domain.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId

TOKEN_ALGORITHM = "HS256"
TOKEN_AUDIENCE = "ltc-api"
MIN_PASSWORD_LENGTH = 8


class UserIn(Input):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: Role
    provider_id: RecordId | None = None
    display_name: str = Field(default="", max_length=100)


class UserRoleIn(Input):
    role: Role
    provider_id: RecordId | None = None


class UserStatusIn(Input):
    # true or false: the API's bodies are validated leniently, where a plain bool would read
    # the string "no" as false.
    active: Literal[True, False]


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    provider_id: int | None
    provider_code: str | None
    active: bool


def _actor_from_row(row: dict[str, Any]) -> Actor:
    return Actor(
        user_id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        provider_id=row["provider"],
        display_name=row["display_name"],
    )


_ACTOR_COLUMNS = (AppUser.id, AppUser.username, AppUser.role, AppUser.provider, AppUser.display_name)


async def authenticate(ctx: ServiceContext, username: str, password: str) -> Actor:
    row = (
        await AppUser.select(*_ACTOR_COLUMNS, AppUser.password_hash, AppUser.active)
        .where(AppUser.username == username.strip())
        .first()
    )
    ok = await ctx.passwords.verify(row["password_hash"] if row else None, password)
    if not row or not ok or not row["active"]:
        raise Unauthenticated("wrong username or password", code="invalid_credentials")
    return _actor_from_row(row)


# Read on every request: plain SQL (building the ORM select cost more than running it).
_ACTIVE_ACTOR_SQL = "SELECT id, username, role, provider, display_name FROM app_user WHERE id = {} AND active"


async def active_actor(user_id: int) -> Actor | None:
    """The actor behind a session or token, or None when the user is gone or disabled."""
    rows = await AppUser.raw(_ACTIVE_ACTOR_SQL, user_id)
    return _actor_from_row(rows[0]) if rows else None


def issue_token(ctx: ServiceContext, actor: Actor) -> tuple[str, int]:
    now = ctx.clock.now()
    lifetime = timedelta(minutes=ctx.settings.token_ttl_minutes)
    claims = {
        "sub": str(actor.user_id),
        "role": actor.role.value,
        "aud": TOKEN_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    token = jwt.encode(claims, ctx.settings.signing_key, algorithm=TOKEN_ALGORITHM)
    return token, int(lifetime.total_seconds())


def user_id_from_token(ctx: ServiceContext, token: str) -> int:
    try:
        claims = jwt.decode(
            token,
            ctx.settings.signing_key,
            algorithms=[TOKEN_ALGORITHM],
            audience=TOKEN_AUDIENCE,
            options={"require": ["exp", "sub", "aud"]},
            # PyJWT checks expiry against its own clock; compare with ours instead.
            leeway=0,
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("the token has expired", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("the token is not valid", code="invalid_token") from exc
    if claims["exp"] <= int(ctx.clock.now().timestamp()):
        raise Unauthenticated("the token has expired", code="token_expired")
    try:
        return int(claims["sub"])
    except ValueError as exc:
        raise Unauthenticated("the token is not valid", code="invalid_token") from exc


async def create_user(
    ctx: ServiceContext,
    *,
    actor: Actor | None,
    username: str,
    password: str,
    role: Role,
    provider_id: int | None = None,
    display_name: str = "",
) -> int:
    """Create a user. ``actor`` None means the operator at the command line, the only one
    who opens an administrator's account."""
    if actor is not None:
        require(actor, Action.MANAGE_USERS)
    validate_account_role(role, by_operator=actor is None)
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidInput("a username has 1 to 64 characters", code="invalid_username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD_LENGTH} characters", code="password_too_short")
    validate_role_assignment(role, provider_id)
    password_hash = await ctx.passwords.hash(password)  # slow: outside the transaction
    async with write_transaction():
        if provider_id is not None and not await Provider.exists().where(Provider.id == provider_id):
            raise NotFound("no such provider", code="provider_not_found")
        if await AppUser.exists().where(AppUser.username == username):
            raise Conflict(f"user {username} exists", code="username_taken")
        now = ctx.clock.now()
        row = AppUser(
            username=username,
            display_name=display_name or username,
            password_hash=password_hash,
            role=role.value,
            provider=provider_id,
            active=True,
            created_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="user.create",
            entity="user",
            entity_id=row.id,
            after={"username": username, "role": role.value, "provider_id": provider_id},
        )
        return row.id


def _user_rows() -> Select:
    return AppUser.select(
        AppUser.id,
        AppUser.username,
        AppUser.display_name,
        AppUser.role,
        AppUser.provider.as_alias("provider_id"),
        AppUser.provider.code.as_alias("provider_code"),
        AppUser.active,
    )


async def list_users(actor: Actor) -> list[UserOut]:
    require(actor, Action.READ_USERS)
    return [UserOut.model_validate(row) for row in await _user_rows().order_by(AppUser.id)]


async def set_user_active(ctx: ServiceContext, actor: Actor, user_id: int, active: bool) -> UserOut:
    """Disable a user (their sessions and tokens stop working at their next request) or enable
    them again. An administrator cannot disable themselves, so one always remains."""
    require(actor, Action.MANAGE_USERS)
    if user_id == actor.user_id and not active:
        raise Conflict("you cannot disable your own account", code="cannot_disable_self")
    async with write_transaction():
        # A key-keeping lock: the user's own audited acts meanwhile still name them (no deadlock
        # between this lock and the audit trail's head, which their transaction may hold).
        row = await locked(
            AppUser.select(AppUser.id, AppUser.active).where(AppUser.id == user_id), key_kept=True
        ).first()
        if row is None:
            raise NotFound("no such user", code="user_not_found")
        if row["active"] != active:
            await AppUser.update({AppUser.active: active}).where(AppUser.id == user_id)
            await record_change(
                actor=actor,
                at=ctx.clock.now(),
                action="user.enable" if active else "user.disable",
                entity="user",
                entity_id=user_id,
                before={"active": row["active"]},
                after={"active": active},
            )
        return UserOut.model_validate(await _user_rows().where(AppUser.id == user_id).first())


async def assign_role(ctx: ServiceContext, actor: Actor, user_id: int, role: Role, provider_id: int | None) -> UserOut:
    """The security administrator gives an account another role (an agency user names their
    provider). An administrator's duty never changes, so no account holds two."""
    require(actor, Action.ASSIGN_ROLES)
    validate_role_assignment(role, provider_id)
    async with write_transaction():
        row = await locked(
            AppUser.select(AppUser.id, AppUser.role, AppUser.provider).where(AppUser.id == user_id), key_kept=True
        ).first()
        if row is None:
            raise NotFound("no such user", code="user_not_found")
        validate_role_change(Role(row["role"]), role)
        if provider_id is not None and not await Provider.exists().where(Provider.id == provider_id):
            raise NotFound("no such provider", code="provider_not_found")
        if (row["role"], row["provider"]) != (role.value, provider_id):
            await AppUser.update({AppUser.role: role.value, AppUser.provider: provider_id}).where(AppUser.id == user_id)
            await record_change(
                actor=actor,
                at=ctx.clock.now(),
                action="user.assign_role",
                entity="user",
                entity_id=user_id,
                before={"role": row["role"], "provider_id": row["provider"]},
                after={"role": role.value, "provider_id": provider_id},
            )
        return UserOut.model_validate(await _user_rows().where(AppUser.id == user_id).first())
