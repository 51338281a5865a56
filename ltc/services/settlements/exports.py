"""What a settlement's exports (CSV, XLSX) and printed statement say beyond its lines: how
many services each line counts, the parts of each line's note (worded by the page's
language in the web layer), and who reviewed and who approved it, from its audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ltc.db.tables import AppUser, AuditEntry, Settlement
from ltc.domain import remote_benefits
from ltc.domain import settlement as rules
from ltc.domain.access import Action, Actor, require
from ltc.services.context import ServiceContext
from ltc.services.settlements.values import SettlementDetail, SettlementLineDetail


def counted_services(line: SettlementLineDetail) -> int:
    """The services a line counts: its visits (home care) or its bed-days (an institution);
    none for an adjustment or a deduction."""
    return len(line.visit_ids) + len(line.days)


@dataclass(frozen=True, slots=True)
class LineNote:
    """The facts a line's note states, for the web layer to word in the reader's language
    (the note stored on the line is the build's own English record)."""

    kind: str
    billed_minutes: int = 0
    verified_minutes: int = 0
    unit_price_fen: int | None = None
    left_out: int = 0  # visits waiting for their exceptions (home) or leave days (institution)
    corrects_period: str | None = None
    reason: str = ""  # a correction's reason, in the officer's own words
    score: int = 0
    visits: int = 0  # travel: the visits the allowance is paid for
    held: str = ""  # family care: why the month's allowance is held (a code), or nothing


def line_note(line: SettlementLineDetail) -> LineNote:
    if line.kind == rules.HOME:
        return LineNote(
            kind=line.kind,
            billed_minutes=line.quantity,
            verified_minutes=line.verified_minutes,
            unit_price_fen=line.unit_price_fen,
            left_out=len(line.excluded_visit_ids),
        )
    if line.kind == rules.INSTITUTIONAL:
        return LineNote(kind=line.kind, unit_price_fen=line.unit_price_fen, left_out=len(line.leave_days))
    if line.kind == rules.ADJUSTMENT:
        return LineNote(kind=line.kind, corrects_period=line.adjusts_period, reason=line.note)
    if line.kind == rules.TRAVEL:
        return LineNote(kind=line.kind, unit_price_fen=line.unit_price_fen, visits=line.quantity)
    if line.kind == rules.FAMILY_CARE:
        held = line.note if line.gross_fen == 0 and line.note in remote_benefits.HOLDS else ""
        return LineNote(kind=line.kind, unit_price_fen=line.unit_price_fen, held=held)
    return LineNote(kind=line.kind, score=line.quantity)


@dataclass(frozen=True, slots=True)
class WorkflowStep:
    action: str  # submit | reject | approve | pay
    at: datetime
    username: str
    display_name: str

    @property
    def who(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True, slots=True)
class Signatories:
    """Who took the settlement's workflow steps, from its audit trail. The reviewers are the
    officers who decided on it (a rejection or the approval); the approver is the one whose
    approval stands."""

    steps: tuple[WorkflowStep, ...]

    @property
    def submitted_by(self) -> WorkflowStep | None:
        return next((s for s in reversed(self.steps) if s.action == "submit"), None)

    @property
    def approved_by(self) -> WorkflowStep | None:
        return next((s for s in reversed(self.steps) if s.action == "approve"), None)

    @property
    def reviewers(self) -> tuple[str, ...]:
        names: list[str] = []
        for step in self.steps:
            if step.action in ("reject", "approve") and step.who not in names:
                names.append(step.who)
        return tuple(names)


def with_recorded_approval(steps: tuple[WorkflowStep, ...], recorded: WorkflowStep | None) -> Signatories:
    """The steps from the audit trail, with the approval the settlement row itself records
    when the trail no longer holds it (entries past the retention are archived)."""
    if recorded is not None and not any(step.action == "approve" for step in steps):
        steps = tuple(sorted((*steps, recorded), key=lambda step: step.at))
    return Signatories(steps=steps)


async def signatories(ctx: ServiceContext, actor: Actor, settlement: SettlementDetail) -> Signatories:
    """The workflow steps of a settlement the actor has already been allowed to read."""
    require(actor, Action.READ_SETTLEMENTS)
    rows = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.at, AuditEntry.actor_name, AuditEntry.actor)
        .where(
            (AuditEntry.entity == "settlement")
            & (AuditEntry.entity_id == str(settlement.id))
            & AuditEntry.action.is_in([f"settlement.{a}" for a in ("submit", "reject", "approve", "pay")])
        )
        .order_by(AuditEntry.id)
    )
    decision = (
        await Settlement.select(Settlement.decided_by, Settlement.decided_at)
        .where(Settlement.id == settlement.id)
        .first()
    )
    decided_by = decision["decided_by"] if decision and settlement.status in rules.LOCKED_STATUSES else None
    user_ids = {r["actor"] for r in rows if r["actor"] is not None} | ({decided_by} if decided_by else set())
    users = (
        {
            u["id"]: (u["username"], u["display_name"])
            for u in await AppUser.select(AppUser.id, AppUser.username, AppUser.display_name).where(
                AppUser.id.is_in(list(user_ids))
            )
        }
        if user_ids
        else {}
    )
    steps = tuple(
        WorkflowStep(
            action=r["action"].removeprefix("settlement."),
            at=r["at"],
            username=r["actor_name"],
            display_name=users.get(r["actor"], ("", ""))[1],
        )
        for r in rows
    )
    recorded = None
    if decided_by is not None and decision is not None and decision["decided_at"] is not None:
        username, display_name = users.get(decided_by, ("", ""))
        recorded = WorkflowStep("approve", decision["decided_at"], username, display_name)
    return with_recorded_approval(steps, recorded)
