"""The work waiting for the signed-in user, counted for the navigation of every page. Only
what the actor's role acts on is counted, within the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from ltc.db.queries import todo
from ltc.domain.access import Action, Actor
from ltc.domain.periods import Period
from ltc.services import ledger, notices, remote_benefits
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.relief import statement as relief_statement
from ltc.services.supervision import review, tip_offs
from ltc.services.supervision.payment_deadlines import count_payments_due


@dataclass(frozen=True, slots=True)
class TodoCounts:
    applications_to_accept: int = 0
    assessments_to_decide: int = 0
    objections: int = 0
    applications_to_assess: int = 0
    exceptions_to_resolve: int = 0
    exceptions_to_explain: int = 0
    open_alerts: int = 0
    settlements_to_approve: int = 0
    settlements_to_submit: int = 0
    visits_today: int = 0
    plans_to_confirm: int = 0
    fund_warnings: int = 0  # 1 while the fund is under the policy's warning threshold
    payments_due: int = 0  # approved settlements due soon or overdue for payment
    unread_notices: int = 0
    samples_to_review: int = 0  # sampled settlement lines awaiting a supervisor's decision
    tip_offs_to_triage: int = 0
    rectifications_overdue: int = 0  # past their deadline, awaiting the supervisor's follow-up
    rectifications_to_answer: int = 0  # the agency's, not yet answered
    remote_checks_due: int = 0  # the town agent's family-care households not checked this month
    relief_to_reimburse: int = 0  # months of relief the relief fund has not reimbursed yet


def _today(services: ServiceContext) -> tuple[datetime, datetime]:
    """The local day now, as the UTC moments it runs between."""
    zone = services.settings.zone
    start = datetime.combine(local_today(services.clock, zone), time(0), zone)
    return start, start + timedelta(days=1)


async def todo_counts(actor: Actor, services: ServiceContext | None = None) -> TodoCounts:
    counts: dict[str, int] = {}
    scope = actor.provider_scope
    if actor.may(Action.ACCEPT_APPLICATION):
        counts["applications_to_accept"] = await todo.applications_in("submitted")
    if actor.may(Action.DECIDE_ASSESSMENT):
        counts["assessments_to_decide"] = await todo.applications_in("assessed")
        counts["objections"] = await todo.applications_in("objected")
    if actor.may(Action.ASSESS):
        counts["applications_to_assess"] = await todo.applications_to_assess(actor.user_id)
    if actor.may(Action.RESOLVE_EXCEPTION):
        counts["exceptions_to_resolve"] = await todo.exceptions_in("explained", scope)
    if actor.may(Action.EXPLAIN_EXCEPTION) and scope:
        counts["exceptions_to_explain"] = await todo.exceptions_in("open", scope)
    if actor.may(Action.RECORD_VISIT) and scope:
        counts["open_alerts"] = await todo.open_alerts(scope)
    if actor.may(Action.APPROVE_SETTLEMENT):
        counts["settlements_to_approve"] = await todo.settlements_in("submitted", scope)
    if actor.may(Action.SUBMIT_SETTLEMENT) and scope:
        counts["settlements_to_submit"] = await todo.settlements_in("draft", scope)
    if actor.may(Action.RECORD_VISIT) and scope and services is not None:
        counts["visits_today"] = await todo.visits_to_do(scope, *_today(services))
    if actor.may(Action.WRITE_CARE_PLAN) and scope:
        counts["plans_to_confirm"] = await todo.plans_in("draft", scope)
    if actor.may(Action.READ_FUND) and services is not None:
        counts["fund_warnings"] = int((await ledger.fund_health(services, actor)).warning is not None)
    if actor.may(Action.PAY_SETTLEMENTS) and services is not None:
        counts["payments_due"] = await count_payments_due(services)
    if actor.may(Action.RUN_INSPECTIONS) and services is not None:
        counts["rectifications_overdue"] = await todo.rectifications_overdue(
            local_today(services.clock, services.settings.zone)
        )
    if actor.may(Action.RESPOND_TO_INSPECTION) and scope:
        counts["rectifications_to_answer"] = await todo.rectifications_to_answer(scope)
    counts["unread_notices"] = await notices.unread_count(actor)
    if actor.may(Action.REVIEW_SAMPLES):
        counts["samples_to_review"] = await review.pending_count(actor)
    if actor.may(Action.RUN_INSPECTIONS):
        counts["tip_offs_to_triage"] = await tip_offs.new_count(actor)
    if actor.may(Action.RECORD_REMOTE_CHECK) and services is not None:
        counts["remote_checks_due"] = await remote_benefits.checks_due(
            actor, Period.of(local_today(services.clock, services.settings.zone))
        )
    if actor.may(Action.MANAGE_RELIEF):
        counts["relief_to_reimburse"] = await relief_statement.months_to_reimburse()
    return TodoCounts(**counts)
