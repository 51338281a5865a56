"""The alert sweep: late, missed and unfinished visits raise alerts (and the ones that no
longer hold are cleared), every few minutes, by a job. An alert asks for an event; the
check-in or check-out that answers it clears it (``events``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, tzinfo

from piccolo.query import Select

from ltc.db.engine import write_transaction
from ltc.db.queries import months
from ltc.db.tables import Visit, VisitAlert
from ltc.domain.access import Action
from ltc.domain.verification import classify_alerts
from ltc.services.context import ServiceContext
from ltc.services.jobs import NoParams, Progress, register_job_kind
from ltc.services.reference import policy_book
from ltc.services.visits.values import SweepResult

SWEPT_PAST = timedelta(days=2)
SWEEP_BATCH = 500


def swept_visits(now: datetime, zone: tzinfo) -> Select:
    """The visits planned in the last two days and not finished, in their months' partitions."""
    return Visit.select(
        Visit.id,
        Visit.provider,
        Visit.planned_start,
        Visit.planned_end,
        Visit.checked_in_at,
        Visit.checked_out_at,
        Visit.service_month,
    ).where(
        (Visit.planned_start >= now - SWEPT_PAST)
        & (Visit.planned_start <= now)
        & months.of_planned(now - SWEPT_PAST, now + timedelta(seconds=1), zone).where(Visit.service_month)
        & Visit.status.is_in(["planned", "in_progress"])
    )


@register_job_kind("sweep_visit_alerts", action=Action.SWEEP_ALERTS, params=NoParams)
async def sweep_visit_alerts(ctx: ServiceContext, params: NoParams, progress: Progress) -> SweepResult:
    """Raise late / missed / missing check-out alerts for the visits of the last two days, and
    clear the ones that no longer hold. Safe to run at any moment, any number of times."""
    now = ctx.clock.now()
    rows = await swept_visits(now, ctx.settings.zone)
    raised = cleared = 0
    book = policy_book(ctx.settings)
    for start in range(0, len(rows), SWEEP_BATCH):
        batch = rows[start : start + SWEEP_BATCH]
        ids = [r["id"] for r in batch]
        async with write_transaction():
            open_alerts: dict[int, set[str]] = defaultdict(set)
            for a in await VisitAlert.select(VisitAlert.visit, VisitAlert.kind).where(
                VisitAlert.visit.is_in(ids) & VisitAlert.cleared_at.is_null()
            ):
                open_alerts[a["visit"]].add(a["kind"])
            for row in batch:
                policy = book.in_force(row["planned_start"].astimezone(ctx.settings.zone).date())
                due = classify_alerts(
                    row["planned_start"], row["planned_end"], row["checked_in_at"], row["checked_out_at"], now, policy
                )
                if row["checked_in_at"] is not None:
                    due.discard("late")  # an alert asks for an event; once it arrived, late is history
                have = open_alerts[row["id"]]
                for kind in sorted(due - have):
                    key = f"{row['id']}:{kind}"
                    if await VisitAlert.exists().where(VisitAlert.alert_key == key):
                        await VisitAlert.update({VisitAlert.cleared_at: None, VisitAlert.raised_at: now}).where(
                            VisitAlert.alert_key == key
                        )
                    else:
                        await VisitAlert.insert(
                            VisitAlert(
                                visit=row["id"],
                                service_month=row["service_month"],
                                provider=row["provider"],
                                kind=kind,
                                alert_key=key,
                                raised_at=now,
                            )
                        )
                    raised += 1
                gone = have - due
                if gone:
                    await VisitAlert.update({VisitAlert.cleared_at: now}).where(
                        (VisitAlert.visit == row["id"])
                        & VisitAlert.kind.is_in(sorted(gone))
                        & VisitAlert.cleared_at.is_null()
                    )
                    cleared += len(gone)
                if due != have:
                    await Visit.update({Visit.alerts: sorted(due)}).where(
                        (Visit.id == row["id"]) & (Visit.service_month == row["service_month"])
                    )
        await progress((start + len(batch)) / max(len(rows), 1))
    return SweepResult(visits=len(rows), raised=raised, cleared=cleared)
