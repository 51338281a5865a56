"""Benchmarks behind `ltc bench <name>`: each module named in ``BENCHMARKS`` has
`add_arguments(parser)` and `run(args) -> dict`, and prints one JSON line. Figures go in the
README, never in tests. ``scratch`` gives a run its own database and loads it in bulk;
``endpoint`` is the bare insert the check-in benchmark compares with, mounted by the app only
when ``LTC_BENCH_ENDPOINTS`` is true."""

from __future__ import annotations

import resource
import sys

BENCHMARKS = ("score", "assign", "schedule", "checkin", "settle", "load", "pages", "import", "growth", "chart")
# A benchmark whose module has another name (``import`` is a Python keyword).
MODULES = {"import": "registry_import"}


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)
