"""Two requests saving the same record at once: the database keeps one and the other is told
to reload (409 ``concurrent_change``), never a server error."""

from __future__ import annotations

import sqlite3

import httpx
from litestar import Litestar, get

from ltc.web.errors import EXCEPTION_HANDLERS


@get("/api/v1/race", sync_to_thread=False)
def _lost_race() -> None:
    raise sqlite3.IntegrityError("UNIQUE constraint failed: tip_off.reference")


@get("/api/v1/broken", sync_to_thread=False)
def _broken() -> None:
    raise sqlite3.IntegrityError("NOT NULL constraint failed: tip_off.about")


async def test_a_lost_race_on_a_unique_key_is_a_conflict_and_any_other_failure_stays_an_error() -> None:
    app = Litestar(route_handlers=[_lost_race, _broken], exception_handlers=EXCEPTION_HANDLERS, logging_config=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        lost = await client.get("/api/v1/race")
        broken = await client.get("/api/v1/broken")
    assert lost.status_code == 409 and lost.json()["code"] == "concurrent_change"
    assert broken.status_code == 500 and broken.json()["code"] == "internal_error"
