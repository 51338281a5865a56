"""Litestar dependencies: the service context and the signed-in actor."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from ltc.domain.access import Actor
from ltc.services.context import ServiceContext
from ltc.web.security import current_actor


def provide_services(state: State) -> ServiceContext:
    return state.services


def provide_actor(request: Request) -> Actor:
    return current_actor(request)


# Handler parameter types: injected by name (Litestar's explicit named dependencies).
CurrentActor = NamedDependency[Actor]
Services = NamedDependency[ServiceContext]
