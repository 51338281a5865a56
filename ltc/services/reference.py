"""Reference data read from files: the city's policy book and the assessment instruments.
Loaded once per path; files of an instrument version are never edited once used."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from ltc.domain.access import Action, Actor, require
from ltc.domain.catalogue import ServiceCatalogue
from ltc.domain.errors import InvalidInput, NotFound
from ltc.domain.instruments import Instrument
from ltc.domain.policy import Policy, PolicyBook
from ltc.domain.policy_changes import PolicyVersionChanges, version_history
from ltc.settings import Settings


@lru_cache(maxsize=8)
def _policy_book(path: Path) -> PolicyBook:
    return PolicyBook.from_dict(json.loads(path.read_text(encoding="utf-8")))


def policy_book(settings: Settings) -> PolicyBook:
    return _policy_book(settings.policy_file)


@dataclass(frozen=True)
class PolicyHistory:
    """The city's policy versions, what each changed, and the one in force today."""

    city: str
    versions: tuple[PolicyVersionChanges, ...]
    rules: dict[str, Policy]  # every version's full rules, by version
    in_force: str


def policy_history(actor: Actor, settings: Settings, today: date) -> PolicyHistory:
    require(actor, Action.READ_POLICY)
    book = policy_book(settings)
    current = next((v.version for v in reversed(book.versions) if v.effective_from <= today), "")
    return PolicyHistory(
        city=book.city,
        versions=version_history(book.versions),
        rules={v.version: v for v in book.versions},
        in_force=current,
    )


def _version_key(version: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in version.split("."))


class InstrumentCatalog:
    """Every instrument version on file, by (code, version); the newest is the current one."""

    def __init__(self, instruments: list[Instrument]) -> None:
        self._by_key = {(i.code, i.version): i for i in instruments}
        self._current: dict[str, Instrument] = {}
        for instrument in sorted(instruments, key=lambda i: _version_key(i.version)):
            self._current[instrument.code] = instrument

    def current(self) -> list[Instrument]:
        return [self._current[code] for code in sorted(self._current)]

    def get(self, code: str, version: str | None = None) -> Instrument:
        if code not in self._current:
            raise NotFound(f"没有评估工具 {code}", code="instrument_not_found")
        if version is None:
            return self._current[code]
        try:
            return self._by_key[(code, version)]
        except KeyError:
            raise InvalidInput(
                f"评估工具 {code} 没有版本 {version}（当前版本 {self._current[code].version}）",
                code="unknown_instrument_version",
            ) from None


@lru_cache(maxsize=8)
def _catalog(folder: Path) -> InstrumentCatalog:
    definitions = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*/*.json"))
        if not path.name.endswith(".golden.json")
    ]
    return InstrumentCatalog([Instrument.from_definition(raw) for raw in definitions])


def instrument_catalog(settings: Settings) -> InstrumentCatalog:
    return _catalog(settings.assessments_dir)


@lru_cache(maxsize=8)
def _catalogue(path: Path) -> ServiceCatalogue:
    return ServiceCatalogue.from_dict(json.loads(path.read_text(encoding="utf-8")))


def service_catalogue(settings: Settings) -> ServiceCatalogue:
    return _catalogue(settings.service_catalogue_file)
