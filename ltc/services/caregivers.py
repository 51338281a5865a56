"""The caregiver registry (护理人员, DOMAIN §3): a provider's caregivers in their real name,
their id number and phone sealed like a person's, their certificate, working days and hours;
added, edited, deactivated with a reason and taken back, every change audited; and the
caregiver's own sign-in, opened by their agency."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from pydantic import BaseModel, Field, field_validator

from ltc.db.engine import write_transaction
from ltc.db.personal_data import open_caregiver_field, sealed_caregiver
from ltc.db.queries.agency import int_key
from ltc.db.queries.paging import Page, PageRequest, page_of
from ltc.db.tables import AppUser, Caregiver, Visit
from ltc.domain.access import Action, Actor, Role, require
from ltc.domain.coordinates import check_in_china
from ltc.domain.errors import Conflict, InvalidInput, NotFound
from ltc.domain.identity import mask_id_number, parse_id_number
from ltc.domain.personal_data import Keyring, id_number_index, normalised_phone
from ltc.domain.sessions import EndReason
from ltc.services.audit import record_change
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.jobs import start_job
from ltc.services.positions import CoordinateSystem, to_wgs84
from ltc.services.providers import get_provider
from ltc.services.replan_values import ReplanParams
from ltc.services.sessions import end_user_sessions
from ltc.services.supervision.credit import refuse_barred_caregiver
from ltc.services.users import create_user

QUALIFICATIONS = ("elderly_carer", "medical_carer", "nurse")
FIRST_PAGE = PageRequest()
WEEKDAYS = range(7)


def _clock_time(value: str) -> str:
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise ValueError("a time of day is HH:MM") from None
    return parsed.strftime("%H:%M")


class _Registry(Input):
    """What the registry keeps about a caregiver besides name, position and hours."""

    id_number: str | None = Field(default=None, max_length=18)
    phone: str | None = Field(default=None, max_length=20)
    certificate_no: str | None = Field(default=None, max_length=64)
    certificate_expires_on: date | None = None
    working_days: list[int] | None = Field(default=None, min_length=1, max_length=7)
    work_start: str | None = Field(default=None, max_length=5)
    work_end: str | None = Field(default=None, max_length=5)

    @field_validator("working_days")
    @classmethod
    def _days(cls, days: list[int] | None) -> list[int] | None:
        if days is None:
            return None
        if any(d not in WEEKDAYS for d in days):
            raise ValueError("a working day is 0 (Monday) to 6 (Sunday)")
        return sorted(set(days))

    @field_validator("work_start", "work_end")
    @classmethod
    def _times(cls, value: str | None) -> str | None:
        return None if value is None else _clock_time(value)


class CaregiverIn(_Registry):
    name: str = Field(min_length=1, max_length=64)
    qualification: str = Field(min_length=1, max_length=32)
    lat: float
    lon: float
    coordinate_system: CoordinateSystem = "wgs84"
    weekly_hours: int = Field(ge=1, le=60)
    skills: list[str] = Field(default_factory=list, max_length=60)


class CaregiverChanges(_Registry):
    """A change to a caregiver's record; ``active: false`` deactivates (a reason is required),
    ``active: true`` takes the caregiver back."""

    name: str | None = Field(default=None, min_length=1, max_length=64)
    qualification: str | None = Field(default=None, min_length=1, max_length=32)
    lat: float | None = None
    lon: float | None = None
    coordinate_system: CoordinateSystem = "wgs84"
    weekly_hours: int | None = Field(default=None, ge=1, le=60)
    skills: list[str] | None = Field(default=None, max_length=60)
    active: bool | None = None
    reason: str = Field(default="", max_length=2000)


class CaregiverOut(BaseModel):
    id: int
    provider_id: int
    name: str
    qualification: str
    lat: float
    lon: float
    weekly_hours: int
    active: bool
    skills: list[str] = []
    certificate_no: str = ""
    certificate_expires_on: date | None = None
    working_days: list[int] = [0, 1, 2, 3, 4, 5, 6]
    work_start: str = "08:00"
    work_end: str = "18:00"
    deactivated_reason: str = ""
    # The personal data, opened only when one caregiver is read: the id number masked for all
    # but the bureau; None in lists.
    id_number: str | None = None
    phone: str | None = None
    username: str | None = None  # the caregiver's own sign-in, when opened


class CaregiverAccountIn(Input):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class CaregiverAccountOut(BaseModel):
    user_id: int
    username: str
    caregiver_id: int


CAREGIVER_COLUMNS = (
    Caregiver.id,
    Caregiver.provider.as_alias("provider_id"),
    Caregiver.name,
    Caregiver.qualification,
    Caregiver.lat,
    Caregiver.lon,
    Caregiver.weekly_hours,
    Caregiver.active,
    Caregiver.skills,
    Caregiver.certificate_no,
    Caregiver.certificate_expires_on,
    Caregiver.working_days,
    Caregiver.work_start,
    Caregiver.work_end,
    Caregiver.deactivated_reason,
)
_SEALED = (Caregiver.id_number_enc, Caregiver.phone_enc)  # opened by open_caregiver_field


def _check_registry(data: _Registry, today: date) -> None:
    if data.id_number:
        parse_id_number(data.id_number, today=today)  # refuses a wrong check digit, date or length
    if data.phone and not normalised_phone(data.phone).isdigit():
        raise InvalidInput("电话号码只能含数字", code="invalid_phone", errors=[{"field": "phone"}])
    if data.work_start and data.work_end and data.work_start >= data.work_end:
        raise InvalidInput("下班时间须晚于上班时间", code="invalid_working_hours", errors=[{"field": "work_end"}])


def _in_scope(actor: Actor, provider_id: int) -> bool:
    scope = actor.provider_scope
    return scope is None or scope == provider_id


async def get_caregiver(ctx: ServiceContext, actor: Actor, caregiver_id: int) -> CaregiverOut:
    """One caregiver with their personal data (the id number masked but for the bureau) and
    their sign-in; another agency's is 'not found'."""
    require(actor, Action.MANAGE_CAREGIVERS)
    row = (
        await Caregiver.select(*CAREGIVER_COLUMNS, *_SEALED)
        .output(load_json=True)
        .where(Caregiver.id == caregiver_id)
        .first()
    )
    if row is None or not _in_scope(actor, row["provider_id"]):
        raise NotFound("没有该护理人员", code="caregiver_not_found")
    keyring = ctx.settings.keyring
    id_number = open_caregiver_field(keyring, row, "id_number")
    account = await AppUser.select(AppUser.username).where(AppUser.caregiver == caregiver_id).first()
    return CaregiverOut.model_validate(
        row
        | {
            "id_number": id_number if actor.sees_full_id_numbers or not id_number else mask_id_number(id_number),
            "phone": open_caregiver_field(keyring, row, "phone"),
            "username": account["username"] if account else None,
        }
    )


