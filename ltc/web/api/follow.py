"""A family's view of an application without an account (API.md "Intake"): opened with the
reference and the person's id number in the body (never in a URL), then with the short-lived
token it returns; a complaint and a satisfaction answer sent with the token."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, QueryParameter

from ltc.services.intake import follow
from ltc.services.intake.follow import FollowComplaintIn, FollowIn, FollowView, SatisfactionIn, SatisfactionOut
from ltc.services.supervision.tip_offs import TipOffFiled
from ltc.web.dependencies import Services
from ltc.web.errors import TOO_MANY_ATTEMPTS_RESPONSE
from ltc.web.security import client_of

FollowToken = Annotated[str, QueryParameter(min_length=1, max_length=200, description="the token a view gave")]


class FollowController(Controller):
    path = "/api/v1/follow"
    tags = ["intake"]

    @post(
        "",
        status_code=200,
        summary="Open a family's view of an application by its reference and the person's id number",
        description="No sign-in. Both must match; anything else answers one 404 not_found. Wrong pairs are"
        " counted per client address: past the limit, 429 too_many_follow_attempts with Retry-After. The view"
        " carries a token that opens it again (GET) for half an hour.",
        responses={429: TOO_MANY_ATTEMPTS_RESPONSE},
    )
    async def open_view(self, request: Request, data: JSONBody[FollowIn], services: Services) -> FollowView:
        return await follow.open_with_reference(services, data, client_of(request).address)

    @get("", summary="A family's view of an application again, by the token the view gave")
    async def view_again(self, services: Services, token: FollowToken) -> FollowView:
        return await follow.open_with_token(services, token)

    @post(
        "/complaint",
        status_code=201,
        summary="A complaint from the family's view: a tip-off about the person's provider",
        description="Counted against the client address with the public tip-off form (429 too_many_tip_offs).",
        responses={429: TOO_MANY_ATTEMPTS_RESPONSE},
    )
    async def complain(self, request: Request, data: JSONBody[FollowComplaintIn], services: Services) -> TipOffFiled:
        return await follow.complain(services, data, client_of(request).address)

    @post(
        "/satisfaction",
        status_code=201,
        summary="The family's satisfaction with the provider's care, once per person and month",
        description="409 satisfaction_already_answered for a second answer in the month, 409"
        " no_provider_to_rate before a provider cares for the person.",
    )
    async def satisfaction(self, data: JSONBody[SatisfactionIn], services: Services) -> SatisfactionOut:
        return await follow.answer_satisfaction(services, data)
