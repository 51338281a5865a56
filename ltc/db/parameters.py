"""Long lists of keys read in parts: asyncpg refuses a statement with more than 32,767
parameters and SQLite one with more than 32,766; a whole city's caregivers or keys are more."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

KEYS_PER_QUERY = 5000  # far within either database's limit, and few statements per city

T = TypeVar("T")


def in_parts(keys: Sequence[T], size: int = KEYS_PER_QUERY) -> Iterator[list[T]]:
    """The keys in consecutive parts of at most ``size``."""
    for start in range(0, len(keys), size):
        yield list(keys[start : start + size])
