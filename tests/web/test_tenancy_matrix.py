"""Tenancy over the whole route table: every route that names a record (in its path, its query
or its body) is asked, by each role with a limited view, for a record outside that view (another
agency's person, visit, settlement…, or an application assigned to other assessors). A record
in the path answers 403 or 404; every answer is the one a record that does not exist gets (no
existence oracle), none succeeds, and nothing changes.

The routes come from the app itself, so a new route is covered the day it is added: one whose
record parameter has no arranged record, or a write whose valid body is not known here, fails
the test until it is added below."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from litestar import Litestar

from ltc.db.queries.visits import month_of_visit
from ltc.db.tables import (
    Application,
    AppUser,
    Assessment,
    AssessorAssignment,
    BedDayFlag,
    Caregiver,
    CaregiverAbsence,
    CarePlan,
    Conclusion,
    Evidence,
    Inspection,
    InspectionFile,
    InspectionOutcome,
    Job,
    Notice,
    PaymentHold,
    Person,
    PresenceCard,
    Provider,
    RemoteBenefit,
    RemoteCheck,
    ReviewSample,
    Settlement,
    SpotCheck,
    TipOff,
    UserSession,
    Visit,
    VisitException,
    WhatIfDraft,
)
from ltc.settings import Settings
from tests.helpers import DEMO_PASSWORD, HTML, csrf_token
from tests.isolated import isolated_app

pytestmark = pytest.mark.slow

REFUSED = {403, 404}
# The register of designated providers is published by the bureau: staff outside the agencies
# (assessors and experts, who work across the district) read it; an agency reads its own entry.
PUBLIC_REGISTER = {
    "/providers/{provider_id}",
    "/api/v1/providers/{provider_id}",
    "/api/v1/providers/{provider_id}/agreement",
    "/api/v1/providers/{provider_id}/evaluations",
}
# Path parameters that name no one's record.
PUBLIC_PARAMETERS = {"code", "file_path", "path", "year", "period"}  # a month (the relief statement's) is no one's
# Fields of a query or body that name a record someone owns.
RECORD_FIELDS = {
    "person_id",
    "provider_id",
    "caregiver_id",
    "visit_id",
    "settlement_id",
    "application_id",
    "assessment_id",
    "plan_id",
    "exception_id",
    "evidence_id",
    "job_id",
    "preview_job_id",
    "user_id",
}


@dataclass(frozen=True)
class Foreign:
    """Records outside the probing users' view, by the parameter name that names them."""

    ids: dict[str, Any]
    provider_code: str


@dataclass(frozen=True)
class Arranged:
    app: Litestar
    foreign: Foreign


@pytest.fixture(scope="module")
async def arranged(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Arranged]:
    async with isolated_app(settings, "tenancy", activity=True) as app:
        yield Arranged(app, await _arrange_foreign_records(app))


