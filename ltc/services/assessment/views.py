"""What the assessment pages show, each gathered in one call: the assessor's on-site form
and the bureau's application desk, with the actions the caller may take there."""

from __future__ import annotations

from pydantic import BaseModel

from ltc.db.queries.assessment import AssessorChoice
from ltc.domain.access import Action, Actor
from ltc.domain.conclusions import Decision, open_decisions
from ltc.services.assessment.applications import get_application, team_candidates
from ltc.services.assessment.assessments import OPEN_FOR_ASSESSMENT
from ltc.services.assessment.evidence import EvidenceOut, list_evidence
from ltc.services.assessment.in_words import AssessmentInWords, assessment_in_words
from ltc.services.assessment.instruments import InstrumentDescription, assessment_instrument, describe
from ltc.services.assessment.policy import today
from ltc.services.assessment.values import ApplicationOut, TeamMemberOut
from ltc.services.context import ServiceContext


class AssessmentForm(BaseModel):
    """The tablet's form: the instrument to answer, this round's team and evidence."""

    application: ApplicationOut
    instrument: InstrumentDescription
    team: list[TeamMemberOut]
    open_for_assessment: bool
    evidence: list[EvidenceOut]


class AssessmentOnDesk(BaseModel):
    """A submitted assessment in words and the decisions its state allows the reader today."""

    reading: AssessmentInWords
    decisions: frozenset[Decision]


class ApplicationDesk(BaseModel):
    """An application as the bureau works on it."""

    application: ApplicationOut
    assessments: list[AssessmentOnDesk]
    assessors: list[AssessorChoice]
    evidence: list[EvidenceOut]
    may_accept: bool
    may_decide: bool


async def assessment_form(ctx: ServiceContext, actor: Actor, application_id: int) -> AssessmentForm:
    application = await get_application(ctx, actor, application_id)
    this_round = application.round
    return AssessmentForm(
        application=application,
        instrument=describe(assessment_instrument(ctx, application.applied_on)),
        team=[member for member in application.team if member.round == this_round],
        open_for_assessment=application.status in OPEN_FOR_ASSESSMENT,
        evidence=[e for e in await list_evidence(ctx, actor, application_id) if e.round == this_round],
    )


async def application_desk(ctx: ServiceContext, actor: Actor, application_id: int) -> ApplicationDesk:
    application = await get_application(ctx, actor, application_id)
    may_accept = actor.may(Action.ACCEPT_APPLICATION)
    may_decide = actor.may(Action.DECIDE_ASSESSMENT)
    day = today(ctx)
    assessments = [
        AssessmentOnDesk(
            reading=await assessment_in_words(ctx, actor, brief.id),
            decisions=open_decisions(brief.status, brief.round, day, brief.notice_until) if may_decide else frozenset(),
        )
        for brief in application.assessments
    ]
    return ApplicationDesk(
        application=application,
        assessments=assessments,
        assessors=await team_candidates(actor) if may_accept else [],
        evidence=await list_evidence(ctx, actor, application_id),
        may_accept=may_accept,
        may_decide=may_decide,
    )
