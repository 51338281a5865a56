"""Demo supervision on top of the demo activity, so the fund supervisor's pages have work on
them: two tip-offs waiting for triage (one from the public form, one taken on the hotline) and a
routine inspection case on the first provider, opened from a third tip-off, with a finding that
deducts credit points and a rectification ordered by a deadline. Through the real services."""

from __future__ import annotations

import logging
from datetime import timedelta

from pydantic import BaseModel, ConfigDict

from ltc.db.tables import AppUser, Provider
from ltc.domain.access import Actor, Role
from ltc.domain.errors import DomainError
from ltc.domain.periods import Period
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.supervision import findings, outcomes, tip_offs
from ltc.services.supervision.findings import FindingIn
from ltc.services.supervision.outcomes import OutcomeIn
from ltc.services.supervision.tip_offs import HotlineTipOffIn, TipOffIn, TriageIn

log = logging.getLogger(__name__)


class DemoSupervision(BaseModel):
    model_config = ConfigDict(frozen=True)

    tip_offs: int = 0
    cases: int = 0


async def seed_demo_supervision(ctx: ServiceContext) -> DemoSupervision:
    row = await AppUser.select(AppUser.id, AppUser.username).where(AppUser.username == "supervisor1").first()
    provider = await Provider.select(Provider.id, Provider.name).order_by(Provider.code).first()
    if row is None or provider is None:
        return DemoSupervision()
    supervisor = Actor(user_id=row["id"], username=row["username"], role=Role.SUPERVISOR)
    await tip_offs.file_public(
        ctx,
        TipOffIn(about=provider["name"], description="护理员每次上门只待二十分钟，记录上却写一小时。"),
        "192.0.2.10",
    )
    await tip_offs.record_tip_off(
        ctx,
        supervisor,
        HotlineTipOffIn(about="某护理站", description="来电反映家中老人去世后仍有上门服务记录。", channel="hotline"),
    )
    filed = await tip_offs.record_tip_off(
        ctx,
        supervisor,
        HotlineTipOffIn(
            about=provider["name"],
            description="社会监督员反映护理员资质证书过期仍在上岗。",
            channel="social_supervisor",
        ),
    )
    month = Period.of(local_today(ctx.clock, ctx.settings.zone))
    try:
        page = await tip_offs.tip_off_page(ctx, supervisor, status="new", limit=10)
        made = next(t for t in page.items if t.reference == filed.reference)
        case = await tip_offs.triage(
            ctx,
            supervisor,
            made.id,
            TriageIn(
                action="open_case",
                provider_id=provider["id"],
                period_from=str(month.previous().previous()),
                period_to=str(month.previous()),
                reason="社会监督员举报",
            ),
        )
        if case.inspection_id is None:
            return DemoSupervision(tip_offs=3)
        await findings.record_finding(
            ctx,
            supervisor,
            case.inspection_id,
            FindingIn(category="unqualified_staff", description="一名护理员资质证书已过期仍安排上门。"),
        )
        deadline = local_today(ctx.clock, ctx.settings.zone) + timedelta(days=30)
        await outcomes.take_outcome(
            ctx,
            supervisor,
            case.inspection_id,
            OutcomeIn(action="rectify", deadline=deadline, note="限期更换或补证，并提交整改报告。"),
        )
    except DomainError as error:  # the demo goes on without its case
        log.info("demo supervision: no case (%s)", error.code)
        return DemoSupervision(tip_offs=3)
    return DemoSupervision(tip_offs=3, cases=1)