async def _arrange_foreign_records(app: Litestar) -> Foreign:
    """Records of one provider (the victim) and of an application assessed by assessor1 and
    expert1; what the demo's activity does not make (an exception, a settlement, a job, an
    evidence file) is inserted for the victim."""
    now = app.state.services.clock.now()
    plan = await CarePlan.select().where(CarePlan.status == "confirmed").order_by(CarePlan.id).first()
    assert plan is not None, "the demo activity gives residents confirmed care plans"
    provider = await Provider.select().where(Provider.id == plan["provider"]).first()
    visit = await Visit.select().where(Visit.provider == provider["id"]).order_by(Visit.id).first()
    assert visit is not None, "the demo activity generates the victim's visits"
    caregiver = await Caregiver.select().where(Caregiver.provider == provider["id"]).first()
    application = await Application.select().where(Application.person == plan["person"]).first()
    assessment = await Assessment.select().where(Assessment.application == application["id"]).first()
    victim_user = await AppUser.select().where(AppUser.provider == provider["id"]).first()
    assessors = {
        row["assessor"]
        for row in await AssessorAssignment.select().where(AssessorAssignment.application == application["id"])
    }
    assessor2 = await AppUser.select().where(AppUser.username == "assessor2").first()
    assert assessor2["id"] not in assessors, "assessor2 is outside the victim's application"

    exception = await VisitException.insert(
        VisitException(
            visit=visit["id"],
            service_month=await month_of_visit(visit["id"]),
            provider=provider["id"],
            code="outside_geofence",
            exception_key=f"{visit['id']}:outside_geofence",
            status="open",
            opened_at=now,
        )
    ).returning(VisitException.id)
    settlement = await Settlement.insert(
        Settlement(
            provider=provider["id"],
            period="2026-01",
            settlement_key=f"{provider['id']}:2026-01",
            status="draft",
            built_at=now,
        )
    ).returning(Settlement.id)
    job_id = uuid4()
    await Job.insert(
        Job(
            id=job_id,
            kind="generate_visits",
            status="done",
            progress=1.0,
            created_by=victim_user["id"],
            provider=provider["id"],
            created_at=now - timedelta(minutes=5),
        )
    )
    evidence = await Evidence.insert(
        Evidence(
            application=application["id"],
            round=1,
            kind="document",
            filename="note.txt",
            content_type="text/plain",
            size_bytes=2,
            sha256="0" * 64,
            content=b"ok",
            uploaded_at=now,
        )
    ).returning(Evidence.id)
    session = await UserSession.insert(
        UserSession(
            secret_hash=uuid4().hex * 2,
            app_user=victim_user["id"],
            kind="page",
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=1),
        )
    ).returning(UserSession.id)
    absence = await CaregiverAbsence.insert(
        CaregiverAbsence(
            caregiver=caregiver["id"],
            provider=provider["id"],
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=2),
            reason="sick",
            created_at=now,
        )
    ).returning(CaregiverAbsence.id)
    flag = await BedDayFlag.insert(
        BedDayFlag(
            provider=provider["id"],
            person=plan["person"],
            day=now.date(),
            code="bed_day_after_death",
            flag_key=f"{plan['person']}:{now.date().isoformat()}:bed_day_after_death",
            status="open",
            opened_at=now,
        )
    ).returning(BedDayFlag.id)
    conclusion = (
        await Conclusion.select(Conclusion.id, Conclusion.level).where(Conclusion.person == plan["person"]).first()
    )
    spot = await SpotCheck.insert(
        SpotCheck(
            conclusion=conclusion["id"],
            spot_key=f"conclusion:{conclusion['id']}",
            seed=1,
            team=[],
            conclusion_level=conclusion["level"],
            status="drawn",
            drawn_at=now,
        )
    ).returning(SpotCheck.id)
    notice = await Notice.insert(
        Notice(recipient=victim_user["id"], kind="visits_taken", params={"count": 1}, created_at=now)
    ).returning(Notice.id)
    # a what-if draft of the bureau's: no agency, assessor or caregiver may read or run it
    draft = await WhatIfDraft.insert(
        WhatIfDraft(name="测算", changes={"home_hourly_price_fen": 7000}, base_version="2021.1", created_at=now)
    ).returning(WhatIfDraft.id)
    sample = await ReviewSample.insert(
        ReviewSample(
            settlement=settlement[0]["id"],
            provider=provider["id"],
            period="2026-01",
            line_id=0,
            person=plan["person"],
            drawn_for="random",
            reasons='["random"]',
            drawn_at=now,
        )
    ).returning(ReviewSample.id)
    tip_off = await TipOff.insert(
        TipOff(reference=f"JB{uuid4().hex[:10]}", about=provider["name"], description="x", received_at=now)
    ).returning(TipOff.id)
    inspection = await Inspection.insert(
        Inspection(
            provider=provider["id"],
            kind="routine",
            period_from="2026-01",
            period_to="2026-02",
            reason="matrix",
            status="open",
            opened_at=now,
        )
    ).returning(Inspection.id)
    outcome = await InspectionOutcome.insert(
        InspectionOutcome(
            inspection=inspection[0]["id"],
            provider=provider["id"],
            action="rectify",
            deadline=(now + timedelta(days=30)).date(),
            status="awaiting",
            recorded_at=now,
        )
    ).returning(InspectionOutcome.id)
    inspection_file = await InspectionFile.insert(
        InspectionFile(
            inspection=inspection[0]["id"],
            filename="evidence.pdf",
            content_type="application/pdf",
            size_bytes=2,
            sha256="0" * 64,
            content=b"ok",
            uploaded_at=now,
        )
    ).returning(InspectionFile.id)
    hold = await PaymentHold.insert(
        PaymentHold(person=plan["person"], inspection=inspection[0]["id"], reason="matrix", held_at=now)
    ).returning(PaymentHold.id)
    # a family-care allowance of the victim's person, supervised by the victim provider
    benefit = await RemoteBenefit.insert(
        RemoteBenefit(
            person=plan["person"],
            kind="family_care_allowance",
            provider=provider["id"],
            from_day=now.date(),
            created_at=now,
        )
    ).returning(RemoteBenefit.id)
    return Foreign(
        ids={
            "benefit_id": benefit[0]["id"],
            "draft_id": draft[0]["id"],
            "sample_id": sample[0]["id"],
            "tip_off_id": tip_off[0]["id"],
            "hold_id": hold[0]["id"],
            "inspection_id": inspection[0]["id"],
            "outcome_id": outcome[0]["id"],
            "file_id": inspection_file[0]["id"],
            "absence_id": absence[0]["id"],
            "flag_id": flag[0]["id"],
            "spot_id": spot[0]["id"],
            "notice_id": notice[0]["id"],
            "person_id": plan["person"],
            "provider_id": provider["id"],
            "caregiver_id": caregiver["id"],
            "visit_id": visit["id"],
            "settlement_id": settlement[0]["id"],
            "application_id": application["id"],
            "assessment_id": assessment["id"],
            "plan_id": plan["id"],
            "exception_id": exception[0]["id"],
            "evidence_id": evidence[0]["id"],
            "job_id": str(job_id),
            "preview_job_id": str(job_id),
            "user_id": victim_user["id"],
            "session_id": session[0]["id"],
        },
        provider_code=provider["code"],
    )


