"""`ltc bench import` at a tiny size says what it promises: every row either stored or
refused, the same file again changes nothing, a changed file updates exactly the changed
rows (no timing is asserted: benchmarks are never timed tests)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from ltc.bench import registry_import
from ltc.cli import build_parser
from ltc.db import engine as db_engine


@pytest.fixture
def keep_the_engine() -> Iterator[None]:
    previous = list(db_engine._current)
    yield
    if previous:
        db_engine.bind(previous[0])


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    registry_import.add_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_import_benchmark_stores_or_refuses_every_row_and_reimports_idempotently(
    keep_the_engine: None, kind: str
) -> None:
    result = registry_import.run(parse(["--rows", "300", "--format", kind, "--bad-share", "0.05"]))
    assert result["rows"] == 300 and result["format"] == kind
    assert 0 < result["refused_rows"] < 60
    assert result["checks"]["created_plus_refused"] == 300
    assert result["checks"]["stored_persons"] == result["created"]
    assert result["reimport_changed"] == 0
    assert result["checks"]["updated_on_changed_file"] == result["changed_rows"] == 3


def test_the_cli_names_the_benchmark_import() -> None:
    args = build_parser().parse_args(["bench", "import", "--rows", "10", "--json"])
    assert args.bench_module is registry_import and args.rows == 10 and args.json
