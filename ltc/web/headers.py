"""Security headers on every response (pages, the API, errors, static files, unrouted paths):
a strict Content-Security-Policy with no inline code, no framing, no sniffing, a referrer
kept to the origin, and HSTS when the app runs behind HTTPS (secure cookies on)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from ltc.settings import Settings

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self';"
    " frame-ancestors 'none'"
)
# The Swagger UI at /schema loads its script and styles from /static/vendor/swagger-ui and
# starts with an inline script (Litestar writes the schema into it); the rest of the site
# runs no inline code at all. Nothing is loaded from another host.
SCHEMA_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
MAP_PATH = "/map"
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(path: str, map_tile_origin: str = "") -> str:
    """The policy for a path; the map may show images from the configured tile server."""
    if path == "/schema" or (path.startswith("/schema/") and not path.endswith((".json", ".yaml", ".yml"))):
        return SCHEMA_CSP
    if path == MAP_PATH and map_tile_origin:
        return CSP.replace("img-src 'self' data:", f"img-src 'self' data: {map_tile_origin}")
    return CSP


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook adding the headers to every response's start."""
    fixed = {
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        **({"Strict-Transport-Security": HSTS} if settings.secure_cookies else {}),
    }

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in fixed.items():
            headers[name] = value
        path = scope.get("path", "")
        headers["Content-Security-Policy"] = content_security_policy(path, settings.map_tile_origin)
        # Nothing signed-in is kept by the browser or a proxy: after signing out, the back
        # button asks the server again (and gets the sign-in page).
        if "cache-control" not in headers and not path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"

    return add_headers
