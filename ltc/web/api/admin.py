from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ltc.domain.access import Role
from ltc.services import audit, users
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import AuditEntryOut, UserCreated, UserIn, UserOut, UserStatusIn
from ltc.web.security import roles


def _user_out(row: dict[str, Any]) -> UserOut:
    return UserOut.model_validate({**row, "provider_id": row["provider"]})


class AdminController(Controller):
    path = "/api/v1"
    tags = ["administration"]

    @get("/users", guards=[roles(Role.ADMIN)], summary="All users")
    async def list_users(self, actor: CurrentActor) -> list[UserOut]:
        rows = await users.list_users(actor)
        return [_user_out(row) for row in rows]

    @patch(
        "/users/{user_id:int}",
        guards=[roles(Role.ADMIN)],
        summary="Disable or enable a user (a disabled user's tokens stop working at once)",
    )
    async def set_user_active(
        self, user_id: FromPath[int], data: JSONBody[UserStatusIn], actor: CurrentActor, services: Services
    ) -> UserOut:
        return _user_out(await users.set_user_active(services, actor, user_id, data.active))

    @post("/users", status_code=201, guards=[roles(Role.ADMIN)], summary="Create a user")
    async def create_user(self, data: JSONBody[UserIn], actor: CurrentActor, services: Services) -> UserCreated:
        user_id = await users.create_user(
            services,
            actor=actor,
            username=data.username,
            password=data.password,
            role=data.role,
            provider_id=data.provider_id,
            display_name=data.display_name,
        )
        return UserCreated(id=user_id)

    @get("/audit", guards=[roles(Role.ADMIN, Role.BUREAU)], summary="The newest audit entries")
    async def audit_entries(
        self, limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50, entity: FromQuery[str | None] = None
    ) -> list[AuditEntryOut]:
        limit = max(1, min(limit, 500))
        return [AuditEntryOut.model_validate(row) for row in await audit.recent_entries(limit, entity=entity)]
