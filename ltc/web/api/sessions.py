"""Administration of signed-in sessions: a user's live sessions, and ending one at once."""

from __future__ import annotations

from litestar import Controller, delete, get

from ltc.domain.access import Action
from ltc.services import sessions
from ltc.services.sessions import SessionEnded, SessionOut
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.schemas import PathId
from ltc.web.security import allowed

MANAGE_SESSIONS = allowed(Action.MANAGE_SESSIONS)


class SessionsController(Controller):
    path = "/api/v1"
    tags = ["administration"]

    @get("/users/{user_id:int}/sessions", guards=[MANAGE_SESSIONS], summary="A user's live sessions, newest first")
    async def user_sessions(self, user_id: PathId, actor: CurrentActor, services: Services) -> list[SessionOut]:
        return await sessions.list_user_sessions(services, actor, user_id)

    @delete(
        "/sessions/{session_id:int}",
        status_code=200,
        guards=[MANAGE_SESSIONS],
        summary="End a session at once (its cookie or token stops working on its next request)",
    )
    async def end_session(self, session_id: PathId, actor: CurrentActor, services: Services) -> SessionEnded:
        return await sessions.end_session_for(services, actor, session_id)
