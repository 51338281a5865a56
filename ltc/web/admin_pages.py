"""The administrators' pages, by separated duty: the system administrator opens, resets,
disables and enables accounts; the security administrator gives roles; the audit
administrator (and the bureau) search the audit trail and verify it; the policy versions
are read by the system administrator and the bureau."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field, field_validator

from ltc.domain.access import Action, Actor, Role
from ltc.domain.errors import Forbidden
from ltc.services import audit, audit_integrity, users
from ltc.services.audit import AuditFilter
from ltc.services.clock import local_today
from ltc.services.inputs import MAX_ID
from ltc.services.reference import policy_history
from ltc.services.users import UserFilter
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.formatting import town
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.pages import HOME_PAGES, actions_of, home_context, page
from ltc.web.paging import After, Limit, page_request
from ltc.web.policy_words import rule_name, value_words
from ltc.web.security import allowed
from ltc.web.vocabulary import AUDIT_ACTIONS, AUDIT_ENTITIES

# An account's role and provider are form input: a rule refusing them is answered beside the form.
ACCOUNT_REFUSALS = (*FORM_REFUSALS, Forbidden)

# The roles an account is opened with through the app; the three administrators' accounts
# are the operator's (``ltc createuser``).
BUSINESS_ROLES: tuple[Role, ...] = (
    Role.BUREAU,
    Role.SUPERVISOR,
    Role.ASSESSOR,
    Role.EXPERT,
    Role.AGENCY,
    Role.TOWN_AGENT,
)
BusinessRole = Literal["bureau", "assessor", "expert", "agency", "town_agent"]
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


class NewUserForm(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    display_name: str = Field(default="", max_length=100)
    role: BusinessRole
    provider_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    town_id: int | None = Field(default=None, ge=1, le=MAX_ID)

    _provider_blank = field_validator("provider_id", "town_id", mode="before")(_blank_is_none)


class RoleForm(BaseModel):
    role: BusinessRole
    provider_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    town_id: int | None = Field(default=None, ge=1, le=MAX_ID)

    _provider_blank = field_validator("provider_id", "town_id", mode="before")(_blank_is_none)


class UserStatusForm(BaseModel):
    active: bool


class AuditSearch(BaseModel):
    """The audit search's filters as typed (blank: any)."""

    actor: str = Field(default="", max_length=64)
    action: str = Field(default="", max_length=64)
    entity: str = Field(default="", max_length=64)
    record: str = Field(default="", max_length=64)
    date_from: date | None = None
    date_to: date | None = None

    _days_blank = field_validator("date_from", "date_to", mode="before")(_blank_is_none)

    def filters(self) -> AuditFilter:
        return AuditFilter(
            actor_name=self.actor.strip() or None,
            action=self.action or None,
            entity=self.entity or None,
            entity_id=self.record.strip() or None,
            from_day=self.date_from,
            to_day=self.date_to,
        )


async def _provider_options(actor: Actor) -> list[tuple[int, str]]:
    return [(p.id, f"{p.code} {p.name}") for p in await users.provider_choices(actor)]


async def _town_options(actor: Actor) -> list[tuple[int, str]]:
    return [(t.id, town(t.code)) for t in await users.town_choices(actor)]


async def _user_page(actor: Actor, user_id: int, **context: Any) -> dict[str, Any]:
    """What the page of one user shows; forms in ``context`` keep what was typed."""
    user = await users.get_user(actor, user_id)
    role_form = context.pop("role_form", None) or FormState.of(
        role=user.role.value, provider_id=user.provider_id, town_id=user.town_id
    )
    return {
        "user": user,
        "role_form": role_form,
        "business_roles": BUSINESS_ROLES,
        "providers": await _provider_options(actor),
        "towns": await _town_options(actor),
        "is_administrator": user.role not in BUSINESS_ROLES,
        **actions_of(actor),
        **context,
    }


