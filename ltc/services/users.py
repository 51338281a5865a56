"""Users: creating them under the password policy, listing and finding them, resetting a
password, disabling and enabling them."""

from __future__ import annotations

import secrets
from typing import Literal

from piccolo.query import Select
from pydantic import BaseModel, Field

from ltc.db.engine import locked, write_transaction
from ltc.db.queries.paging import Page, PageRequest, after_key, page_of
from ltc.db.tables import AppUser, Provider, Town
from ltc.domain.access import (
    Action,
    Actor,
    Role,
    require,
    validate_account_role,
    validate_caregiver_account,
    validate_role_assignment,
    validate_role_change,
    validate_town_assignment,
)
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.password_policy import PasswordPolicy, check_new_password
from ltc.domain.sessions import EndReason
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.password_changes import password_policy, remember_password
from ltc.services.sessions import end_user_sessions


class UserIn(Input):
    username: str = Field(min_length=1, max_length=64)
    # The policy's rules (ltc.domain.password_policy) answer with their own codes.
    password: str = Field(min_length=1, max_length=256)
    role: Role
    provider_id: RecordId | None = None
    display_name: str = Field(default="", max_length=100)
    town_id: RecordId | None = None  # a town agent's town


class UserRoleIn(Input):
    role: Role
    provider_id: RecordId | None = None
    town_id: RecordId | None = None  # a town agent's town


class UserStatusIn(Input):
    # true or false: the API's bodies are validated leniently, where a plain bool would read
    # the string "no" as false.
    active: Literal[True, False]


class UserFilter(BaseModel):
    """What the user list is narrowed to; None: any."""

    role: Role | None = None
    provider_id: int | None = None
    active: bool | None = None


class PasswordReset(BaseModel):
    """A reset's one-time password: shown once to the administrator, stored only hashed."""

    user_id: int
    username: str
    one_time_password: str
    sessions_ended: int


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    provider_id: int | None
    provider_code: str | None
    active: bool
    town_id: int | None = None
    town_code: str | None = None


async def create_user(
    ctx: ServiceContext,
    *,
    actor: Actor | None,
    username: str,
    password: str,
    role: Role,
    provider_id: int | None = None,
    display_name: str = "",
    must_change_password: bool = False,
    caregiver_id: int | None = None,
    town_id: int | None = None,
) -> int:
    """Create a user. ``actor`` None means the operator at the command line, the only one
    who opens an administrator's account. ``must_change_password``: the password is a
    one-time one, to be changed at the first sign-in."""
    if actor is not None:
        # A caregiver's account is opened by whoever manages the caregiver (their agency).
        require(actor, Action.MANAGE_CAREGIVERS if caregiver_id is not None else Action.MANAGE_USERS)
    validate_account_role(role, by_operator=actor is None)
    validate_caregiver_account(role, for_caregiver=caregiver_id is not None)
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidInput("a username has 1 to 64 characters", code="invalid_username", errors=[{"field": "username"}])
    check_new_password(password, username, password_policy(ctx.settings))
    validate_role_assignment(role, provider_id)
    validate_town_assignment(role, town_id)
    password_hash = await ctx.passwords.hash(password)  # slow: outside the transaction
    async with write_transaction():
        if provider_id is not None and not await Provider.exists().where(Provider.id == provider_id):
            raise NotFound("no such provider", code="provider_not_found")
        await _check_town(town_id)
        if await AppUser.exists().where(AppUser.username == username):
            raise Conflict(f"user {username} exists", code="username_taken", errors=[{"field": "username"}])
        now = ctx.clock.now()
        row = AppUser(
            username=username,
            display_name=display_name or username,
            password_hash=password_hash,
            role=role.value,
            provider=provider_id,
            caregiver=caregiver_id,
            town=town_id,
            active=True,
            created_at=now,
            password_changed_at=now,
            must_change_password=must_change_password,
        )
        await row.save()
        await remember_password(row.id, password_hash, now)
        await record_change(
            actor=actor,
            at=now,
            action="user.create",
            entity="user",
            entity_id=row.id,
            after={"username": username, "role": role.value, "provider_id": provider_id}
            | ({"caregiver_id": caregiver_id} if caregiver_id is not None else {})
            | ({"town_id": town_id} if town_id is not None else {}),
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
        AppUser.town.as_alias("town_id"),
        AppUser.town.code.as_alias("town_code"),
    )


