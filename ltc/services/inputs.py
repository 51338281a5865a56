"""What every request a service takes has in common: unknown fields are refused and text is
trimmed. The web layer validates request bodies with these same models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Input(BaseModel):
    """A request body, form or command given to a service."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
