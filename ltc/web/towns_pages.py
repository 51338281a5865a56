"""The rollout page: each town of the district, when the scheme opens there and its own rules
in words, its figures, and the same figures summed per rollout phase."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from ltc.domain.access import Action
from ltc.domain.money import format_yuan
from ltc.services import towns
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.pages import page
from ltc.web.policy_words import town_rules_words
from ltc.web.security import allowed


class TownsPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.READ_TOWNS)]

    @get("/towns")
    async def towns(self, actor: CurrentActor, services: Services) -> Template:
        return page(
            "towns/index.html",
            rollout=await towns.rollout(services, actor),
            rules_words=town_rules_words,
            yuan=format_yuan,
        )