class AdminPagesController(Controller):
    include_in_schema = False

    # ------------------------------------------------------------ users

    @get("/users", guards=[allowed(Action.READ_USERS)])
    async def user_list(
        self,
        actor: CurrentActor,
        role: FromQuery[Role | None] = None,
        provider_id: OptionalId = None,
        active: FromQuery[Literal["yes", "no"] | None] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Template:
        filters = UserFilter(role=role, provider_id=provider_id, active=None if active is None else active == "yes")
        found = await users.find_users(actor, filters, page_request(limit, after, 1))
        return page(
            "users/list.html",
            users=found,
            filters=FormState.of(role=role.value if role else "", provider_id=provider_id, active=active or ""),
            roles=list(Role),
            providers=await _provider_options(actor),
            **actions_of(actor),
        )

    @get("/users/new", guards=[allowed(Action.MANAGE_USERS)])
    async def new_user(self, actor: CurrentActor) -> Template:
        return form_page(
            "users/new.html",
            FormState.of(role="agency"),
            business_roles=BUSINESS_ROLES,
            providers=await _provider_options(actor),
            towns=await _town_options(actor),
        )

    @post("/users/new", guards=[allowed(Action.MANAGE_USERS)])
    async def open_user(self, request: Request, actor: CurrentActor, services: Services) -> Template:
        state = await read_form(request)
        context = {
            "business_roles": BUSINESS_ROLES,
            "providers": await _provider_options(actor),
            "towns": await _town_options(actor),
        }
        form = state.parse(NewUserForm)
        if form is None:
            return form_page("users/new.html", state, **context)
        try:
            opened = await users.open_account(
                services,
                actor,
                username=form.username,
                role=Role(form.role),
                provider_id=form.provider_id,
                display_name=form.display_name,
                town_id=form.town_id,
            )
        except ACCOUNT_REFUSALS as exc:
            return form_page("users/new.html", state.refused(exc), **context)
        return page("users/password.html", 201, opened=opened, user_id=opened.user_id, kind="opened")

    @get("/users/{user_id:int}", guards=[allowed(Action.READ_USERS)])
    async def user_detail(self, user_id: FromPath[int], actor: CurrentActor) -> Template:
        return page("users/detail.html", **await _user_page(actor, user_id))

    @post("/users/{user_id:int}/password-reset", guards=[allowed(Action.MANAGE_USERS)])
    async def reset_password(self, user_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        try:
            reset = await users.reset_password(services, actor, user_id)
        except FORM_REFUSALS as exc:
            state = FormState().refused(exc)
            return page("users/detail.html", state.status, **await _user_page(actor, user_id, refusal=state))
        return page("users/password.html", opened=reset, user_id=user_id, kind="reset")

    @post("/users/{user_id:int}/active", guards=[allowed(Action.MANAGE_USERS)])
    async def set_user_active(
        self, request: Request, user_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(UserStatusForm)
        try:
            if form is not None:
                await users.set_user_active(services, actor, user_id, form.active)
        except FORM_REFUSALS as exc:
            state.refused(exc)
        if state.has_errors:
            return page("users/detail.html", state.status, **await _user_page(actor, user_id, refusal=state))
        return Redirect(path=f"/users/{user_id}")

    @post("/users/{user_id:int}/role", guards=[allowed(Action.ASSIGN_ROLES)])
    async def assign_role(
        self, request: Request, user_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        state = await read_form(request)
        form = state.parse(RoleForm)
        try:
            if form is not None:
                await users.assign_role(services, actor, user_id, Role(form.role), form.provider_id, form.town_id)
        except ACCOUNT_REFUSALS as exc:
            state.refused(exc)
        if state.has_errors:
            return page("users/detail.html", state.status, **await _user_page(actor, user_id, role_form=state))
        return Redirect(path=f"/users/{user_id}")

    # ------------------------------------------------------------ policy

    @get("/policy", guards=[allowed(Action.READ_POLICY)])
    async def policy(self, actor: CurrentActor, services: Services) -> Template:
        history = policy_history(actor, services.settings, local_today(services.clock, services.settings.zone))
        return page("admin/policy.html", history=history, rule_name=rule_name, value_words=value_words)

    # ------------------------------------------------------------ audit trail

    @get("/audit", guards=[allowed(Action.READ_AUDIT)])
    async def audit_search(
        self, request: Request, actor: CurrentActor, services: Services, after: After = None, limit: Limit = 50
    ) -> Template:
        names = ("actor", "action", "entity", "record", "date_from", "date_to")
        state = FormState.of(**{name: request.query_params.get(name, "") for name in names})
        search = state.parse(AuditSearch)
        found = None
        if search is not None:
            found = await audit.search_entries(
                actor, search.filters(), services.settings.zone, page_request(limit, after, 1)
            )
        return form_page("audit/search.html", state, entries=found, **_audit_choices())

    @post("/audit/verify", guards=[allowed(Action.VERIFY_AUDIT)], status_code=200)
    async def verify_audit(self, actor: CurrentActor, services: Services) -> Template:
        report = await audit_integrity.verify_chain(actor, include_archive=True)
        await audit_integrity.record_verification(services, actor, report)
        context = await home_context(services, actor)
        return page(HOME_PAGES[actor.role].template, report=report, **context)


def _audit_choices() -> dict[str, Any]:
    return {"audit_actions": sorted(AUDIT_ACTIONS), "audit_entities": sorted(AUDIT_ENTITIES)}