@dataclass(frozen=True)
class Body:
    json: Any = None
    form: dict[str, Any] | None = None
    files: dict[str, Any] | None = None


def _bodies(ids: dict[str, Any]) -> dict[tuple[str, str], Body]:
    """A valid body for each write that names a record, so that the answer is the tenancy
    decision, not a refusal of the input."""
    at = "2026-11-30T09:00:00+08:00"
    position = {"lat": 29.66, "lon": 121.41, "accuracy_m": 10}
    check_in = {"event_id": str(uuid4()), "at": at, **position}
    check_out = {"event_id": str(uuid4()), "at": at, **position, "items": ["B01"]}
    assessment = {
        "event_id": str(uuid4()),
        "application_id": ids["application_id"],
        "instrument": "nhsa-2021",
        "answers": {},
        "assessor_ids": [1, 2],
        "started_at": at,
        "finished_at": at,
    }
    evidence = Body(form={"reference": "video-1"}, files={"file": ("note.txt", b"hello", "text/plain")})
    caregiver = {"name": "护理员", "qualification": "elderly_care", "lat": 29.66, "lon": 121.41, "weekly_hours": 40}
    return {
        ("POST", "/api/v1/providers/{provider_id}/caregivers"): Body(json=caregiver),
        ("PATCH", "/api/v1/caregivers/{caregiver_id}"): Body(json={"active": False, "reason": "test"}),
        ("POST", "/caregivers/{caregiver_id}"): Body(
            form={"name": "改名", "qualification": "nurse", "weekly_hours": "10", "lat": "29.66", "lon": "121.41"}
        ),
        ("POST", "/caregivers/{caregiver_id}/active"): Body(form={"active": "false", "reason": "test"}),
        ("POST", "/api/v1/caregivers/{caregiver_id}/absences"): Body(
            json={"from": at, "to": "2026-11-30T18:00:00+08:00", "reason": "sick"}
        ),
        ("POST", "/caregivers/{caregiver_id}/absences"): Body(
            form={"from": "2026-11-30T09:00", "to": "2026-11-30T18:00", "reason": "sick"}
        ),
        ("POST", "/api/v1/caregivers/{caregiver_id}/absences/{absence_id}/cancel"): Body(json={}),
        ("POST", "/caregivers/{caregiver_id}/absences/{absence_id}/cancel"): Body(form={}),
        ("POST", "/api/v1/notices/{notice_id}/read"): Body(json={}),
        ("POST", "/inbox/{notice_id}/read"): Body(form={}),
        ("POST", "/api/v1/caregivers/{caregiver_id}/account"): Body(
            json={"username": "new-carer", "password": "a-long-Passw0rd-ok"}
        ),
        ("POST", "/caregivers/{caregiver_id}/account"): Body(
            form={"username": "new-carer", "password": "a-long-Passw0rd-ok"}
        ),
        ("POST", "/care-plans/new"): Body(form={"person_id": str(ids["person_id"]), "items": "B01"}),
        ("POST", "/care-plans/{plan_id}/adjust"): Body(form={"monthly_hours": "10", "items": "B01", "reason": "x"}),
        ("POST", "/care-plans/{plan_id}/confirm"): Body(form={"confirmed_by": "家属"}),
        ("POST", "/census"): Body(form={"day": "2026-11-30", f"status_{ids['person_id']}": "present"}),
        ("POST", "/api/v1/providers/{provider_id}/{action}"): Body(json={"reason": "test"}),
        ("PATCH", "/api/v1/providers/{provider_id}"): Body(json={"name": "改名"}),
        ("POST", "/api/v1/providers/{provider_id}/evaluations"): Body(json={"year": 2025, "score": 90, "note": ""}),
        ("POST", "/api/v1/users"): Body(
            json={
                "username": "matrix-user",
                "password": "a-long-enough-pass-9",
                "role": "agency",
                "provider_id": ids["provider_id"],
                "display_name": "x",
            }
        ),
        ("PATCH", "/api/v1/users/{user_id}"): Body(json={"active": False}),
        ("PATCH", "/api/v1/users/{user_id}/role"): Body(json={"role": "bureau"}),
        ("POST", "/users/{user_id}/role"): Body(form={"role": "bureau"}),
        ("POST", "/users/{user_id}/active"): Body(form={"active": "false"}),
        ("POST", "/sessions/{session_id}/end"): Body(form={"user_id": str(ids["user_id"])}),
        ("POST", "/api/v1/applications/{application_id}/accept"): Body(json={"assessor_ids": [1, 2]}),
        ("POST", "/applications/{application_id}/accept"): Body(form={"assessor_ids": ["1", "2"]}),
        ("POST", "/api/v1/applications"): Body(
            json={
                "person_id": ids["person_id"],
                "applied_on": "2026-11-01",
                "disabled_since": "2025-01-01",
                "care_mode": "home",
                "self_eval": {"answers": {}},
            }
        ),
        ("PUT", "/api/v1/applications/{application_id}/draft"): Body(json={"answers": {}, "saved_at": at}),
        ("POST", "/assess/{application_id}/draft"): Body(json={"answers": {}, "saved_at": at}),
        ("POST", "/assess/{application_id}/submit"): Body(json=assessment),
        ("POST", "/api/v1/assessments"): Body(json=assessment),
        ("POST", "/api/v1/assessments/{assessment_id}/finalize"): Body(json={}),
        ("POST", "/api/v1/assessments/{assessment_id}/objection"): Body(json={"reason": "不同意"}),
        ("POST", "/api/v1/assessments/{assessment_id}/publish"): Body(json={}),
        ("POST", "/assessments/{assessment_id}/finalize"): Body(form={}),
        ("POST", "/assessments/{assessment_id}/objection"): Body(form={"reason": "不同意"}),
        ("POST", "/assessments/{assessment_id}/publish"): Body(form={}),
        ("POST", "/api/v1/applications/{application_id}/evidence"): evidence,
        ("POST", "/assess/{application_id}/evidence"): evidence,
        ("POST", "/api/v1/settlements/{settlement_id}/{action}"): Body(json={}),
        ("POST", "/settlements/{settlement_id}/{action}"): Body(form={"version": "1"}),
        ("POST", "/api/v1/settlements/build"): Body(json={"period": "2026-10", "provider_id": ids["provider_id"]}),
        ("POST", "/api/v1/settlement-corrections"): Body(
            json={
                "provider_id": ids["provider_id"],
                "corrects_period": "2026-10",
                "person_id": ids["person_id"],
                "amount_fen": 100,
                "reason": "test",
            }
        ),
        ("PATCH", "/api/v1/care-plans/{plan_id}"): Body(json={"reason": "test", "items": ["B01"]}),
        ("POST", "/api/v1/care-plans/{plan_id}/confirm"): Body(json={"confirmed_by": "家属"}),
        ("POST", "/api/v1/care-plans"): Body(json={"person_id": ids["person_id"], "items": ["B01"]}),
        ("POST", "/api/v1/visits"): Body(
            json={
                "person_id": ids["person_id"],
                "caregiver_id": ids["caregiver_id"],
                "planned_start": at,
                "planned_end": "2026-11-30T10:00:00+08:00",
                "items": ["B01"],
            }
        ),
        ("POST", "/api/v1/visits/events"): Body(
            json={"events": [{"kind": "check_in", "visit_id": ids["visit_id"], **check_in}]}
        ),
        ("POST", "/api/v1/visits/{visit_id}/check-in"): Body(json=check_in),
        ("POST", "/api/v1/visits/{visit_id}/check-out"): Body(json=check_out),
        ("POST", "/visits/{visit_id}/check-in"): Body(json=check_in),
        ("POST", "/visits/{visit_id}/check-out"): Body(json=check_out),
        ("POST", "/api/v1/visits/generate"): Body(
            json={"provider_id": ids["provider_id"], "from_day": "2026-12-01", "days": 7}
        ),
        ("POST", "/api/v1/visit-exceptions/{exception_id}/explain"): Body(
            json={"reason_code": "gps_drift", "explanation": "信号漂移"}
        ),
        ("POST", "/visit-exceptions/{exception_id}/explain"): Body(
            form={"reason_code": "gps_drift", "explanation": "信号漂移"}
        ),
        ("POST", "/api/v1/visit-exceptions/{exception_id}/resolve"): Body(
            json={"resolution_code": "accepted", "note": ""}
        ),
        ("POST", "/visit-exceptions/{exception_id}/resolve"): Body(form={"resolution_code": "accepted", "note": ""}),
        ("POST", "/api/v1/census"): Body(
            json={"day": "2026-11-30", "entries": [{"person_id": ids["person_id"], "status": "present"}]}
        ),
        ("POST", "/api/v1/assignment/reoptimise/apply"): Body(json={"preview_job_id": ids["preview_job_id"]}),
        ("PUT", "/api/v1/persons/{person_id}/preferred-provider"): Body(json={"provider_id": ids["provider_id"]}),
        ("POST", "/api/v1/persons/{person_id}/presence-card/rotate"): Body(json={}),
        ("POST", "/persons/{person_id}/presence-card/rotate"): Body(form={}),
        ("POST", "/api/v1/fund/advances"): Body(json={"provider_id": ids["provider_id"]}),
        ("POST", "/api/v1/siting"): Body(json={"provider_id": ids["provider_id"], "provider_radius_km": 60}),
        ("POST", "/siting"): Body(
            form={"sites": "1", "provider_id": str(ids["provider_id"]), "provider_radius_km": "60"}
        ),
        ("POST", "/fund/advances"): Body(form={"provider_id": str(ids["provider_id"])}),
        ("POST", "/api/v1/review-samples/{sample_id}/decision"): Body(json={"outcome": "confirmed"}),
        ("POST", "/review-samples/{sample_id}/decision"): Body(form={"outcome": "confirmed"}),
        ("POST", "/api/v1/tip-offs/{tip_off_id}/triage"): Body(
            json={
                "action": "open_case",
                "provider_id": ids["provider_id"],
                "period_from": "2026-01",
                "period_to": "2026-02",
            }
        ),
        ("POST", "/tip-offs/{tip_off_id}/triage"): Body(form={"action": "close", "reason": "x"}),
        ("POST", "/api/v1/tip-offs/{tip_off_id}/reward"): Body(json={"amount_fen": 100, "note": "x"}),
        ("POST", "/tip-offs/{tip_off_id}/reward"): Body(form={"amount": "1", "note": "x"}),
        ("POST", "/api/v1/inspections"): Body(
            json={
                "kind": "routine",
                "provider_id": ids["provider_id"],
                "period_from": "2026-01",
                "period_to": "2026-02",
                "reason": "matrix",
            }
        ),
        ("POST", "/api/v1/inspections/{inspection_id}/findings"): Body(
            json={"category": "overbilling", "description": "x", "amount_fen": 100}
        ),
        ("POST", "/api/v1/inspections/{inspection_id}/files"): Body(
            files={"file": ("evidence.pdf", b"%PDF-1.4", "application/pdf")}
        ),
        ("POST", "/api/v1/inspections/{inspection_id}/outcomes"): Body(json={"action": "interview", "note": "x"}),
        ("POST", "/api/v1/inspections/{inspection_id}/outcomes/{outcome_id}/follow-up"): Body(
            json={"passed": True, "note": "x"}
        ),
        ("POST", "/api/v1/inspections/{inspection_id}/outcomes/{outcome_id}/response"): Body(json={"note": "x"}),
        ("POST", "/api/v1/inspections/{inspection_id}/close"): Body(json={"summary": "x"}),
        ("POST", "/inspections/new"): Body(
            form={
                "kind": "routine",
                "provider_id": str(ids["provider_id"]),
                "period_from": "2026-01",
                "period_to": "2026-02",
                "reason": "matrix",
            }
        ),
        ("POST", "/inspections/{inspection_id}/findings"): Body(
            form={"category": "overbilling", "description": "x", "amount": "1.00"}
        ),
        ("POST", "/inspections/{inspection_id}/outcomes"): Body(form={"action": "interview", "note": "x"}),
        ("POST", "/inspections/{inspection_id}/outcomes/{outcome_id}/follow-up"): Body(
            form={"passed": "true", "follow_up_note": "x"}
        ),
        ("POST", "/inspections/{inspection_id}/outcomes/{outcome_id}/response"): Body(form={"response_note": "x"}),
        ("POST", "/inspections/{inspection_id}/holds/{hold_id}/lift"): Body(form={}),
        ("POST", "/inspections/{inspection_id}/close"): Body(form={"summary": "x"}),
        ("POST", "/api/v1/providers/{provider_id}/evaluations/{year}/self"): Body(
            json={"indicator": "safety", "score": 80}
        ),
        ("POST", "/api/v1/providers/{provider_id}/evaluations/{year}/scores"): Body(
            json={"indicator": "safety", "score": 80}
        ),
        ("POST", "/api/v1/providers/{provider_id}/follow-ups"): Body(
            json={"person_id": ids["person_id"], "answer": "satisfied"}
        ),
        ("POST", "/api/v1/bed-day-flags/{flag_id}/explain"): Body(json={"explanation": "上午出院"}),
        ("POST", "/api/v1/bed-day-flags/{flag_id}/resolve"): Body(json={"resolution": "accepted"}),
        ("POST", "/api/v1/spot-checks/{spot_id}/result"): Body(json={"level": 4}),
        ("POST", "/evaluations/{provider_id}/{year}/self"): Body(form={"indicator": "safety", "score": "80"}),
        ("POST", "/evaluations/{provider_id}/{year}/score"): Body(form={"indicator": "safety", "score": "80"}),
        ("POST", "/api/v1/remote-benefits"): Body(
            json={"person_id": ids["person_id"], "kind": "family_care_allowance", "provider_id": ids["provider_id"]}
        ),
        ("POST", "/api/v1/remote-benefits/{benefit_id}/end"): Body(json={}),
        ("POST", "/api/v1/remote-benefits/{benefit_id}/checks"): Body(
            json={"period": "2026-11", "kind": "call", "checked_on": "2026-11-30", "finding": "ok"}
        ),
    }