async def _check_town(town_id: int | None) -> None:
    if town_id is not None and not await Town.exists().where(Town.id == town_id):
        raise NotFound("no such town", code="town_not_found", errors=[{"field": "town_id"}])


async def list_users(actor: Actor) -> list[UserOut]:
    require(actor, Action.READ_USERS)
    return [UserOut.model_validate(row) for row in await _user_rows().order_by(AppUser.id)]


async def find_users(actor: Actor, filters: UserFilter, request: PageRequest) -> Page[UserOut]:
    """One page of users in the order they were opened, narrowed by role, provider and
    whether active (keyset paging on the id)."""
    require(actor, Action.READ_USERS)
    query = _user_rows()
    if filters.role is not None:
        query = query.where(AppUser.role == filters.role.value)
    if filters.provider_id is not None:
        query = query.where(AppUser.provider == filters.provider_id)
    if filters.active is not None:
        query = query.where(AppUser.active == filters.active)
    if request.after is not None:
        query = query.where(after_key([AppUser.id], request.after))
    rows = await query.order_by(AppUser.id).limit(request.limit + 1)
    return page_of([UserOut.model_validate(row) for row in rows], request, lambda user: (user.id,))


async def get_user(actor: Actor, user_id: int) -> UserOut:
    require(actor, Action.READ_USERS)
    row = await _user_rows().where(AppUser.id == user_id).first()
    if row is None:
        raise NotFound("no such user", code="user_not_found")
    return UserOut.model_validate(row)


class TownChoice(BaseModel):
    """A town a town agent's account may name."""

    id: int
    code: str
    name: str


async def town_choices(actor: Actor) -> list[TownChoice]:
    """The district's towns, for a town agent's account."""
    if not (actor.may(Action.MANAGE_USERS) or actor.may(Action.ASSIGN_ROLES)):
        require(actor, Action.MANAGE_USERS)
    rows = await Town.select(Town.id, Town.code, Town.name).order_by(Town.code)
    return [TownChoice.model_validate(row) for row in rows]


class ProviderChoice(BaseModel):
    """A provider as an account names it: no business record, only who it is."""

    id: int
    code: str
    name: str


async def provider_choices(actor: Actor) -> list[ProviderChoice]:
    """The providers an agency user, assessor or expert may be opened under or moved to."""
    if not (actor.may(Action.MANAGE_USERS) or actor.may(Action.ASSIGN_ROLES)):
        require(actor, Action.MANAGE_USERS)
    rows = (
        await Provider.select(Provider.id, Provider.code, Provider.name)
        .where(Provider.status != "terminated")
        .order_by(Provider.code)
    )
    return [ProviderChoice.model_validate(row) for row in rows]


# Letters and digits that cannot be misread for one another when read out or copied by hand.
_UNAMBIGUOUS = {
    "lower": "abcdefghijkmnpqrstuvwxyz",
    "upper": "ABCDEFGHJKLMNPQRSTUVWXYZ",
    "digit": "23456789",
    "other": "-+=#%",
}
ONE_TIME_PASSWORD_LENGTH = 14


def one_time_password(username: str, policy: PasswordPolicy) -> str:
    """A random password that keeps the policy: every character class, long enough, never
    containing the username."""
    length = max(policy.min_length, ONE_TIME_PASSWORD_LENGTH)
    alphabet = "".join(_UNAMBIGUOUS.values())
    while True:
        chars = [secrets.choice(group) for group in _UNAMBIGUOUS.values()]
        chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        candidate = "".join(chars)
        try:
            check_new_password(candidate, username, policy)
        except InvalidInput:
            continue
        return candidate


class AccountOpened(BaseModel):
    """A new account and its one-time password: shown once, stored only hashed."""

    user_id: int
    username: str
    one_time_password: str


async def open_account(
    ctx: ServiceContext,
    actor: Actor,
    *,
    username: str,
    role: Role,
    provider_id: int | None,
    display_name: str = "",
    town_id: int | None = None,
) -> AccountOpened:
    """The system administrator opens an account with a one-time password the user changes
    at the first sign-in (the administrator never chooses, nor keeps, the user's password)."""
    require(actor, Action.MANAGE_USERS)
    password = one_time_password(username.strip(), password_policy(ctx.settings))
    user_id = await create_user(
        ctx,
        actor=actor,
        username=username,
        password=password,
        role=role,
        provider_id=provider_id,
        display_name=display_name,
        must_change_password=True,
        town_id=town_id,
    )
    return AccountOpened(user_id=user_id, username=username.strip(), one_time_password=password)


