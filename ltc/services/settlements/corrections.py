"""Corrections to approved months: an approved settlement never changes, so a correction is
recorded and becomes an adjustment line of the provider's next draft."""

from __future__ import annotations

from ltc.db.engine import write_transaction
from ltc.db.tables import Settlement, SettlementCorrection
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.periods import Period
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.settlements.values import CorrectionRecorded, CorrectionRequest


async def add_correction(ctx: ServiceContext, actor: Actor, data: CorrectionRequest) -> CorrectionRecorded:
    """A correction to an approved month: it becomes an adjustment line of the next draft."""
    require(actor, Action.CORRECT_SETTLEMENT)
    period = Period.parse(data.corrects_period)
    approved = await Settlement.exists().where(
        (Settlement.settlement_key == f"{data.provider_id}:{period}")
        & Settlement.status.is_in([rules.APPROVED, rules.PAID])
    )
    if not approved:
        raise Conflict("只能更正已审核通过的月份；未审核的请重新生成", code="period_not_approved")
    if not data.reason.strip():
        raise InvalidInput("须说明更正原因", code="reason_required")
    now = ctx.clock.now()
    async with write_transaction():
        row = SettlementCorrection(
            provider=data.provider_id,
            person=data.person_id,
            corrects_period=str(period),
            amount_fen=data.amount_fen,
            fund_fen=data.fund_fen,
            reason=data.reason.strip(),
            created_by=actor.user_id,
            created_at=now,
        )
        await row.save()
        await record_change(
            actor=actor,
            at=now,
            action="settlement.correction",
            entity="settlement_correction",
            entity_id=row.id,
            after=data.model_dump(exclude={"reason"}),
        )
    return CorrectionRecorded(
        id=row.id, provider_id=data.provider_id, corrects_period=str(period), amount_fen=data.amount_fen
    )
