"""How a benchmark's cost grows with the city: the benchmark at several sizes, and the exponent of a fit.

``ltc bench growth <bench> --sizes 0.125,0.5,1 [-- <the bench's own flags at full size>]``
runs ``ltc bench <bench> --json`` once per size, each in a fresh process, with the flags that
grow with the city (the bench module's ``SCALES``) multiplied by the size; the others are
passed as given. Each run's headline figures (the module's ``GROWTH_FIGURES``, and the peak
memory of the benchmark's process tree, measured here from the exit of the process) are fitted
to cost = a·size^k by least squares on the logarithms; the answer is one JSON line with the
sizes, each run's figures, and k with the fit's r² for every figure. The database server's
memory is not included (it is another process, not a child of the benchmark).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from ltc.bench import BENCHMARKS, MODULES

# The peak resident memory of the benchmark's process and the children it waited for.
PROCESS_PEAK = "process_peak_rss_mb"
# Benchmarks that say what grows with the city (``SCALES``); not the ones about benchmarks.
MEASURABLE = tuple(b for b in BENCHMARKS if b not in ("load", "growth", "chart"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bench", choices=MEASURABLE, help="the benchmark measured")
    parser.add_argument("--sizes", default="0.125,0.5,1", help="fractions of the full size, comma-separated")
    # Everything after the bench's name: this command's own options, then after -- the bench's.
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="[--sizes …] [--json] -- <the bench's flags>")


# --------------------------------------------------------------------------- pure parts


@dataclass(frozen=True)
class PowerFit:
    """cost ≈ coefficient · size^exponent, and how well the logarithms fit a line (r²)."""

    coefficient: float
    exponent: float
    r2: float


def fit_power_law(sizes: Sequence[float], costs: Sequence[float]) -> PowerFit | None:
    """Least squares on log(cost) = log(a) + k·log(size); None without two distinct sizes of
    positive cost (a logarithm needs them)."""
    points = [(math.log(s), math.log(c)) for s, c in zip(sizes, costs, strict=True) if s > 0 and c > 0]
    if len({x for x, _ in points}) < 2:
        return None
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    slope, intercept = np.polyfit(x, y, 1)
    residual = float(np.sum((y - (slope * x + intercept)) ** 2))
    spread = float(np.sum((y - y.mean()) ** 2))
    # A flat cost (spread within rounding) is fitted by its level: nothing left to explain.
    r2 = 1.0 - residual / spread if spread > 1e-12 else 1.0
    return PowerFit(coefficient=float(math.exp(intercept)), exponent=float(slope), r2=r2)


def split_rest(rest: Sequence[str]) -> tuple[list[str], list[str]]:
    """This command's options and, after the first --, the bench's own flags."""
    if "--" not in rest:
        return list(rest), []
    at = list(rest).index("--")
    return list(rest[:at]), list(rest[at + 1 :])


def parse_sizes(text: str) -> list[float]:
    sizes = [float(part) for part in text.split(",") if part.strip()]
    if not sizes or any(not math.isfinite(s) or s <= 0 for s in sizes):
        raise ValueError(f"sizes must be positive fractions: {text!r}")
    return sorted(set(sizes))


def scaled_values(full: Mapping[str, int], size: float) -> dict[str, int]:
    """Each flag that grows with the city at ``size`` of its full value: rounded, at least 1;
    a 0 (the bench's own default rule, e.g. derived from others) stays 0."""
    return {name: 0 if value == 0 else max(1, round(value * size)) for name, value in full.items()}


def scaled_argv(flags: Sequence[str], scaled: Mapping[str, int]) -> list[str]:
    """The bench's flags with the scaled values appended (argparse keeps the last)."""
    argv = list(flags)
    for name, value in scaled.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    return argv


def figure(result: Mapping[str, Any], name: str) -> float | None:
    value = result.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


# --------------------------------------------------------------------------- the runs


def bench_module(name: str) -> ModuleType:
    return importlib.import_module(f"ltc.bench.{MODULES.get(name, name)}")


def full_values(module: ModuleType, flags: Sequence[str]) -> dict[str, int]:
    """The full-size values of the flags in the module's ``SCALES``: as given, else its defaults."""
    parser = argparse.ArgumentParser(prog=f"ltc bench {module.__name__}")
    module.add_arguments(parser)
    parsed = parser.parse_args(list(flags))
    return {name: int(getattr(parsed, name)) for name in module.SCALES}


def run_once(bench: str, argv: Sequence[str]) -> dict[str, Any]:
    """``ltc bench <bench> --json`` in a fresh process: its JSON line, and the peak memory of
    that process (and any children it waited for) from the kernel's account at its exit."""
    command = [sys.executable, "-m", "ltc.cli", "bench", bench, *argv, "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")
    lines = [line for line in output.decode().splitlines() if line.startswith("{")]
    result: dict[str, Any] = json.loads(lines[-1])
    result[PROCESS_PEAK] = round(usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    module = bench_module(args.bench)
    own, flags = split_rest(args.rest)
    options = argparse.ArgumentParser(prog=f"ltc bench growth {args.bench}")
    options.add_argument("--sizes", default=args.sizes)
    options.add_argument("--json", action="store_true", default=args.json)
    parsed = options.parse_args(own)
    args.json = parsed.json  # printed by `ltc bench` as one line
    sizes = parse_sizes(parsed.sizes)
    full = full_values(module, flags)
    names = [*module.GROWTH_FIGURES, PROCESS_PEAK]
    runs = []
    for size in sizes:
        scaled = scaled_values(full, size)
        result = run_once(args.bench, scaled_argv(flags, scaled))
        runs.append({"size": size, "flags": scaled, "figures": {n: figure(result, n) for n in names}, "result": result})
    fits: dict[str, Any] = {}
    for name in names:
        pairs = [(r["size"], r["figures"][name]) for r in runs if r["figures"][name] is not None]
        fit = fit_power_law([s for s, _ in pairs], [c for _, c in pairs])
        fits[name] = None if fit is None else {"exponent": round(fit.exponent, 3), "r2": round(fit.r2, 4)}
    return {
        "bench": args.bench,
        "sizes": sizes,
        "full": full,
        "flags": flags,
        "exponents": fits,
        "runs": runs,
        "memory": f"{PROCESS_PEAK}: the benchmark's process and its children; the database server's is not included",
    }
