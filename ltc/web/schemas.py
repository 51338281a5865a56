"""Hand-written pydantic schemas of the public API (the contract of API.md) that belong to
HTTP alone: tokens, the signed-in user, a job accepted. The services' request and response
models are used by the API as they are."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from ltc.domain.access import Role
from ltc.services.inputs import Input as Schema
from ltc.services.positions import CoordinateSystem

__all__ = ["CoordinateSystem", "JobAccepted", "Me", "Schema", "TokenRequest", "TokenResponse", "UserCreated"]


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
