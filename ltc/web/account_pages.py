"""The signed-in user's own account (changing the password), and ending another user's
session from the administration page."""

from __future__ import annotations

from litestar import Controller, MediaType, Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from ltc.domain.access import Action
from ltc.domain.errors import InvalidInput
from ltc.services import password_changes, sessions
from ltc.services.inputs import MAX_ID
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.pages import safe_next
from ltc.web.security import allowed, client_of, current_session, signed_in


class PasswordForm(BaseModel):
    current: str = Field(default="", max_length=256)
    new: str = Field(default="", max_length=256)
    confirm: str = Field(default="", max_length=256)
    next: str = Field(default="/", max_length=500)


class EndSessionForm(BaseModel):
    user_id: int = Field(ge=1, le=MAX_ID)


def _password_page(status: int, *, form: PasswordForm, error: str | None, expired: bool, policy: object) -> Template:
    return Template(
        template_name="account/password.html",
        context={"form": form, "error": error, "expired": expired, "policy": policy},
        status_code=status,
        media_type=MediaType.HTML,
    )


class AccountPages(Controller):
    include_in_schema = False

    @get("/password", guards=[signed_in])
    async def password_form(
        self, services: Services, next: FromQuery[str] = "/", expired: FromQuery[int] = 0
    ) -> Template:
        form = PasswordForm(next=safe_next(next))
        policy = password_changes.password_policy(services.settings)
        return _password_page(200, form=form, error=None, expired=bool(expired), policy=policy)

    @post("/password", guards=[signed_in])
    async def change_password(
        self, request: Request, data: URLEncodedBody[PasswordForm], actor: CurrentActor, services: Services
    ) -> Template | Redirect:
        policy = password_changes.password_policy(services.settings)
        if data.new != data.confirm:
            return _password_page(422, form=data, error="password_mismatch", expired=False, policy=policy)
        session = current_session(request)
        try:
            await password_changes.change_own_password(
                services,
                actor,
                data.current,
                data.new,
                client=client_of(request),
                kind=session.kind,
                keep_session=session.session_id,
            )
        except InvalidInput as exc:
            return _password_page(422, form=data, error=exc.code, expired=False, policy=policy)
        return Redirect(path=safe_next(data.next))

    @post("/sessions/{session_id:int}/end", guards=[allowed(Action.MANAGE_SESSIONS)])
    async def end_session(
        self, session_id: FromPath[int], data: URLEncodedBody[EndSessionForm], actor: CurrentActor, services: Services
    ) -> Redirect:
        await sessions.end_session_for(services, actor, session_id)
        return Redirect(path=f"/?sessions_of={data.user_id}#sessions")
