"""The service catalogue (DOMAIN §5): the items a care plan chooses from and a visit logs.

The catalogue is policy data (``policies/service_catalogue.json``, Shanghai's 42 items:
27 basic living-care items B01–B27 and 15 clinical items C01–C15 that need a nurse);
the caller reads the file and hands the parsed dict to :meth:`ServiceCatalogue.from_dict`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ltc.domain.errors import InvalidInput, NotFound


@dataclass(frozen=True, slots=True)
class ServiceItem:
    code: str
    name: str
    name_en: str
    clinical: bool


@dataclass(frozen=True, slots=True)
class ServiceCatalogue:
    version: str
    items: tuple[ServiceItem, ...]
    _by_code: dict[str, ServiceItem] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code: dict[str, ServiceItem] = {}
        for item in self.items:
            if item.code in by_code:
                raise InvalidInput(f"service item {item.code} appears twice", code="invalid_catalogue")
            by_code[item.code] = item
        object.__setattr__(self, "_by_code", by_code)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ServiceCatalogue:
        try:
            version = str(raw["version"])
            items = tuple(
                ServiceItem(
                    code=str(entry["code"]),
                    name=str(entry["name"]),
                    name_en=str(entry.get("name_en", entry["name"])),
                    clinical=bool(entry.get("clinical", False)),
                )
                for entry in raw["items"]
            )
        except (KeyError, TypeError) as exc:
            raise InvalidInput(f"malformed service catalogue: {exc}", code="invalid_catalogue") from exc
        if not items:
            raise InvalidInput("the service catalogue has no items", code="invalid_catalogue")
        return cls(version=version, items=items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "items": [
                {"code": i.code, "name": i.name, "name_en": i.name_en, "clinical": i.clinical} for i in self.items
            ],
        }

    # lookups -------------------------------------------------------------------------
    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[ServiceItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, code: str) -> ServiceItem | None:
        return self._by_code.get(code)

    def item(self, code: str) -> ServiceItem:
        """The item with this code; ``NotFound`` (code ``unknown_service_item``) otherwise."""
        try:
            return self._by_code[code]
        except KeyError:
            raise NotFound(f"no service item {code}", code="unknown_service_item") from None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    @property
    def clinical_codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.items if i.clinical)

    @property
    def basic_codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.items if not i.clinical)

    def unknown(self, codes: Iterable[str]) -> list[str]:
        """The codes (in the order given, without repeats) that are not in the catalogue."""
        seen: list[str] = []
        for code in codes:
            if code not in self._by_code and code not in seen:
                seen.append(code)
        return seen

    def needs_nurse(self, codes: Iterable[str]) -> bool:
        return any(self._by_code[c].clinical for c in codes if c in self._by_code)
