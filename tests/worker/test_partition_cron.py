"""The coming months' partitions are made daily by the worker's cron (PostgreSQL; nothing to do
on SQLite's plain tables)."""

from __future__ import annotations

from datetime import date

from ltc.db import partitions as catalog
from ltc.domain.partitions import months_needed
from ltc.runtime import WORKER_CRON_JOBS
from ltc.services.clock import local_today
from ltc.worker import jobs as worker_jobs


def test_ensuring_the_partitions_is_a_daily_cron_job() -> None:
    job = next(job for job in WORKER_CRON_JOBS if job.name == "ensure_partitions")
    assert job.coroutine is worker_jobs.ensure_partitions_ahead


async def test_the_worker_function_makes_the_coming_months_once(services) -> None:
    await worker_jobs.ensure_partitions_ahead({"services": services})
    assert await worker_jobs.ensure_partitions_ahead({"services": services}) == {"created": [], "left_in_default": []}
    if not catalog.partitioned():
        assert await catalog.list_partitions() == []
        return
    wanted = months_needed(
        local_today(services.clock, services.settings.zone), services.settings.partition_months_ahead
    )
    have: dict[str, set[date | None]] = {}
    for part in await catalog.list_partitions():
        have.setdefault(part.table, set()).add(part.month)
    assert {table: set(wanted) <= months for table, months in have.items()} == dict.fromkeys(have, True)
    assert set(have) == {"visit", "visit_event", "visit_evidence", "settlement_line"}
