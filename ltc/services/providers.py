"""Reading the provider registry, scoped by who asks."""

from __future__ import annotations

from typing import Any

from ltc.db.tables import Caregiver, Provider
from ltc.domain.access import Actor, Role, require_provider_visible
from ltc.domain.errors import NotFound

_PROVIDER_COLUMNS = (
    Provider.id,
    Provider.code,
    Provider.name,
    Provider.name_en,
    Provider.kind,
    Provider.status,
    Provider.town.code.as_alias("town_code"),
    Provider.address,
    Provider.lat,
    Provider.lon,
    Provider.service_radius_km,
    Provider.capacity,
    Provider.hourly_price_fen,
    Provider.daily_price_fen,
)


async def list_providers(actor: Actor) -> list[dict[str, Any]]:
    query = Provider.select(*_PROVIDER_COLUMNS).order_by(Provider.code)
    if actor.role == Role.AGENCY:
        query = query.where(Provider.id == actor.provider_id)
    return await query


async def get_provider(actor: Actor, provider_id: int) -> dict[str, Any]:
    require_provider_visible(actor, provider_id)
    row = await Provider.select(*_PROVIDER_COLUMNS).where(Provider.id == provider_id).first()
    if row is None:
        raise NotFound("no such provider", code="provider_not_found")
    return row


async def list_caregivers(actor: Actor, provider_id: int) -> list[dict[str, Any]]:
    await get_provider(actor, provider_id)
    return await Caregiver.select(
        Caregiver.id,
        Caregiver.provider,
        Caregiver.name,
        Caregiver.qualification,
        Caregiver.lat,
        Caregiver.lon,
        Caregiver.weekly_hours,
        Caregiver.active,
    ).where(Caregiver.provider == provider_id).order_by(Caregiver.id)
