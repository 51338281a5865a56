"""`ltc bench schedule`, `checkin` and `load` run at a tiny size and say what they promise
(no timing is asserted: benchmarks are never timed tests)."""

from __future__ import annotations

import argparse
import os
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


def test_the_worker_processes_need_postgresql_and_redis(monkeypatch) -> None:
    monkeypatch.delenv("LTC_REDIS_URL", raising=False)
    with pytest.raises(SystemExit, match="PostgreSQL and Redis"):
        schedule.run(parse(schedule, ["--beneficiaries", "10", "--worker-processes", "2"]))


def test_amdahls_serial_fraction_is_fitted_from_one_and_two_processes() -> None:
    from ltc.bench.fanout import amdahl_model

    model = amdahl_model({1: 10.0, 2: 6.0})  # a speed-up of 5/3 with two
    assert model is not None and model["serial_fraction"] == 0.2
    assert model["speedup"]["4"] == 2.5 and model["limit"] == 5.0
    assert amdahl_model({2: 6.0}) is None


def test_the_schedule_benchmark_shares_the_job_among_worker_processes(keep_the_engine: None, monkeypatch) -> None:
    from ltc.bench.scratch import server_url

    if not server_url() or not os.environ.get("LTC_REDIS_URL"):
        pytest.skip("worker processes share a PostgreSQL database and a Redis queue")
    monkeypatch.setenv("LTC_ALLOW_DEVELOPMENT_KEYS", "true")  # the scratch database's personal data
    args = parse(
        schedule, "--beneficiaries 150 --caregivers 30 --providers 4 --days 7 --worker-processes 2 --parts 3".split()
    )
    result = schedule.run(args)
    (run,) = result["runs"]
    assert run["worker_processes"] == 2 and 1 < run["parts"] <= 3
    assert run["visits"] > 0 and run["conflicts"] == 0 and run["accounted"]
