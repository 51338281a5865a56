"""`ltc bench schedule`, `checkin` and `load` run at a tiny size and say what they promise
(no timing is asserted: benchmarks are never timed tests)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from ltc.bench import checkin, load, schedule
from ltc.db import engine as db_engine


@pytest.fixture
def keep_the_engine() -> Iterator[None]:
    """The benchmarks bind the tables to their own scratch database; bind them back after."""
    previous = list(db_engine._current)
    yield
    if previous:
        db_engine.bind(previous[0])


def parse(module, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


def test_the_schedule_benchmark_generates_checked_visits(keep_the_engine: None) -> None:
    args = parse(schedule, ["--beneficiaries", "150", "--caregivers", "30", "--days", "7"])
    result = schedule.run(args)
    assert {"beneficiaries", "caregivers", "providers", "days", "visits", "seconds", "peak_rss_mb"} <= result.keys()
    assert {"conflicts", "unscheduled"} <= result.keys()
    assert result["visits"] > 0 and result["conflicts"] == 0
    assert result["stored_visits"] == result["visits"] and result["accounted"]


def test_the_checkin_benchmark_checks_in_over_http(keep_the_engine: None) -> None:
    args = parse(
        checkin, ["--requests", "20", "--concurrency", "4", "--providers", "1", "--warmup", "2", "--in-process"]
    )
    result = checkin.run(args)
    assert {"requests", "concurrency", "rps", "p99_ms", "baseline_rps", "baseline_p99_ms", "errors"} <= result.keys()
    assert result["errors"] == 0 and result["baseline_errors"] == 0 and result["flagged"] == 0
    assert result["rps"] > 0 and result["baseline_rps"] > 0


def test_the_load_benchmark_mixes_every_kind_and_follows_the_build(keep_the_engine: None) -> None:
    args = parse(
        load,
        "--seconds 4 --persons 60 --providers 2 --month-visits-per-person 2 --factor 3 --visit-seconds 1 --in-process".split(),
    )
    result = load.run(args)
    assert set(result["kinds"]) == {"check_in", "check_out", "page", "api_read"}
    assert all(kind["requests"] > 0 for kind in result["kinds"].values()), result["kinds"]
    assert result["errors"] == 0, result["kinds"]
    assert result["build"]["status"] == "done" and result["build"]["settlements"] == 2
    assert result["month_visits"] == 120
