"""Administration, by separated duties: users (the system administrator), roles (the
security administrator), the audit trail and its verification (the audit administrator)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from ltc.domain.access import Action
from ltc.services import audit, audit_integrity, users
from ltc.services.audit import AuditEntryOut
from ltc.services.audit_integrity import VerifyReport
from ltc.services.users import UserIn, UserOut, UserRoleIn, UserStatusIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import PathId, QueryText, UserCreated
from ltc.web.security import allowed

MANAGE_USERS = allowed(Action.MANAGE_USERS)


class AdminController(Controller):
    path = "/api/v1"
    tags = ["administration"]

    @get("/users", guards=[allowed(Action.READ_USERS)], summary="All users")
    async def list_users(self, actor: CurrentActor) -> list[UserOut]:
        return await users.list_users(actor)

    @patch(
        "/users/{user_id:int}",
        guards=[MANAGE_USERS],
        summary="Disable or enable a user (a disabled user's tokens stop working at once)",
    )
    async def set_user_active(
        self, user_id: PathId, data: JSONBody[UserStatusIn], actor: CurrentActor, services: Services
    ) -> UserOut:
        return await users.set_user_active(services, actor, user_id, data.active)

    @patch(
        "/users/{user_id:int}/role",
        guards=[allowed(Action.ASSIGN_ROLES)],
        summary="Give a user another role (security administrator; an administrator's duty never changes)",
    )
    async def assign_role(
        self, user_id: PathId, data: JSONBody[UserRoleIn], actor: CurrentActor, services: Services
    ) -> UserOut:
        return await users.assign_role(services, actor, user_id, data.role, data.provider_id)

    @post("/users", status_code=201, guards=[MANAGE_USERS], summary="Create a user")
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

    @get("/audit", guards=[allowed(Action.READ_AUDIT)], summary="The newest audit entries")
    async def audit_entries(
        self,
        actor: CurrentActor,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        entity: QueryText = None,
    ) -> list[AuditEntryOut]:
        return await audit.recent_entries(actor, max(1, min(limit, 500)), entity=entity)

    @post(
        "/audit/verify",
        status_code=200,
        guards=[allowed(Action.VERIFY_AUDIT)],
        summary="Walk the audit trail's hash chain and report its first broken link (audit administrator)",
    )
    async def verify_audit(
        self, actor: CurrentActor, services: Services, include_archive: FromQuery[bool] = False
    ) -> VerifyReport:
        report = await audit_integrity.verify_chain(actor, include_archive=include_archive)
        await audit_integrity.record_verification(services, actor, report)
        return report
