"""Applications (DOMAIN §2): filing one through the eligibility gates, reading and listing
them as the caller may see them, and accepting one with its assessment team (or, after an
objection, sending it for re-assessment by a different team). Every step is one
transaction with its audit entry; a refusal changes nothing."""

from __future__ import annotations

from piccolo.query import Select
from piccolo.query.functions.aggregate import Count

from ltc.db.engine import write_transaction
from ltc.db.queries import lists
from ltc.db.queries.assessment import AssessorChoice, active_users_in_roles
from ltc.db.queries.paging import Page
from ltc.db.tables import Application, AppUser, Assessment, AssessmentDraft, AssessorAssignment
from ltc.domain.access import Action, Actor, require, roles_allowed
from ltc.domain.eligibility import ApplicationFacts, TeamMember, check_application, check_team
from ltc.domain.errors import Conflict, InvalidInput
from ltc.domain.family_follow import application_reference
from ltc.domain.instruments import score
from ltc.domain.rollout import check_scheme_open
from ltc.services.assessment.policy import policy_on, today
from ltc.services.assessment.scope import team, visible_application
from ltc.services.assessment.values import (
    ApplicationFilters,
    ApplicationIn,
    ApplicationOut,
    ApplicationRow,
)
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.persons import get_person
from ltc.services.reference import instrument_catalog


async def apply(ctx: ServiceContext, actor: Actor, data: ApplicationIn) -> ApplicationOut:
    require(actor, Action.FILE_APPLICATION)
    person = await get_person(ctx, actor, data.person_id)
    applied_on = data.applied_on
    if applied_on > today(ctx):
        raise InvalidInput("申请日期不能晚于今天", code="applied_on_in_future")
    policy = policy_on(ctx, applied_on)
    check_scheme_open(person.town, applied_on, policy)
    self_eval_instrument = instrument_catalog(ctx.settings).get(policy.self_eval_instrument)
    self_eval_grade = str(score(self_eval_instrument, data.self_eval.answers).level)
    facts = ApplicationFacts(
        birth_date=person.birth_date,
        insured=person.insured,
        insured_since=person.insured_since,
        applied_on=applied_on,
        disabled_since=data.disabled_since,
        self_eval_grade=self_eval_grade,
    )
    check_application(facts, policy)
    now = ctx.clock.now()
    async with write_transaction():
        open_application = await Application.exists().where(
            (Application.person == person.id) & Application.status.not_in(["final"])
        )
        if open_application:
            raise Conflict("该人员已有正在办理的申请", code="application_in_progress")
        application = Application(
            person=person.id,
            kind="initial",
            applied_on=applied_on,
            disabled_since=data.disabled_since,
            care_mode=data.care_mode,
            self_eval_instrument=self_eval_instrument.code,
            self_eval_version=self_eval_instrument.version,
            self_eval_answers=data.self_eval.answers,
            self_eval_grade=self_eval_grade,
            policy_version=policy.version,
            status="submitted",
            round=1,
            registered_by_provider=actor.provider_scope or None,
            created_by=actor.user_id or None,  # None: filed on the public page, without an account
            created_at=now,
            reference=application_reference(today(ctx)),
        )
        await application.save()
        await record_change(
            actor=actor,
            at=now,
            action="application.submit",
            entity="application",
            entity_id=application.id,
            after={"person_id": person.id, "grade": application.self_eval_grade, "policy": policy.version},
        )
    return await get_application(ctx, actor, application.id)


async def get_application(ctx: ServiceContext, actor: Actor, application_id: int) -> ApplicationOut:
    record = await visible_application(actor, application_id)
    assessments = (
        await Assessment.select(
            Assessment.id,
            Assessment.round,
            Assessment.status,
            Assessment.level,
            Assessment.severe,
            Assessment.instrument_code,
            Assessment.instrument_version,
            Assessment.submitted_at,
            Assessment.published_on,
            Assessment.notice_until,
            Assessment.valid_until,
        )
        .where(Assessment.application == application_id)
        .order_by(Assessment.round)
    )
    draft = (
        await AssessmentDraft.select(AssessmentDraft.answers, AssessmentDraft.updated_at)
        .where(AssessmentDraft.draft_key == f"{application_id}:{record.round}")
        .output(load_json=True)
        .first()
    )
    return ApplicationOut.model_validate(
        record.model_dump(exclude={"registered_by_provider", "town_id"})
        | {
            "person": await get_person(ctx, actor, record.person_id, audit=True),
            "team": await team(application_id),
            "assessments": assessments,
            "draft": draft,
        }
    )


