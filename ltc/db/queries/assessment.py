"""Read views of the assessment process."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ltc.db.tables import AppUser


@dataclass(frozen=True, slots=True)
class AssessorChoice:
    """An active user the bureau may put on an assessment team."""

    id: int
    display_name: str
    username: str
    role: str
    provider: int | None


async def active_users_in_roles(roles: Iterable[str]) -> list[AssessorChoice]:
    """Active users holding one of ``roles``, by role and username."""
    rows = (
        await AppUser.select(AppUser.id, AppUser.display_name, AppUser.username, AppUser.role, AppUser.provider)
        .where(AppUser.role.is_in(sorted(roles)) & (AppUser.active == True))
        .order_by(AppUser.role, AppUser.username)
    )
    return [AssessorChoice(**row) for row in rows]
