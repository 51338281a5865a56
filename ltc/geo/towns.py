"""The district's towns, shipped with the package (a copy of shared/data/fenghua_towns.csv)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ltc.domain.towns import Town, parse_towns_csv

TOWNS_CSV = Path(__file__).with_name("data") / "fenghua_towns.csv"


@lru_cache(maxsize=1)
def load_towns() -> tuple[Town, ...]:
    return tuple(parse_towns_csv(TOWNS_CSV.read_text(encoding="utf-8")))
