from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from ltc.services import users
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import Me, TokenRequest, TokenResponse
from ltc.web.security import signed_in


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post("/auth/token", status_code=200, summary="Exchange a username and password for a bearer token")
    async def token(self, data: JSONBody[TokenRequest], services: Services) -> TokenResponse:
        actor = await users.authenticate(services, data.username, data.password)
        token, expires_in = users.issue_token(services, actor)
        return TokenResponse(access_token=token, expires_in=expires_in, role=actor.role, provider_id=actor.provider_id)

    @get("/me", guards=[signed_in], summary="The signed-in user")
    async def me(self, actor: CurrentActor) -> Me:
        return Me(
            id=actor.user_id,
            username=actor.username,
            display_name=actor.display_name,
            role=actor.role,
            provider_id=actor.provider_id,
        )
