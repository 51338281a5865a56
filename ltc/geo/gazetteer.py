"""An offline geocoder over the district's towns: an address that names a town resolves to
that town's centroid. It is a geopy ``Geocoder``, so it can be swapped for an online one."""

from __future__ import annotations

from collections.abc import Iterable

from geopy.geocoders.base import Geocoder
from geopy.location import Location

from ltc.domain.towns import Town


class GazetteerGeocoder(Geocoder):
    """Resolves by the longest town name the query contains (Chinese or English names)."""

    def __init__(self, towns: Iterable[Town]) -> None:
        super().__init__(scheme="https", timeout=1, proxies={}, user_agent="ltc-gazetteer")
        names: list[tuple[str, Town]] = []
        for town in towns:
            names.append((town.name, town))
            names.append((town.name_en.lower(), town))
            # "溪口镇" is often written "溪口"; keep the short form unless it is ambiguous.
            short = town.name.removesuffix("街道").removesuffix("镇")
            if len(short) >= 2:
                names.append((short, town))
        self._names = sorted(names, key=lambda pair: len(pair[0]), reverse=True)

    def geocode(self, query: str, *, exactly_one: bool = True, **_: object):  # type: ignore[override]
        text = (query or "").strip()
        lowered = text.lower()
        matches: list[Location] = []
        seen: set[str] = set()
        for name, town in self._names:
            if name and name in lowered and town.code not in seen:
                seen.add(town.code)
                matches.append(
                    Location(
                        f"{town.name}, {town.name_en}",
                        (town.lat, town.lon),
                        {"town_code": town.code, "matched": name, "precision": "town"},
                    )
                )
        if not matches:
            return None
        return matches[0] if exactly_one else matches

    def reverse(self, *args: object, **kwargs: object):  # pragma: no cover - not offered offline
        raise NotImplementedError("the gazetteer geocoder does not reverse-geocode")