async def list_caregivers(actor: Actor, provider_id: int) -> list[CaregiverOut]:
    """A provider's caregivers (no personal data): only those who manage them see the list."""
    require(actor, Action.MANAGE_CAREGIVERS)
    await get_provider(actor, provider_id)
    rows = (
        await Caregiver.select(*CAREGIVER_COLUMNS)
        .output(load_json=True)
        .where(Caregiver.provider == provider_id)
        .order_by(Caregiver.id)
    )
    return [CaregiverOut.model_validate(row) for row in rows]


async def caregivers_page(
    actor: Actor,
    provider_id: int,
    *,
    active: bool | None = None,
    qualification: str | None = None,
    page: PageRequest = FIRST_PAGE,
) -> Page[CaregiverOut]:
    """A provider's caregivers in id order after ``after``, filtered."""
    require(actor, Action.MANAGE_CAREGIVERS)
    await get_provider(actor, provider_id)
    query = (
        Caregiver.select(*CAREGIVER_COLUMNS)
        .output(load_json=True)
        .where((Caregiver.provider == provider_id) & (Caregiver.id > int_key(page.after)))
    )
    if active is not None:
        query = query.where(Caregiver.active == active)
    if qualification:
        query = query.where(Caregiver.qualification == qualification)
    rows = await query.order_by(Caregiver.id).limit(page.limit + 1)
    return page_of([CaregiverOut.model_validate(r) for r in rows], page, lambda c: (c.id,))


