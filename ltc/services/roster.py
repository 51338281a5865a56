"""Re-planning an absent or deactivated caregiver's visits, as a job: their planned visits
in the time they are away go to colleagues of the same provider (``ltc.domain.replanning``
decides who), or are cancelled and listed among the unscheduled slots with the reason, so
the agency can add a replacement by hand. A visit already checked in is never moved. Every
move is audited; the agency's users and the caregivers concerned get a notice in their inbox,
and the caregivers a text message when a gateway is configured (a message that cannot be
sent is logged and never fails the re-plan)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from datetime import datetime, time, timedelta
from typing import Any, cast

from ltc.db.engine import write_transaction
from ltc.db.personal_data import open_caregiver_field
from ltc.db.queries import visits as queries
from ltc.db.tables import AppUser, Caregiver, CaregiverAbsence, CarePlan, Job, UnscheduledSlot, Visit
from ltc.domain import replanning
from ltc.domain.access import Action
from ltc.domain.errors import NotFound
from ltc.domain.roster import Absence
from ltc.services import notices, sms
from ltc.services.absences import absences_between, active_caregivers
from ltc.services.audit import Change, record_changes
from ltc.services.context import ServiceContext
from ltc.services.jobs import Progress, register_job_kind
from ltc.services.reference import policy_book, service_catalogue
from ltc.services.replan_values import LeftVisit, MovedTo, ReplanParams, ReplanResult

USUAL_LOOKBACK = timedelta(days=42)
LISTED_UNSCHEDULED = 20
# Deactivation: the visits ahead are re-planned as far as the schedule reaches.
FAR_AHEAD = timedelta(days=366)


@register_job_kind("replan_absence", action=Action.MANAGE_CAREGIVERS, params=ReplanParams)
async def replan_absence(ctx: ServiceContext, params: ReplanParams, progress: Progress) -> ReplanResult:
    """See the module. A rerun finds the visits already moved gone from the caregiver's list
    and moves only what is left."""
    absent = (
        await Caregiver.select(Caregiver.id, Caregiver.provider, Caregiver.name)
        .where(Caregiver.id == params.caregiver_id)
        .first()
    )
    if absent is None:
        raise NotFound("没有该护理人员", code="caregiver_not_found")
    now = ctx.clock.now()
    zone = ctx.settings.zone
    start = max(params.starts_at, now)
    end = params.ends_at or now + FAR_AHEAD
    policy = policy_book(ctx.settings).in_force(start.astimezone(zone).date())
    visit_rows = await _visits_in(params.caregiver_id, start, end)
    await progress(0.1)
    if not visit_rows or await _absence_cancelled(params.absence_id):
        await progress(1.0)
        return _empty_result(params, absent["name"])
    span_start, span_end = _weeks_around(visit_rows, zone)
    colleague_rows = [c for c in await active_caregivers([absent["provider"]]) if c.id != params.caregiver_id]
    colleagues = [replanning.Colleague(row.as_input(policy), frozenset(row.skills)) for row in colleague_rows]
    colleague_ids = [c.id for c in colleague_rows]
    bookings = await queries.bookings_between(span_start, span_end, caregiver_ids=colleague_ids)
    away: list[Absence] = await absences_between(colleague_ids, span_start, span_end)
    visits = await _visits_to_move(ctx, visit_rows, params.caregiver_id, now)
    result = replanning.replan(
        visits, colleagues, bookings=bookings, absences=away, speed_kmh=policy.travel_speed_kmh, zone=zone
    )
    await progress(0.6)
    names = {c.id: c.name for c in colleague_rows}
    rows_by_id = {r["id"]: r for r in visit_rows}
    job_id = await _this_job(params)
    told = await _apply(ctx, params, absent, result, rows_by_id, names, job_id, now)
    await progress(0.9)
    sent, failed = await _text_caregivers(ctx, told)
    await progress(1.0)
    by_reason = Counter(u.reason for u in result.unscheduled)
    return ReplanResult(
        caregiver_id=params.caregiver_id,
        caregiver_name=absent["name"],
        cause=params.cause,
        moved=len(result.moves),
        moved_to=[
            MovedTo(caregiver_id=_id(cid), name=names[_id(cid)], visits=n)
            for cid, n in sorted(replanning.moved_to(result).items(), key=lambda kv: (-kv[1], str(kv[0])))
        ],
        unscheduled=len(result.unscheduled),
        by_reason=dict(sorted(by_reason.items())),
        unscheduled_visits=[
            LeftVisit(
                visit_id=_id(u.visit_id),
                person_name=rows_by_id[u.visit_id]["person_name"],
                planned_start=rows_by_id[u.visit_id]["planned_start"],
                reason=u.reason,
            )
            for u in result.unscheduled[:LISTED_UNSCHEDULED]
        ],
        kept_checked_in=len(result.kept),
        notices=told.notices,
        sms_sent=sent,
        sms_failed=failed,
    )


async def _absence_cancelled(absence_id: int | None) -> bool:
    """An absence cancelled before its job ran re-plans nothing."""
    if absence_id is None:
        return False
    return await CaregiverAbsence.exists().where(
        (CaregiverAbsence.id == absence_id) & CaregiverAbsence.cancelled_at.is_not_null()
    )


def _id(value: Hashable) -> int:
    """The re-planner keeps the ids it is given; here they are the rows' integers."""
    return cast(int, value)


