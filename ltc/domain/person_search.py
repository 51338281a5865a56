"""What a person search box was given: an id number, a phone number or the start of a name.
Id numbers and phones are found by exact match through their blind indexes (they are stored
encrypted); names by prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ltc.domain.personal_data import normalised_phone

_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_PHONE_TEXT = re.compile(r"^\+?[\d\s()-]+$")
MIN_PHONE_DIGITS = 5
MAX_PHONE_DIGITS = 20
MAX_TERM = 64


class SearchKey(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME = "name"


@dataclass(frozen=True)
class SearchTerm:
    key: SearchKey
    value: str


def classify_search(text: str) -> SearchTerm | None:
    """The key a search text names, or None for an empty search. An 18-character number is an
    id number (never a phone); other runs of digits are phones; anything else starts a name."""
    term = text.strip()[:MAX_TERM]
    if not term:
        return None
    if _ID_NUMBER.match(term):
        return SearchTerm(SearchKey.ID_NUMBER, term.upper())
    if _PHONE_TEXT.match(term):
        digits = normalised_phone(term)
        if MIN_PHONE_DIGITS <= len(digits.lstrip("+")) <= MAX_PHONE_DIGITS:
            return SearchTerm(SearchKey.PHONE, digits)
    return SearchTerm(SearchKey.NAME, term)


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching text that starts with ``prefix`` taken literally (the escape
    character is the backslash)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"
