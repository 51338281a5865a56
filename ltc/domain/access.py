"""Who may do and see what (DOMAIN.md §7), as pure functions over an ``Actor``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ltc.domain.errors import Forbidden, NotFound


class Role(StrEnum):
    ADMIN = "admin"
    BUREAU = "bureau"
    ASSESSOR = "assessor"
    EXPERT = "expert"
    AGENCY = "agency"


REGION_WIDE_ROLES = frozenset({Role.ADMIN, Role.BUREAU})


@dataclass(frozen=True)
class Actor:
    """The signed-in user on whose behalf a service acts."""

    user_id: int
    username: str
    role: Role
    provider_id: int | None = None
    display_name: str = ""

    @property
    def sees_whole_region(self) -> bool:
        return self.role in REGION_WIDE_ROLES

    @property
    def sees_full_id_numbers(self) -> bool:
        # Identity numbers are shown unmasked to the bureau only (DOMAIN.md §7).
        return self.role == Role.BUREAU


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise Forbidden(f"role {actor.role} may not do this", code="role_not_allowed")


def require_provider_visible(actor: Actor, provider_id: int) -> None:
    """An agency sees only its own provider; another's records answer 'not found' so their
    existence is not revealed."""
    if actor.role == Role.AGENCY and actor.provider_id != provider_id:
        raise NotFound("no such provider", code="provider_not_found")


def validate_role_assignment(role: Role, provider_id: int | None) -> None:
    """Agency users belong to exactly one provider. Assessors and experts may name the provider
    that employs them, which only serves the conflict-of-interest rule and grants no access."""
    if role == Role.AGENCY and provider_id is None:
        raise Forbidden("an agency user needs a provider", code="agency_needs_provider")
    if role not in (Role.AGENCY, Role.ASSESSOR, Role.EXPERT) and provider_id is not None:
        raise Forbidden("only agency users, assessors and experts belong to a provider", code="provider_not_allowed")
