"""A reviewed draft's netting lines made again from its care: what a review decision leaves
of the care decides the quality reserve withheld and how much of an advance the draft nets."""

from __future__ import annotations

from ltc.db.tables import Settlement, SettlementLine
from ltc.domain import evaluation
from ltc.domain import settlement as rules
from ltc.domain.policy import PolicyBook


async def net_again(book: PolicyBook, settlement_id: int) -> int:
    """After a decision changed the care a draft pays for: the quality reserve is the policy's
    share of that care again, and an advance nets no more than the draft still pays (never below
    nothing), as the build made them; the change of the total."""
    lines = await SettlementLine.select(
        SettlementLine.id, SettlementLine.kind, SettlementLine.fund_fen, SettlementLine.policy_version
    ).where(SettlementLine.settlement == settlement_id)
    care = sum(x["fund_fen"] for x in lines if x["kind"] in (rules.HOME, rules.INSTITUTIONAL))
    new = {x["id"]: x["fund_fen"] for x in lines}
    for x in lines:
        if x["kind"] == rules.RESERVE:
            new[x["id"]] = -evaluation.reserve_fen(book.version(x["policy_version"]), care)
    for x in lines:
        if x["kind"] == rules.ADVANCE_NETTING:
            before = sum(v for i, v in new.items() if i != x["id"])
            new[x["id"]] = -min(-x["fund_fen"], max(0, before))
    change = 0
    for x in lines:
        delta = new[x["id"]] - x["fund_fen"]
        if delta:  # these lines have no personal share: gross moves with fund
            await SettlementLine.update(
                {SettlementLine.fund_fen: new[x["id"]], SettlementLine.gross_fen: new[x["id"]]}
            ).where(SettlementLine.id == x["id"])
            change += delta
    if change:
        await Settlement.update(
            {Settlement.fund_fen: Settlement.fund_fen + change, Settlement.gross_fen: Settlement.gross_fen + change}
        ).where(Settlement.id == settlement_id)
    return change
