from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State

from ltc.services.health import check_database, check_redis
from ltc.web.schemas import Health


class HealthController(Controller):
    tags = ["operations"]

    @get("/healthz", summary="Database and Redis status (503 when either is down)")
    async def healthz(self, state: State) -> Response[Health]:
        database = await check_database()
        redis = await check_redis(state.runtime.redis)
        ok = database == "ok" and redis == "ok"
        body = Health(
            status="ok" if ok else "degraded",
            database=database,
            redis=redis,
            worker="in-process" if state.runtime.settings.uses_in_memory_redis else "separate",
        )
        return Response(body, status_code=200 if ok else 503)
