"""Picks the page language per request: the language cookie, else Chinese."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from ltc.web.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_COOKIE,
    normalise_language,
    reset_language,
    set_language,
)


def language_from_cookie_header(header: str) -> str:
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == LANGUAGE_COOKIE:
            return normalise_language(value) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


class LanguageMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        headers = dict(scope.get("headers") or [])
        token = set_language(language_from_cookie_header(headers.get(b"cookie", b"").decode("latin-1")))
        try:
            await next_app(scope, receive, send)
        finally:
            reset_language(token)
