"""Applying on a page: the self-assessment the form shows (the instrument of the policy in
force, with what a page script needs to grade it live) and where an application stands
afterwards, step by step with its days. Filing itself is ``assessment.applications.apply``:
the page and the API file through the same gates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from ltc.db.tables import Assessment, AssessorAssignment
from ltc.domain.access import Actor
from ltc.domain.application_progress import RoundFacts, application_steps
from ltc.domain.instruments import Answer
from ltc.services.assessment.applications import get_application
from ltc.services.assessment.instruments import InstrumentDescription, assessment_instrument, describe
from ltc.services.assessment.policy import policy_on, today
from ltc.services.assessment.values import ApplicationOut
from ltc.services.context import ServiceContext
from ltc.services.reference import instrument_catalog


class GradingRule(BaseModel):
    """How the self-assessment turns answers into a grade, for the page's live preview: each
    dimension counts its items answered with ``count_value`` (or sums their points), and the
    grade is read from ``table`` by the two dimensions' scores. The server grades again."""

    dimensions: dict[str, dict[str, Answer | str | None]]
    kind: str
    rows: str
    columns: str
    table: list[list[str]]


class SelfAssessmentForm(BaseModel):
    instrument: InstrumentDescription
    grading: GradingRule | None  # None: an instrument the live preview cannot grade (the server still does)
    eligible_grades: list[str]
    today: date


def self_assessment_form(ctx: ServiceContext) -> SelfAssessmentForm:
    policy = policy_on(ctx, today(ctx))
    instrument = instrument_catalog(ctx.settings).get(policy.self_eval_instrument)
    rule: dict[str, Any] = dict(instrument.result_rule)
    grading = None
    if rule.get("kind") == "score_table":
        grading = GradingRule(
            dimensions={d.key: {"aggregate": d.aggregate, "count_value": d.count_value} for d in instrument.dimensions},
            kind="score_table",
            rows=rule["rows"],
            columns=rule["columns"],
            table=rule["table"],
        )
    return SelfAssessmentForm(
        instrument=describe(instrument),
        grading=grading,
        eligible_grades=sorted(policy.eligible_self_eval_grades),
        today=today(ctx),
    )


class ProgressStep(BaseModel):
    code: str
    on: date | None
    done: bool
    current: bool
    until: date | None
    level: int | None
    level_label: str | None = None
    level_label_en: str | None = None


class ApplicationStatus(BaseModel):
    application: ApplicationOut
    steps: list[ProgressStep]


def _local_day(ctx: ServiceContext, moment: datetime | None) -> date | None:
    return moment.astimezone(ctx.settings.zone).date() if moment is not None else None


async def application_status(ctx: ServiceContext, actor: Actor, application_id: int) -> ApplicationStatus:
    """The application (as the caller may see it: others get 'not found') and its steps."""
    application = await get_application(ctx, actor, application_id)
    teams = await AssessorAssignment.select(AssessorAssignment.round, AssessorAssignment.created_at).where(
        AssessorAssignment.application == application_id
    )
    assessments = await Assessment.select(
        Assessment.round,
        Assessment.submitted_at,
        Assessment.level,
        Assessment.published_on,
        Assessment.notice_until,
        Assessment.objected_at,
        Assessment.finalized_at,
        Assessment.valid_until,
    ).where(Assessment.application == application_id)
    rounds: dict[int, dict[str, Any]] = {}
    for member in teams:
        on = _local_day(ctx, member["created_at"])
        known = rounds.setdefault(member["round"], {"round": member["round"]}).get("team_on")
        rounds[member["round"]]["team_on"] = min(d for d in (known, on) if d is not None)
    for row in assessments:
        rounds.setdefault(row["round"], {"round": row["round"]}).update(
            assessed_on=_local_day(ctx, row["submitted_at"]),
            level=row["level"],
            published_on=row["published_on"],
            notice_until=row["notice_until"],
            objected_on=_local_day(ctx, row["objected_at"]),
            finalized_on=_local_day(ctx, row["finalized_at"]),
            valid_until=row["valid_until"],
        )
    steps = application_steps(application.applied_on, [RoundFacts(**facts) for facts in rounds.values()])
    labels = {lv.level: lv for lv in assessment_instrument(ctx, application.applied_on).levels}
    return ApplicationStatus(
        application=application,
        steps=[
            ProgressStep(
                code=s.code,
                on=s.on,
                done=s.done,
                current=s.current,
                until=s.until,
                level=s.level,
                level_label=labels[s.level].label if s.level in labels else None,
                level_label_en=labels[s.level].label_en if s.level in labels else None,
            )
            for s in steps
        ],
    )
