"""`ltc bench growth`: the fit of a power law and the scaling of a bench's flags (pure), a
growth run of the score benchmark at three tiny sizes, and `ltc bench chart`'s SVG."""

from __future__ import annotations

import argparse
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ltc.bench import chart, growth, pages, schedule, settle

SVG = "{http://www.w3.org/2000/svg}"


@settings(max_examples=50, deadline=None)
@given(
    exponent=st.floats(-1.0, 3.0),
    coefficient=st.floats(0.01, 1000.0),
    sizes=st.lists(st.floats(0.01, 4.0), min_size=2, max_size=6, unique=True).filter(lambda s: max(s) / min(s) > 1.5),
)
def test_the_fit_recovers_the_exponent_of_exact_power_law_data(exponent, coefficient, sizes) -> None:
    fit = growth.fit_power_law(sizes, [coefficient * s**exponent for s in sizes])
    assert fit is not None
    assert fit.exponent == pytest.approx(exponent, abs=1e-6)
    assert fit.coefficient == pytest.approx(coefficient, rel=1e-6)
    assert fit.r2 == pytest.approx(1.0, abs=1e-9)


def test_a_noisy_fit_says_so_and_a_fit_needs_two_sizes() -> None:
    fit = growth.fit_power_law([1, 2, 4, 8], [1.0, 4.0, 2.0, 8.0])
    assert fit is not None and fit.r2 < 0.9
    assert growth.fit_power_law([1, 1], [2.0, 3.0]) is None
    assert growth.fit_power_law([1, 2], [0.0, 3.0]) is None, "a cost of 0 has no logarithm"


@given(
    full=st.dictionaries(st.sampled_from(["visits", "persons", "providers"]), st.integers(0, 10**8)),
    size=st.floats(0.001, 1.0),
)
def test_scaled_flags_are_whole_at_least_one_and_a_zero_stays_a_derived_default(full, size) -> None:
    scaled = growth.scaled_values(full, size)
    for name, value in full.items():
        assert scaled[name] == (0 if value == 0 else max(1, round(value * size)))
        assert scaled[name] <= max(value, 1)


def test_the_scaled_flags_come_last_so_they_win_and_the_rest_pass_through() -> None:
    flags = ["--days", "92", "--visits", "8700000"]
    argv = growth.scaled_argv(flags, {"visits": 1087500, "visits_per_day": 36250})
    parser = argparse.ArgumentParser()
    pages.add_arguments(parser)
    parsed = parser.parse_known_args(argv)[0]
    assert parsed.visits == 1087500 and parsed.visits_per_day == 36250
    assert growth.split_rest(["--sizes", "0.5,1", "--", "--visits", "9"]) == (["--sizes", "0.5,1"], ["--visits", "9"])
    assert growth.parse_sizes("1,0.125,0.5,0.5") == [0.125, 0.5, 1.0]
    with pytest.raises(ValueError):
        growth.parse_sizes("0,1")


def test_every_measurable_bench_says_what_grows_and_what_is_fitted() -> None:
    for name in growth.MEASURABLE:
        module = growth.bench_module(name)
        full = growth.full_values(module, [])
        assert full and all(isinstance(v, int) for v in full.values()), name
        assert module.GROWTH_FIGURES, name
    assert growth.full_values(schedule, ["--beneficiaries", "400000"])["beneficiaries"] == 400_000
    assert set(settle.SCALES) == {"visits", "providers"}


def growth_of_score(tmp_path: Path) -> dict:
    parser = argparse.ArgumentParser()
    growth.add_arguments(parser)
    args = parser.parse_args(["score", "--sizes", "0.25,0.5,1", "--", "--assessments", "400"])
    args.json = False
    result = growth.run(args)
    json.dumps(result)  # one JSON line
    return result


def test_a_growth_run_of_the_score_benchmark_at_three_tiny_sizes(tmp_path: Path) -> None:
    result = growth_of_score(tmp_path)
    assert result["sizes"] == [0.25, 0.5, 1.0]
    assert [run["result"]["assessments"] for run in result["runs"]] == [100, 200, 400]
    assert [run["flags"] for run in result["runs"]] == [{"assessments": n} for n in (100, 200, 400)]
    for run in result["runs"]:
        # the kernel's account of the whole process covers at least what it saw of itself
        assert run["figures"]["process_peak_rss_mb"] >= run["result"]["peak_rss_mb"] > 0
    assert set(result["exponents"]) == {"seconds", "process_peak_rss_mb"}
    assert all(math.isfinite(fit["exponent"]) for fit in result["exponents"].values() if fit)
    assert "not included" in result["memory"]

    # the chart of it, and of a made-up second benchmark
    made_up = {
        "bench": "settle",
        "exponents": {"seconds": {"exponent": 1.04, "r2": 0.99}},
        "runs": [{"size": s, "figures": {"seconds": 3.0 * s}} for s in (0.125, 0.5, 1.0)],
    }
    (tmp_path / "score.json").write_text(json.dumps(result) + "\n")
    (tmp_path / "settle.json").write_text("some log line\n" + json.dumps(made_up) + "\n")
    out = tmp_path / "growth.svg"
    args = argparse.Namespace(files=[tmp_path / "score.json", tmp_path / "settle.json"], output=out, title="Growth")
    answer = chart.run(args)
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Growth"
    assert len(root.findall(f"{SVG}path")) == 2
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "k = 1.04" in text and f"k = {result['exponents']['seconds']['exponent']:.2f}" in text
    assert "1/8" in text and "settle (seconds)" in text
    assert [s["exponent"] for s in answer["series"]][1] == 1.04


def test_sizes_are_named_as_fractions() -> None:
    assert [chart.size_label(s) for s in (1.0, 0.125, 1 / 64, 0.3)] == ["1", "1/8", "1/64", "0.3"]
