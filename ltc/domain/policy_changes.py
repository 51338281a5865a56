"""What changed between two versions of a city's policy: the fields whose values differ,
in the order the policy declares them. Pure; the pages put the changes into words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from ltc.domain.policy import Policy

# A version's name and day say which version it is; they are not among its rules.
_IDENTITY = frozenset({"version", "effective_from"})


@dataclass(frozen=True, slots=True)
class PolicyChange:
    name: str  # the policy field
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class PolicyVersionChanges:
    """One version, and what changed from the version before it (None: the first version)."""

    version: str
    effective_from: date
    effective_until: date | None  # the day the next version takes over, if any
    changes: tuple[PolicyChange, ...] | None


def policy_changes(earlier: Policy, later: Policy) -> tuple[PolicyChange, ...]:
    """The rules whose values differ between two versions (per-level tables compare as a
    whole; Decimal shares compare by value, so "0.90" equals "0.9")."""
    return tuple(
        PolicyChange(f.name, getattr(earlier, f.name), getattr(later, f.name))
        for f in fields(Policy)
        if f.name not in _IDENTITY and getattr(earlier, f.name) != getattr(later, f.name)
    )


def version_history(versions: Sequence[Policy]) -> tuple[PolicyVersionChanges, ...]:
    """Every version oldest first, each with its span and its changes from the one before."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    return tuple(
        PolicyVersionChanges(
            version=version.version,
            effective_from=version.effective_from,
            effective_until=ordered[index + 1].effective_from if index + 1 < len(ordered) else None,
            changes=policy_changes(ordered[index - 1], version) if index else None,
        )
        for index, version in enumerate(ordered)
    )
