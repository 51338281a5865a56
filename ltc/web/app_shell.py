"""The caregiver's phone app as an installable web app: its manifest and its service worker.

The service worker (static/sw.js) is served from the site's root so that its scope is the whole
site; its cache name carries a digest of the app shell's files, so a release with a changed
script or style replaces the cached shell on the phone's next visit online."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from litestar import Controller, Response, get

from ltc.settings import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"
# What the phone keeps to open with no signal: the scripts, styles and icons the visit pages use.
SHELL_FILES = (
    "app.css",
    "app.js",
    "phone.css",
    "favicon.svg",
    "outbox.js",
    "visit.js",
    "visit_day.js",
    "presence.js",
    "vendor/jsqr/jsQR.js",
)
MANIFEST: dict[str, Any] = {
    "name": "长期护理保险 · 上门服务",
    "short_name": "上门服务",
    "description": "护理员的当日上门服务：签到、签退，无信号时也能记录。",
    "lang": "zh-CN",
    "start_url": "/visits/day",
    "scope": "/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#1f5fa8",
    "icons": [{"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
}


@cache
def shell_version() -> str:
    """A digest of the shell's files as deployed: a new one makes phones fetch the shell again."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update(name.encode())
        digest.update((STATIC_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


@cache
def service_worker_source() -> str:
    source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    files = ", ".join(f'"/static/{name}"' for name in SHELL_FILES)
    return source.replace('"__SHELL_VERSION__"', f'"{shell_version()}"').replace('"__SHELL_FILES__"', files)


class PhoneAppFiles(Controller):
    """Open to anyone: a browser fetches both before and without a sign-in."""

    include_in_schema = False

    @get("/sw.js")
    async def service_worker(self) -> Response[str]:
        # Always asked again (no-cache), so a changed worker reaches the phone on its next visit online.
        return Response(
            service_worker_source(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    @get("/manifest.webmanifest")
    async def manifest(self) -> Response[dict[str, Any]]:
        return Response(MANIFEST, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})
