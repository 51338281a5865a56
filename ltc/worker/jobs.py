"""arq job functions. Each takes primitive ids and calls one service; retry policy lives here."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from arq import Retry

from ltc.db.availability import is_database_unavailable
from ltc.services import jobs as job_service
from ltc.services.context import ServiceContext

log = logging.getLogger(__name__)

RETRY_DELAY_SECONDS = 10
# Transient failures (the database away) are retried this many times, then the job fails.
MAX_TRIES = 12


def _services(ctx: dict[str, Any]) -> ServiceContext:
    return ctx["services"]


async def run_job(ctx: dict[str, Any], job_id: str, attempt: int | None = None) -> str:
    """One attempt of a job (``attempt`` None: a message from before attempts were counted)."""
    services = _services(ctx)
    try:
        return await job_service.execute_job(services, UUID(job_id), attempt)
    except job_service.TransientJobError as exc:
        tries = ctx.get("job_try", 1)
        if tries >= MAX_TRIES:
            await job_service.give_up(services, UUID(job_id), attempt, f"transient: {exc}")
            return "failed"
        # arq retries only Retry; a transient failure waits and goes again.
        raise Retry(defer=min(RETRY_DELAY_SECONDS * tries, 60)) from exc


async def requeue_stalled_jobs(ctx: dict[str, Any]) -> int:
    """Every few seconds: a dead worker's jobs run again, and the outbox goes to the queue."""
    try:
        return await job_service.requeue_stalled_jobs(_services(ctx))
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        log.warning("job sweep skipped: the database is unavailable (%s)", type(exc).__name__)
        return 0


async def open_renewals(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: a renewal application for each conclusion nearing its expiry."""
    from ltc.services.assessment.renewals import open_renewals as sweep

    return (await sweep(_services(ctx))).model_dump(mode="json")


async def schedule_visits_nightly(ctx: dict[str, Any]) -> str:
    """Nightly: the rolling window of visits, as a recorded job (its progress shows on the job page)."""
    from ltc.services.jobs import start_job
    from ltc.services.visits.values import GenerateVisitsParams

    return str(await start_job(_services(ctx), None, "generate_visits", GenerateVisitsParams()))


async def sweep_visit_alerts(ctx: dict[str, Any]) -> dict[str, Any]:
    """Every few minutes: late, missed and unfinished visits raise (and clear) alerts."""
    from ltc.services.jobs import NoParams
    from ltc.services.visits.alerts import sweep_visit_alerts as sweep

    async def no_progress(_: float) -> None:
        return None

    return (await sweep(_services(ctx), NoParams(), no_progress)).model_dump()


async def sweep_payment_deadlines(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: approved settlements due soon or overdue for payment are told to the bureau."""
    from ltc.services.supervision.payment_deadlines import sweep_payment_deadlines as sweep

    return (await sweep(_services(ctx))).model_dump()


async def ensure_partitions_ahead(ctx: dict[str, Any]) -> dict[str, Any]:
    """Daily: the coming months' partitions exist before their first visit is planned."""
    from dataclasses import asdict

    from ltc.services.partitions import ensure_ahead

    return asdict(await ensure_ahead(_services(ctx)))


async def notice_overdue_rectifications(ctx: dict[str, Any]) -> int:
    """Daily: each rectification newly past its deadline tells the supervisors, once."""
    from ltc.services.supervision.outcomes import notice_overdue_rectifications as sweep

    return await sweep(_services(ctx))


async def build_last_months_settlements(ctx: dict[str, Any]) -> str:
    """On the 1st: the drafts of the month just ended, for every provider (a recorded job)."""
    from ltc.domain.periods import Period
    from ltc.services.clock import local_today
    from ltc.services.settlements.build import start_build
    from ltc.services.settlements.values import BuildSettlementsParams

    services = _services(ctx)
    last_month = Period.of(local_today(services.clock, services.settings.zone)).previous()
    return str(await start_build(services, None, BuildSettlementsParams(period=str(last_month))))
