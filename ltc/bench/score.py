"""Score random complete assessments with an instrument (the engine alone, no database).

Answers are drawn up front from the instrument's own options (seeded), so the timing
covers validation, dimension sums, bands and the result rule, and nothing else.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from ltc.bench import peak_rss_mb
from ltc.services.reference import instrument_catalog
from ltc.settings import Settings

# What grows with the city (`ltc bench growth` multiplies these flags by the size) and the
# figures whose growth it fits.
SCALES = ("assessments",)
GROWTH_FIGURES = ("seconds",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instrument", default="nhsa-2021", help="instrument code (its current version)")
    parser.add_argument("--assessments", type=int, default=100_000, help="how many to score")
    parser.add_argument("--seed", type=int, default=1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    instrument = instrument_catalog(Settings()).get(args.instrument)
    rng = random.Random(args.seed)
    answer_sets = [
        {item.key: rng.choice(item.options).value for item in instrument.items} for _ in range(args.assessments)
    ]
    levels: dict[Any, int] = {}
    started = time.perf_counter()
    for answers in answer_sets:
        level = instrument.score(answers).level
        levels[level] = levels.get(level, 0) + 1
    seconds = time.perf_counter() - started
    return {
        "instrument": instrument.code,
        "version": instrument.version,
        "assessments": args.assessments,
        "seconds": round(seconds, 3),
        "per_second": round(args.assessments / seconds),
        "peak_rss_mb": peak_rss_mb(),
        "levels": {str(k): v for k, v in sorted(levels.items(), key=lambda kv: str(kv[0]))},
    }
