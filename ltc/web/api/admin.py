"""Administration, by separated duties: users (the system administrator), roles (the
security administrator), the audit trail and its verification (the audit administrator)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel

from ltc.domain.access import Action, Role
from ltc.domain.policy_changes import PolicyChange
from ltc.services import audit, audit_integrity, users
from ltc.services.audit import AuditEntryOut, AuditFilter
from ltc.services.audit_integrity import VerifyReport
from ltc.services.clock import local_today
from ltc.services.reference import policy_history
from ltc.services.users import PasswordReset, UserFilter, UserIn, UserOut, UserRoleIn, UserStatusIn
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.paging import After, Limit, link_header, page_request
from ltc.web.schemas import PathId, QueryId, QueryText, UserCreated
from ltc.web.security import allowed

LINK = [ResponseHeader(name="Link", description='`<…>; rel="next"` when there is a next page', documentation_only=True)]
AuditLimit = Annotated[int, QueryParameter(ge=1, le=500, description="Entries per page (1–500, default 50)")]
QueryDay = Annotated[date | None, QueryParameter(description="a day in the city's time zone (YYYY-MM-DD)")]


class PolicyChangeOut(BaseModel):
    rule: str
    before: object
    after: object


class PolicyVersionOut(BaseModel):
    version: str
    effective_from: date
    effective_until: date | None
    in_force: bool
    changes: list[PolicyChangeOut] | None  # None: the first version


def _change(change: PolicyChange) -> PolicyChangeOut:
    return PolicyChangeOut(rule=change.name, before=change.before, after=change.after)


MANAGE_USERS = allowed(Action.MANAGE_USERS)


class AdminController(Controller):
    path = "/api/v1"
    tags = ["administration"]

    @get(
        "/users",
        guards=[allowed(Action.READ_USERS)],
        summary="Users in the order they were opened, by role, provider and state, a page at a time",
        response_headers=LINK,
    )
    async def list_users(
        self,
        request: Request,
        actor: CurrentActor,
        role: FromQuery[Role | None] = None,
        provider_id: QueryId = None,
        active: FromQuery[bool | None] = None,
        limit: Limit = 200,
        after: After = None,
    ) -> Response[list[UserOut]]:
        filters = UserFilter(role=role, provider_id=provider_id, active=active)
        found = await users.find_users(actor, filters, page_request(limit, after, 1))
        return Response(content=found.items, headers=link_header(request, found))

    @post(
        "/users/{user_id:int}/password-reset",
        status_code=200,
        guards=[MANAGE_USERS],
        summary="Reset a user's password to a one-time one they must change at the next sign-in",
    )
    async def reset_password(self, user_id: PathId, actor: CurrentActor, services: Services) -> PasswordReset:
        return await users.reset_password(services, actor, user_id)

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
        return await users.assign_role(services, actor, user_id, data.role, data.provider_id, data.town_id)

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
            town_id=data.town_id,
        )
        return UserCreated(id=user_id)

    @get(
        "/audit",
        guards=[allowed(Action.READ_AUDIT)],
        summary="The audit trail newest first, by actor, action, record and days, a page at a time",
        response_headers=LINK,
    )
    async def audit_entries(
        self,
        request: Request,
        actor: CurrentActor,
        services: Services,
        limit: AuditLimit = 50,
        after: After = None,
        entity: QueryText = None,
        entity_id: QueryText = None,
        action: QueryText = None,
        actor_name: QueryText = None,
        date_from: QueryDay = None,
        date_to: QueryDay = None,
    ) -> Response[list[AuditEntryOut]]:
        filters = AuditFilter(
            actor_name=actor_name or None,
            action=action or None,
            entity=entity or None,
            entity_id=entity_id or None,
            from_day=date_from,
            to_day=date_to,
        )
        found = await audit.search_entries(actor, filters, services.settings.zone, page_request(limit, after, 1))
        return Response(content=found.items, headers=link_header(request, found))

    @get(
        "/policy/versions",
        guards=[allowed(Action.READ_POLICY)],
        summary="The city's policy versions with their effective dates and the rules each changed",
    )
    async def policy_versions(self, actor: CurrentActor, services: Services) -> list[PolicyVersionOut]:
        history = policy_history(actor, services.settings, local_today(services.clock, services.settings.zone))
        return [
            PolicyVersionOut(
                version=v.version,
                effective_from=v.effective_from,
                effective_until=v.effective_until,
                in_force=v.version == history.in_force,
                changes=None if v.changes is None else [_change(c) for c in v.changes],
            )
            for v in history.versions
        ]

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
