"""What every request a service takes has in common: unknown fields are refused and text is
trimmed. The web layer validates request bodies with these same models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Input(BaseModel):
    """A request body, form or command given to a service."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


CoordinateSystem = Annotated[
    Literal["wgs84", "gcj02"],
    Field(description="gcj02: lat/lon come from a Chinese map picker; they are converted and stored as WGS-84"),
]
