"""Keyset paging: a list is read in a stable order by a unique key, and the next page starts
strictly after the last key shown. Unlike OFFSET, a deep page costs what the first does and
a row inserted meanwhile neither repeats nor hides another."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from piccolo.columns import BigInt, Column, Date, Integer, Serial, Timestamp, Timestamptz
from piccolo.columns.combination import And, Or, Where

from ltc.domain.errors import InvalidInput

T = TypeVar("T")
KeyPart = str | int | None
Key = tuple[KeyPart, ...]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR_LENGTH = 400


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """How much to read and the key of the last row already shown (None: the first page)."""

    limit: int = DEFAULT_LIMIT
    after: Key | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next page (None on the last)."""

    items: list[T]
    next_after: str | None = None

    def __iter__(self):  # a page reads like the list it holds
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _plain(value: Any) -> KeyPart:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int):
        return value
    return str(value)


def encode_cursor(key: Sequence[Any]) -> str:
    """An opaque, URL-safe cursor for a row's sort key."""
    raw = json.dumps([_plain(part) for part in key], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> Key:
    """The key a cursor names; anything else (tampered, truncated, another list's) is a 422."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("the cursor is too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor("the cursor cannot be read") from None
    if not isinstance(key, list) or len(key) != width:
        raise InvalidCursor("the cursor belongs to another list")
    if not all(part is None or (isinstance(part, str | int) and not isinstance(part, bool)) for part in key):
        raise InvalidCursor("the cursor cannot be read")
    return tuple(key)


def after_key(columns: Sequence[Column], key: Key, *, descending: bool = False) -> Where | And | Or:
    """Rows strictly after ``key`` in the order of ``columns`` (all ascending or all
    descending; the last column unique). Written out as ``c1 >= k1 AND (c1 > k1 OR (c1 = k1
    AND …))`` so both SQLite and PostgreSQL can range-scan an index on the columns."""
    if len(columns) != len(key):
        raise InvalidCursor("the cursor belongs to another list")

    values = [_typed(column, part) for column, part in zip(columns, key, strict=True)]

    def beyond(column: Column, value: Any) -> Where:
        return column < value if descending else column > value

    clause: Where | And | Or = beyond(columns[-1], values[-1])
    for column, value in zip(reversed(columns[:-1]), reversed(values[:-1]), strict=True):
        clause = beyond(column, value) | ((column == value) & clause)
    if len(columns) > 1:
        first = columns[0] <= values[0] if descending else columns[0] >= values[0]
        clause = first & clause
    return clause


def _typed(column: Column, part: KeyPart) -> Any:
    """A cursor's JSON part back in the column's own type (dates travel as ISO text)."""
    if part is None:
        raise InvalidCursor("the cursor cannot be read")
    try:
        if isinstance(column, Timestamptz | Timestamp):
            return datetime.fromisoformat(str(part))
        if isinstance(column, Date):
            return date.fromisoformat(str(part))
        if isinstance(column, Integer | BigInt | Serial) and not isinstance(part, int):
            raise ValueError(part)
    except ValueError:
        raise InvalidCursor("the cursor cannot be read") from None
    return part


def page_of(rows: Sequence[T], request: PageRequest, key_of: Callable[[T], Sequence[Any]]) -> Page[T]:
    """The page from rows read with ``limit + 1``: the extra row only tells there is more."""
    items = list(rows[: request.limit])
    more = len(rows) > request.limit
    return Page(items=items, next_after=encode_cursor(key_of(items[-1])) if more and items else None)
