"""The baseline of ``ltc bench checkin``: a bare one-row insert on the same stack (Litestar,
the same middleware, Piccolo, the same database), registered only when
``LTC_BENCH_ENDPOINTS`` is true. It checks nothing: never enable it in production. Its rows
stay outside the audit trail's hash chain (no sequence number), as the chain costs the
check-in nothing (it writes no audit entry); ``ltc audit verify`` reports them as
``entry_unchained``, which on a benchmark's scratch database is what they are."""

from __future__ import annotations

from typing import Any

from litestar import Controller, post
from litestar.params import JSONBody

from ltc.db.engine import write_transaction
from ltc.db.tables import AuditEntry
from ltc.web.dependencies import Services


class BenchController(Controller):
    path = "/api/v1/bench"
    tags = ["bench"]
    include_in_schema = False

    @post("/insert", status_code=201, summary="Store the JSON body as one audit row, with no checks (benchmarks)")
    async def insert(self, data: JSONBody[dict[str, Any]], services: Services) -> dict[str, int]:
        async with write_transaction():  # the app's write path, as a check-in takes it
            rows = await AuditEntry.insert(
                AuditEntry(
                    at=services.clock.now(),
                    actor=None,
                    actor_name="bench",
                    action="bench.insert",
                    entity="bench",
                    entity_id="",
                    after=data,
                )
            )
        return {"id": rows[0]["id"]}
