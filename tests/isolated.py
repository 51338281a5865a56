"""An app on a database of its own, for tests that change what the session's other tests rely
on (fuzzing, a matrix of refused requests over arranged records): a SQLite file, or a database
made on LTC_DATABASE_URL's server and dropped after. The session's tables are bound back to the
session database when it closes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar

from ltc.bench.scratch import scratch_database as own_database
from ltc.db import engine as db_engine
from ltc.settings import Settings
from tests.helpers import DEMO_PASSWORD


@asynccontextmanager
async def isolated_app(settings: Settings, name: str, *, activity: bool = False) -> AsyncIterator[Litestar]:
    """The app, migrated and seeded with the demo district (and, with ``activity``, its
    residents concluded, assigned and given care plans), its lifespan held by one task."""
    from ltc.services.demo_activity import seed_demo_activity
    from ltc.services.seed import seed_demo
    from ltc.web.app import create_app

    session_engine = db_engine.bound_engine()
    async with own_database(name) as url:
        own = settings.model_copy(update={"database_url": url, "queue_name": f"ltc:{name}:{uuid.uuid4().hex[:8]}"})
        application = create_app(own, migrate=True, in_process_worker=False)
        started, stop = asyncio.Event(), asyncio.Event()

        # The lifespan holds an anyio task group, which must be left from the task that entered it.
        async def hold_lifespan() -> None:
            async with application.lifespan():
                await seed_demo(application.state.services, password=DEMO_PASSWORD)
                if activity:
                    await seed_demo_activity(application.state.services)
                started.set()
                await stop.wait()

        holder = asyncio.create_task(hold_lifespan())
        await asyncio.wait([holder, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
        if holder.done():
            holder.result()  # re-raises why the app could not start
        try:
            yield application
        finally:
            stop.set()
            await holder
            if session_engine is not None:
                db_engine.bind(session_engine)
