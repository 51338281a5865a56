"""Hand-written pydantic schemas of the public API (the contract of API.md) that belong to
HTTP alone: tokens, the signed-in user, a job accepted. The services' request and response
models are used by the API as they are."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from ltc.domain.access import Role
from ltc.services.inputs import Input as Schema
from ltc.services.positions import CoordinateSystem

__all__ = [
    "CaregiverOut",
    "CoordinateSystem",
    "JobAccepted",
    "Me",
    "ProviderOut",
    "Schema",
    "TokenRequest",
    "TokenResponse",
    "UserCreated",
]


class TokenRequest(Schema):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: Role
    provider_id: int | None


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    provider_id: int | None


class JobAccepted(BaseModel):
    job_id: UUID


class UserCreated(BaseModel):
    id: int


class ProviderOut(BaseModel):
    id: int
    code: str
    name: str
    name_en: str
    kind: Literal["home", "institutional", "both"]
    status: str
    town_code: str | None
    address: str
    lat: float
    lon: float
    service_radius_km: float
    capacity: int
    hourly_price_fen: int
    daily_price_fen: int
    designation_batch: str = ""
    designated_on: date | None = None
    terminated_on: date | None = None
    credit_code: str = ""
    reassignment_job_id: UUID | None = None


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
