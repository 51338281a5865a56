"""Renewals: a conclusion holds for a fixed time, so the daily sweep opens a renewal
application for each one nearing its end, in time for a new assessment."""

from __future__ import annotations

from datetime import timedelta

from ltc.db.engine import write_transaction
from ltc.db.tables import Application, Conclusion
from ltc.domain.conclusions import reminder_due
from ltc.domain.family_follow import application_reference
from ltc.services.assessment.policy import policy_on, today
from ltc.services.assessment.values import RenewalSweep
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext


async def open_renewals(ctx: ServiceContext) -> RenewalSweep:
    """The daily sweep: every active conclusion that expires within the reminder window gets
    one renewal application (a unique key makes a rerun add nothing)."""
    day = today(ctx)
    policy = policy_on(ctx, day)
    horizon = day + timedelta(days=policy.reassessment_reminder_days)
    due = await Conclusion.select(Conclusion.id, Conclusion.person, Conclusion.care_mode, Conclusion.valid_until).where(
        (Conclusion.status == "active") & (Conclusion.valid_until <= horizon)
    )
    already = {
        r["renews_conclusion_id"]
        for r in await Application.select(Application.renews_conclusion_id).where(
            Application.renews_conclusion_id.is_in([d["id"] for d in due] or [-1])
        )
    }
    created = []
    now = ctx.clock.now()
    for conclusion in due:
        if conclusion["id"] in already or not reminder_due(conclusion["valid_until"], day, policy):
            continue
        async with write_transaction():
            if await Application.exists().where(Application.renews_conclusion_id == conclusion["id"]):
                continue
            application = Application(
                person=conclusion["person"],
                kind="renewal",
                applied_on=day,
                care_mode=conclusion["care_mode"],
                policy_version=policy.version,
                status="submitted",
                round=1,
                renews_conclusion_id=conclusion["id"],
                created_at=now,
                reference=application_reference(day),
            )
            await application.save()
            await record_change(
                actor=None,
                at=now,
                action="application.renewal",
                entity="application",
                entity_id=application.id,
                after={"renews_conclusion_id": conclusion["id"], "valid_until": conclusion["valid_until"]},
            )
            created.append(application.id)
    return RenewalSweep(due=len(due), created=created)
