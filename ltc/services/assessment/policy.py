"""The day in the city and the policy in force on a day, as every assessment step reads them."""

from __future__ import annotations

from datetime import date

from ltc.domain.policy import Policy
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.reference import policy_book


def today(ctx: ServiceContext) -> date:
    return local_today(ctx.clock, ctx.settings.zone)


def policy_on(ctx: ServiceContext, day: date) -> Policy:
    return policy_book(ctx.settings).in_force(day)