# Required query values that name no record.
QUERY_VALUES = {"day": "2026-11-30", "date": "2026-11-30", "period": "2026-11"}


def _missing(ids: dict[str, Any]) -> dict[str, Any]:
    """Ids of records that do not exist, one per parameter."""
    return {
        name: str(uuid4()) if isinstance(value, str) else 2_000_000_000 - n
        for n, (name, value) in enumerate(ids.items())
    }


def _plain(path: str) -> str:
    return re.sub(r"{([^}:]+):[^}]+}", r"{\1}", path)


def _fill(path: str, ids: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        if name == "action":
            return "submit" if "settlement" in path else "suspend"
        if name == "year":
            return "2026"
        return str(ids[name])

    return re.sub(r"{([^}]+)}", value, path)


@dataclass(frozen=True)
class Probe:
    method: str
    template: str  # as the route table spells it, e.g. /api/v1/visits/{visit_id:int}
    in_path: bool  # a record is named in the path
    query: tuple[str, ...]  # query parameters that name a record
    required_query: tuple[str, ...]


def _probes(app: Litestar, ids: dict[str, Any]) -> tuple[list[Probe], list[str]]:
    """Every (method, route) naming a record; and what the matrix lacks to probe one."""
    schema = app.openapi_schema.to_schema()
    components = schema["components"]["schemas"]
    bodies = _bodies(ids)
    probes: list[Probe] = []
    missing: list[str] = []
    for route in app.routes:
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items():
            if method in {"HEAD", "OPTIONS"}:
                continue
            plain = _plain(route.path)
            operation = schema["paths"].get(plain, {}).get(method.lower(), {})
            in_path = [n for n in re.findall(r"{([^}:]+)", route.path) if n not in PUBLIC_PARAMETERS | {"action"}]
            parameters = operation.get("parameters", [])
            query = tuple(p["name"] for p in parameters if p["in"] == "query" and p["name"] in RECORD_FIELDS)
            required = tuple(
                p["name"] for p in parameters if p["in"] == "query" and p.get("required") and p["name"] not in query
            )
            body_fields: set[str] = set()
            for content in operation.get("requestBody", {}).get("content", {}).values():
                reference = content.get("schema", {})
                if "$ref" in reference:
                    reference = components[reference["$ref"].rsplit("/", 1)[-1]]
                body_fields |= set(reference.get("properties", {}))
            if not (in_path or query or body_fields & RECORD_FIELDS or (method, plain) in bodies):
                continue
            problems = [f"no record arranged for {n}" for n in in_path if n not in ids]
            problems += [f"no value for the query parameter {n}" for n in required if n not in QUERY_VALUES]
            takes_body = "data" in handler.parsed_fn_signature.parameters
            if method != "GET" and takes_body and (method, plain) not in bodies:
                problems.append("no valid body known")
            if problems:
                missing.append(f"{method} {route.path}: {', '.join(problems)}")
                continue
            probes.append(Probe(method, route.path, bool(in_path), query, required))
    return probes, missing


async def _token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def _page_session(app: Litestar, username: str) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    form = await browser.get("/login", headers=HTML)
    signed_in = await browser.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "_csrf_token": csrf_token(form.text)},
        headers=HTML,
    )
    assert signed_in.status_code in {301, 302, 303}
    return browser


