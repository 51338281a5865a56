"""The assessment process (DOMAIN §2): application with its gates → acceptance with a team
→ on-site assessment (drafts, then one immutable submission) → public notice → objection
→ re-assessment by a different team → final conclusion. Every step is one transaction
with its audit entry; a refusal changes nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

from piccolo.query.functions.aggregate import Count

from ltc.db.engine import locked, write_transaction
from ltc.db.tables import (
    Application,
    AppUser,
    Assessment,
    AssessmentDraft,
    AssessorAssignment,
    Conclusion,
    Person,
)
from ltc.domain.access import Actor, Role, require_role
from ltc.domain.conclusions import (
    check_notice_over,
    check_objection_window,
    notice_until,
    reminder_due,
    valid_until,
)
from ltc.domain.eligibility import (
    ApplicationFacts,
    TeamMember,
    check_application,
    check_team,
)
from ltc.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from ltc.domain.instruments import score, score_partial
from ltc.domain.policy import Policy
from ltc.geo.distance import check_coordinates
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.persons import get_person
from ltc.services.positions import as_wgs84
from ltc.services.reference import instrument_catalog, policy_book

ASSESSING_ROLES = (Role.ASSESSOR, Role.EXPERT)
APPLICANT_ROLES = (Role.BUREAU, Role.ADMIN, Role.AGENCY)


def _today(ctx: ServiceContext) -> date:
    return local_today(ctx.clock, ctx.settings.zone)


def _policy(ctx: ServiceContext, day: date) -> Policy:
    return policy_book(ctx.settings).in_force(day)


def canonical_hash(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- applications


async def apply(ctx: ServiceContext, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    require_role(actor, *APPLICANT_ROLES)
    person = await get_person(ctx, actor, data["person_id"])
    applied_on: date = data["applied_on"]
    if applied_on > _today(ctx):
        raise InvalidInput("申请日期不能晚于今天", code="applied_on_in_future")
    policy = _policy(ctx, applied_on)
    self_eval_instrument = instrument_catalog(ctx.settings).get(policy.self_eval_instrument)
    self_eval = score(self_eval_instrument, data["self_eval"]["answers"]).to_dict()
    row = (
        await Person.select(Person.birth_date, Person.insured, Person.insured_since)
        .where(Person.id == person["id"])
        .first()
    )
    facts = ApplicationFacts(
        birth_date=row["birth_date"],
        insured=row["insured"],
        insured_since=row["insured_since"],
        applied_on=applied_on,
        disabled_since=data.get("disabled_since"),
        self_eval_grade=str(self_eval["level"]),
    )
    check_application(facts, policy)
    now = ctx.clock.now()
    async with write_transaction():
        open_application = await Application.exists().where(
            (Application.person == person["id"]) & Application.status.not_in(["final"])
        )
        if open_application:
            raise Conflict("该人员已有正在办理的申请", code="application_in_progress")
        application = Application(
            person=person["id"],
            kind="initial",
            applied_on=applied_on,
            disabled_since=data.get("disabled_since"),
            care_mode=data["care_mode"],
            self_eval_instrument=self_eval_instrument.code,
            self_eval_version=self_eval_instrument.version,
            self_eval_answers=data["self_eval"]["answers"],
            self_eval_grade=str(self_eval["level"]),
            policy_version=policy.version,
            status="submitted",
            round=1,
            registered_by_provider=actor.provider_id if actor.role == Role.AGENCY else None,
            created_by=actor.user_id,
            created_at=now,
        )
        await application.save()
        await record_change(
            actor=actor,
            at=now,
            action="application.submit",
            entity="application",
            entity_id=application.id,
            after={"person_id": person["id"], "grade": application.self_eval_grade, "policy": policy.version},
        )
    return await get_application(ctx, actor, application.id)


async def _application_row(actor: Actor, application_id: int) -> dict[str, Any]:
    row = await Application.select().where(Application.id == application_id).first()
    if row is None or not await _may_see_application(actor, row):
        raise NotFound("没有该申请", code="application_not_found")
    return row


async def _may_see_application(actor: Actor, row: dict[str, Any]) -> bool:
    if actor.sees_whole_region:
        return True
    if actor.role in ASSESSING_ROLES:
        return await AssessorAssignment.exists().where(
            (AssessorAssignment.application == row["id"]) & (AssessorAssignment.assessor == actor.user_id)
        )
    if actor.role == Role.AGENCY:
        return row["registered_by_provider"] == actor.provider_id
    return False


async def _team(application_id: int) -> list[dict[str, Any]]:
    return (
        await AssessorAssignment.select(
            AssessorAssignment.round,
            AssessorAssignment.assessor.as_alias("user_id"),
            AssessorAssignment.assessor.display_name.as_alias("display_name"),
            AssessorAssignment.assessor.role.as_alias("role"),
        )
        .where(AssessorAssignment.application == application_id)
        .order_by(AssessorAssignment.round)
    )


async def get_application(ctx: ServiceContext, actor: Actor, application_id: int) -> dict[str, Any]:
    row = await _application_row(actor, application_id)
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
        .where(AssessmentDraft.draft_key == f"{application_id}:{row['round']}")
        .output(load_json=True)
        .first()
    )
    return {
        "id": row["id"],
        "person": await get_person(ctx, actor, row["person"]),
        "person_id": row["person"],
        "kind": row["kind"],
        "applied_on": row["applied_on"],
        "disabled_since": row["disabled_since"],
        "care_mode": row["care_mode"],
        "self_eval_grade": row["self_eval_grade"],
        "policy_version": row["policy_version"],
        "status": row["status"],
        "round": row["round"],
        "team": await _team(application_id),
        "assessments": assessments,
        "draft": draft,
        "created_at": row["created_at"],
    }


async def list_applications(ctx: ServiceContext, actor: Actor, *, status: str | None = None) -> list[dict[str, Any]]:
    query = Application.select(
        Application.id,
        Application.person,
        Application.person.name.as_alias("person_name"),
        Application.person.town.name.as_alias("town_name"),
        Application.kind,
        Application.applied_on,
        Application.care_mode,
        Application.self_eval_grade,
        Application.status,
        Application.round,
    ).order_by(Application.id, ascending=False)
    if status:
        query = query.where(Application.status == status)
    if actor.role in ASSESSING_ROLES:
        mine = await AssessorAssignment.select(AssessorAssignment.application).where(
            AssessorAssignment.assessor == actor.user_id
        )
        query = query.where(Application.id.is_in([r["application"] for r in mine] or [-1]))
    elif actor.role == Role.AGENCY:
        query = query.where(Application.registered_by_provider == actor.provider_id)
    elif not actor.sees_whole_region:
        return []
    return await query


async def count_by_status() -> dict[str, int]:
    rows = await Application.select(Application.status, Count(alias="n")).group_by(Application.status)
    return {row["status"]: row["n"] for row in rows}


async def accept(ctx: ServiceContext, actor: Actor, application_id: int, assessor_ids: list[int]) -> dict[str, Any]:
    """Accept a new application (round 1) or, after an objection, send it for re-assessment
    (round 2) by a team that shares no one with the first."""
    require_role(actor, Role.BUREAU, Role.ADMIN)
    if len(set(assessor_ids)) != len(assessor_ids):
        raise InvalidInput("同一评估员不能重复指派", code="duplicate_assessor")
    now = ctx.clock.now()
    policy = _policy(ctx, _today(ctx))
    async with write_transaction():
        row = await _application_row(actor, application_id)
        if row["status"] == "submitted":
            next_round, next_status = 1, "accepted"
        elif row["status"] == "objected":
            next_round, next_status = 2, "reassessing"
        else:
            raise Conflict(f"申请当前状态为 {row['status']}，不能受理或指派", code="invalid_state")
        users = await AppUser.select(AppUser.id, AppUser.role, AppUser.active, AppUser.provider).where(
            AppUser.id.is_in(list(assessor_ids) or [-1])
        )
        known = {u["id"] for u in users}
        unknown = [i for i in assessor_ids if i not in known]
        if unknown:
            raise InvalidInput("被指派的用户不存在", code="not_an_assessor", errors=[{"user_ids": unknown}])
        members = [TeamMember(u["id"], u["role"], u["active"], u["provider"]) for u in users]
        members.sort(key=lambda m: assessor_ids.index(m.user_id))
        person_providers = {row["registered_by_provider"]} - {None}
        earlier = {t["user_id"] for t in await _team(application_id)}
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
            before={"status": row["status"]},
            after={"status": next_status, "round": next_round, "assessor_ids": list(assessor_ids)},
        )
    return await get_application(ctx, actor, application_id)


# ---------------------------------------------------------------- on-site assessment


async def _require_on_team(actor: Actor, application_id: int, round_: int) -> None:
    require_role(actor, *ASSESSING_ROLES)
    on_team = await AssessorAssignment.exists().where(
        AssessorAssignment.team_key == f"{application_id}:{round_}:{actor.user_id}"
    )
    if not on_team:
        raise Forbidden("您不是该申请本轮的评估员", code="assessor_not_assigned")


def _assessable(row: dict[str, Any]) -> None:
    if row["status"] not in ("accepted", "reassessing"):
        raise Conflict(f"申请当前状态为 {row['status']}，不能评估", code="not_open_for_assessment")


async def save_draft(
    ctx: ServiceContext, actor: Actor, application_id: int, answers: dict[str, Any], client_saved_at: datetime | None
) -> dict[str, Any]:
    """Keep what the assessor has answered so far; an older copy from a device that was
    offline never overwrites a newer one."""
    row = await Application.select().where(Application.id == application_id).first()
    if row is None:
        raise NotFound("没有该申请", code="application_not_found")
    await _require_on_team(actor, application_id, row["round"])
    _assessable(row)
    instrument = instrument_catalog(ctx.settings).get(_policy(ctx, row["applied_on"]).assessment_instrument)
    preview = score_partial(instrument, answers)
    now = ctx.clock.now()
    key = f"{application_id}:{row['round']}"
    async with write_transaction():
        existing = (
            await AssessmentDraft.select(AssessmentDraft.id, AssessmentDraft.client_saved_at)
            .where(AssessmentDraft.draft_key == key)
            .first()
        )
        stale = (
            existing is not None
            and client_saved_at is not None
            and existing["client_saved_at"] is not None
            and client_saved_at < existing["client_saved_at"]
        )
        if existing is None:
            await AssessmentDraft.insert(
                AssessmentDraft(
                    application=application_id,
                    round=row["round"],
                    draft_key=key,
                    instrument_code=instrument.code,
                    instrument_version=instrument.version,
                    answers=answers,
                    client_saved_at=client_saved_at,
                    updated_by=actor.user_id,
                    updated_at=now,
                )
            )
        elif not stale:
            await AssessmentDraft.update(
                {
                    AssessmentDraft.answers: answers,
                    AssessmentDraft.client_saved_at: client_saved_at,
                    AssessmentDraft.updated_by: actor.user_id,
                    AssessmentDraft.updated_at: now,
                }
            ).where(AssessmentDraft.id == existing["id"])
    return {"saved": not stale, "stale": stale, "preview": preview}


def _assessment_out(row: dict[str, Any]) -> dict[str, Any]:
    result = row["result"] if isinstance(row["result"], dict) else json.loads(row["result"])
    return {
        "id": row["id"],
        "application_id": row["application"],
        "round": row["round"],
        "status": row["status"],
        "instrument": row["instrument_code"],
        "instrument_version": row["instrument_version"],
        "level": row["level"],
        "level_label": result.get("level_label"),
        "severe": row["severe"],
        "dimensions": result.get("dimensions"),
        "published_on": row["published_on"],
        "notice_until": row["notice_until"],
        "valid_until": row["valid_until"],
        "objection_reason": row["objection_reason"],
        "submitted_at": row["submitted_at"],
    }


async def submit_assessment(ctx: ServiceContext, actor: Actor, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Score and store the on-site assessment once. Returns (assessment, created): the same
    event sent again returns the first result; a different body under it is a conflict."""
    application_id = data["application_id"]
    event_id = str(data.get("event_id") or uuid4())
    request_hash = canonical_hash({k: v for k, v in data.items() if k != "event_id"})
    data = as_wgs84(data)
    earlier = await Assessment.select().where(Assessment.idempotency_key == event_id).first()
    if earlier is not None:
        if earlier["request_hash"] != request_hash or earlier["submitted_by"] != actor.user_id:
            raise Conflict("同一 event_id 已用于不同的提交", code="duplicate_event")
        return _assessment_out(earlier), False
    row = await Application.select().where(Application.id == application_id).first()
    if row is None:
        raise NotFound("没有该申请", code="application_not_found")
    await _require_on_team(actor, application_id, row["round"])
    policy = _policy(ctx, row["applied_on"])
    if data["instrument"] != policy.assessment_instrument:
        raise InvalidInput(
            f"本市评估使用 {policy.assessment_instrument}", code="wrong_instrument", errors=[{"field": "instrument"}]
        )
    catalog = instrument_catalog(ctx.settings)
    current = catalog.get(data["instrument"])
    version = data.get("instrument_version") or current.version
    instrument = catalog.get(data["instrument"], version)
    if instrument.version != current.version:
        raise InvalidInput(
            f"须使用现行版本 {current.version}",
            code="instrument_version_not_current",
            errors=[{"field": "instrument_version"}],
        )
    result = score(instrument, data["answers"]).to_dict()
    team = {t["user_id"]: t for t in await _team(application_id) if t["round"] == row["round"]}
    assessor_ids = list(dict.fromkeys(data["assessor_ids"]))
    outsiders = [i for i in assessor_ids if i not in team]
    if outsiders or actor.user_id not in assessor_ids or len(assessor_ids) < policy.minimum_assessors:
        raise InvalidInput(
            "须记录本轮全部在场评估员（含本人），且均为受指派者",
            code="assessor_not_assigned",
            errors=[{"field": "assessor_ids", "user_ids": outsiders}],
        )
    started_at, finished_at = data["started_at"], data["finished_at"]
    now = ctx.clock.now()
    if not started_at < finished_at or finished_at > now + timedelta(minutes=policy.max_clock_skew_minutes):
        raise InvalidInput("开始时间须早于结束时间，且不能晚于当前时间", code="invalid_times")
    if data.get("lat") is not None or data.get("lon") is not None:
        if data.get("lat") is None or data.get("lon") is None:
            raise InvalidInput("lat 和 lon 须同时提供", code="coordinates_incomplete")
        check_coordinates(data["lat"], data["lon"])
    async with write_transaction():
        fresh = await locked(
            Application.select(Application.status, Application.round).where(Application.id == application_id)
        ).first()
        # The same event may race in twice (a tablet resending as the network returns).
        raced = await Assessment.select().where(Assessment.idempotency_key == event_id).first()
        if raced is not None and raced["request_hash"] == request_hash and raced["submitted_by"] == actor.user_id:
            return _assessment_out(raced), False
        if await Assessment.exists().where(Assessment.round_key == f"{application_id}:{fresh['round']}"):
            raise Conflict("本轮评估已提交，不能重复提交", code="already_submitted")
        _assessable({**row, **fresh})
        assessment = Assessment(
            application=application_id,
            round=fresh["round"],
            round_key=f"{application_id}:{fresh['round']}",
            idempotency_key=event_id,
            request_hash=request_hash,
            instrument_code=instrument.code,
            instrument_version=instrument.version,
            answers=data["answers"],
            result=result,
            level=int(result["level"]),
            severe=bool(result["severe"]),
            assessor_ids=assessor_ids,
            started_at=started_at,
            finished_at=finished_at,
            lat=data.get("lat"),
            lon=data.get("lon"),
            status="submitted",
            submitted_by=actor.user_id,
            submitted_at=now,
        )
        await assessment.save()
        await Application.update({Application.status: "assessed"}).where(Application.id == application_id)
        await record_change(
            actor=actor,
            at=now,
            action="assessment.submit",
            entity="assessment",
            entity_id=assessment.id,
            after={
                "application_id": application_id,
                "round": fresh["round"],
                "level": result["level"],
                "instrument": f"{instrument.code}@{instrument.version}",
            },
        )
    stored = await Assessment.select().where(Assessment.id == assessment.id).output(load_json=True).first()
    return _assessment_out(stored), True


