"""From a submitted assessment to a conclusion (DOMAIN §2): the bureau publishes it for
public notice, records an objection while the notice runs, and concludes — a first
assessment once its notice ran out without objection, or the re-assessment after one.
A severe conclusion makes the person a beneficiary, placed with a provider at once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from piccolo.columns import Column

from ltc.db.engine import write_transaction
from ltc.db.queries import lists
from ltc.db.queries.paging import Page
from ltc.db.tables import Application, Assessment, Conclusion
from ltc.domain.access import Action, Actor, require
from ltc.domain.conclusions import check_notice_over, check_objection_window, notice_until, valid_until
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.services.assessment.assessments import get_assessment
from ltc.services.assessment.policy import policy_on, today
from ltc.services.assessment.scope import application_record
from ltc.services.assessment.values import AssessmentOut, ConclusionOut
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext


async def _assessment_to_decide(actor: Actor, assessment_id: int) -> dict[str, Any]:
    require(actor, Action.DECIDE_ASSESSMENT)
    row = await Assessment.select().where(Assessment.id == assessment_id).output(load_json=True).first()
    if row is None:
        raise NotFound("没有该评估", code="assessment_not_found")
    return row


async def _move(
    actor: Actor,
    now: datetime,
    row: dict[str, Any],
    status: str,
    *,
    action: str,
    columns: dict[Column | str, Any],
    noted: dict[str, Any],
    reason: str = "",
) -> None:
    """The assessment, and its application with it, move to ``status``; the assessment's
    other ``columns`` change alongside, and the audit entry notes them."""
    await Assessment.update({Assessment.status: status} | columns).where(Assessment.id == row["id"])
    await Application.update({Application.status: status}).where(Application.id == row["application"])
    await record_change(
        actor=actor,
        at=now,
        action=action,
        entity="assessment",
        entity_id=row["id"],
        before={"status": row["status"]},
        after={"status": status} | noted,
        reason=reason,
    )


async def publish(ctx: ServiceContext, actor: Actor, assessment_id: int, published_on: date | None) -> AssessmentOut:
    day_today = today(ctx)
    day = published_on or day_today
    if day > day_today:
        raise InvalidInput("公示日期不能晚于今天", code="published_on_in_future")
    now = ctx.clock.now()
    async with write_transaction():
        row = await _assessment_to_decide(actor, assessment_id)
        if row["status"] != "submitted" or row["round"] != 1:
            raise Conflict(f"评估状态为 {row['status']}，不能公示", code="invalid_state")
        last_day = notice_until(day, policy_on(ctx, day))
        await _move(
            actor,
            now,
            row,
            "publicised",
            action="assessment.publish",
            columns={Assessment.published_on: day, Assessment.notice_until: last_day},
            noted={"published_on": day, "notice_until": last_day},
        )
    return await get_assessment(ctx, actor, assessment_id)


async def object_to(ctx: ServiceContext, actor: Actor, assessment_id: int, reason: str) -> AssessmentOut:
    if not reason.strip():
        raise InvalidInput("请填写异议理由", code="reason_required", errors=[{"field": "reason"}])
    now = ctx.clock.now()
    async with write_transaction():
        row = await _assessment_to_decide(actor, assessment_id)
        if row["status"] != "publicised":
            raise Conflict(f"评估状态为 {row['status']}，不能提出异议", code="invalid_state")
        check_objection_window(today(ctx), row["notice_until"])
        await _move(
            actor,
            now,
            row,
            "objected",
            action="assessment.object",
            columns={Assessment.objection_reason: reason.strip(), Assessment.objected_at: now},
            noted={},
            reason=reason.strip(),
        )
    return await get_assessment(ctx, actor, assessment_id)


async def finalize(ctx: ServiceContext, actor: Actor, assessment_id: int) -> AssessmentOut:
    """Conclude: a first assessment after its notice ran out without objection, or the
    re-assessment after an objection (it replaces the first; both stay on record)."""
    day_today = today(ctx)
    now = ctx.clock.now()
    async with write_transaction():
        row = await _assessment_to_decide(actor, assessment_id)
        if row["status"] == "final":
            raise Conflict("该评估已确认结论", code="already_final")
        if row["status"] == "objected":
            raise Conflict("已有异议，须待复评后确认结论", code="reassessment_pending")
        if row["round"] == 1:
            if row["status"] != "publicised":
                raise Conflict("评估尚未公示", code="not_publicised")
            check_notice_over(day_today, row["notice_until"])
        elif row["status"] != "submitted":
            raise Conflict(f"评估状态为 {row['status']}，不能确认结论", code="invalid_state")
        application = await application_record(row["application"])
        last_valid_day = valid_until(day_today, row["severe"], policy_on(ctx, day_today))
        if row["round"] == 2:
            await Assessment.update(
                {Assessment.status: "superseded", Assessment.superseded_by_id: assessment_id}
            ).where((Assessment.application == row["application"]) & (Assessment.round == 1))
        await Assessment.update(
            {Assessment.status: "final", Assessment.finalized_at: now, Assessment.valid_until: last_valid_day}
        ).where(Assessment.id == assessment_id)
        await Application.update({Application.status: "final"}).where(Application.id == row["application"])
        conclusion = Conclusion(
            person=application.person_id,
            application=application.id,
            assessment=assessment_id,
            level=row["level"],
            severe=row["severe"],
            care_mode=application.care_mode,
            valid_from=day_today,
            valid_until=last_valid_day,
            status="active",
            created_at=now,
        )
        await conclusion.save()
        # A new conclusion supersedes the person's earlier ones; they stay on record.
        earlier = await Conclusion.select(Conclusion.id).where(
            (Conclusion.person == application.person_id)
            & (Conclusion.status == "active")
            & (Conclusion.id != conclusion.id)
        )
        if earlier:
            await Conclusion.update(
                {Conclusion.status: "superseded", Conclusion.superseded_by_id: conclusion.id}
            ).where(Conclusion.id.is_in([e["id"] for e in earlier]))
        placement = None
        if row["severe"]:
            # A severe conclusion makes a beneficiary: placed now, without moving anyone.
            from ltc.services.assignments import assign_person

            placement = await assign_person(
                ctx,
                actor,
                application.person_id,
                conclusion_id=conclusion.id,
                care_mode=application.care_mode,
                now=now,
            )
        await record_change(
            actor=actor,
            at=now,
            action="assessment.finalize",
            entity="assessment",
            entity_id=assessment_id,
            before={"status": row["status"]},
            after={
                "status": "final",
                "level": row["level"],
                "severe": row["severe"],
                "valid_until": last_valid_day,
                "conclusion_id": conclusion.id,
                "superseded_conclusions": [e["id"] for e in earlier],
                "placement": placement,
            },
        )
    return await get_assessment(ctx, actor, assessment_id)


async def list_conclusions(ctx: ServiceContext, actor: Actor, *, status: str = "active") -> list[ConclusionOut]:
    """Every conclusion of a status, the first to expire first."""
    require(actor, Action.READ_CONCLUSIONS)
    query = lists.CONCLUSION_ORDER.ordered(lists.conclusions_query(status=status, level=None))
    return [ConclusionOut.model_validate(row) for row in await query]


async def conclusion_page(
    ctx: ServiceContext,
    actor: Actor,
    *,
    status: str = "active",
    level: int | None = None,
    after: str | None,
    limit: int,
) -> Page[ConclusionOut]:
    """A page of the conclusions of a status (and a level), the first to expire first."""
    require(actor, Action.READ_CONCLUSIONS)
    page = await lists.page_of(
        lists.conclusions_query(status=status, level=level), lists.CONCLUSION_ORDER, after, limit
    )
    return Page(items=[ConclusionOut.model_validate(r) for r in page.items], next_after=page.next_after)