async def _ask(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, token: dict[str, str], probe: Probe, ids: dict[str, Any]
) -> httpx.Response:
    url = _fill(probe.template, ids)
    params = {name: ids[name] for name in probe.query} | {name: QUERY_VALUES[name] for name in probe.required_query}
    body = _bodies(ids).get((probe.method, _plain(probe.template)), Body())
    if probe.template.startswith("/api/"):
        headers = token | ({"If-Match": "1"} if "/settlements/{" in probe.template else {})
        sender = client
    else:
        csrf = browser.cookies.get("ltc_csrf", "")
        headers = {**HTML, "x-csrftoken": csrf}
        sender = browser
    return await sender.request(
        probe.method,
        url,
        headers=headers,
        params=params,
        json=body.json if body.json is not None and probe.method != "GET" else None,
        data=body.form if body.form is not None and probe.method != "GET" else None,
        files=body.files if probe.method != "GET" else None,
        follow_redirects=False,
    )


def _verdict(answer: httpx.Response) -> tuple[int, Any]:
    """The status and the refusal's code(s): what must not differ between another's record
    and a missing one."""
    try:
        body = answer.json()
    except ValueError:
        return answer.status_code, None
    if isinstance(body, dict):
        return answer.status_code, body.get("code")
    if isinstance(body, list) and answer.request.method != "GET":  # a batch: each item's answer
        return answer.status_code, tuple(item.get("code") or item.get("error", {}).get("code") for item in body)
    return answer.status_code, None


