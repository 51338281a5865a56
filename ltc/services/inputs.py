"""The base of the request models the services accept: unknown fields are refused and text
is stripped of surrounding whitespace, so every entry point validates input the same way."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