def _empty_result(params: ReplanParams, name: str) -> ReplanResult:
    return ReplanResult(
        caregiver_id=params.caregiver_id,
        caregiver_name=name,
        cause=params.cause,
        moved=0,
        moved_to=[],
        unscheduled=0,
        by_reason={},
        unscheduled_visits=[],
        kept_checked_in=0,
        notices=0,
        sms_sent=0,
        sms_failed=0,
    )


# --------------------------------------------------------------------------- reading


async def _visits_in(caregiver_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The caregiver's visits not cancelled nor done that start in [start, end)."""
    return list(
        await Visit.select(
            Visit.id,
            Visit.care_plan,
            Visit.person,
            Visit.person.name.as_alias("person_name"),
            Visit.person.lat.as_alias("lat"),
            Visit.person.lon.as_alias("lon"),
            Visit.slot_key,
            Visit.planned_start,
            Visit.planned_end,
            Visit.items,
            Visit.status,
            Visit.checked_in_at,
        )
        .output(load_json=True)
        .where(
            (Visit.caregiver == caregiver_id)
            & Visit.status.is_in(["planned", "in_progress"])
            & (Visit.planned_start >= start)
            & (Visit.planned_start < end)
        )
        .order_by(Visit.planned_start)
    )


def _weeks_around(rows: Sequence[dict[str, Any]], zone: Any) -> tuple[datetime, datetime]:
    """From the Monday of the first visit's week to the Monday after the last's: the time
    whose bookings count for colleagues' weekly hours."""
    first = rows[0]["planned_start"].astimezone(zone).date()
    last = rows[-1]["planned_start"].astimezone(zone).date()
    monday = first - timedelta(days=first.weekday())
    after = last + timedelta(days=7 - last.weekday())
    return datetime.combine(monday, time(0), zone), datetime.combine(after, time(0), zone)


async def _visits_to_move(
    ctx: ServiceContext, rows: Sequence[dict[str, Any]], absent_id: int, now: datetime
) -> list[replanning.VisitToMove]:
    plan_ids = sorted({r["care_plan"] for r in rows if r["care_plan"] is not None})
    nurse_plans: set[int] = set()
    if plan_ids:
        needing = CarePlan.id.is_in(plan_ids) & (CarePlan.needs_nurse == True)
        nurse_plans = {p["id"] for p in await CarePlan.select(CarePlan.id).where(needing)}
    usual = await _usual_caregivers(sorted({r["person"] for r in rows}), absent_id, now)
    catalogue = service_catalogue(ctx.settings)
    return [
        replanning.VisitToMove(
            visit_id=r["id"],
            plan_id=r["care_plan"],
            person_id=r["person"],
            start=r["planned_start"],
            end=r["planned_end"],
            lat=r["lat"] or 0.0,
            lon=r["lon"] or 0.0,
            needs_nurse=r["care_plan"] in nurse_plans or catalogue.needs_nurse(r["items"]),
            items=frozenset(r["items"]),
            usual_caregiver_ids=usual.get(r["person"], ()),
            checked_in=r["checked_in_at"] is not None or r["status"] != "planned",
        )
        for r in rows
    ]


async def _usual_caregivers(person_ids: list[int], absent_id: int, now: datetime) -> dict[int, tuple[int, ...]]:
    """Each person's other caregivers of recent weeks, the most recent first."""
    if not person_ids:
        return {}
    rows = await (
        Visit.select(Visit.person, Visit.caregiver)
        .where(
            Visit.person.is_in(person_ids)
            & Visit.caregiver.is_not_null()
            & (Visit.caregiver != absent_id)
            & (Visit.status != "cancelled")
            & (Visit.planned_start >= now - USUAL_LOOKBACK)
            & (Visit.planned_start < now)
        )
        .order_by(Visit.planned_start, ascending=False)
    )
    usual: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        if r["caregiver"] not in usual[r["person"]]:
            usual[r["person"]].append(r["caregiver"])
    return {person: tuple(ids) for person, ids in usual.items()}


async def _this_job(params: ReplanParams) -> str:
    """The job's own id, for the notices' link (the absence names it; a deactivation's is the
    latest of its kind for the caregiver)."""
    rows = (
        await Job.select(Job.id, Job.params)
        .output(load_json=True)
        .where(Job.kind == "replan_absence")
        .order_by(Job.created_at, ascending=False)
        .limit(50)
    )
    for row in rows:
        if (row["params"] or {}).get("caregiver_id") == params.caregiver_id and (row["params"] or {}).get(
            "absence_id"
        ) == params.absence_id:
            return str(row["id"])
    return ""


# --------------------------------------------------------------------------- writing


class _Told:
    """Who was told what: notices written, and the text messages to send after the commit."""

    def __init__(self) -> None:
        self.notices = 0
        self.texts: list[tuple[int, str]] = []  # (caregiver id, text)


async def _apply(
    ctx: ServiceContext,
    params: ReplanParams,
    absent: dict[str, Any],
    result: replanning.Replan,
    rows: dict[Any, dict[str, Any]],
    names: dict[int, str],
    job_id: str,
    now: datetime,
) -> _Told:
    told = _Told()
    zone = ctx.settings.zone
    reason = f"{params.cause}:{params.absence_id}" if params.absence_id is not None else params.cause
    changes: list[Change] = []
    moved: dict[int, list[dict[str, Any]]] = defaultdict(list)
    async with write_transaction():
        # One update per colleague: the visits each takes, as long as they are still the absent
        # caregiver's and not begun (checked in or changed meanwhile: left as they are).
        by_colleague: dict[Any, list[replanning.Move]] = defaultdict(list)
        for move in result.moves:
            by_colleague[move.caregiver_id].append(move)
        for colleague, moves in by_colleague.items():
            taken = {
                row["id"]
                for row in await Visit.update({Visit.caregiver: colleague, Visit.updated_at: now})
                .where(
                    Visit.id.is_in([m.visit_id for m in moves])
                    & (Visit.caregiver == params.caregiver_id)
                    & (Visit.status == "planned")
                    & Visit.checked_in_at.is_null()
                )
                .returning(Visit.id)
            }
            for move in moves:
                if move.visit_id not in taken:
                    continue
                moved[_id(move.caregiver_id)].append(rows[move.visit_id])
                changes.append(
                    Change(
                        None,
                        now,
                        "visit.reassign",
                        "visit",
                        move.visit_id,
                        before={"caregiver_id": params.caregiver_id},
                        after={"caregiver_id": move.caregiver_id, "usual": move.usual},
                        reason=reason,
                    )
                )
        slots = []
        unscheduled = 0
        for left in result.unscheduled:
            row = rows[left.visit_id]
            cancelled = (
                await Visit.update(
                    {
                        Visit.status: "cancelled",
                        # The slot's key is freed, so a later scheduling run may place it again.
                        Visit.slot_key: f"replanned:{row['id']}",
                        Visit.updated_at: now,
                    }
                )
                .where((Visit.id == left.visit_id) & (Visit.status == "planned") & Visit.checked_in_at.is_null())
                .returning(Visit.id)
            )
            if not cancelled:
                continue
            unscheduled += 1
            if row["care_plan"] is not None:
                slots.append(
                    UnscheduledSlot(
                        care_plan=row["care_plan"],
                        provider=absent["provider"],
                        slot_key=row["slot_key"],
                        slot_start=row["planned_start"],
                        slot_end=row["planned_end"],
                        reason=left.reason,
                        reported_at=now,
                    )
                )
            changes.append(
                Change(
                    None,
                    now,
                    "visit.unschedule",
                    "visit",
                    left.visit_id,
                    before={"caregiver_id": params.caregiver_id, "status": "planned"},
                    after={"status": "cancelled", "unscheduled_reason": left.reason},
                    reason=reason,
                )
            )
        if slots:
            await UnscheduledSlot.delete().where(UnscheduledSlot.slot_key.is_in([s.slot_key for s in slots]))
            await UnscheduledSlot.insert(*slots)
        await record_changes(changes)
        link = f"/jobs/{job_id}" if job_id else ""
        summary: notices.NoticeParams = {
            "caregiver_name": absent["name"],
            "cause": params.cause,
            "moved": sum(len(v) for v in moved.values()),
            "unscheduled": unscheduled,
            "from": params.starts_at.isoformat(),
            "to": params.ends_at.isoformat() if params.ends_at else None,
        }
        told.notices += await notices.notify(
            await notices.agency_users(absent["provider"]), "absence_replanned", summary, link, now
        )
        accounts = await _accounts_of([*moved, params.caregiver_id])
        for caregiver_id, visits in moved.items():
            first = min(v["planned_start"] for v in visits).astimezone(zone)
            given: notices.NoticeParams = {
                "count": len(visits),
                "first": first.isoformat(),
                "colleague_name": absent["name"],
            }
            told.notices += await notices.notify(
                accounts.get(caregiver_id, []), "visits_given", given, f"/visits/day?date={first.date()}", now
            )
            told.texts.append(
                (
                    caregiver_id,
                    f"【长护险】{names[caregiver_id]}，您新增{len(visits)}次上门服务（代{absent['name']}），"
                    f"最早 {first:%m-%d %H:%M}，请查看当日安排。",
                )
            )
        if moved or unscheduled:
            taken_params: notices.NoticeParams = {"count": sum(len(v) for v in moved.values()) + unscheduled}
            told.notices += await notices.notify(
                accounts.get(params.caregiver_id, []), "visits_taken", taken_params, "/visits/day", now
            )
    return told


async def _accounts_of(caregiver_ids: Sequence[int]) -> dict[int, list[int]]:
    """The sign-ins of these caregivers (an account names the caregiver it is)."""
    if not caregiver_ids:
        return {}
    rows = await AppUser.select(AppUser.id, AppUser.caregiver).where(
        AppUser.caregiver.is_in(list(caregiver_ids)) & (AppUser.active == True)
    )
    accounts: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        accounts[r["caregiver"]].append(r["id"])
    return accounts


async def _text_caregivers(ctx: ServiceContext, told: _Told) -> tuple[int, int]:
    """The text messages, after the commit: (sent, failed)."""
    if not told.texts:
        return 0, 0
    phones = await _phones(ctx, [cid for cid, _ in told.texts])
    gateway = sms.gateway(ctx.settings)
    sent = failed = 0
    for caregiver_id, text in told.texts:
        phone = phones.get(caregiver_id)
        if not phone:
            continue
        if await sms.send_with_retries(gateway, phone, text, tries=ctx.settings.sms_tries):
            sent += 1
        else:
            failed += 1
    return sent, failed


async def _phones(ctx: ServiceContext, caregiver_ids: list[int]) -> dict[int, str]:
    """The caregivers' phones, opened from their sealed column (those with none are left out)."""
    rows = await Caregiver.select(Caregiver.id, Caregiver.phone_enc).where(Caregiver.id.is_in(caregiver_ids))
    phones = {r["id"]: open_caregiver_field(ctx.settings.keyring, r, "phone") for r in rows}
    return {cid: phone for cid, phone in phones.items() if phone}