async def get_assessment(ctx: ServiceContext, actor: Actor, assessment_id: int) -> dict[str, Any]:
    row = await Assessment.select().where(Assessment.id == assessment_id).output(load_json=True).first()
    if row is None:
        raise NotFound("没有该评估", code="assessment_not_found")
    await _application_row(actor, row["application"])
    out = _assessment_out(row)
    out["answers"] = row["answers"]
    out["assessor_ids"] = row["assessor_ids"]
    return out


async def _bureau_assessment(actor: Actor, assessment_id: int) -> dict[str, Any]:
    require_role(actor, Role.BUREAU, Role.ADMIN)
    row = await Assessment.select().where(Assessment.id == assessment_id).output(load_json=True).first()
    if row is None:
        raise NotFound("没有该评估", code="assessment_not_found")
    return row


async def publish(ctx: ServiceContext, actor: Actor, assessment_id: int, published_on: date | None) -> dict[str, Any]:
    today = _today(ctx)
    day = published_on or today
    if day > today:
        raise InvalidInput("公示日期不能晚于今天", code="published_on_in_future")
    now = ctx.clock.now()
    async with write_transaction():
        row = await _bureau_assessment(actor, assessment_id)
        if row["status"] != "submitted" or row["round"] != 1:
            raise Conflict(f"评估状态为 {row['status']}，不能公示", code="invalid_state")
        last_day = notice_until(day, _policy(ctx, day))
        await Assessment.update(
            {Assessment.status: "publicised", Assessment.published_on: day, Assessment.notice_until: last_day}
        ).where(Assessment.id == assessment_id)
        await Application.update({Application.status: "publicised"}).where(Application.id == row["application"])
        await record_change(
            actor=actor,
            at=now,
            action="assessment.publish",
            entity="assessment",
            entity_id=assessment_id,
            before={"status": row["status"]},
            after={"status": "publicised", "published_on": day, "notice_until": last_day},
        )
    return await get_assessment(ctx, actor, assessment_id)


