from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State

from ltc.services.health import Health, health


class HealthController(Controller):
    tags = ["operations"]

    @get("/healthz", summary="Database and Redis status (503 when either is down)")
    async def healthz(self, state: State) -> Response[Health]:
        body = await health(state.runtime.redis, in_process_worker=state.runtime.settings.uses_in_memory_redis)
        return Response(body, status_code=200 if body.status == "ok" else 503)
