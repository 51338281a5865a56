"""The monthly partitions' operations: what exists (rows, size, rows caught in DEFAULT),
creating the coming months ahead of their rows, and detaching an old, settled month for
archiving without touching the months still open."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date

from ltc.db import partitions as catalog
from ltc.db.engine import write_transaction
from ltc.db.partitions import EnsureResult, Partition
from ltc.db.tables import Settlement
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.partitions import DETACH_ORDER, detach_refusal, months_between, months_needed, parse_month
from ltc.domain.periods import Period
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext

DETACH_ATTEMPTS = 50


@dataclass(frozen=True)
class PartitionsOverview:
    partitioned: bool  # False on SQLite: plain tables
    partitions: list[Partition]
    rows_in_default: dict[str, int]  # per table: rows written before their month's partition existed


@dataclass(frozen=True)
class DetachResult:
    month: str  # YYYY-MM
    archived_rows: dict[str, int] = field(default_factory=dict)  # per table, now in schema archive


async def overview() -> PartitionsOverview:
    return PartitionsOverview(catalog.partitioned(), await catalog.list_partitions(), await catalog.rows_in_default())


async def ensure_ahead(ctx: ServiceContext) -> EnsureResult:
    """The current month's and the configured months ahead's partitions (the daily job)."""
    today = local_today(ctx.clock, ctx.settings.zone)
    return await catalog.ensure_partitions(months_needed(today, ctx.settings.partition_months_ahead))


async def ensure_for(first: date, last: date) -> EnsureResult:
    """Before writing rows of these months (visit generation, the settlement build): one catalog
    query when the partitions exist."""
    return await catalog.ensure_partitions(months_between(first, last))


async def detach_month(ctx: ServiceContext, month_text: str) -> DetachResult:
    """Detach ``YYYY-MM``'s partitions into schema ``archive`` (one transaction, audited).
    Refused unless the month is older than the retention and all its settlements are closed."""
    month = parse_month(month_text)
    if month is None:
        raise InvalidInput(f"{month_text!r} is not a month (YYYY-MM)", code="invalid_month")
    if not catalog.partitioned():
        raise Conflict("SQLite keeps plain tables: there are no partitions to detach", code="not_partitioned")
    present = {p.table for p in await catalog.list_partitions() if p.month == month}
    if present != set(DETACH_ORDER):
        raise NotFound(f"{month:%Y-%m} has no partitions to detach (archived already?)", code="partition_not_found")
    period = str(Period.of(month))
    statuses = [r["status"] for r in await Settlement.select(Settlement.status).where(Settlement.period == period)]
    in_default = sum((await catalog.rows_in_default(month)).values())
    today = local_today(ctx.clock, ctx.settings.zone)
    refusal = detach_refusal(month, today, ctx.settings.partition_retention_months, statuses, in_default)
    if refusal is not None:
        raise Conflict(refusal.detail, code=refusal.code)
    for attempt in range(1, DETACH_ATTEMPTS + 1):
        try:
            async with write_transaction():
                counts = await catalog.archive_month(month)
                await record_change(
                    actor=None,
                    at=ctx.clock.now(),
                    action="partitions.detach",
                    entity="service_month",
                    entity_id=period,
                    after={"schema": "archive", "rows": counts},
                )
            return DetachResult(period, counts)
        except Exception as error:
            if not catalog.is_lock_wait_over(error):
                raise
            await asyncio.sleep(0.05 * attempt)  # the open months' writers go first
    raise Conflict("The visit tables stayed busy; try again in a quieter moment", code="partitions_busy")