async def object_to(ctx: ServiceContext, actor: Actor, assessment_id: int, reason: str) -> dict[str, Any]:
    if not reason.strip():
        raise InvalidInput("请填写异议理由", code="reason_required", errors=[{"field": "reason"}])
    now = ctx.clock.now()
    async with write_transaction():
        row = await _bureau_assessment(actor, assessment_id)
        if row["status"] != "publicised":
            raise Conflict(f"评估状态为 {row['status']}，不能提出异议", code="invalid_state")
        check_objection_window(_today(ctx), row["notice_until"])
        await Assessment.update(
            {Assessment.status: "objected", Assessment.objection_reason: reason.strip(), Assessment.objected_at: now}
        ).where(Assessment.id == assessment_id)
        await Application.update({Application.status: "objected"}).where(Application.id == row["application"])
        await record_change(
            actor=actor,
            at=now,
            action="assessment.object",
            entity="assessment",
            entity_id=assessment_id,
            before={"status": "publicised"},
            after={"status": "objected"},
            reason=reason.strip(),
        )
    return await get_assessment(ctx, actor, assessment_id)


async def finalize(ctx: ServiceContext, actor: Actor, assessment_id: int) -> dict[str, Any]:
    """Conclude: a first assessment after its notice ran out without objection, or the
    re-assessment after an objection (it replaces the first; both stay on record)."""
    today = _today(ctx)
    now = ctx.clock.now()
    async with write_transaction():
        row = await _bureau_assessment(actor, assessment_id)
        if row["status"] == "final":
            raise Conflict("该评估已确认结论", code="already_final")
        if row["status"] == "objected":
            raise Conflict("已有异议，须待复评后确认结论", code="reassessment_pending")
        if row["round"] == 1:
            if row["status"] != "publicised":
                raise Conflict("评估尚未公示", code="not_publicised")
            check_notice_over(today, row["notice_until"])
        elif row["status"] != "submitted":
            raise Conflict(f"评估状态为 {row['status']}，不能确认结论", code="invalid_state")
        application = await Application.select().where(Application.id == row["application"]).first()
        policy = _policy(ctx, today)
        last_valid_day = valid_until(today, row["severe"], policy)
        if row["round"] == 2:
            await Assessment.update(
                {Assessment.status: "superseded", Assessment.superseded_by_id: assessment_id}
            ).where((Assessment.application == row["application"]) & (Assessment.round == 1))
        await Assessment.update(
            {Assessment.status: "final", Assessment.finalized_at: now, Assessment.valid_until: last_valid_day}
        ).where(Assessment.id == assessment_id)
        await Application.update({Application.status: "final"}).where(Application.id == row["application"])
        conclusion = Conclusion(
            person=application["person"],
            application=application["id"],
            assessment=assessment_id,
            level=row["level"],
            severe=row["severe"],
            care_mode=application["care_mode"],
            valid_from=today,
            valid_until=last_valid_day,
            status="active",
            created_at=now,
        )
        await conclusion.save()
        # A new conclusion supersedes the person's earlier ones; they stay on record.
        earlier = await Conclusion.select(Conclusion.id).where(
            (Conclusion.person == application["person"])
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
                application["person"],
                conclusion_id=conclusion.id,
                care_mode=application["care_mode"],
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


async def list_conclusions(ctx: ServiceContext, actor: Actor, *, status: str = "active") -> list[dict[str, Any]]:
    require_role(actor, Role.BUREAU, Role.ADMIN, Role.EXPERT)
    return (
        await Conclusion.select(
            Conclusion.id,
            Conclusion.person,
            Conclusion.person.name.as_alias("person_name"),
            Conclusion.level,
            Conclusion.severe,
            Conclusion.care_mode,
            Conclusion.valid_from,
            Conclusion.valid_until,
            Conclusion.status,
            Conclusion.application,
            Conclusion.assessment,
        )
        .where(Conclusion.status == status)
        .order_by(Conclusion.valid_until)
    )


async def open_renewals(ctx: ServiceContext) -> dict[str, Any]:
    """The daily sweep: every active conclusion that expires within the reminder window gets
    one renewal application (a unique key makes a rerun add nothing)."""
    today = _today(ctx)
    policy = _policy(ctx, today)
    horizon = today + timedelta(days=policy.reassessment_reminder_days)
    due = await Conclusion.select(Conclusion.id, Conclusion.person, Conclusion.care_mode, Conclusion.valid_until).where(
        (Conclusion.status == "active") & (Conclusion.valid_until <= horizon)
    )
    already = {
        r["renews_conclusion_id"]
        for r in await Application.select(Application.renews_conclusion_id).where(
            Application.renews_conclusion_id.is_in([d["id"] for d in due] or [-1])
        )
    }
    created = []
    now = ctx.clock.now()
    for conclusion in due:
        if conclusion["id"] in already or not reminder_due(conclusion["valid_until"], today, policy):
            continue
        async with write_transaction():
            if await Application.exists().where(Application.renews_conclusion_id == conclusion["id"]):
                continue
            application = Application(
                person=conclusion["person"],
                kind="renewal",
                applied_on=today,
                care_mode=conclusion["care_mode"],
                policy_version=policy.version,
                status="submitted",
                round=1,
                renews_conclusion_id=conclusion["id"],
                created_at=now,
            )
            await application.save()
            await record_change(
                actor=None,
                at=now,
                action="application.renewal",
                entity="application",
                entity_id=application.id,
                after={"renews_conclusion_id": conclusion["id"], "valid_until": conclusion["valid_until"]},
            )
            created.append(application.id)
    return {"due": len(due), "created": created}
