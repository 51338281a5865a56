"""What inspections change in the settlements: what providers owe the fund (recoveries 追回,
penalties 违约金), each open one a ``recovery`` line of every draft built for the provider and
applied, once, by the approval of the settlement carrying it; and the persons whose direct
settlement is held (their care left out until the hold is lifted)."""

from __future__ import annotations

from piccolo.query import Select

from ltc.db.tables import InspectionOutcome, PaymentHold, SettlementLine
from ltc.domain import settlement as rules
from ltc.domain.errors import Conflict
from ltc.domain.inspection_outcomes import NETTED

NOTES = {"recover": "inspection {inspection} recovery", "penalty": "inspection {inspection} penalty"}


async def open_nettings(provider_id: int | None) -> dict[int, list[rules.Netting]]:
    """The nettings not yet applied, by provider (one provider's, or every provider's)."""
    query = InspectionOutcome.select(
        InspectionOutcome.id,
        InspectionOutcome.provider,
        InspectionOutcome.inspection,
        InspectionOutcome.action,
        InspectionOutcome.amount_fen,
    ).where(InspectionOutcome.action.is_in(sorted(NETTED)) & InspectionOutcome.applied_in.is_null())
    if provider_id is not None:
        query = query.where(InspectionOutcome.provider == provider_id)
    out: dict[int, list[rules.Netting]] = {}
    for row in await query.order_by(InspectionOutcome.id):
        note = NOTES[row["action"]].format(inspection=row["inspection"])
        out.setdefault(row["provider"], []).append(rules.Netting(row["id"], row["amount_fen"], note))
    return out


def _carried(settlement_id: int) -> Select:
    return SettlementLine.select(SettlementLine.outcome_id).where(
        (SettlementLine.settlement == settlement_id) & SettlementLine.outcome_id.is_not_null()
    )


def netted_elsewhere() -> Conflict:
    return Conflict("本结算单所含的追回或违约金已由另一结算单抵扣；请退回并重新生成", code="netting_already_applied")


async def check_nettings_open(settlement_id: int) -> None:
    """A settlement is submitted or approved only while every netting on its lines is open
    (or applied by itself)."""
    if await InspectionOutcome.exists().where(
        InspectionOutcome.id.is_in(_carried(settlement_id))
        & InspectionOutcome.applied_in.is_not_null()
        & (InspectionOutcome.applied_in != settlement_id)
    ):
        raise netted_elsewhere()


async def apply_nettings(settlement_id: int) -> None:
    """Mark the nettings on the settlement's lines as applied by it; refused when another
    approval applied one meanwhile (only rows still open are taken)."""
    ids = [r["outcome_id"] for r in await _carried(settlement_id)]
    if not ids:
        return
    await InspectionOutcome.update({InspectionOutcome.applied_in: settlement_id}).where(
        InspectionOutcome.id.is_in(ids) & InspectionOutcome.applied_in.is_null()
    )
    applied = await InspectionOutcome.count().where(
        InspectionOutcome.id.is_in(ids) & (InspectionOutcome.applied_in == settlement_id)
    )
    if applied != len(set(ids)):
        raise netted_elsewhere()


async def held_persons(provider_id: int | None = None) -> dict[int, dict[int, str]]:
    """By provider, the persons whose direct settlement a case about that provider holds now,
    with the reason: a hold reaches the builds of the case's provider only."""
    query = PaymentHold.select(
        PaymentHold.inspection.provider.as_alias("provider"), PaymentHold.person, PaymentHold.reason
    ).where(PaymentHold.lifted_at.is_null())
    if provider_id is not None:
        query = query.where(PaymentHold.inspection.provider == provider_id)
    held: dict[int, dict[int, str]] = {}
    for row in await query:
        held.setdefault(row["provider"], {})[row["person"]] = row["reason"]
    return held
