"""The on-site assessment (DOMAIN §2): the assessor's drafts as they answer, then one
immutable, scored submission per round (the same event sent again is recorded once), and
reading a submitted assessment back."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any
from uuid import uuid4

from ltc.db.engine import locked, write_transaction
from ltc.db.tables import Application, Assessment, AssessmentDraft
from ltc.domain.access import Actor
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.instruments import score
from ltc.geo.distance import check_coordinates
from ltc.services.assessment.instruments import assessment_instrument, preview
from ltc.services.assessment.policy import policy_on
from ltc.services.assessment.scope import application_to_assess, team, visible_application
from ltc.services.assessment.values import AssessmentIn, AssessmentOut, DraftIn, DraftOut
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.positions import to_wgs84
from ltc.services.reference import instrument_catalog

OPEN_FOR_ASSESSMENT = ("accepted", "reassessing")


def _assessable(status: str) -> None:
    if status not in OPEN_FOR_ASSESSMENT:
        raise Conflict(f"申请当前状态为 {status}，不能评估", code="not_open_for_assessment")


async def save_draft(ctx: ServiceContext, actor: Actor, application_id: int, draft: DraftIn) -> DraftOut:
    """Keep what the assessor has answered so far; an older copy from a device that was
    offline never overwrites a newer one."""
    record = await application_to_assess(actor, application_id)
    _assessable(record.status)
    instrument = assessment_instrument(ctx, record.applied_on)
    so_far = preview(instrument, draft.answers)
    client_saved_at = draft.saved_at
    now = ctx.clock.now()
    key = f"{application_id}:{record.round}"
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
                    round=record.round,
                    draft_key=key,
                    instrument_code=instrument.code,
                    instrument_version=instrument.version,
                    answers=draft.answers,
                    client_saved_at=client_saved_at,
                    updated_by=actor.user_id,
                    updated_at=now,
                )
            )
        elif not stale:
            await AssessmentDraft.update(
                {
                    AssessmentDraft.answers: draft.answers,
                    AssessmentDraft.client_saved_at: client_saved_at,
                    AssessmentDraft.updated_by: actor.user_id,
                    AssessmentDraft.updated_at: now,
                }
            ).where(AssessmentDraft.id == existing["id"])
    return DraftOut(saved=not stale, stale=stale, preview=so_far)


def _request_hash(submission: AssessmentIn) -> str:
    """What makes two submissions under one event the same: every field but the event id."""
    payload = submission.model_dump(mode="python", exclude={"event_id"})
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _assessment_out(row: dict[str, Any], *, with_answers: bool = False) -> AssessmentOut:
    result = row["result"] if isinstance(row["result"], dict) else json.loads(row["result"])
    return AssessmentOut.model_validate(
        {
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
        | ({"answers": row["answers"], "assessor_ids": row["assessor_ids"]} if with_answers else {})
    )


async def submit_assessment(ctx: ServiceContext, actor: Actor, submission: AssessmentIn) -> tuple[AssessmentOut, bool]:
    """Score and store the on-site assessment once. Returns (assessment, created): the same
    event sent again returns the first result; a different body under it is a conflict."""
    application_id = submission.application_id
    event_id = str(submission.event_id or uuid4())
    request_hash = _request_hash(submission)
    position = to_wgs84(submission.lat, submission.lon, submission.coordinate_system)
    earlier = await Assessment.select().where(Assessment.idempotency_key == event_id).first()
    if earlier is not None:
        if earlier["request_hash"] != request_hash or earlier["submitted_by"] != actor.user_id:
            raise Conflict("同一 event_id 已用于不同的提交", code="duplicate_event")
        return _assessment_out(earlier), False
    record = await application_to_assess(actor, application_id)
    policy = policy_on(ctx, record.applied_on)
    if submission.instrument != policy.assessment_instrument:
        raise InvalidInput(
            f"本市评估使用 {policy.assessment_instrument}", code="wrong_instrument", errors=[{"field": "instrument"}]
        )
    catalog = instrument_catalog(ctx.settings)
    current = catalog.get(submission.instrument)
    version = submission.instrument_version or current.version
    instrument = catalog.get(submission.instrument, version)
    if instrument.version != current.version:
        raise InvalidInput(
            f"须使用现行版本 {current.version}",
            code="instrument_version_not_current",
            errors=[{"field": "instrument_version"}],
        )
    result = score(instrument, submission.answers).to_dict()
    this_round = {member.user_id for member in await team(application_id) if member.round == record.round}
    assessor_ids = list(dict.fromkeys(submission.assessor_ids))
    outsiders = [i for i in assessor_ids if i not in this_round]
    if outsiders or actor.user_id not in assessor_ids or len(assessor_ids) < policy.minimum_assessors:
        raise InvalidInput(
            "须记录本轮全部在场评估员（含本人），且均为受指派者",
            code="assessor_not_assigned",
            errors=[{"field": "assessor_ids", "user_ids": outsiders}],
        )
    started_at, finished_at = submission.started_at, submission.finished_at
    now = ctx.clock.now()
    if not started_at < finished_at or finished_at > now + timedelta(minutes=policy.max_clock_skew_minutes):
        raise InvalidInput("开始时间须早于结束时间，且不能晚于当前时间", code="invalid_times")
    lat, lon = position
    if lat is not None or lon is not None:
        if lat is None or lon is None:
            raise InvalidInput("lat 和 lon 须同时提供", code="coordinates_incomplete")
        check_coordinates(lat, lon)
    async with write_transaction():
        fresh = await locked(
            Application.select(Application.status, Application.round).where(Application.id == application_id)
        ).first()
        if fresh is None:
            raise NotFound("没有该申请", code="application_not_found")
        # The same event may race in twice (a tablet resending as the network returns).
        raced = await Assessment.select().where(Assessment.idempotency_key == event_id).first()
        if raced is not None and raced["request_hash"] == request_hash and raced["submitted_by"] == actor.user_id:
            return _assessment_out(raced), False
        if await Assessment.exists().where(Assessment.round_key == f"{application_id}:{fresh['round']}"):
            raise Conflict("本轮评估已提交，不能重复提交", code="already_submitted")
        _assessable(fresh["status"])
        assessment = Assessment(
            application=application_id,
            round=fresh["round"],
            round_key=f"{application_id}:{fresh['round']}",
            idempotency_key=event_id,
            request_hash=request_hash,
            instrument_code=instrument.code,
            instrument_version=instrument.version,
            answers=submission.answers,
            result=result,
            level=int(result["level"]),
            severe=bool(result["severe"]),
            assessor_ids=assessor_ids,
            started_at=started_at,
            finished_at=finished_at,
            lat=lat,
            lon=lon,
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
    return await _stored_assessment(assessment.id), True


async def _stored_assessment(assessment_id: int) -> AssessmentOut:
    row = await Assessment.select().where(Assessment.id == assessment_id).output(load_json=True).first()
    if row is None:
        raise NotFound("没有该评估", code="assessment_not_found")
    return _assessment_out(row)


async def get_assessment(ctx: ServiceContext, actor: Actor, assessment_id: int) -> AssessmentOut:
    row = await Assessment.select().where(Assessment.id == assessment_id).output(load_json=True).first()
    if row is None:
        raise NotFound("没有该评估", code="assessment_not_found")
    try:
        await visible_application(actor, row["application"])
    except NotFound:  # told as of an assessment that does not exist
        raise NotFound("没有该评估", code="assessment_not_found") from None
    return _assessment_out(row, with_answers=True)
