"""Piccolo tables. Money is integer fen (BigInt); times are aware UTC; every foreign key
says ``on_delete=restrict`` because Piccolo's default CASCADE would delete history."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.table import Table


def _fk(references: type[Table] | str, **kwargs) -> ForeignKey:
    return ForeignKey(
        references=references,
        on_delete=OnDelete.restrict,
        on_update=OnUpdate.restrict,
        **kwargs,
    )


class Town(Table, tablename="town"):
    """A town or subdistrict of the district (the administrative unit of the demo data)."""

    code = Varchar(length=12, unique=True)
    name = Varchar(length=64)
    name_en = Varchar(length=64)
    kind = Varchar(length=16)
    terrain = Varchar(length=16)
    lat = DoublePrecision()
    lon = DoublePrecision()
    share_60plus = DoublePrecision()


class Provider(Table, tablename="provider"):
    """A designated care provider (定点护理服务机构)."""

    code = Varchar(length=32, unique=True)
    name = Varchar(length=200)
    name_en = Varchar(length=200, default="")
    kind = Varchar(length=16)  # home | institutional | both
    status = Varchar(length=16, default="active", index=True)
    town = _fk(Town, null=True)
    address = Varchar(length=300, default="")
    lat = DoublePrecision()
    lon = DoublePrecision()
    service_radius_km = DoublePrecision(default=0.0)
    capacity = Integer(default=0)
    hourly_price_fen = BigInt(default=0)
    daily_price_fen = BigInt(default=0)
    created_at = Timestamptz()


class Caregiver(Table, tablename="caregiver"):
    """A caregiver (护理人员) employed by a provider."""

    provider = _fk(Provider, index=True)
    name = Varchar(length=64)
    qualification = Varchar(length=32)  # elderly_carer | medical_carer | nurse
    lat = DoublePrecision()
    lon = DoublePrecision()
    weekly_hours = Integer(default=40)
    active = Boolean(default=True)
    created_at = Timestamptz()


class Person(Table, tablename="person"):
    """A resident who applies for (or receives) long-term care."""

    id_number = Varchar(length=18, unique=True)
    name = Varchar(length=64)
    sex = Varchar(length=8)
    birth_date = Date()
    phone = Varchar(length=20, default="")
    address = Varchar(length=300, default="")
    town = _fk(Town, null=True, index=True)
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    geocoded_by = Varchar(length=32, default="")
    insured = Boolean(default=True)
    insured_since = Date(null=True, default=None)
    created_at = Timestamptz()


class AppUser(Table, tablename="app_user"):
    """A person who signs in: bureau officers, assessors, agency staff, administrators."""

    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=100, default="")
    password_hash = Varchar(length=200, secret=True)
    role = Varchar(length=16, index=True)
    provider = _fk(Provider, null=True, index=True)
    active = Boolean(default=True)
    created_at = Timestamptz()


class AuditEntry(Table, tablename="audit_entry"):
    """Who did what, when, to which record, and its state before and after."""

    at = Timestamptz(index=True)
    actor = _fk(AppUser, null=True, index=True)
    actor_name = Varchar(length=64)
    action = Varchar(length=64, index=True)
    entity = Varchar(length=64)
    entity_id = Varchar(length=64, index=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    reason = Text(default="")


class Job(Table, tablename="job"):
    """A long-running piece of work run by the arq worker; the row is the source of truth
    for its status, so losing the queue loses nothing."""

    id = UUID(primary_key=True)
    kind = Varchar(length=64, index=True)
    status = Varchar(length=16, default="queued", index=True)  # queued|running|done|failed
    progress = DoublePrecision(default=0.0)
    params = JSON(default="{}")
    result = JSON(null=True, default=None)
    error = Text(default="")
    created_by = _fk(AppUser, null=True)
    provider = _fk(Provider, null=True)
    created_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)


ALL_TABLES: list[type[Table]] = [Town, Provider, Caregiver, Person, AppUser, AuditEntry, Job]
