"""The daily sweep of overdue rectifications runs from the worker's cron."""

from __future__ import annotations

from ltc.runtime import WORKER_CRON_JOBS
from ltc.worker import jobs as worker_jobs


def test_the_sweep_is_a_daily_cron_job() -> None:
    assert "overdue_rectifications" in {job.name for job in WORKER_CRON_JOBS}


async def test_the_worker_function_calls_the_sweep(services) -> None:
    first = await worker_jobs.notice_overdue_rectifications({"services": services})
    assert first >= 0
    assert await worker_jobs.notice_overdue_rectifications({"services": services}) == 0  # each told once