async def add_caregiver(ctx: ServiceContext, actor: Actor, provider_id: int, data: CaregiverIn) -> CaregiverOut:
    require(actor, Action.MANAGE_CAREGIVERS)
    await get_provider(actor, provider_id)  # another agency's provider: 404
    lat, lon = to_wgs84(data.lat, data.lon, data.coordinate_system)
    check_in_china(lat, lon)
    if data.qualification not in QUALIFICATIONS:
        raise InvalidInput("未知的资质", code="unknown_qualification", errors=[{"field": "qualification"}])
    _check_registry(data, local_today(ctx.clock, ctx.settings.zone))
    keyring = ctx.settings.keyring
    await _refuse_registered_twice(keyring, provider_id, data.id_number)
    if data.id_number:  # a caregiver on the blacklist works nowhere
        await refuse_barred_caregiver(ctx, id_number_index(keyring, data.id_number.strip().upper()))
    now = ctx.clock.now()
    registry = data.model_dump(include={"certificate_no", "working_days", "work_start", "work_end"}, exclude_none=True)
    async with write_transaction():
        caregiver = Caregiver(
            provider=provider_id,
            name=data.name,
            qualification=data.qualification,
            lat=lat,
            lon=lon,
            weekly_hours=data.weekly_hours,
            skills=data.skills,
            active=True,
            created_at=now,
            certificate_expires_on=data.certificate_expires_on,
            **registry,
        )
        await caregiver.save()
        sealed = sealed_caregiver(keyring, caregiver.id, data.id_number or "", data.phone or "")
        await Caregiver.update(sealed).where(Caregiver.id == caregiver.id)
        await record_change(
            actor=actor,
            at=now,
            action="caregiver.create",
            entity="caregiver",
            entity_id=caregiver.id,
            after={"provider_id": provider_id, "name": caregiver.name, "qualification": caregiver.qualification}
            | {k: str(v) for k, v in registry.items()},
        )
    return await get_caregiver(ctx, actor, caregiver.id)


async def _refuse_registered_twice(
    keyring: Keyring, provider_id: int, id_number: str | None, other_than: int = 0
) -> None:
    if not id_number:
        return
    index = id_number_index(keyring, id_number.strip().upper())
    if await Caregiver.exists().where(
        (Caregiver.provider == provider_id) & (Caregiver.id_number_index == index) & (Caregiver.id != other_than)
    ):
        raise Conflict("该身份证号已登记为本机构护理人员", code="caregiver_exists", errors=[{"field": "id_number"}])


async def planned_visits_ahead(ctx: ServiceContext, caregiver_id: int) -> int:
    """The caregiver's planned visits not yet begun: what a deactivation leaves without them."""
    now = ctx.clock.now()
    return await Visit.count().where(
        (Visit.caregiver == caregiver_id) & (Visit.status == "planned") & (Visit.planned_start > now)
    )


_PLAIN_FIELDS = (
    "name",
    "qualification",
    "weekly_hours",
    "skills",
    "active",
    "certificate_no",
    "certificate_expires_on",
    "working_days",
    "work_start",
    "work_end",
)


