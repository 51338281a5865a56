"""The district's towns as values: what the towns file says of each (code, names, kind,
centroid, terrain, share of people aged 60+). Reading the file is ``ltc.geo.towns``'s job."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Town:
    code: str
    name: str
    name_en: str
    kind: str
    lat: float
    lon: float
    terrain: str
    share_60plus: float

    @classmethod
    def from_row(cls, row: dict[str, str]) -> Town:
        return cls(
            code=row["code"].strip(),
            name=row["name"].strip(),
            name_en=row["name_en"].strip(),
            kind=row["kind"].strip(),
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            terrain=row["terrain"].strip(),
            share_60plus=float(row["share_60plus"]),
        )


def parse_towns_csv(text: str) -> list[Town]:
    return [Town.from_row(row) for row in csv.DictReader(io.StringIO(text))]