async def reset_password(ctx: ServiceContext, actor: Actor, user_id: int) -> PasswordReset:
    """The system administrator gives a user a one-time password, shown once; the user's
    sessions end and the next sign-in asks for a new password. An administrator resets no
    administrator's password here (theirs are the operator's, like their accounts)."""
    require(actor, Action.MANAGE_USERS)
    if user_id == actor.user_id:
        raise Conflict("change your own password on the password page", code="cannot_reset_own_password")
    row = await AppUser.select(AppUser.username, AppUser.role).where(AppUser.id == user_id).first()
    if row is None:
        raise NotFound("no such user", code="user_not_found")
    validate_account_role(Role(row["role"]), by_operator=False)
    password = one_time_password(row["username"], password_policy(ctx.settings))
    password_hash = await ctx.passwords.hash(password)  # slow: outside the transaction
    now = ctx.clock.now()
    async with write_transaction():
        await AppUser.update(
            {
                AppUser.password_hash: password_hash,
                AppUser.password_changed_at: now,
                AppUser.must_change_password: True,
            }
        ).where(AppUser.id == user_id)
        await remember_password(user_id, password_hash, now)
        ended = await end_user_sessions(user_id, now, EndReason.PASSWORD_CHANGED)
        await record_change(
            actor=actor,
            at=now,
            action="user.reset_password",
            entity="user",
            entity_id=user_id,
            after={"must_change_password": True, "sessions_ended": ended},
        )
    return PasswordReset(user_id=user_id, username=row["username"], one_time_password=password, sessions_ended=ended)


async def set_user_active(ctx: ServiceContext, actor: Actor, user_id: int, active: bool) -> UserOut:
    """Disable a user (their sessions and tokens end at once) or enable
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
            now = ctx.clock.now()
            await AppUser.update({AppUser.active: active}).where(AppUser.id == user_id)
            ended = 0 if active else await end_user_sessions(user_id, now, EndReason.USER_DISABLED)
            await record_change(
                actor=actor,
                at=now,
                action="user.enable" if active else "user.disable",
                entity="user",
                entity_id=user_id,
                before={"active": row["active"]},
                after={"active": active, "sessions_ended": ended},
            )
        return UserOut.model_validate(await _user_rows().where(AppUser.id == user_id).first())


async def assign_role(
    ctx: ServiceContext, actor: Actor, user_id: int, role: Role, provider_id: int | None, town_id: int | None = None
) -> UserOut:
    """The security administrator gives an account another role (an agency user names their
    provider, a town agent their town). An administrator's duty never changes, so no account
    holds two."""
    require(actor, Action.ASSIGN_ROLES)
    validate_role_assignment(role, provider_id)
    validate_town_assignment(role, town_id)
    async with write_transaction():
        row = await locked(
            AppUser.select(AppUser.id, AppUser.role, AppUser.provider, AppUser.town).where(AppUser.id == user_id),
            key_kept=True,
        ).first()
        if row is None:
            raise NotFound("no such user", code="user_not_found")
        validate_role_change(Role(row["role"]), role)
        if provider_id is not None and not await Provider.exists().where(Provider.id == provider_id):
            raise NotFound("no such provider", code="provider_not_found")
        await _check_town(town_id)
        if (row["role"], row["provider"], row["town"]) != (role.value, provider_id, town_id):
            await AppUser.update(
                {AppUser.role: role.value, AppUser.provider: provider_id, AppUser.town: town_id}
            ).where(AppUser.id == user_id)
            await record_change(
                actor=actor,
                at=ctx.clock.now(),
                action="user.assign_role",
                entity="user",
                entity_id=user_id,
                before={"role": row["role"], "provider_id": row["provider"], "town_id": row["town"]},
                after={"role": role.value, "provider_id": provider_id, "town_id": town_id},
            )
        return UserOut.model_validate(await _user_rows().where(AppUser.id == user_id).first())
