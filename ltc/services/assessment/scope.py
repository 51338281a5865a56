"""The application as the caller may see it, and its teams: the bureau sees every
application, an assessor those whose team they are on (any round), an agency those it
registered, a town agent those of their town's people; to anyone else an application answers 'not found'."""

from __future__ import annotations

from ltc.db.tables import Application, AssessorAssignment
from ltc.domain.access import Action, Actor, require
from ltc.domain.errors import Forbidden, NotFound
from ltc.services.assessment.values import ApplicationBasics, TeamMemberOut


class ApplicationRecord(ApplicationBasics):
    """An application as the steps of the process read it, with the provider that registered it."""

    registered_by_provider: int | None
    town_id: int | None = None  # the person's town


_RECORD_COLUMNS = (
    Application.id,
    Application.person.as_alias("person_id"),
    Application.kind,
    Application.applied_on,
    Application.disabled_since,
    Application.care_mode,
    Application.self_eval_grade,
    Application.policy_version,
    Application.status,
    Application.round,
    Application.registered_by_provider,
    Application.created_at,
    Application.reference,
    Application.person.town.as_alias("town_id"),
)


async def application_record(application_id: int) -> ApplicationRecord:
    """The application whoever asks (callers check the caller's part in it)."""
    row = await Application.select(*_RECORD_COLUMNS).where(Application.id == application_id).first()
    if row is None:
        raise NotFound("没有该申请", code="application_not_found")
    return ApplicationRecord.model_validate(row)


async def visible_application(actor: Actor, application_id: int) -> ApplicationRecord:
    record = await application_record(application_id)
    if not await _may_see(actor, record):
        raise NotFound("没有该申请", code="application_not_found")
    return record


async def _may_see(actor: Actor, record: ApplicationRecord) -> bool:
    if actor.sees_whole_region:
        return True
    if actor.may(Action.ASSESS):
        return await on_any_team(actor, record.id)
    town = actor.town_scope
    if town is not None:
        return record.town_id == town  # a town agent: the applications of their town's people
    scope = actor.provider_scope
    if scope is not None:
        return record.registered_by_provider == scope
    return False


async def on_any_team(actor: Actor, application_id: int) -> bool:
    """Whether the caller is an assessor on one of the application's teams, in any round."""
    return actor.may(Action.ASSESS) and await AssessorAssignment.exists().where(
        (AssessorAssignment.application == application_id) & (AssessorAssignment.assessor == actor.user_id)
    )


async def on_team(actor: Actor, application_id: int, round_: int) -> bool:
    """Whether the caller is an assessor on the team of this round."""
    return actor.may(Action.ASSESS) and await AssessorAssignment.exists().where(
        AssessorAssignment.team_key == f"{application_id}:{round_}:{actor.user_id}"
    )


async def team(application_id: int) -> list[TeamMemberOut]:
    """Everyone assigned to the application, round by round."""
    rows = (
        await AssessorAssignment.select(
            AssessorAssignment.round,
            AssessorAssignment.assessor.as_alias("user_id"),
            AssessorAssignment.assessor.display_name.as_alias("display_name"),
            AssessorAssignment.assessor.role.as_alias("role"),
        )
        .where(AssessorAssignment.application == application_id)
        .order_by(AssessorAssignment.round)
    )
    return [TeamMemberOut.model_validate(row) for row in rows]


async def application_to_assess(actor: Actor, application_id: int) -> ApplicationRecord:
    """The application an assessor records for: the role first (403), then whether they may
    see it at all (404, as for one that does not exist), then whether they are on this round's
    team (403): only an assessor of this round's team records its answers or evidence."""
    require(actor, Action.ASSESS)
    record = await visible_application(actor, application_id)
    if not await on_team(actor, application_id, record.round):
        raise Forbidden("您不是该申请本轮的评估员", code="assessor_not_assigned")
    return record
