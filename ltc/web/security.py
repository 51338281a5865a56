"""Who is calling: a bearer token (the API) or the session cookie (pages), each an opaque
secret naming a session kept in the database, resolved once per request into an ``Actor`` on
``request.user`` (and the session on ``request.auth``); guards are tiny functions over it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from ltc.domain.access import ALLOWED, Action, Actor, Role
from ltc.domain.errors import Forbidden, Unauthenticated
from ltc.domain.sessions import SessionKind
from ltc.services import sessions
from ltc.services.context import ServiceContext
from ltc.services.sessions import Client, ResolvedSession

SESSION_COOKIE = "ltc_session"
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
        session = await self._resolve(scope)
        scope["user"] = session.actor if session else None
        scope["auth"] = session
        await next_app(scope, receive, send)

    async def _resolve(self, scope: Scope) -> ResolvedSession | None:
        services: ServiceContext = scope["litestar_app"].state.services
        header = dict(scope.get("headers") or [])
        token = bearer_token(header.get(b"authorization", b"").decode("latin-1"))
        if token:
            return await sessions.resolve(services, token, SessionKind.API)
        path: str = scope.get("path", "")
        if path.startswith("/api/") and scope.get("method", "GET") not in SAFE_METHODS:
            return None
        secret = _cookie(header.get(b"cookie", b"").decode("latin-1"), SESSION_COOKIE)
        if not secret:
            return None
        try:
            return await sessions.resolve(services, secret, SessionKind.PAGE)
        except Unauthenticated:
            return None  # an ended or lapsed page session: the page asks to sign in again


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip().strip('"') or None
    return None


def client_of(connection: ASGIConnection) -> Client:
    """The address and user agent a sign-in came from. Behind a reverse proxy, run uvicorn
    with --proxy-headers (and --forwarded-allow-ips) so the address is the client's."""
    address = connection.client.host if connection.client else ""
    return Client(address=address, user_agent=connection.headers.get("user-agent", ""))


def current_session(connection: ASGIConnection) -> ResolvedSession:
    session = connection.scope.get("auth")
    if not isinstance(session, ResolvedSession):
        raise Unauthenticated("sign in first", code="unauthenticated")
    return session


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


def allowed(*actions: Action) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard letting through the roles the access table allows any of ``actions`` (401 when
    not signed in): the same table the services check, so the two cannot disagree."""
    guard = roles(*sorted(set().union(*(ALLOWED[action] for action in actions))))
    guard.__name__ = "may_" + "_or_".join(action.value.replace(".", "_") for action in actions)
    return guard
