"""Who is calling: a bearer token (the API) or the signed session cookie (pages), resolved
once per request into an ``Actor`` on ``request.user``; guards are tiny functions over it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from ltc.domain.access import ALLOWED, Action, Actor, Role
from ltc.domain.errors import Forbidden, Unauthenticated
from ltc.services import users
from ltc.services.context import ServiceContext

SESSION_USER_KEY = "user_id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token(raw: str | None) -> str | None:
    if not raw:
        return None
    scheme, _, token = raw.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class ActorMiddleware(ASGIMiddleware):
    """Sets ``scope["user"]`` to the signed-in Actor or None. A session cookie authenticates
    API calls only for safe methods: state-changing API calls need a bearer token, so a
    forged cross-site form cannot ride on a browser's session."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = await self._resolve(scope)
        scope["auth"] = None
        await next_app(scope, receive, send)

    async def _resolve(self, scope: Scope) -> Actor | None:
        services: ServiceContext = scope["litestar_app"].state.services
        header = dict(scope.get("headers") or [])
        token = bearer_token(header.get(b"authorization", b"").decode("latin-1"))
        if token:
            actor = await users.active_actor(users.user_id_from_token(services, token))
            if actor is None:
                raise Unauthenticated("the user is no longer active", code="invalid_token")
            return actor
        path: str = scope.get("path", "")
        if path.startswith("/api/") and scope.get("method", "GET") not in SAFE_METHODS:
            return None
        session = scope.get("session") or {}
        user_id = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
        if isinstance(user_id, int):
            return await users.active_actor(user_id)
        return None


def current_actor(connection: ASGIConnection) -> Actor:
    actor = connection.scope.get("user")
    if actor is None:
        raise Unauthenticated("sign in first", code="unauthenticated")
    return actor


# Guards are coroutines: Litestar runs a plain function guard in a worker thread.
async def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    current_actor(connection)


def roles(*allowed: Role) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard letting only the given roles through (401 when not signed in)."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        actor = current_actor(connection)
        if actor.role not in allowed:
            raise Forbidden(f"role {actor.role} may not do this", code="role_not_allowed")

    guard.__name__ = "roles_" + "_".join(role.value for role in allowed)
    return guard


def allowed(action: Action) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard letting through the roles the access table allows ``action`` (401 when not
    signed in): the same table the services check, so the two cannot disagree."""
    guard = roles(*sorted(ALLOWED[action]))
    guard.__name__ = "may_" + action.value.replace(".", "_")
    return guard
