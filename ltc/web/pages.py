"""Server-rendered pages: sign-in, the home page of each role, job progress, language."""

from __future__ import annotations

import math
from contextlib import suppress
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from uuid import UUID

from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.domain.access import Action, Actor, Role
from ltc.domain.errors import NotFound, TooManyAttempts, Unauthenticated
from ltc.domain.money import format_yuan
from ltc.domain.sessions import SessionKind
from ltc.services import audit, caregivers, district, jobs, providers, sessions, sign_in, towns, users
from ltc.services.assessment import applications
from ltc.services.context import ServiceContext
from ltc.services.geocoding import GeocodeParams
from ltc.services.inputs import MAX_ID
from ltc.services.sessions import ResolvedSession, StartedSession
from ltc.web import part_summaries  # noqa: F401  (registers the parts' summaries)
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.i18n import LANGUAGE_COOKIE, LANGUAGES, normalise_language
from ltc.web.job_summaries import describe
from ltc.web.security import SESSION_COOKIE, allowed, client_of, signed_in

SessionsOf = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]


@dataclass(frozen=True)
class HomePage:
    """A role's home page and the parts it has room for; each part is filled only when the
    access table lets the actor see it."""

    template: str
    parts: frozenset[str]
    audit_entries: int = 10


_ASSESSOR_HOME = HomePage("home/assessor.html", frozenset({"applications"}))
HOME_PAGES = {
    # Each administrator sees the part of their own duty only (三员分立).
    # Their users are listed a page at a time on /users, not on the home page.
    Role.SYSADMIN: HomePage("home/admin.html", frozenset()),
    Role.SECADMIN: HomePage("home/secadmin.html", frozenset({"sessions"})),
    Role.AUDITOR: HomePage("home/auditor.html", frozenset({"audit"}), audit_entries=50),
    Role.BUREAU: HomePage("home/bureau.html", frozenset({"waiting", "district", "audit"})),
    Role.ASSESSOR: _ASSESSOR_HOME,
    Role.EXPERT: _ASSESSOR_HOME,
    Role.AGENCY: HomePage("home/agency.html", frozenset({"provider"})),
}


class LoginForm(BaseModel):
    username: str = Field(default="", max_length=64)
    password: str = Field(default="", max_length=256)
    next: str = Field(default="/", max_length=500)


def safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot redirect elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def session_cookie(services: ServiceContext, session: StartedSession) -> Cookie:
    """The page session's cookie: only its opaque secret, never readable by scripts."""
    return Cookie(
        key=SESSION_COOKIE,
        value=session.secret,
        max_age=int(session.lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=services.settings.secure_cookies,
    )


def page(name: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=name, context=context, status_code=status_code, media_type=MediaType.HTML)


def actions_of(actor: Actor) -> dict[str, Any]:
    """What a template needs to offer only what the actor may do: ``may(Action.X)`` reads
    the access table the guards and services read."""
    return {"may": actor.may, "Action": Action}


async def home_context(services: ServiceContext, actor: Actor) -> dict[str, Any]:
    home = HOME_PAGES[actor.role]
    parts = home.parts
    context = actions_of(actor)
    if "applications" in parts and actor.may(Action.ASSESS):
        context["applications"] = await applications.list_applications(services, actor)
    if "waiting" in parts and actor.may(Action.ACCEPT_APPLICATION):
        context["waiting"] = await applications.count_by_status()
    if "district" in parts and actor.sees_whole_region:
        context["district"] = await district.district_summary()
    if "district" in parts and actor.may(Action.READ_TOWNS):
        context["rollout"] = await towns.rollout(services, actor)
        context["yuan"] = format_yuan
    if "audit" in parts and actor.may(Action.READ_AUDIT):
        context["audit"] = await audit.recent_entries(actor, home.audit_entries)
    if "provider" in parts and actor.provider_scope:
        context["provider"] = await providers.get_provider(actor, actor.provider_scope)
        context["caregivers"] = await caregivers.list_caregivers(actor, actor.provider_scope)
    return context


class PagesController(Controller):
    include_in_schema = False

    @get("/login")
    async def login_form(self, request: Request, next: FromQuery[str] = "/") -> Template:
        return page("login.html", next=safe_next(next), error=None, username="")

    @post("/login")
    async def login(self, request: Request, data: URLEncodedBody[LoginForm], services: Services) -> Template | Redirect:
        target = safe_next(data.next)
        try:
            done = await sign_in.sign_in(services, data.username, data.password, SessionKind.PAGE, client_of(request))
        except TooManyAttempts as exc:
            return Template(
                template_name="login.html",
                context={
                    "next": target,
                    "error": "too_many_attempts",
                    "username": data.username,
                    "retry_minutes": math.ceil(exc.retry_after / 60),
                },
                status_code=429,
                media_type=MediaType.HTML,
                headers={"Retry-After": str(exc.retry_after)},
            )
        except Unauthenticated:
            return page("login.html", 401, next=target, error="wrong_credentials", username=data.username)
        previous = request.scope.get("auth")
        if isinstance(previous, ResolvedSession) and previous.kind == SessionKind.PAGE:
            await sessions.end_session(services, previous)  # signing in again replaces the session
        if done.password_expired:
            target = f"/password?expired=1&next={quote(target)}"
        response = Redirect(path=target)
        response.set_cookie(session_cookie(services, done.session))
        return response

    @post("/logout")
    async def logout(self, request: Request, services: Services) -> Redirect:
        session = request.scope.get("auth")
        if isinstance(session, ResolvedSession) and session.kind == SessionKind.PAGE:
            await sessions.end_session(services, session)
        response = Redirect(path="/login")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/lang/{code:str}")
    async def switch_language(self, code: FromPath[str], next: FromQuery[str] = "/") -> Redirect:
        language = normalise_language(code) or "zh_CN"
        response = Redirect(path=safe_next(next))
        response.set_cookie(Cookie(key=LANGUAGE_COOKIE, value=language, max_age=365 * 24 * 3600, samesite="lax"))
        return response

    @get("/favicon.ico")
    async def favicon(self) -> Redirect:
        return Redirect(path="/static/favicon.svg", status_code=301)

    @get("/", guards=[signed_in])
    async def home(
        self, actor: CurrentActor, services: Services, sessions_of: SessionsOf = None
    ) -> Template | Redirect:
        if actor.role == Role.CAREGIVER:  # a caregiver's today and tomorrow (the phone app) is their home
            return Redirect(path="/visits/day")
        if actor.role == Role.SUPERVISOR:  # the fund supervisor's home is the supervision dashboard
            return Redirect(path="/supervision")
        if actor.role == Role.TOWN_AGENT:  # a town agent's home is the month's check list
            return Redirect(path="/remote-checks")
        home = HOME_PAGES[actor.role]
        context = await home_context(services, actor)
        if "sessions" in home.parts and sessions_of is not None and actor.may(Action.MANAGE_SESSIONS):
            with suppress(NotFound):
                context["sessions_of"] = await users.get_user(actor, sessions_of)
                context["sessions"] = await sessions.list_user_sessions(services, actor, sessions_of)
        return page(home.template, **context)

    @post("/jobs/geocode-persons", guards=[allowed(Action.GEOCODE_PERSONS)])
    async def start_geocoding(self, actor: CurrentActor, services: Services) -> Redirect:
        job_id = await jobs.start_job(services, actor, "geocode_persons", GeocodeParams())
        return Redirect(path=f"/jobs/{job_id}")

    @get("/jobs/{job_id:uuid}", guards=[signed_in])
    async def job_page(self, job_id: FromPath[UUID], actor: CurrentActor, then: FromQuery[str] = "") -> Template:
        job = await jobs.get_job(actor, job_id)
        return page("jobs/job.html", job=job, view=describe(job), then=safe_next(then) if then else "")


__all__ = ["LANGUAGES", "PagesController"]
