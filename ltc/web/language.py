"""Picks the page language per request: the language cookie, else Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from litestar import Request
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


def language_of_accept_header(header: str) -> str | None:
    """The first language of an ``Accept-Language`` header the pages speak (by quality)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-quality, index, tag.strip()))
    for _, _, tag in sorted(ranked):
        language = normalise_language(tag)
        if language:
            return language
    return None


@contextmanager
def export_language(request: Request) -> Iterator[None]:
    """A file downloaded outside the pages (a script, another system) speaks the language of
    the language cookie when there is one, else the first of ``Accept-Language`` it can."""
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    chosen = normalise_language(cookie) if cookie else None
    chosen = chosen or language_of_accept_header(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE
    token = set_language(chosen)
    try:
        yield
    finally:
        reset_language(token)


class LanguageMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        headers = dict(scope.get("headers") or [])
        token = set_language(language_from_cookie_header(headers.get(b"cookie", b"").decode("latin-1")))
        try:
            await next_app(scope, receive, send)
        finally:
            reset_language(token)
