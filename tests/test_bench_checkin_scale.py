"""`ltc bench checkin --web-processes N` and its peak rate: what they resolve to (no timing)."""

from __future__ import annotations

import argparse

import pytest

from ltc.bench import checkin


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    checkin.add_arguments(parser)
    return parser.parse_args(argv)


def test_the_peak_rate_is_shanghais_busiest_hour() -> None:
    # 8.7 million visits, two events each, on 22 days; half a day's events in the busiest hour.
    assert checkin.peak_rate() == 110 == checkin.PEAK_RATE
    assert checkin.peak_rate(visits_per_month=1_500_000) == 19  # Ningbo's month
    assert checkin.peak_rate(peak_hour_share=1.0) == 220


def test_the_fixed_rate_is_the_peak_with_several_processes_unless_told() -> None:
    assert checkin.fixed_rate(parse([])) == 0
    assert checkin.fixed_rate(parse(["--peak"])) == checkin.PEAK_RATE
    assert checkin.fixed_rate(parse(["--web-processes", "2"])) == checkin.PEAK_RATE
    assert checkin.fixed_rate(parse(["--web-processes", "2", "--rate", "200"])) == 200
    assert checkin.fixed_rate(parse(["--rate", "0", "--peak"])) == 0


def test_several_web_processes_share_the_queue_through_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    assert checkin.server_settings(1)["redis_url"] == ""  # one process: the embedded queue
    monkeypatch.delenv("LTC_REDIS_URL", raising=False)
    with pytest.raises(SystemExit, match="LTC_REDIS_URL"):
        checkin.server_settings(2)
    monkeypatch.setenv("LTC_REDIS_URL", "redis://127.0.0.1:1/0")
    assert checkin.server_settings(2)["redis_url"] == "redis://127.0.0.1:1/0"
    with pytest.raises(SystemExit, match="in-process"):
        checkin.run(parse(["--web-processes", "2", "--in-process"]))
