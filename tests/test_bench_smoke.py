"""`ltc bench schedule` and `ltc bench checkin` run at a tiny size and say what they promise
(no timing is asserted: benchmarks are never timed tests)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from ltc.bench import checkin, schedule
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