async def _applications_in_view(actor: Actor, filters: ApplicationFilters) -> Select | None:
    """The applications the actor may see that pass the filters: an assessor's are those of
    the teams they are on, an agency's those it registered; None: none at all."""
    scope = actor.provider_scope
    assessor = provider = None
    town = await lists.town_id(filters.town)
    if actor.may(Action.ASSESS):
        assessor = actor.user_id
    elif actor.town_scope is not None:  # a town agent: the applications of their town's people
        if town is not None and town != actor.town_scope:
            return None
        town = actor.town_scope
    elif scope is not None:
        provider = scope
    elif not actor.sees_whole_region:
        return None
    return lists.applications_query(
        status=filters.status,
        town=town,
        applied_from=filters.applied_from,
        applied_to=filters.applied_to,
        assessor=assessor,
        provider=provider,
    )


async def list_applications(ctx: ServiceContext, actor: Actor, *, status: str | None = None) -> list[ApplicationRow]:
    """Every application the actor may see (of a status), newest first."""
    query = await _applications_in_view(actor, ApplicationFilters(status=status or None))
    if query is None:
        return []
    return [ApplicationRow.model_validate(row) for row in await lists.APPLICATION_ORDER.ordered(query)]


async def application_page(
    ctx: ServiceContext, actor: Actor, filters: ApplicationFilters, *, after: str | None, limit: int
) -> Page[ApplicationRow]:
    """A page of the applications the actor may see that pass the filters, newest first."""
    query = await _applications_in_view(actor, filters)
    if query is None:
        return Page(items=[], next_after=None)
    page = await lists.page_of(query, lists.APPLICATION_ORDER, after, limit)
    return Page(items=[ApplicationRow.model_validate(r) for r in page.items], next_after=page.next_after)


async def count_by_status() -> dict[str, int]:
    rows = await Application.select(Application.status, Count(alias="n")).group_by(Application.status)
    return {row["status"]: row["n"] for row in rows}


async def team_candidates(actor: Actor) -> list[AssessorChoice]:
    """The active users the caller may put on an assessment team."""
    require(actor, Action.ACCEPT_APPLICATION)
    return await active_users_in_roles(role.value for role in roles_allowed(Action.ASSESS))


async def accept(ctx: ServiceContext, actor: Actor, application_id: int, assessor_ids: list[int]) -> ApplicationOut:
    """Accept a new application (round 1) or, after an objection, send it for re-assessment
    (round 2) by a team that shares no one with the first."""
    require(actor, Action.ACCEPT_APPLICATION)
    if len(set(assessor_ids)) != len(assessor_ids):
        raise InvalidInput("同一评估员不能重复指派", code="duplicate_assessor")
    now = ctx.clock.now()
    policy = policy_on(ctx, today(ctx))
    async with write_transaction():
        record = await visible_application(actor, application_id)
        if record.status == "submitted":
            next_round, next_status = 1, "accepted"
        elif record.status == "objected":
            next_round, next_status = 2, "reassessing"
        else:
            raise Conflict(f"申请当前状态为 {record.status}，不能受理或指派", code="invalid_state")
        users = await AppUser.select(AppUser.id, AppUser.role, AppUser.active, AppUser.provider).where(
            AppUser.id.is_in(list(assessor_ids) or [-1])
        )
        known = {u["id"] for u in users}
        unknown = [i for i in assessor_ids if i not in known]
        if unknown:
            raise InvalidInput("被指派的用户不存在", code="not_an_assessor", errors=[{"user_ids": unknown}])
        members = [TeamMember(u["id"], u["role"], u["active"], u["provider"]) for u in users]
        members.sort(key=lambda m: assessor_ids.index(m.user_id))
        registered_by = record.registered_by_provider
        person_providers = {registered_by} if registered_by is not None else set()
        earlier = {member.user_id for member in await team(application_id)}
        check_team(members, person_provider_ids=person_providers, earlier_member_ids=earlier, policy=policy)
        await AssessorAssignment.insert(
            *[
                AssessorAssignment(
                    application=application_id,
                    round=next_round,
                    assessor=m.user_id,
                    team_key=f"{application_id}:{next_round}:{m.user_id}",
                    created_at=now,
                )
                for m in members
            ]
        )
        await Application.update(
            {Application.status: next_status, Application.round: next_round, Application.accepted_at: now}
        ).where(Application.id == application_id)
        await record_change(
            actor=actor,
            at=now,
            action="application.accept",
            entity="application",
            entity_id=application_id,
            before={"status": record.status},
            after={"status": next_status, "round": next_round, "assessor_ids": list(assessor_ids)},
        )
    return await get_application(ctx, actor, application_id)