def _leaks(answer: httpx.Response, ids: dict[str, Any]) -> bool:
    """A list answered to a query naming a foreign record must hold none of its rows."""
    rows = answer.json()
    owned = {name: ids[name] for name in ("provider_id", "person_id", "caregiver_id")}
    return not isinstance(rows, list) or any(
        isinstance(row, dict) and any(row.get(k) == v for k, v in owned.items()) for row in rows
    )


async def _snapshot(ids: dict[str, Any]) -> dict[str, Any]:
    return {
        "visit": await Visit.select().where(Visit.id == ids["visit_id"]).first(),
        "settlement": await Settlement.select().where(Settlement.id == ids["settlement_id"]).first(),
        "exception": await VisitException.select().where(VisitException.id == ids["exception_id"]).first(),
        "plan": await CarePlan.select().where(CarePlan.id == ids["plan_id"]).first(),
        "provider": await Provider.select().where(Provider.id == ids["provider_id"]).first(),
        "jobs": await Job.count(),
        "users": await AppUser.count(),
        "session": await UserSession.select().where(UserSession.id == ids["session_id"]).first(),
        "presence_cards": await PresenceCard.count(),
        "what_if_runs": await WhatIfDraft.count().where(WhatIfDraft.last_job.is_not_null()),
        "benefit": await RemoteBenefit.select().where(RemoteBenefit.id == ids["benefit_id"]).first(),
        "remote_checks": await RemoteCheck.count(),
    }


