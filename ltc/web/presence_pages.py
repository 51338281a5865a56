"""A home's presence card (ltc.domain.presence): the printable page, and rotating the card
from it; the API's rotation. Shown to the bureau and to an agency for its own persons."""

from __future__ import annotations

import segno
from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from markupsafe import Markup

from ltc.domain.access import Action
from ltc.domain.errors import NotFound
from ltc.services import presence
from ltc.services.presence import PresenceCardOut
from ltc.services.visits import reads
from ltc.services.visits.evidence import evidence_content
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.i18n import gettext as _
from ltc.web.pages import actions_of, page
from ltc.web.schemas import PathId
from ltc.web.security import allowed, signed_in

QR_SCALE = 6  # module size in px: about 4 cm printed, read by a cheap phone camera at arm's length


def qr_svg(content: str, title: str) -> Markup:
    """The card's QR code as inline SVG (no script, no image request); its title names it."""
    svg = segno.make(content, error="m").svg_inline(scale=QR_SCALE, border=2, title=title)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # segno escapes the title


def grouped(code: str) -> str:
    """A 6-digit code as printed, in two groups of three: easier to read aloud and to type."""
    return f"{code[:3]} {code[3:]}"


class PresencePages(Controller):
    include_in_schema = False
    guards = [allowed(Action.MANAGE_PRESENCE_CARDS)]

    @get("/persons/{person_id:int}/presence-card")
    async def card(self, person_id: FromPath[int], actor: CurrentActor, services: Services) -> Template:
        person, card = await presence.presence_card(services, actor, person_id)
        return page(
            "persons/presence_card.html",
            person=person,
            card=card,
            qr=qr_svg(card.qr_content, _("Presence card QR code")),
            household_code=grouped(card.household_code),
            **actions_of(actor),
        )

    @post("/persons/{person_id:int}/presence-card/rotate")
    async def rotate(self, person_id: FromPath[int], actor: CurrentActor, services: Services) -> Redirect:
        await presence.rotate_card(services, actor, person_id)
        return Redirect(path=f"/persons/{person_id}/presence-card")


class VisitEvidencePages(Controller):
    """A photo or signature kept with a visit's event, for those who read the visit."""

    include_in_schema = False
    guards = [allowed(Action.READ_CARE_RECORDS)]

    @get("/visits/{visit_id:int}/evidence/{evidence_id:int}")
    async def evidence(
        self, visit_id: FromPath[int], evidence_id: FromPath[int], actor: CurrentActor, services: Services
    ) -> Response[bytes]:
        await reads.get_visit(services, actor, visit_id)  # another agency's visit is not found
        kept = await evidence_content(services.settings.keyring, visit_id, evidence_id)
        if kept is None:
            raise NotFound("没有该证据", code="evidence_not_found")
        content_type, content = kept
        return Response(content, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


class PresenceCardsController(Controller):
    path = "/api/v1/persons"
    tags = ["persons"]
    guards = [signed_in]

    @post(
        "/{person_id:int}/presence-card/rotate",
        status_code=201,
        summary="A new presence card for the person's home: the old one stops proving events after now",
        guards=[allowed(Action.MANAGE_PRESENCE_CARDS)],
    )
    async def rotate(self, person_id: PathId, actor: CurrentActor, services: Services) -> PresenceCardOut:
        return await presence.rotate_card(services, actor, person_id)
