"""What every request a service takes has in common: unknown fields are refused, text is
trimmed, text has no NUL, ids are bounded and days lie in the years the scheme can have business in. The web
layer validates request bodies with these same models."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ltc.domain.periods import MAX_YEAR, MIN_YEAR, year_in_range

# Record ids are PostgreSQL ``integer`` (serial) columns: a larger number names nothing, and
# sent to the database it would fail there rather than find nothing.
MAX_ID = 2**31 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _days_in_range(value: Any) -> bool:
    if isinstance(value, date):  # a datetime is a date too
        return year_in_range(value.year)
    if isinstance(value, list | tuple):
        return all(_days_in_range(item) for item in value)
    return True


def _without_nul(value: Any) -> bool:
    """PostgreSQL refuses NUL in text; no one means to send it."""
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, list | tuple):
        return all(_without_nul(item) for item in value)
    if isinstance(value, dict):
        return all(_without_nul(k) and _without_nul(v) for k, v in value.items())
    return True


class Input(BaseModel):
    """A request body, form or command given to a service."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plausible(cls, value: Any) -> Any:
        if not _days_in_range(value):
            raise ValueError(f"a day from {MIN_YEAR} to {MAX_YEAR}")
        if not _without_nul(value):
            raise ValueError("text without NUL characters")
        return value