async def test_every_route_refuses_records_outside_the_callers_view(arranged: Arranged) -> None:
    app, foreign = arranged.app, arranged.foreign
    probes, missing = _probes(app, foreign.ids)
    assert not missing, "routes the tenancy matrix cannot probe yet:\n" + "\n".join(missing)
    assert len(probes) > 60, "the route table was read"
    nowhere = _missing(foreign.ids)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        providers = (await client.get("/api/v1/providers", headers=await _token(client, "bureau"))).json()
        other_code = next(p["code"] for p in providers if p["code"] != foreign.provider_code)
        other_agency, other_caregiver = f"agency-{other_code}", f"caregiver-{other_code}"
        before = await _snapshot(foreign.ids)
        failures: list[str] = []
        victim_town = await Person.select(Person.town._.code).where(Person.id == foreign.ids["person_id"]).first()
        assert victim_town["town.code"] != "330213011", "agent1 works for another town than the victim's person"
        for username in (other_agency, other_caregiver, "assessor2", "agent1"):
            token = await _token(client, username)
            browser = await _page_session(app, username)
            try:
                for probe in probes:
                    theirs = await _ask(client, browser, token, probe, foreign.ids)
                    absent = await _ask(client, browser, token, probe, nowhere)
                    status = theirs.status_code
                    label = f"{username} {probe.method} {_fill(probe.template, foreign.ids)}"
                    public = probe.method == "GET" and _plain(probe.template) in PUBLIC_REGISTER
                    if public and not username.startswith("agency-"):
                        continue
                    if probe.in_path and status not in REFUSED:
                        failures.append(f"{label} → {status}")
                    elif status < 300 and not (probe.method == "GET" and not _leaks(theirs, foreign.ids)):
                        if not (isinstance(_verdict(theirs)[1], tuple) and all(_verdict(theirs)[1])):
                            failures.append(f"{label} → {status}: {theirs.text[:200]}")
                    elif _verdict(theirs) != _verdict(absent):
                        failures.append(f"{label} → {_verdict(theirs)} but a missing record → {_verdict(absent)}")
            finally:
                await browser.aclose()
        assert not failures, "answers that were not a refusal:\n" + "\n".join(failures)
        assert await _snapshot(foreign.ids) == before, "a refused request changes nothing"