async def update_caregiver(
    ctx: ServiceContext, actor: Actor, caregiver_id: int, data: CaregiverChanges
) -> CaregiverOut:
    """Edit a caregiver, deactivate one (with a reason: the scheduler no longer gives them
    visits, no visit can be added for them, and their own sign-in stops) or take one back."""
    before = await get_caregiver(ctx, actor, caregiver_id)
    # A field sent as null changes nothing, like one left out.
    sent = data.model_dump(exclude_unset=True, exclude={"reason", "coordinate_system"})
    changes = {name: value for name, value in sent.items() if value is not None}
    if not changes:
        raise InvalidInput("没有要修改的内容", code="no_changes")
    if data.qualification is not None and data.qualification not in QUALIFICATIONS:
        raise InvalidInput("未知的资质", code="unknown_qualification", errors=[{"field": "qualification"}])
    if (data.lat is None) != (data.lon is None):
        raise InvalidInput("经纬度须同时给出", code="incomplete_position", errors=[{"field": "lat"}])
    if data.active is False and before.active and not data.reason.strip():
        raise InvalidInput("停用护理人员须说明原因", code="reason_required", errors=[{"field": "reason"}])
    _check_registry(
        data.model_copy(
            update={"work_start": data.work_start or before.work_start, "work_end": data.work_end or before.work_end}
        ),
        local_today(ctx.clock, ctx.settings.zone),
    )
    keyring = ctx.settings.keyring
    await _refuse_registered_twice(keyring, before.provider_id, data.id_number, other_than=caregiver_id)
    if data.active is True and not before.active:  # taken back only when not on the blacklist
        stored = await Caregiver.select(Caregiver.id_number_index).where(Caregiver.id == caregiver_id).first()
        await refuse_barred_caregiver(ctx, (stored or {}).get("id_number_index", ""), caregiver_id)
    values: dict[Any, Any] = {
        getattr(Caregiver, name): changes[name] for name in _PLAIN_FIELDS if changes.get(name) is not None
    }
    if data.lat is not None and data.lon is not None:
        lat, lon = to_wgs84(data.lat, data.lon, data.coordinate_system)
        check_in_china(lat, lon)
        values[Caregiver.lat], values[Caregiver.lon] = lat, lon
    now = ctx.clock.now()
    action = "caregiver.update"
    if data.active is False and before.active:
        action = "caregiver.deactivate"
        values[Caregiver.deactivated_reason] = data.reason.strip()
    elif data.active is True and not before.active:
        action = "caregiver.reactivate"
        values[Caregiver.deactivated_reason] = ""
    sealed = sealed_caregiver(keyring, caregiver_id, data.id_number, data.phone)
    async with write_transaction():
        await Caregiver.update(values | sealed).where(Caregiver.id == caregiver_id)
        account = await AppUser.select(AppUser.id).where(AppUser.caregiver == caregiver_id).first()
        if account is not None and action != "caregiver.update":
            # A caregiver who no longer works here no longer signs in; taken back, they do again.
            await AppUser.update({AppUser.active: action == "caregiver.reactivate"}).where(AppUser.id == account["id"])
            if action == "caregiver.deactivate":
                await end_user_sessions(account["id"], now, EndReason.USER_DISABLED)
        await record_change(
            actor=actor,
            at=now,
            action=action,
            entity="caregiver",
            entity_id=caregiver_id,
            before={c._meta.name: _audited(getattr(before, c._meta.name, "")) for c in values},
            after={c._meta.name: _audited(v) for c, v in values.items()}
            | {name: "sealed" for name in ("id_number", "phone") if getattr(data, name) is not None},
            reason=data.reason.strip(),
        )
    if action == "caregiver.deactivate":
        # Their visits ahead go to colleagues (or to the unscheduled list), like an endless absence.
        await start_job(
            ctx,
            actor,
            "replan_absence",
            ReplanParams(caregiver_id=caregiver_id, starts_at=now, cause="deactivation"),
            provider_id=before.provider_id,
        )
    return await get_caregiver(ctx, actor, caregiver_id)


def _audited(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


async def open_account(
    ctx: ServiceContext, actor: Actor, caregiver_id: int, data: CaregiverAccountIn
) -> CaregiverAccountOut:
    """The caregiver's own sign-in, opened by their agency: an active caregiver in their real
    name (id number recorded), one account each. The agency knows the first password, so the
    caregiver must choose their own at the first sign-in."""
    caregiver = await get_caregiver(ctx, actor, caregiver_id)
    if not caregiver.active:
        raise Conflict("护理人员已停用", code="caregiver_inactive")
    if not caregiver.id_number:
        raise Conflict("须先登记护理人员的身份证号", code="caregiver_identity_missing", errors=[{"field": "id_number"}])
    if caregiver.username is not None:
        raise Conflict("该护理人员已有账号", code="caregiver_has_account")
    user_id = await create_user(
        ctx,
        actor=actor,
        username=data.username,
        password=data.password,
        role=Role.CAREGIVER,
        provider_id=caregiver.provider_id,
        display_name=caregiver.name,
        caregiver_id=caregiver_id,
        must_change_password=True,
    )
    return CaregiverAccountOut(user_id=user_id, username=data.username.strip(), caregiver_id=caregiver_id)
