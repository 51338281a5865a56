"""Hand-written pydantic schemas of the public API (the contract of API.md) that belong to
HTTP alone: tokens, the signed-in user, a job accepted. The services' request and response
models are used by the API as they are."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from litestar.params import PathParameter, QueryParameter
from pydantic import BaseModel, Field

from ltc.domain.access import Role
from ltc.services.inputs import MAX_ID
from ltc.services.inputs import Input as Schema
from ltc.services.positions import CoordinateSystem

__all__ = [
    "CoordinateSystem",
    "JobAccepted",
    "Me",
    "Offset",
    "PasswordChangeRequest",
    "PathId",
    "QueryId",
    "QueryText",
    "Schema",
    "TokenRequest",
    "TokenResponse",
    "UserCreated",
]

# Every id in a path or a query, bounded as the bodies' ids are (422 beyond).
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_ID)]
QueryText = Annotated[str | None, QueryParameter(max_length=200)]


class TokenRequest(Schema):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: Role
    provider_id: int | None
    # The password is older than the policy allows: the user should change it (on the page).
    password_expired: bool = False


class PasswordChangeRequest(Schema):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


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
