"""`ltc bench pages` at a tiny size: it generates its city, asks every list page and list API
in every way it promises, and every answer is a 200 (no timing is asserted)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from ltc.bench import pages
from ltc.db import engine as db_engine


@pytest.fixture
def keep_the_engine() -> Iterator[None]:
    """The benchmark binds the tables to its own scratch database; bind them back after."""
    previous = list(db_engine._current)
    yield
    if previous:
        db_engine.bind(previous[0])


def test_the_pages_benchmark_asks_every_list_in_every_way(keep_the_engine: None) -> None:
    parser = argparse.ArgumentParser()
    pages.add_arguments(parser)
    args = parser.parse_args(
        "--persons 600 --visits 6000 --visits-per-day 400 --beneficiaries 80 --providers 6 --caregivers 12"
        " --requests 2 --limit 5".split()
    )
    result = pages.run(args)
    counts = result["counts"]
    assert counts["persons"] == 600 and counts["visits"] == 6000 and counts["days"] == 15
    assert counts["applications"] == 100 and 0 < counts["conclusions"] < 100
    assert counts["visit_exceptions"] > 0 and counts["visit_alerts"] > 0 and counts["settlements"] >= 6
    assert result["not_200"] == [], result["not_200"]
    lists = [
        "persons",
        "applications",
        "conclusions",
        "providers",
        "visits",
        "visits_agency",
        "visit_exceptions",
        "visit_alerts",
    ]
    expected = {f"{kind}:{name}" for kind in ("api", "page") for name in [*lists, "settlements"]}
    assert set(result["endpoints"]) == expected
    for name, ways in result["endpoints"].items():
        assert "first" in ways and all(w["p50_ms"] is not None and w["p95_ms"] is not None for w in ways.values())
        if name.startswith("api:"):
            assert all(w["rows"] <= 5 for w in ways.values()), name
    # the long lists are read deep through the cursor, the first page is full
    for name in ("api:persons", "api:visits", "api:visit_exceptions", "api:applications", "page:visits"):
        assert "deep" in result["endpoints"][name], name
    assert result["endpoints"]["api:visits"]["deep"]["rows"] == 5
    assert result["generation_seconds"] > 0 and result["db"] in ("sqlite", "postgresql")
