"""The administrators' page actions: a role given by the security administrator, the audit
trail verified by the audit administrator."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, field_validator

from ltc.domain.access import Action, Role
from ltc.services import audit_integrity, users
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.pages import HOME_PAGES, home_context, page
from ltc.web.security import allowed


class RoleForm(BaseModel):
    role: Role
    provider_id: int | None = None

    @field_validator("provider_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


class AdminPagesController(Controller):
    include_in_schema = False

    @post("/users/{user_id:int}/role", guards=[allowed(Action.ASSIGN_ROLES)])
    async def assign_role(
        self, user_id: FromPath[int], data: URLEncodedBody[RoleForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        await users.assign_role(services, actor, user_id, data.role, data.provider_id)
        return Redirect(path="/")

    @post("/audit/verify", guards=[allowed(Action.VERIFY_AUDIT)], status_code=200)
    async def verify_audit(self, actor: CurrentActor, services: Services) -> Template:
        report = await audit_integrity.verify_chain(actor, include_archive=True)
        await audit_integrity.record_verification(services, actor, report)
        context = await home_context(services, actor)
        return page(HOME_PAGES[actor.role].template, report=report, **context)
