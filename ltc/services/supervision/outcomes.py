"""Outcomes of an inspection case along the sanctions ladder (``ltc.domain.inspection_outcomes``):
interview, rectification (deadline, the agency's answer, the follow-up check), suspension and
termination of the agreement, recovery and penalty (ledger entries, netted once in the
provider's next approved settlement), referral, bar; and the case's closing. Every step is
audited; an overdue rectification gives the supervisors a notice."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from ltc.db.engine import locked, write_transaction
from ltc.db.tables import AppUser, Caregiver, CreditEvent, Inspection, InspectionOutcome, Provider
from ltc.domain import inspection_outcomes as rules
from ltc.domain.access import Action, Actor, Role, require
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.ledger import entry_for_penalty, entry_for_recovery
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input, RecordId
from ltc.services.ledger import post_entry
from ltc.services.notices import NoticeParams, agency_users, notify
from ltc.services.providers import sanction_agreement
from ltc.services.supervision.findings import MAX_NAMED, found_fen
from ltc.services.supervision.inspections import InspectionOut, get_inspection


class OutcomeIn(Input):
    action: rules.OutcomeAction
    deadline: date | None = None
    amount_fen: int | None = Field(default=None, ge=1, le=10**12)
    note: str = Field(default="", max_length=4000)
    referred_to: Literal["police", "discipline", ""] = ""
    bar_years: int | None = Field(default=None, ge=1, le=5)
    caregiver_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_NAMED)  # bar: caregivers too


class FollowUpIn(Input):
    passed: bool
    note: str = Field(min_length=1, max_length=4000)


class ResponseIn(Input):
    note: str = Field(min_length=1, max_length=4000)


class ClosingIn(Input):
    summary: str = Field(min_length=1, max_length=4000)


class OutcomeOut(BaseModel):
    id: int
    inspection_id: int
    provider_id: int
    action: str
    deadline: date | None
    amount_fen: int | None
    note: str
    referred_to: str
    bar_years: int | None
    status: str
    response_note: str
    responded_at: datetime | None
    follow_up_note: str
    followed_up_at: datetime | None
    recorded_at: datetime
    applied_in: int | None


_COLUMNS = (
    InspectionOutcome.id,
    InspectionOutcome.inspection.as_alias("inspection_id"),
    InspectionOutcome.provider.as_alias("provider_id"),
    InspectionOutcome.action,
    InspectionOutcome.deadline,
    InspectionOutcome.amount_fen,
    InspectionOutcome.note,
    InspectionOutcome.referred_to,
    InspectionOutcome.bar_years,
    InspectionOutcome.status,
    InspectionOutcome.response_note,
    InspectionOutcome.responded_at,
    InspectionOutcome.follow_up_note,
    InspectionOutcome.followed_up_at,
    InspectionOutcome.recorded_at,
    InspectionOutcome.applied_in,
)


async def list_outcomes(actor: Actor, inspection_id: int) -> list[OutcomeOut]:
    await get_inspection(actor, inspection_id)
    rows = (
        await InspectionOutcome.select(*_COLUMNS)
        .where(InspectionOutcome.inspection == inspection_id)
        .order_by(InspectionOutcome.id)
    )
    return [OutcomeOut.model_validate(r) for r in rows]


def _taken(outcomes: list[OutcomeOut]) -> list[rules.OutcomeTaken]:
    return [rules.OutcomeTaken(o.action, o.status, o.amount_fen) for o in outcomes]


async def available(actor: Actor, case: InspectionOut) -> tuple[list[str], str | None]:
    """The outcomes the actor may take on the case now, and the rung a failed follow-up calls for."""
    taken = _taken(await list_outcomes(actor, case.id))
    if not actor.may(Action.RUN_INSPECTIONS):
        return [], rules.next_rung(taken)
    return rules.available_actions(case.status == "open", taken), rules.next_rung(taken)


async def get_outcome(actor: Actor, outcome_id: int) -> OutcomeOut:
    row = await InspectionOutcome.select(*_COLUMNS).where(InspectionOutcome.id == outcome_id).first()
    if row is None:
        raise NotFound("no such outcome", code="outcome_not_found")
    try:
        await get_inspection(actor, row["inspection_id"])
    except NotFound:  # another provider's case: as if there were no such outcome
        raise NotFound("no such outcome", code="outcome_not_found") from None
    return OutcomeOut.model_validate(row)


async def take_outcome(ctx: ServiceContext, actor: Actor, inspection_id: int, data: OutcomeIn) -> OutcomeOut:
    """One rung on an open case (refused when the ladder does not allow it now)."""
    require(actor, Action.RUN_INSPECTIONS)
    case = await get_inspection(actor, inspection_id)
    today = local_today(ctx.clock, ctx.settings.zone)
    request = rules.OutcomeRequest(data.action, data.deadline, data.amount_fen, data.referred_to, data.bar_years)
    taken = _taken(await list_outcomes(actor, inspection_id))
    found = await found_fen(inspection_id)
    rules.check_outcome(request, case_open=case.status == "open", taken=taken, found_fen=found, today=today)
    staff = await _caregivers_to_bar(data, case.provider_id)
    now = ctx.clock.now()
    async with write_transaction():
        # The case row locked: two outcomes at once cannot both pass the ladder's checks.
        await locked(Inspection.select(Inspection.id).where(Inspection.id == inspection_id)).first()
        again = _taken(await list_outcomes(actor, inspection_id))
        rules.check_outcome(request, case_open=case.status == "open", taken=again, found_fen=found, today=today)
        if data.action in ("suspend", "terminate"):  # the agreement's own rules refuse a step it cannot take
            reason = data.note or f"inspection {inspection_id}"
            await sanction_agreement(ctx, actor, case.provider_id, data.action, reason=reason)
        row = InspectionOutcome(
            inspection=inspection_id,
            provider=case.provider_id,
            action=data.action,
            deadline=data.deadline if data.action == "rectify" else None,
            amount_fen=data.amount_fen if data.action in rules.NETTED else None,
            note=data.note,
            referred_to=data.referred_to if data.action == "refer" else "",
            bar_years=data.bar_years if data.action == "bar" else None,
            status=rules.AWAITING if data.action == "rectify" else rules.DONE,
            recorded_by=actor.user_id,
            recorded_at=now,
        )
        await row.save()
        if data.action in rules.NETTED:
            entry_for = entry_for_recovery if data.action == "recover" else entry_for_penalty
            entry = entry_for(inspection_id, row.id, case.provider_id, data.amount_fen or 0)
            await post_entry(entry, settlement_id=None, actor=actor, at=now)
        if data.action == "bar":
            await _bar(actor, case, staff, rules.bar_until(today, data.bar_years or 0), now)
        if data.action == "rectify":
            params: NoticeParams = {"inspection": inspection_id, "deadline": str(data.deadline)}
            await notify(await agency_users(case.provider_id), "rectification_ordered", params, _link(case.id), now)
        await record_change(
            actor=actor,
            at=now,
            action=f"inspection.{data.action}",
            entity="inspection",
            entity_id=inspection_id,
            after=data.model_dump(mode="json") | {"outcome_id": row.id},
            reason=data.note,
        )
    return await get_outcome(actor, row.id)


def _link(inspection_id: int) -> str:
    return f"/inspections/{inspection_id}"


async def _caregivers_to_bar(data: OutcomeIn, provider_id: int) -> list[dict]:
    if data.action != "bar" or not data.caregiver_ids:
        return []
    ids = sorted(set(data.caregiver_ids))
    staff = await Caregiver.select(Caregiver.id, Caregiver.id_number_index, Caregiver.active).where(
        Caregiver.id.is_in(ids) & (Caregiver.provider == provider_id)
    )
    if len(staff) != len(ids):
        raise InvalidInput("没有该机构的该护理人员", code="caregiver_not_found", errors=[{"field": "caregiver_ids"}])
    return staff


async def _bar(actor: Actor, case: InspectionOut, staff: list[dict], until: date, now: datetime) -> None:
    """The provider (by its credit code) and the caregivers named (by id number) barred until
    the day; the caregivers stop working (deactivated: the scheduler gives them no visits)."""
    provider = await Provider.select(Provider.credit_code).where(Provider.id == case.provider_id).first()
    reason = f"inspection {case.id}: barred until {until.isoformat()}"
    events = [
        CreditEvent(
            provider=case.provider_id,
            reason=reason,
            inspection=case.id,
            barred_until=until,
            credit_code=(provider or {}).get("credit_code", ""),
            recorded_by=actor.user_id,
            recorded_at=now,
        )
    ]
    for c in staff:
        events.append(
            CreditEvent(
                caregiver=c["id"],
                reason=reason,
                inspection=case.id,
                barred_until=until,
                id_number_index=c["id_number_index"],
                recorded_by=actor.user_id,
                recorded_at=now,
            )
        )
    await CreditEvent.insert(*events)
    if staff:
        await Caregiver.update({Caregiver.active: False, Caregiver.deactivated_reason: reason}).where(
            Caregiver.id.is_in([c["id"] for c in staff])
        )
        await AppUser.update({AppUser.active: False}).where(AppUser.caregiver.is_in([c["id"] for c in staff]))


async def follow_up(ctx: ServiceContext, actor: Actor, outcome_id: int, data: FollowUpIn) -> OutcomeOut:
    """The follow-up check of a rectification: passed, or failed (the next rung is called for)."""
    require(actor, Action.RUN_INSPECTIONS)
    outcome = await get_outcome(actor, outcome_id)
    case = await get_inspection(actor, outcome.inspection_id)
    rules.check_follow_up(rules.OutcomeTaken(outcome.action, outcome.status), case_open=case.status == "open")
    status = rules.PASSED if data.passed else rules.FAILED
    now = ctx.clock.now()
    async with write_transaction():
        await InspectionOutcome.update(
            {
                InspectionOutcome.status: status,
                InspectionOutcome.follow_up_note: data.note,
                InspectionOutcome.followed_up_at: now,
                InspectionOutcome.followed_up_by: actor.user_id,
            }
        ).where((InspectionOutcome.id == outcome_id) & (InspectionOutcome.status == rules.AWAITING))
        await record_change(
            actor=actor,
            at=now,
            action="inspection.follow_up",
            entity="inspection",
            entity_id=case.id,
            before={"outcome_id": outcome_id, "status": outcome.status},
            after={"outcome_id": outcome_id, "status": status},
            reason=data.note,
        )
    return await get_outcome(actor, outcome_id)


async def respond(ctx: ServiceContext, actor: Actor, outcome_id: int, data: ResponseIn) -> OutcomeOut:
    """The agency reports its rectification (a note; files go with ``add_file``)."""
    require(actor, Action.RESPOND_TO_INSPECTION)
    outcome = await get_outcome(actor, outcome_id)  # another agency's: not found
    case = await get_inspection(actor, outcome.inspection_id)
    rules.check_follow_up(rules.OutcomeTaken(outcome.action, outcome.status), case_open=case.status == "open")
    now = ctx.clock.now()
    async with write_transaction():
        await InspectionOutcome.update(
            {
                InspectionOutcome.response_note: data.note,
                InspectionOutcome.responded_at: now,
                InspectionOutcome.responded_by: actor.user_id,
            }
        ).where(InspectionOutcome.id == outcome_id)
        await record_change(
            actor=actor,
            at=now,
            action="inspection.respond",
            entity="inspection",
            entity_id=case.id,
            after={"outcome_id": outcome_id},
            reason=data.note,
        )
    return await get_outcome(actor, outcome_id)


async def close_inspection(ctx: ServiceContext, actor: Actor, inspection_id: int, data: ClosingIn) -> InspectionOut:
    """Close a case with a summary, once no rectification awaits its follow-up."""
    require(actor, Action.RUN_INSPECTIONS)
    case = await get_inspection(actor, inspection_id)
    taken = _taken(await list_outcomes(actor, inspection_id))
    rules.check_closing(case.status == "open", taken, data.summary)
    now = ctx.clock.now()
    async with write_transaction():
        await Inspection.update(
            {
                Inspection.status: "closed",
                Inspection.closed_at: now,
                Inspection.closed_by: actor.user_id,
                Inspection.summary: data.summary,
            }
        ).where((Inspection.id == inspection_id) & (Inspection.status == "open"))
        await record_change(
            actor=actor,
            at=now,
            action="inspection.close",
            entity="inspection",
            entity_id=inspection_id,
            before={"status": "open"},
            after={"status": "closed"},
            reason=data.summary,
        )
    return await get_inspection(actor, inspection_id)


async def overdue_rectifications(ctx: ServiceContext, provider_id: int | None = None) -> int:
    """How many rectifications await their follow-up past the deadline (one provider's or all)."""
    today = local_today(ctx.clock, ctx.settings.zone)
    query = InspectionOutcome.count().where(
        (InspectionOutcome.status == rules.AWAITING) & (InspectionOutcome.deadline < today)
    )
    if provider_id is not None:
        query = query.where(InspectionOutcome.provider == provider_id)
    return await query


async def notice_overdue_rectifications(ctx: ServiceContext) -> int:
    """Daily: each rectification newly past its deadline gives every supervisor a notice, once."""
    today = local_today(ctx.clock, ctx.settings.zone)
    now = ctx.clock.now()
    async with write_transaction():
        due = await InspectionOutcome.select(
            InspectionOutcome.id, InspectionOutcome.inspection, InspectionOutcome.deadline
        ).where(
            (InspectionOutcome.status == rules.AWAITING)
            & (InspectionOutcome.deadline < today)
            & InspectionOutcome.overdue_noticed_at.is_null()
        )
        if not due:
            return 0
        supervisors = [
            r["id"]
            for r in await AppUser.select(AppUser.id).where(
                (AppUser.role == Role.SUPERVISOR.value) & (AppUser.active == True)
            )
        ]
        for row in due:
            params: NoticeParams = {"inspection": row["inspection"], "deadline": str(row["deadline"])}
            await notify(supervisors, "rectification_overdue", params, _link(row["inspection"]), now)
        await InspectionOutcome.update({InspectionOutcome.overdue_noticed_at: now}).where(
            InspectionOutcome.id.is_in([r["id"] for r in due])
        )
    return len(due)
