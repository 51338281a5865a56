"""The pages a family or the village's agent uses without an account (phone first, Chinese
by default): filing an application for a person, and following it by its reference and the
person's id number, with a complaint and a satisfaction answer from there."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from litestar import Controller, MediaType, Request, get, post
from litestar.response import Template
from pydantic import BaseModel, Field

from ltc.domain.errors import NotFound, TooManyAttempts
from ltc.domain.money import format_yuan
from ltc.services.assessment.values import SelfEval
from ltc.services.context import ServiceContext
from ltc.services.intake import family, follow, registry_import
from ltc.services.intake.family import FILERS, PublicFilingIn
from ltc.services.intake.follow import FollowComplaintIn, FollowIn, FollowView, SatisfactionIn
from ltc.web.dependencies import Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.i18n import current_language
from ltc.web.i18n import gettext as _
from ltc.web.intake_pages import ANSWER_PREFIX, GATE_FIELDS, refused, self_assessment_context
from ltc.web.rollout_words import scheme_opens
from ltc.web.security import client_of
from ltc.web.vocabulary import APPLICATION_STEPS, FOLLOW_UP_ANSWERS, FOLLOW_VISIT_OUTCOMES
from ltc.web.vocabulary import FILERS as FILER_WORDS


class PublicApplyForm(BaseModel):
    """The public form as typed; the service applies the rules of filing."""

    filed_by: Literal["self", "family", "village_agent"]
    filer_name: str = Field(min_length=1, max_length=64)
    filer_phone: str = Field(min_length=1, max_length=20)
    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=300)
    town: str = Field(min_length=1, max_length=64)
    care_mode: Literal["home", "institutional"]
    disabled_since: date | None = None


def _limited(template: str, state: FormState, exc: TooManyAttempts, **context: Any) -> Template:
    state.refused(exc)
    return Template(
        template_name=template,
        context={"form": state, **context},
        status_code=429,
        media_type=MediaType.HTML,
        headers={"Retry-After": str(exc.retry_after)},
    )


async def _apply_context(services: ServiceContext) -> dict[str, Any]:
    en = current_language() == "en"
    return {
        "town_options": [(t.code, t.name_en if en else t.name) for t in await registry_import.town_choices()],
        "filer_options": [(code, _(FILER_WORDS[code])) for code in FILERS],
        "reference": None,
        **self_assessment_context(services),
    }


def _follow_context(view: FollowView | None, **extra: Any) -> dict[str, Any]:
    return {
        "view": view,
        "step_words": APPLICATION_STEPS,
        "outcomes": FOLLOW_VISIT_OUTCOMES,
        "answers": FOLLOW_UP_ANSWERS,
        "yuan": format_yuan,
        "en": current_language() == "en",
        "sent": None,
        **extra,
    }


def _follow_page(state: FormState, view: FollowView | None, status: int | None = None, **extra: Any) -> Template:
    return Template(
        template_name="family/follow.html",
        context={"form": state, **_follow_context(view, **extra)},
        status_code=status or (state.status if state.has_errors else 200),
        media_type=MediaType.HTML,
    )


class FamilyPages(Controller):
    """Anyone may file and follow: a few times an hour from one connection."""

    include_in_schema = False

    @get("/apply")
    async def apply_form(self, services: Services) -> Template:
        state = FormState.of(filed_by="family", care_mode="home")
        return form_page("family/apply.html", state, **await _apply_context(services))

    @post("/apply")
    async def apply(self, request: Request, services: Services) -> Template:
        state = await read_form(request)
        form = state.parse(PublicApplyForm)
        context = await _apply_context(services)
        if form is None:
            return form_page("family/apply.html", state, **context)
        # Only the instrument's own items: a page open to anyone must not fail on extra fields.
        items = {item.key for item in context["instrument"].items}
        answers = {
            key.removeprefix(ANSWER_PREFIX): value
            for key, value in state.values.items()
            if key.startswith(ANSWER_PREFIX) and key.removeprefix(ANSWER_PREFIX) in items and isinstance(value, str)
        }
        try:
            filed = await family.file_public(
                services,
                PublicFilingIn(**form.model_dump(), self_eval=SelfEval(answers=answers)),
                client_of(request).address,
            )
        except TooManyAttempts as exc:
            return _limited("family/apply.html", state, exc, **context)
        except FORM_REFUSALS as exc:
            state = refused(state, exc, GATE_FIELDS)
            opens = scheme_opens(exc)
            if opens:  # the chosen town is not open yet: say from which day it is
                state.errors["town"] = opens
            return form_page("family/apply.html", state, **context)
        return form_page("family/apply.html", FormState(), **(context | {"reference": filed.reference}))

    @get("/follow")
    async def follow_form(self) -> Template:
        return _follow_page(FormState(), None)

    @post("/follow")
    async def open_follow(self, request: Request, services: Services) -> Template:
        state = await read_form(request)
        data = state.parse(FollowIn)
        if data is None:
            return _follow_page(state, None)
        try:
            view = await follow.open_with_reference(services, data, client_of(request).address)
        except TooManyAttempts as exc:
            state.values.pop("id_number", None)  # a refused id number is never sent back into the page
            return _limited("family/follow.html", state, exc, **_follow_context(None))
        except NotFound as exc:
            state.values.pop("id_number", None)
            return _follow_page(state.refused(exc), None, status=404)
        return _follow_page(FormState(), view)

    @post("/follow/complaint")
    async def complain(self, request: Request, services: Services) -> Template:
        state = await read_form(request)
        data = state.parse(FollowComplaintIn)
        token = str(state.value("token"))
        if data is not None:
            try:
                await follow.complain(services, data, client_of(request).address)
                return await _view_again(services, token, FormState(), sent="complaint")
            except TooManyAttempts as exc:
                state.refused(exc)
            except FORM_REFUSALS as exc:
                state.refused(exc)
        return await _view_again(services, token, state)

    @post("/follow/satisfaction")
    async def satisfaction(self, request: Request, services: Services) -> Template:
        state = await read_form(request)
        data = state.parse(SatisfactionIn)
        token = str(state.value("token"))
        if data is not None:
            try:
                await follow.answer_satisfaction(services, data)
                return await _view_again(services, token, FormState(), sent="satisfaction")
            except FORM_REFUSALS as exc:
                state.refused(exc)
        return await _view_again(services, token, state)


async def _view_again(services: ServiceContext, token: str, state: FormState, sent: str | None = None) -> Template:
    """The view again, by the token the form posted (never in a URL): with the feedback sent,
    or the refused feedback form's message (or the sign-in form, expired)."""
    try:
        view = await follow.open_with_token(services, token)
    except NotFound as exc:
        return _follow_page(FormState().refused(exc), None, status=404)
    if sent is not None:
        return _follow_page(state, view, sent=sent)
    return _follow_page(state, view, status=state.status or 422)
