from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from ltc.domain.sessions import SessionKind
from ltc.services import password_changes, sessions, sign_in
from ltc.services.password_changes import PasswordChanged
from ltc.services.sessions import SessionEnded
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.errors import TOO_MANY_ATTEMPTS_RESPONSE
from ltc.web.schemas import Me, PasswordChangeRequest, TokenRequest, TokenResponse
from ltc.web.security import client_of, current_session, signed_in


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post(
        "/auth/token",
        status_code=200,
        summary="Exchange a username and password for a bearer token",
        description="The token names a session kept on the server: it ends at its absolute lifetime, after"
        " an idle period, on POST /auth/logout, or when the user is disabled. Too many failed sign-ins for"
        " the account or the address answer 429 too_many_attempts with Retry-After.",
        responses={429: TOO_MANY_ATTEMPTS_RESPONSE},
    )
    async def token(self, request: Request, data: JSONBody[TokenRequest], services: Services) -> TokenResponse:
        done = await sign_in.sign_in(services, data.username, data.password, SessionKind.API, client_of(request))
        return TokenResponse(
            access_token=done.session.secret,
            expires_in=int(done.session.lifetime.total_seconds()),
            role=done.actor.role,
            provider_id=done.actor.provider_id,
            password_expired=done.password_expired,
        )

    @post("/auth/logout", status_code=200, guards=[signed_in], summary="End the calling token's session at once")
    async def logout(self, request: Request, services: Services) -> SessionEnded:
        return await sessions.end_session(services, current_session(request))

    @post(
        "/me/password",
        status_code=200,
        guards=[signed_in],
        summary="Change the signed-in user's password (the policy's rules answer 422 with their codes)",
        description="The user's other sessions and tokens end; the calling token goes on. Refusals:"
        " wrong_current_password, password_too_short, password_too_long, password_too_simple,"
        " password_contains_username, password_reused. A wrong current password counts as a failed sign-in"
        " (429 too_many_attempts past the limit).",
        responses={429: TOO_MANY_ATTEMPTS_RESPONSE},
    )
    async def change_password(
        self, request: Request, data: JSONBody[PasswordChangeRequest], actor: CurrentActor, services: Services
    ) -> PasswordChanged:
        session = current_session(request)
        return await password_changes.change_own_password(
            services,
            actor,
            data.current_password,
            data.new_password,
            client=client_of(request),
            kind=session.kind,
            keep_session=session.session_id,
        )

    @get("/me", guards=[signed_in], summary="The signed-in user")
    async def me(self, actor: CurrentActor) -> Me:
        return Me(
            id=actor.user_id,
            username=actor.username,
            display_name=actor.display_name,
            role=actor.role,
            provider_id=actor.provider_id,
        )
